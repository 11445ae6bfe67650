import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The parts of the archive in R2 (closed work moved out of D1), one row per object, with what the
 * object must hash to: the archive's manifest is written from these, and a restore reads them.
 */
export const archiveParts = sqliteTable(
  "archive_parts",
  {
    key: text("key").primaryKey(),
    /** The month the tickets were closed or cancelled in (UTC), YYYY-MM. */
    month: text("month").notNull(),
    tickets: integer("tickets").notNull(),
    rows: integer("rows").notNull(),
    bytes: integer("bytes").notNull(),
    sha256: text("sha256").notNull(),
    jobId: text("job_id").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("archive_parts_month_idx").on(t.month, t.key)],
);

/**
 * What stays in D1 of an archived ticket: enough to find it (number, customer, people who may see
 * it) and list it in a customer's history, and the part that holds the rest.
 */
export const archivedTickets = sqliteTable(
  "archived_tickets",
  {
    ticketId: text("ticket_id").primaryKey(),
    number: text("number").notNull(),
    kind: text("kind").notNull(),
    status: text("status").notNull(),
    title: text("title").notNull(),
    customerId: text("customer_id"),
    createdBy: text("created_by").notNull(),
    teamSupervisorId: text("team_supervisor_id"),
    /** The ticket's technicians, a JSON array of user ids (who may still read it). */
    technicianIds: text("technician_ids").notNull().default("[]"),
    createdAt: text("created_at").notNull(),
    finishedAt: text("finished_at").notNull(),
    month: text("month").notNull(),
    partKey: text("part_key").notNull(),
    archivedAt: text("archived_at").notNull(),
  },
  (t) => [
    index("archived_tickets_part_idx").on(t.partKey),
    index("archived_tickets_customer_idx").on(t.customerId, t.createdAt, t.ticketId),
  ],
);

/** Each month that was archived or restored, and how it stands (a restored month is not archived again automatically). */
export const archiveMonths = sqliteTable("archive_months", {
  month: text("month").primaryKey(),
  status: text("status", { enum: ["archived", "restored"] }).notNull(),
  jobId: text("job_id").notNull(),
  updatedAt: text("updated_at").notNull(),
});
