import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * What one ticket currently contributes to the report aggregates: one row for the ticket as a
 * whole (`technician_id` = '') and one per assigned technician. Rewritten in the same batch as
 * every ticket change; the aggregates are moved by the difference between the old and the new
 * rows, so applying the same refresh twice changes nothing.
 */
export const reportTicketFacts = sqliteTable(
  "report_ticket_facts",
  {
    ticketId: text("ticket_id").notNull(),
    technicianId: text("technician_id").notNull(),
    /** The supervisor whose team the ticket (or technician) belongs to; '' for none. */
    teamId: text("team_id").notNull(),
    priority: text("priority").notNull(),
    status: text("status").notNull(),
    /** Calendar days in the deployment's time zone. */
    createdDay: text("created_day").notNull(),
    resolvedDay: text("resolved_day"),
    /** Unfinished and past its resolution target (flagged by the SLA check). */
    overdue: integer("overdue").notNull().default(0),
    /** Resolution time net of the time the SLA clock was paused. */
    resolveSeconds: integer("resolve_seconds"),
    onTime: integer("on_time"),
    firstTimeFix: integer("first_time_fix"),
    rating: integer("rating"),
    nps: integer("nps"),
  },
  (t) => [primaryKey({ columns: [t.ticketId, t.technicianId] })],
);

/** Per-day sums of the facts, by technician ('' = tickets as a whole), team and priority (technicians' rows: ''). */
export const reportDaily = sqliteTable(
  "report_daily",
  {
    day: text("day").notNull(),
    technicianId: text("technician_id").notNull(),
    teamId: text("team_id").notNull(),
    priority: text("priority").notNull(),
    /** Tickets created that day, and how many of them are now finished or cancelled. */
    created: integer("created").notNull().default(0),
    createdDone: integer("created_done").notNull().default(0),
    createdCancelled: integer("created_cancelled").notNull().default(0),
    /** Tickets resolved that day, and their times, targets, fixes and ratings. */
    completed: integer("completed").notNull().default(0),
    resolveSeconds: integer("resolve_seconds").notNull().default(0),
    onTime: integer("on_time").notNull().default(0),
    onTimeOf: integer("on_time_of").notNull().default(0),
    firstTimeFixed: integer("first_time_fixed").notNull().default(0),
    rated: integer("rated").notNull().default(0),
    ratingSum: integer("rating_sum").notNull().default(0),
    npsCount: integer("nps_count").notNull().default(0),
    promoters: integer("promoters").notNull().default(0),
    detractors: integer("detractors").notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.technicianId, t.day, t.teamId, t.priority] }),
    index("report_daily_team_idx").on(t.teamId, t.technicianId, t.day),
    index("report_daily_day_idx").on(t.day, t.technicianId),
  ],
);

/** Tickets now in each status, by technician ('' = tickets as a whole), team and priority. */
export const reportCurrent = sqliteTable(
  "report_current",
  {
    technicianId: text("technician_id").notNull(),
    teamId: text("team_id").notNull(),
    status: text("status").notNull(),
    priority: text("priority").notNull(),
    tickets: integer("tickets").notNull().default(0),
    overdue: integer("overdue").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.technicianId, t.teamId, t.status, t.priority] })],
);
