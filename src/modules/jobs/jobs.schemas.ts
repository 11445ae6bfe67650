import { z } from "@hono/zod-openapi";
import { JOB_STATUSES } from "../../db/schema";
import { cursorParam, limitParam, pageSchema } from "../../lib/pagination";

export const JobIdParam = z.object({ id: z.string().min(1).max(64).openapi({ param: { name: "id", in: "path" }, example: "job_0a1b2c3d4e5f6g7h8i9j" }) });

export const JobSchema = z
  .object({
    id: z.string(),
    kind: z.string().openapi({ description: "What the job does: `report_export` (a report written to a file) or `report_rebuild` (the report aggregates recomputed)", example: "report_export" }),
    status: z.enum(JOB_STATUSES),
    rows_total: z.number().int().nullable().openapi({ description: "Rows to process, when known in advance" }),
    rows_processed: z.number().int(),
    error: z.string().nullable().openapi({ description: "Why the job failed" }),
    file: z
      .object({ filename: z.string(), content_type: z.string(), bytes: z.number().int(), download_url: z.string() })
      .nullable()
      .openapi({ description: "The result, once done: downloadable only by the user who asked for it" }),
    created_at: z.string(),
    updated_at: z.string(),
    finished_at: z.string().nullable(),
  })
  .openapi("Job");

export const JobListQuery = z.strictObject({ limit: limitParam, cursor: cursorParam });
export const JobPageSchema = pageSchema(JobSchema, "JobPage");
