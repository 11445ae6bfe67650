import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const JOB_STATUSES = ["queued", "running", "done", "failed", "cancelled"] as const;
export const JOB_KINDS = [
  "report_export",
  "report_rebuild",
  "import",
  "auto_assign",
  "customer_export",
  "archive_month",
  "archive_restore",
] as const;
export type JobKind = (typeof JOB_KINDS)[number];
export type JobStatus = (typeof JOB_STATUSES)[number];

/**
 * Background work too large for one request (exports, rebuilds, later imports): advanced one
 * step per queue message; `step` is the optimistic lock, so a redelivered message whose step was
 * already committed does nothing.
 */
export const jobs = sqliteTable(
  "jobs",
  {
    id: text("id").primaryKey(),
    kind: text("kind", { enum: JOB_KINDS }).notNull(),
    status: text("status", { enum: JOB_STATUSES }).notNull(),
    requestedBy: text("requested_by"),
    params: text("params", { mode: "json" }).$type<Record<string, unknown>>().notNull().default({}),
    /** Where the next step starts (a keyset cursor) and what it carries over (upload parts …). */
    state: text("state", { mode: "json" }).$type<Record<string, unknown>>().notNull().default({}),
    step: integer("step").notNull().default(0),
    rowsTotal: integer("rows_total"),
    rowsProcessed: integer("rows_processed").notNull().default(0),
    resultKey: text("result_key"),
    resultFilename: text("result_filename"),
    resultContentType: text("result_content_type"),
    resultBytes: integer("result_bytes"),
    error: text("error"),
    /** Times the watchdog found the job stalled (no step committed within the lease) and sent its step again. */
    recoveries: integer("recoveries").notNull().default(0),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    finishedAt: text("finished_at"),
  },
  (t) => [
    index("jobs_requester_idx").on(t.requestedBy, t.createdAt, t.id),
    index("jobs_status_idx").on(t.status, t.updatedAt),
  ],
);
