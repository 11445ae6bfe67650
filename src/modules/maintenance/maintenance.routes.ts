import { createRoute } from "@hono/zod-openapi";
import { requires } from "../../middleware/auth";
import { idempotencyHeader, idempotent } from "../../middleware/idempotency";
import { jsonBody, jsonResponse } from "../../lib/openapi";
import { errorResponses } from "../../lib/problem";
import {
  OccurrenceParams,
  OccurrenceSchema,
  OccurrencesQuery,
  OccurrencesSchema,
  PlanCreateSchema,
  PlanIdParam,
  PlanListQuery,
  PlanPageSchema,
  PlanSchema,
  PlanUpdateSchema,
  SkipSchema,
} from "./maintenance.schemas";

const tags = ["maintenance"];

export const listMaintenancePlans = createRoute({
  method: "get",
  path: "/v1/maintenance-plans",
  tags,
  operationId: "listMaintenancePlans",
  summary: "Maintenance plans, newest first (filters: customer, card, status, next occurrence in a range)",
  ...requires("maintenance:read"),
  request: { query: PlanListQuery },
  responses: { 200: jsonResponse(PlanPageSchema, "A page of plans"), ...errorResponses(400, 401, 403) },
});

export const createMaintenancePlan = createRoute({
  method: "post",
  path: "/v1/maintenance-plans",
  tags,
  operationId: "createMaintenancePlan",
  summary: "Plan recurring visits: a rule, a local time in a zone, the job template to raise and the lead time",
  description:
    "A ticket is raised from the template `lead_days` before each occurrence, once per occurrence however often the generator runs. Occurrences before today are not raised.",
  ...requires("maintenance:manage", idempotent()),
  request: { headers: idempotencyHeader, body: jsonBody(PlanCreateSchema) },
  responses: { 201: jsonResponse(PlanSchema, "Created"), ...errorResponses(400, 401, 403) },
});

export const getMaintenancePlan = createRoute({
  method: "get",
  path: "/v1/maintenance-plans/{id}",
  tags,
  operationId: "getMaintenancePlan",
  summary: "A maintenance plan",
  ...requires("maintenance:read"),
  request: { params: PlanIdParam },
  responses: { 200: jsonResponse(PlanSchema, "The plan"), ...errorResponses(400, 401, 403, 404) },
});

export const updateMaintenancePlan = createRoute({
  method: "patch",
  path: "/v1/maintenance-plans/{id}",
  tags,
  operationId: "updateMaintenancePlan",
  summary: "Change a plan's future occurrences (tickets already raised stay)",
  ...requires("maintenance:manage"),
  request: { params: PlanIdParam, body: jsonBody(PlanUpdateSchema) },
  responses: { 200: jsonResponse(PlanSchema, "Updated"), ...errorResponses(400, 401, 403, 404, 409) },
});

const action = (path: string, operationId: string, summary: string) => {
  const verb = operationId.replace(/MaintenancePlan$/, "");
  if (path !== `/v1/maintenance-plans/{id}/${verb}`)
    throw new Error(`The ${operationId} route must be /v1/maintenance-plans/{id}/${verb}.`);
  return createRoute({
    method: "post",
    path,
    tags,
    operationId,
    summary,
    ...requires("maintenance:manage", idempotent()),
    request: { headers: idempotencyHeader, params: PlanIdParam },
    responses: { 200: jsonResponse(PlanSchema, "The plan"), ...errorResponses(400, 401, 403, 404, 409) },
  });
};

export const pauseMaintenancePlan = action(
  "/v1/maintenance-plans/{id}/pause",
  "pauseMaintenancePlan",
  "Pause a plan: nothing is raised until resumed",
);
export const resumeMaintenancePlan = action(
  "/v1/maintenance-plans/{id}/resume",
  "resumeMaintenancePlan",
  "Resume a paused plan from today (occurrences while paused are not raised)",
);
export const endMaintenancePlan = action("/v1/maintenance-plans/{id}/end", "endMaintenancePlan", "End a plan for good");

export const listMaintenanceOccurrences = createRoute({
  method: "get",
  path: "/v1/maintenance-plans/{id}/occurrences",
  tags,
  operationId: "listMaintenanceOccurrences",
  summary:
    "What the plan raised or skipped (newest page first, oldest first within it), and its next ten occurrences (with the holiday rule applied)",
  ...requires("maintenance:read"),
  request: { params: PlanIdParam, query: OccurrencesQuery },
  responses: { 200: jsonResponse(OccurrencesSchema, "Occurrences"), ...errorResponses(400, 401, 403, 404) },
});

export const skipMaintenanceOccurrence = createRoute({
  method: "post",
  path: "/v1/maintenance-plans/{id}/occurrences/{date}/skip",
  tags,
  operationId: "skipMaintenanceOccurrence",
  summary: "Skip one future occurrence, with the reason recorded",
  ...requires("maintenance:manage", idempotent()),
  request: { headers: idempotencyHeader, params: OccurrenceParams, body: jsonBody(SkipSchema) },
  responses: {
    200: jsonResponse(OccurrenceSchema, "The skipped occurrence"),
    ...errorResponses(400, 401, 403, 404, 409),
  },
});
