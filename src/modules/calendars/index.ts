// Business-hours calendars (TIME-1): weekly frames in a zone, exceptions and holidays, one default.
// The working-time arithmetic itself is pure (src/lib/working-time.ts).
export { TimeZoneSchema, WeekSchema as CalendarWeekSchema } from "./calendars.schemas";

import { createRouter } from "../../lib/create-router";
import * as h from "./calendars.handlers";
import * as r from "./calendars.routes";

export const calendarsModule = createRouter()
  .openapi(r.listCalendars, h.listCalendars)
  .openapi(r.createCalendar, h.createCalendar)
  .openapi(r.getCalendar, h.getCalendar)
  .openapi(r.updateCalendar, h.updateCalendar)
  .openapi(r.deleteCalendar, h.deleteCalendar)
  .openapi(r.getCalendarWorkingTime, h.getCalendarWorkingTime);

export { defaultWorkingCalendar, refreshCalendarFeeds, workingCalendarOf } from "./calendars.service";
