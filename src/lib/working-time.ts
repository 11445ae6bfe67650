import { addDays, dateIn, zonedTimeToUtc } from "./time";

/**
 * Working time on a calendar: weekly frames in the calendar's own IANA zone, dated exceptions
 * (closed, or other frames on that date) and holidays (one-off `YYYY-MM-DD`, or yearly `--MM-DD`).
 * Pure functions over instants (milliseconds since the epoch); the zone's rules handle DST, so a
 * frame 08:00–17:00 is eight local hours even on the day the clocks change (then 8 or 10 real
 * hours, as the wall clock says). A frame whose end is not after its start crosses midnight and
 * ends on the next day; it belongs to the day it starts on (a holiday closes the frames that start
 * on it).
 */
export interface Frame {
  /** `HH:MM`, local. */
  start: string;
  /** `HH:MM`, local; `00:00` or any time not after `start` means the next day. */
  end: string;
}

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface WorkingCalendar {
  timeZone: string;
  week: Partial<Record<Weekday, Frame[]>>;
  /** One date's frames instead of its weekday's; an empty list closes the day. */
  exceptions?: { date: string; frames: Frame[] }[];
  /** `YYYY-MM-DD` once, or `--MM-DD` every year. */
  holidays?: { date: string }[];
}

/** Every hour of every day: the calendar of a deployment that has not chosen one. */
export const ALWAYS_OPEN: WorkingCalendar = {
  timeZone: "UTC",
  week: Object.fromEntries(WEEKDAYS.map((d) => [d, [{ start: "00:00", end: "00:00" }]])),
};

const MINUTE = 60_000;
/** A calendar with no working time within this many days of an instant counts as one that never opens. */
const SEARCH_DAYS = 400;

function weekdayOf(date: string): Weekday {
  // 1970-01-05 was a Monday.
  const days = Math.round(Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10)) / 86_400_000);
  return WEEKDAYS[(((days - 4) % 7) + 7) % 7];
}

/** Is the date a holiday of the calendar (a one-off date, or a yearly month-day)? */
export function isHoliday(calendar: WorkingCalendar, date: string): boolean {
  return (calendar.holidays ?? []).some(
    (h) => h.date === date || (h.date.startsWith("--") && h.date === `--${date.slice(5)}`),
  );
}

/** The frames that start on a local date: its exception's, none on a holiday, else its weekday's. */
export function framesOn(calendar: WorkingCalendar, date: string): Frame[] {
  const exception = calendar.exceptions?.find((e) => e.date === date);
  if (exception) return exception.frames;
  if (isHoliday(calendar, date)) return [];
  return calendar.week[weekdayOf(date)] ?? [];
}

/** The working intervals `[start, end)` in instants that start on a local date, in order. */
export function intervalsOn(calendar: WorkingCalendar, date: string): [number, number][] {
  return framesOn(calendar, date)
    .map((f): [number, number] => {
      const start = zonedTimeToUtc(date, f.start, calendar.timeZone).getTime();
      const endDate = f.end <= f.start ? addDays(date, 1) : date;
      return [start, zonedTimeToUtc(endDate, f.end, calendar.timeZone).getTime()];
    })
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
}

/** Working intervals from `from` on, clipped so none starts before it or overlaps the one before, day by day. */
function* intervalsFrom(calendar: WorkingCalendar, from: number): Generator<[number, number]> {
  // Start a day early: an overnight frame of the day before may still be running.
  let date = addDays(dateIn(calendar.timeZone, new Date(from)), -1);
  let cursor = from;
  for (let i = 0; i < SEARCH_DAYS; i++, date = addDays(date, 1)) {
    for (const [a, b] of intervalsOn(calendar, date)) {
      const start = Math.max(a, cursor);
      if (b <= start) continue;
      yield [start, b];
      cursor = b;
    }
  }
}

/** The instant `minutes` working minutes after `from` (from itself when 0); null if the calendar never opens. */
export function addWorkingMinutes(calendar: WorkingCalendar, from: number, minutes: number): number | null {
  let left = minutes * MINUTE;
  if (left <= 0) return from;
  for (const [a, b] of intervalsFrom(calendar, from)) {
    if (b - a >= left) return a + left;
    left -= b - a;
  }
  return null;
}

/** Working minutes between two instants (0 when `to` is not after `from`). */
export function workingMinutesBetween(calendar: WorkingCalendar, from: number, to: number): number {
  if (to <= from) return 0;
  let total = 0;
  for (const [a, b] of intervalsFrom(calendar, from)) {
    if (a >= to) break;
    total += Math.min(b, to) - a;
  }
  return total / MINUTE;
}

/** The next instant at or after `from` that is working time (null if none within a year). */
export function nextWorkingInstant(calendar: WorkingCalendar, from: number): number | null {
  for (const [a] of intervalsFrom(calendar, from)) return a;
  return null;
}
