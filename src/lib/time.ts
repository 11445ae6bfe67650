/** Calendar dates in a deployment's IANA time zone, with Intl doing the offsets (DST-safe). */

export function todayIn(timeZone: string, now = new Date()): string {
  return dateIn(timeZone, now);
}

// Building an Intl.DateTimeFormat costs far more than using one (found by `npm run bench`:
// availability spent most of its CPU here), so each zone's formatters are made once.
const dateFormats = new Map<string, Intl.DateTimeFormat>();
const offsetFormats = new Map<string, Intl.DateTimeFormat>();

function cached(map: Map<string, Intl.DateTimeFormat>, timeZone: string, make: () => Intl.DateTimeFormat) {
  let f = map.get(timeZone);
  if (!f) {
    f = make();
    map.set(timeZone, f);
  }
  return f;
}

export function dateIn(timeZone: string, instant: Date): string {
  const parts = cached(
    dateFormats,
    timeZone,
    () => new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }),
  ).formatToParts(instant);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return `${get("year")}-${get("month")}-${get("day")}`;
}

/**
 * A zone's offset, remembered per quarter hour of UTC: formatting costs microseconds and slot and
 * working-time arithmetic asks for the same few quarters again and again. A quarter is remembered
 * only when its first and last millisecond agree (no change inside it); otherwise — the rare
 * quarter with a transition — every instant is computed.
 */
const QUARTER_HOUR_MS = 15 * 60_000;
const offsets = new Map<string, number | null>();

/** Offset of the zone from UTC at an instant, in minutes (Berlin in summer: +120). */
export function offsetMinutes(timeZone: string, instant: Date): number {
  const quarter = Math.floor(instant.getTime() / QUARTER_HOUR_MS);
  if (!Number.isFinite(quarter)) return offsetFromIntl(timeZone, instant);
  const key = `${timeZone} ${quarter}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    const first = offsetFromIntl(timeZone, new Date(quarter * QUARTER_HOUR_MS));
    const last = offsetFromIntl(timeZone, new Date((quarter + 1) * QUARTER_HOUR_MS - 1));
    offset = first === last ? first : null;
    if (offsets.size >= 50_000) offsets.clear();
    offsets.set(key, offset);
  }
  return offset ?? offsetFromIntl(timeZone, instant);
}

/** The offset as Intl formats it at the instant, remembered nowhere. */
export function offsetFromIntl(timeZone: string, instant: Date): number {
  const parts = cached(
    offsetFormats,
    timeZone,
    () =>
      new Intl.DateTimeFormat("en-US", {
        timeZone,
        hourCycle: "h23",
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
      }),
  ).formatToParts(instant);
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return Math.round((asUtc - instant.getTime()) / 60_000);
}

/** The UTC instant of a local wall-clock time on a date in the zone. */
export function zonedTimeToUtc(date: string, time: string, timeZone: string): Date {
  const [y, m, d] = date.split("-").map(Number);
  const [hh, mm] = time.split(":").map(Number);
  const guess = Date.UTC(y, m - 1, d, hh, mm);
  // Two passes settle the offset across a DST change.
  let instant = guess - offsetMinutes(timeZone, new Date(guess)) * 60_000;
  instant = guess - offsetMinutes(timeZone, new Date(instant)) * 60_000;
  return new Date(instant);
}

export function addDays(date: string, days: number): string {
  const t = Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10)) + days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

export function addMonths(date: string, months: number): string {
  const y = +date.slice(0, 4),
    m = +date.slice(5, 7) - 1 + months,
    d = +date.slice(8, 10);
  const target = new Date(Date.UTC(y, m, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d, lastDay));
  return target.toISOString().slice(0, 10);
}

const transitionsCache = new Map<string, string>();

/**
 * The zone's UTC offsets as JSON `[[from_utc_iso, minutes], …]` from 2000 to two years ahead:
 * SQLite knows no time zones, so SQL that needs a local calendar day binds this list.
 */
export function zoneOffsetsJson(timeZone: string, now = new Date()): string {
  const key = `${timeZone}|${now.getUTCFullYear()}`;
  const hit = transitionsCache.get(key);
  if (hit) return hit;
  const out: [string, number][] = [["0000", offsetMinutes(timeZone, new Date(Date.UTC(2000, 0, 1)))]];
  const end = Date.UTC(now.getUTCFullYear() + 2, 11, 31);
  const step = 7 * 86_400_000;
  for (let t = Date.UTC(2000, 0, 1); t < end; t += step) {
    const before = offsetMinutes(timeZone, new Date(t));
    const after = offsetMinutes(timeZone, new Date(t + step));
    if (before === after) continue;
    // Narrow the change to the minute.
    let lo = t,
      hi = t + step;
    while (hi - lo > 60_000) {
      const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
      if (offsetMinutes(timeZone, new Date(mid)) === before) lo = mid;
      else hi = mid;
    }
    out.push([new Date(hi).toISOString(), after]);
  }
  const json = JSON.stringify(out);
  transitionsCache.set(key, json);
  return json;
}

/** An instant as the zone's wall-clock time with its offset ("2026-11-03T08:30:00+02:00"); null stays null. */
export function localIso(instant: string | null, timeZone: string): string | null {
  if (!instant) return null;
  const at = new Date(instant);
  const offset = offsetMinutes(timeZone, at);
  const wall = new Date(at.getTime() + offset * 60_000).toISOString().slice(0, 19);
  const abs = Math.abs(offset);
  return `${wall}${offset < 0 ? "-" : "+"}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}
