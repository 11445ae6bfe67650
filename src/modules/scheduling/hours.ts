import { type Placeholder, type SQL, sql } from "drizzle-orm";
import type { Settings } from "../../lib/env";
import { addDays } from "../../lib/time";
import { type Frame, framesOn, intervalsOn, isHoliday, type WorkingCalendar } from "../../lib/working-time";

/**
 * A technician's working hours (TIME-3): their own weekly frames, or their calendar's (their
 * team's, say), else the deployment's default calendar; the calendar's zone, exceptions and
 * holidays apply either way. A technician with none of these works the deployment's window every
 * day, as before calendars existed.
 */
export interface TechnicianHours {
  week: Record<string, Frame[]> | null;
  calendar: {
    name: string;
    time_zone: string;
    week: Record<string, Frame[]>;
    exceptions: { date: string; frames: Frame[]; name?: string }[];
    holidays: { date: string; name: string }[];
    ical: { date: string; name: string }[];
  } | null;
}

/** The hours as one JSON column, read with a booking's other checks (no round trip of its own). */
export function technicianHoursOf(technicianId: string | SQL | Placeholder) {
  return sql<string | null>`(SELECT json_object('week', json(tp.working_week), 'calendar',
      (SELECT json_object('name', c.name, 'time_zone', c.time_zone, 'week', json(c.week), 'exceptions', json(c.exceptions),
              'holidays', json(c.holidays), 'ical', json(c.ical_holidays))
         FROM calendars c WHERE c.id = coalesce(tp.calendar_id, (SELECT id FROM calendars WHERE is_default = 1))))
    FROM technician_profiles tp WHERE tp.user_id = ${technicianId})`;
}

/** The working calendar the hours describe; null when the technician has none (the deployment's window applies). */
export function hoursCalendar(settings: Settings, raw: string | null): WorkingCalendar | null {
  if (!raw) return null;
  const hours = JSON.parse(raw) as TechnicianHours;
  if (!hours.calendar && !hours.week) return null;
  return {
    timeZone: hours.calendar?.time_zone ?? settings.timeZone,
    week: hours.week ?? hours.calendar?.week ?? {},
    exceptions: hours.calendar?.exceptions ?? [],
    holidays: [...(hours.calendar?.holidays ?? []), ...(hours.calendar?.ical ?? [])],
  };
}

export interface WorkingDay {
  /** Working intervals touching the day; null: no hours set, the deployment's window applies. */
  intervals: [number, number][] | null;
  /** Why nobody works that day, in words, when the day has no working time. */
  closedReason: string | null;
  /** The same as a code, for pages that speak other languages: holiday, closed, day_off, no_time_left. */
  closedCode: ClosedCode | null;
  /** The holiday's or exception's name, when it has one. */
  closedName: string | null;
}

export type ClosedCode = "holiday" | "closed" | "day_off" | "no_time_left";

/** The technician's working time on a date of the deployment's zone (overnight frames of the day before included). */
export function workingDay(
  settings: Settings,
  raw: string | null,
  date: string,
  bounds: { fromMs: number; toMs: number },
): WorkingDay {
  const calendar = hoursCalendar(settings, raw);
  if (!calendar) return { intervals: null, closedReason: null, closedCode: null, closedName: null };
  const intervals = [...intervalsOn(calendar, addDays(date, -1)), ...intervalsOn(calendar, date)].filter(
    ([a, b]) => a < bounds.toMs && b > bounds.fromMs,
  );
  if (intervals.length) return { intervals, closedReason: null, closedCode: null, closedName: null };
  return { intervals, ...closedOn(calendar, date) };
}

function closedOn(calendar: WorkingCalendar, date: string) {
  const exception = calendar.exceptions?.find((e) => e.date === date) as { name?: string } | undefined;
  const named = (code: ClosedCode, reason: string, name: string | null = null) => ({
    closedCode: code,
    closedReason: reason,
    closedName: name,
  });
  if (exception)
    return named(
      "closed",
      exception.name ? `Closed: ${exception.name}` : "Closed on this date",
      exception.name ?? null,
    );
  if (isHoliday(calendar, date)) {
    const holiday = (calendar.holidays as { date: string; name?: string }[] | undefined)?.find(
      (h) => h.date === date || h.date === `--${date.slice(5)}`,
    );
    const name = holiday?.name ?? null;
    return named("holiday", `No visits on public holidays${name ? ` (${name})` : ""}`, name);
  }
  return framesOn(calendar, date).length
    ? named("no_time_left", "No working time left on this day")
    : named("day_off", "Not a working day");
}

/** Is [startsMs, endsMs) inside the technician's working time (always, without hours)? */
export function withinHours(day: WorkingDay, startsMs: number, endsMs: number): boolean {
  if (!day.intervals) return true;
  return day.intervals.some(([a, b]) => a <= startsMs && endsMs <= b);
}

/** Priorities that may take the share of a day kept back (DSP-4). */
export const URGENT_PRIORITIES = ["critical", "emergency"];

/**
 * DSP-4: how much of a technician-day routine work may fill (ms), or null when nothing is kept
 * back: `HOLDBACK_PERCENT` of the day's working time stays free for critical and emergency
 * tickets until `HOLDBACK_RELEASE_HOURS` before the day's first working hour.
 */
export function routineLimitMs(
  settings: Settings,
  day: WorkingDay,
  bounds: { fromMs: number; toMs: number },
  window: { startsMs: number; endsMs: number },
  nowMs: number,
): number | null {
  if (!settings.holdbackPercent) return null;
  const intervals = day.intervals ?? [[window.startsMs, window.endsMs]];
  const clipped = intervals
    .map(([a, b]) => [Math.max(a, bounds.fromMs), Math.min(b, bounds.toMs)] as const)
    .filter(([a, b]) => b > a);
  if (!clipped.length) return null;
  const firstStart = Math.min(...clipped.map(([a]) => a));
  if (nowMs >= firstStart - settings.holdbackReleaseHours * 3_600_000) return null;
  const total = clipped.reduce((sum, [a, b]) => sum + (b - a), 0);
  return Math.floor(total * (1 - settings.holdbackPercent / 100));
}

/** The booked time of a day (visits and holds, not time off), what the limit is compared with. */
export function bookedMs(
  bookings: { appointment_id: string; starts_ms: number; ends_ms: number }[],
  bounds: { fromMs: number; toMs: number },
) {
  let sum = 0;
  for (const b of bookings) {
    if (b.appointment_id.startsWith("tof_")) continue;
    sum += Math.max(0, Math.min(b.ends_ms, bounds.toMs) - Math.max(b.starts_ms, bounds.fromMs));
  }
  return sum;
}
