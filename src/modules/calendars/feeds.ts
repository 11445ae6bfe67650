import ICAL from "ical.js";
import type { CalendarHoliday } from "../../db/schema";
import { addDays } from "../../lib/time";

/** A feed larger than this is refused (a year of holidays is a few kilobytes). */
export const FEED_MAX_BYTES = 1_000_000;
/** Occurrences of one recurring event taken at most (a daily rule must not run away). */
const MAX_OCCURRENCES = 800;

const dateOf = (t: { year: number; month: number; day: number }) =>
  `${t.year}-${String(t.month).padStart(2, "0")}-${String(t.day).padStart(2, "0")}`;

/**
 * The closed days an iCal (RFC 5545) feed names: every all-day event (`DTSTART;VALUE=DATE`),
 * one holiday per day it covers, recurring ones expanded, between `from` and `to` (dates). Timed
 * events are not holidays and are left out. Throws when the text is not iCalendar.
 */
export function holidaysFromFeed(text: string, from: string, to: string): CalendarHoliday[] {
  const root = new ICAL.Component(ICAL.parse(text));
  if (root.name !== "vcalendar") throw new Error("Not an iCalendar feed (no VCALENDAR)");
  const days = new Map<string, string>();
  for (const component of root.getAllSubcomponents("vevent")) {
    const event = new ICAL.Event(component);
    if (!event.startDate?.isDate) continue;
    const name = (event.summary || "Holiday").slice(0, 80);
    const length = event.endDate ? Math.max(1, event.endDate.subtractDate(event.startDate).toSeconds() / 86_400) : 1;
    const starts: string[] = [];
    if (event.isRecurring()) {
      const it = event.iterator();
      for (let i = 0, next = it.next(); next && i < MAX_OCCURRENCES; i++, next = it.next()) {
        const date = dateOf(next);
        if (date > to) break;
        starts.push(date);
      }
    } else starts.push(dateOf(event.startDate));
    for (const start of starts)
      for (let d = 0; d < length; d++) {
        const date = addDays(start, d);
        if (date >= from && date <= to && !days.has(date)) days.set(date, name);
      }
  }
  return [...days].sort(([a], [b]) => a.localeCompare(b)).map(([date, name]) => ({ date, name }));
}
