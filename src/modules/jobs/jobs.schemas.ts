import { z } from "@hono/zod-openapi";
import { JOB_KINDS, JOB_STATUSES } from "../../db/schema";
import { cursorParam, limitParam, pageSchema } from "../../lib/pagination";

export const JobIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, description: "The job's id", example: "job_0a1b2c3d4e5f6g7h8i9j" }),
});

export const JobSchema = z
  .object({
    id: z.string(),
    kind: z.enum(JOB_KINDS).openapi({
      description:
        "What the job does: `report_export` (a report written to a file), `report_rebuild` (the report aggregates recomputed), `import` (a CSV file of records taken in), `auto_assign` (unassigned bookings placed with technicians), `customer_export` (everything about one customer), `archive_month` (a month's closed work moved to the archive) or `archive_restore` (an archived month brought back)",
      example: "report_export",
    }),
    status: z.enum(JOB_STATUSES),
    rows_total: z.number().int().nullable().openapi({ description: "Rows to process, when known in advance" }),
    rows_processed: z.number().int(),
    counts: z
      .record(z.string(), z.number().int())
      .nullable()
      .openapi({
        description: "Imports: rows `created`, `updated`, `skipped` and `failed` so far (in a dry run: what would be)",
        example: { created: 120, updated: 0, skipped: 3, failed: 2 },
      }),
    options: z.record(z.string(), z.unknown()).nullable().openapi({
      description: "What the job was asked to do (an import's kind, file, dry run, what to do with existing records …)",
    }),
    error: z.string().nullable().openapi({ description: "Why the job failed" }),
    file: z
      .object({ filename: z.string(), content_type: z.string(), bytes: z.number().int(), download_url: z.string() })
      .nullable()
      .openapi({
        description:
          "The result, once done: an export's file, or an import's error report (the rejected rows, to fix and upload again; none when every row went in). Downloadable only by the user who asked for it and administrators",
      }),
    created_at: z.string(),
    updated_at: z.string(),
    finished_at: z.string().nullable(),
  })
  .openapi("Job");

export const JobListQuery = z.strictObject({ limit: limitParam, cursor: cursorParam });
export const JobPageSchema = pageSchema(JobSchema, "JobPage");
