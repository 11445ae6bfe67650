import { createRoute } from "@hono/zod-openapi";
import { requires } from "../../middleware/auth";
import { idempotencyHeader, idempotent } from "../../middleware/idempotency";
import { jsonResponse } from "../../lib/openapi";
import { errorResponses } from "../../lib/problem";
import { JobSchema } from "../jobs";
import { ArchiveMonthListQuery, ArchiveMonthPageSchema, MonthParam } from "./archive.schemas";

const tags = ["archive"];

export const listArchiveMonths = createRoute({
  method: "get",
  path: "/v1/archive/months",
  tags,
  operationId: "listArchiveMonths",
  summary: "Months of closed work in the archive (and months restored from it), newest first",
  ...requires("archive:manage"),
  request: { query: ArchiveMonthListQuery },
  responses: { 200: jsonResponse(ArchiveMonthPageSchema, "Months"), ...errorResponses(400, 401, 403) },
});

export const archiveMonth = createRoute({
  method: "post",
  path: "/v1/archive/months/{month}/archive",
  tags,
  operationId: "archiveMonth",
  summary: "Move a month's closed and cancelled tickets to the archive now, as a job",
  description:
    "The daily job does this by itself for the oldest month past the archive age (`ARCHIVE_AFTER_MONTHS`, 24 by default); this starts it for one month now. Each ticket moves with its history, comments, work logs, attachments' references, checklist, visits and feedback, as compressed NDJSON in the file store, written and read back before it leaves the database. Report figures do not change; `GET /v1/tickets/{id}` and `GET /v1/customers/{id}/history` still answer for archived tickets. 409 when the month is younger than the archive age or a job is already working on it.",
  ...requires("archive:manage", idempotent()),
  request: { headers: idempotencyHeader, params: MonthParam },
  responses: { 202: jsonResponse(JobSchema, "Queued"), ...errorResponses(400, 401, 403, 409) },
});

export const restoreArchivedMonth = createRoute({
  method: "post",
  path: "/v1/archive/months/{month}/restore",
  tags,
  operationId: "restoreArchivedMonth",
  summary: "Bring an archived month's tickets back into the database, as a job",
  description:
    "Every part is checked against its SHA-256 before its rows are written back; the month is then marked `restored` and is not archived again until `POST /v1/archive/months/{month}/archive`. 404 when nothing of the month is archived, 409 when a job is already working on it.",
  ...requires("archive:manage", idempotent()),
  request: { headers: idempotencyHeader, params: MonthParam },
  responses: { 202: jsonResponse(JobSchema, "Queued"), ...errorResponses(400, 401, 403, 404, 409) },
});
