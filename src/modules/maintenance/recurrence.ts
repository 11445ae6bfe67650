import { datetime, Frequency, RRule } from "rrule";
import { addDays, zonedTimeToUtc } from "../../lib/time";
import { framesOn, type WorkingCalendar } from "../../lib/working-time";

/**
 * PM-1 recurrence, DST-safe by construction: the RRULE runs on "floating" wall-clock times (the
 * library's UTC fields stand for the plan's local date and time), and each occurrence's local
 * date and time become an instant through the zone only at the end — so "09:00 on the first
 * Monday" stays 09:00 local on both sides of a daylight-saving change.
 */
export interface Recurrence {
  rrule: string;
  timeZone: string;
  startDate: string;
  startTime: string;
  endDate: string | null;
  count: number | null;
}

export class RuleError extends Error {}

const FORBIDDEN = ["DTSTART", "TZID", "BYHOUR", "BYMINUTE", "BYSECOND", "UNTIL", "COUNT"];

/** The rule's options without its start, end and times (those come from the plan's own fields). */
export function parseRule(text: string) {
  const body = text.trim().replace(/^RRULE:/i, "");
  const names = body.split(";").map((part) => part.split("=")[0].toUpperCase());
  const bad = names.find((n) => FORBIDDEN.includes(n));
  if (bad)
    throw new RuleError(
      `${bad} is set by the plan itself (start_date, start_time, time_zone, end_date, count), not in the rule`,
    );
  let options: ReturnType<typeof RRule.parseString>;
  try {
    options = RRule.parseString(body);
  } catch (err) {
    throw new RuleError(`Not an RRULE: ${(err as Error).message}`);
  }
  if (options.freq === undefined) throw new RuleError("The rule needs FREQ");
  if (options.freq > Frequency.DAILY) throw new RuleError("At most one visit a day: FREQ is DAILY or less often");
  return options;
}

const floating = (date: string, time = "00:00") =>
  datetime(+date.slice(0, 4), +date.slice(5, 7), +date.slice(8, 10), +time.slice(0, 2), +time.slice(3, 5));

function ruleOf(rec: Recurrence) {
  return new RRule({
    ...parseRule(rec.rrule),
    dtstart: floating(rec.startDate, rec.startTime),
    until: rec.endDate ? floating(rec.endDate, "23:59") : null,
    count: rec.count,
  });
}

/** The rule's occurrences whose local date is in [fromDate, toDate], at most `limit`, as local dates. */
export function occurrencesBetween(rec: Recurrence, fromDate: string, toDate: string, limit = 500): string[] {
  const out: string[] = [];
  ruleOf(rec).between(floating(fromDate), floating(toDate, "23:59"), true, (date) => {
    out.push(date.toISOString().slice(0, 10));
    return out.length < limit;
  });
  return out;
}

/** The first occurrence on or after `fromDate` (up to ten years on), or null when the rule has ended. */
export function nextOccurrence(rec: Recurrence, fromDate: string): string | null {
  const date = ruleOf(rec).after(floating(fromDate), true);
  return date ? date.toISOString().slice(0, 10) : null;
}

/** The instant of an occurrence: its local date at the plan's local time, through the zone. */
export const occurrenceInstant = (rec: Pick<Recurrence, "timeZone" | "startTime">, date: string) =>
  zonedTimeToUtc(date, rec.startTime, rec.timeZone).toISOString();

/**
 * Where an occurrence lands under the plan's holiday rule: on a day the calendar is closed
 * (a holiday, or no working hours that weekday), `next_working_day` moves it to the next open day
 * (at most 14 days on), `skip` drops it, `keep` leaves it. No calendar: it stays.
 */
export function applyHolidayRule(
  calendar: WorkingCalendar | null,
  rule: "next_working_day" | "skip" | "keep",
  date: string,
): { date: string; moved: boolean } | null {
  if (!calendar || rule === "keep" || framesOn(calendar, date).length) return { date, moved: false };
  if (rule === "skip") return null;
  for (let d = 1; d <= 14; d++) {
    const next = addDays(date, d);
    if (framesOn(calendar, next).length) return { date: next, moved: true };
  }
  return { date, moved: false };
}
