import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const PLAN_STATUSES = ["active", "paused", "ended"] as const;
export type PlanStatus = (typeof PLAN_STATUSES)[number];
/** What an occurrence that falls on a closed day of the plan's calendar does. */
export const HOLIDAY_RULES = ["next_working_day", "skip", "keep"] as const;
export type HolidayRule = (typeof HOLIDAY_RULES)[number];

/**
 * Maintenance plans (PM-1): a recurrence (an RFC 5545 RRULE at a local time in a zone) on a
 * customer's service card that raises a ticket from a job template ahead of each occurrence.
 * `next_date` is the first occurrence not yet handled; `next_raise_at` is when the generator
 * raises it (its start minus the lead time) — the generator's index.
 */
export const maintenancePlans = sqliteTable(
  "maintenance_plans",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    customerId: text("customer_id").notNull(),
    assetId: text("asset_id"),
    templateId: text("template_id").notNull(),
    rrule: text("rrule").notNull(),
    timeZone: text("time_zone").notNull(),
    startDate: text("start_date").notNull(),
    startTime: text("start_time").notNull(),
    endDate: text("end_date"),
    count: integer("count"),
    leadDays: integer("lead_days").notNull(),
    holidayRule: text("holiday_rule", { enum: HOLIDAY_RULES }).notNull(),
    calendarId: text("calendar_id"),
    priority: text("priority").notNull(),
    /** Text the customer a link to book each raised visit's exact time, on a day of its window. */
    sendBookingLink: integer("send_booking_link", { mode: "boolean" }).notNull().default(false),
    /** The window's length in days, from the occurrence's date. */
    bookingWindowDays: integer("booking_window_days").notNull().default(7),
    status: text("status", { enum: PLAN_STATUSES }).notNull(),
    nextDate: text("next_date"),
    nextRaiseAt: text("next_raise_at"),
    /** When that occurrence is due (the rule's local time, before the holiday rule): the upcoming-services report's index. */
    nextDueAt: text("next_due_at"),
    createdBy: text("created_by"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    index("maintenance_plans_due_idx").on(t.status, t.nextRaiseAt),
    index("maintenance_plans_next_due_idx").on(t.status, t.nextDueAt, t.id),
    index("maintenance_plans_customer_idx").on(t.customerId, t.createdAt),
    index("maintenance_plans_asset_idx").on(t.assetId, t.createdAt),
    index("maintenance_plans_created_idx").on(t.createdAt),
  ],
);

export const OCCURRENCE_STATUSES = ["raised", "skipped"] as const;

/**
 * Each occurrence a plan handled, keyed by (plan, the rule's local date): the key that makes a
 * double cron run, a redelivery or a restart raise nothing twice. A raised one names its ticket;
 * one moved off a closed day says where from.
 */
export const maintenanceOccurrences = sqliteTable(
  "maintenance_occurrences",
  {
    id: text("id").primaryKey(),
    planId: text("plan_id").notNull(),
    occurrenceDate: text("occurrence_date").notNull(),
    dueAt: text("due_at").notNull(),
    status: text("status", { enum: OCCURRENCE_STATUSES }).notNull(),
    ticketId: text("ticket_id"),
    movedFrom: text("moved_from"),
    reason: text("reason"),
    /** `pending` until the booking link of a raised visit is sent, then `sent`; null: the plan sends none. */
    linkState: text("link_state"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("maintenance_occurrences_key").on(t.planId, t.occurrenceDate),
    index("maintenance_occurrences_due_idx").on(t.dueAt),
    index("maintenance_occurrences_link_idx").on(t.createdAt).where(sql`link_state = 'pending'`),
  ],
);
