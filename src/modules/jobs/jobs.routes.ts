import { idempotencyHeader, idempotent } from "../../middleware/idempotency";
import { createRoute, z } from "@hono/zod-openapi";
import { jsonResponse } from "../../lib/openapi";
import { errorResponses } from "../../lib/problem";
import { requiresSignIn } from "../../middleware/auth";
import { JobIdParam, JobListQuery, JobPageSchema, JobSchema } from "./jobs.schemas";

const tags = ["jobs"];

export const listJobs = createRoute({
  method: "get",
  path: "/v1/jobs",
  tags,
  operationId: "listJobs",
  summary: "Your background jobs (exports, rebuilds), newest first",
  ...requiresSignIn(),
  request: { query: JobListQuery },
  responses: { 200: jsonResponse(JobPageSchema, "A page of jobs"), ...errorResponses(400, 401) },
});

export const getJob = createRoute({
  method: "get",
  path: "/v1/jobs/{id}",
  tags,
  operationId: "getJob",
  summary: "A job's state and progress; poll it until done",
  ...requiresSignIn(),
  request: { params: JobIdParam },
  responses: { 200: jsonResponse(JobSchema, "The job"), ...errorResponses(400, 401, 404) },
});

export const cancelJob = createRoute({
  method: "post",
  path: "/v1/jobs/{id}/cancel",
  tags,
  operationId: "cancelJob",
  summary: "Cancel a queued or running job",
  ...requiresSignIn(),
  middleware: [...requiresSignIn().middleware, idempotent()],
  request: { headers: idempotencyHeader, params: JobIdParam },
  responses: { 200: jsonResponse(JobSchema, "Cancelled"), ...errorResponses(400, 401, 404, 409) },
});

export const downloadJobFile = createRoute({
  method: "get",
  path: "/v1/jobs/{id}/download",
  tags,
  operationId: "downloadJobFile",
  summary: "The finished job's file (only for the user who started the job)",
  ...requiresSignIn(),
  request: { params: JobIdParam },
  responses: {
    200: {
      description: "The file",
      content: {
        "text/csv": { schema: z.string() },
        "application/pdf": { schema: z.string().openapi({ format: "binary" }) },
      },
    },
    ...errorResponses(400, 401, 404, 409),
  },
});
