import { createRoute } from "@hono/zod-openapi";
import { requires } from "../../middleware/auth";
import { idempotencyHeader, idempotent } from "../../middleware/idempotency";
import { jsonBody, jsonResponse, noContent } from "../../lib/openapi";
import { errorResponses } from "../../lib/problem";
import {
  SlaPolicyCreateSchema,
  SlaPolicyIdParam,
  SlaPolicyListQuery,
  SlaPolicyPageSchema,
  SlaPolicySchema,
  SlaPolicyUpdateSchema,
} from "./sla-policies.schemas";

const tags = ["sla-policies"];

const MATCHING =
  "A ticket runs on the most specific enabled policy that has targets for its priority: one naming its customer first, then its service category, then its kind; the oldest wins a tie. A ticket no policy covers runs on the default targets, every hour of every day. Any change recomputes the due times of open tickets at once, keeping the working time each has already used.";

export const listSlaPolicies = createRoute({
  method: "get",
  path: "/v1/sla-policies",
  tags,
  operationId: "listSlaPolicies",
  summary: "SLA policies, by name",
  description: MATCHING,
  ...requires("calendars:read"),
  request: { query: SlaPolicyListQuery },
  responses: { 200: jsonResponse(SlaPolicyPageSchema, "A page of policies"), ...errorResponses(400, 401, 403) },
});

export const createSlaPolicy = createRoute({
  method: "post",
  path: "/v1/sla-policies",
  tags,
  operationId: "createSlaPolicy",
  summary: "Create an SLA policy: which tickets, their targets per priority in working minutes, and the calendar",
  description: MATCHING,
  ...requires("calendars:manage", idempotent()),
  request: { headers: idempotencyHeader, body: jsonBody(SlaPolicyCreateSchema) },
  responses: { 201: jsonResponse(SlaPolicySchema, "Created"), ...errorResponses(400, 401, 403) },
});

export const getSlaPolicy = createRoute({
  method: "get",
  path: "/v1/sla-policies/{id}",
  tags,
  operationId: "getSlaPolicy",
  summary: "An SLA policy",
  ...requires("calendars:read"),
  request: { params: SlaPolicyIdParam },
  responses: { 200: jsonResponse(SlaPolicySchema, "The policy"), ...errorResponses(400, 401, 403, 404) },
});

export const updateSlaPolicy = createRoute({
  method: "patch",
  path: "/v1/sla-policies/{id}",
  tags,
  operationId: "updateSlaPolicy",
  summary: "Change an SLA policy (open tickets' due times are recomputed, time used kept)",
  ...requires("calendars:manage"),
  request: { params: SlaPolicyIdParam, body: jsonBody(SlaPolicyUpdateSchema) },
  responses: { 200: jsonResponse(SlaPolicySchema, "Updated"), ...errorResponses(400, 401, 403, 404) },
});

export const deleteSlaPolicy = createRoute({
  method: "delete",
  path: "/v1/sla-policies/{id}",
  tags,
  operationId: "deleteSlaPolicy",
  summary: "Delete an SLA policy (its open tickets move to the next policy that covers them)",
  ...requires("calendars:manage"),
  request: { params: SlaPolicyIdParam },
  responses: { 204: noContent, ...errorResponses(400, 401, 403, 404) },
});
