import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export interface CalendarFrame {
  start: string;
  end: string;
}
export interface CalendarException {
  date: string;
  frames: CalendarFrame[];
  name?: string;
}
export interface CalendarHoliday {
  date: string;
  name: string;
}

/** Business-hours calendars: weekly frames in their own zone, dated exceptions and holidays. */
export const calendars = sqliteTable(
  "calendars",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    timeZone: text("time_zone").notNull(),
    week: text("week", { mode: "json" }).$type<Record<string, CalendarFrame[]>>().notNull(),
    exceptions: text("exceptions", { mode: "json" }).$type<CalendarException[]>().notNull(),
    holidays: text("holidays", { mode: "json" }).$type<CalendarHoliday[]>().notNull(),
    isDefault: integer("is_default", { mode: "boolean" }).notNull().default(false),
    /** An iCal (RFC 5545) feed of holidays, refreshed daily; its all-day events close their days. */
    icalUrl: text("ical_url"),
    icalHolidays: text("ical_holidays", { mode: "json" }).$type<CalendarHoliday[]>().notNull().default([]),
    icalRefreshedAt: text("ical_refreshed_at"),
    /** Why the last refresh failed (the holidays of the last good one are kept); null after a good one. */
    icalError: text("ical_error"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    index("calendars_name_idx").on(t.name, t.id),
    uniqueIndex("calendars_one_default_idx").on(t.isDefault).where(sql`is_default = 1`),
  ],
);
