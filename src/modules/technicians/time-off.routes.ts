import { createRoute } from "@hono/zod-openapi";
import { requires, requiresSignIn } from "../../middleware/auth";
import { idempotencyHeader, idempotent } from "../../middleware/idempotency";
import { jsonBody, jsonResponse } from "../../lib/openapi";
import { errorResponses } from "../../lib/problem";
import {
  TimeOffCreateSchema,
  TimeOffDecisionSchema,
  TimeOffIdParam,
  TimeOffListQuery,
  TimeOffPageSchema,
  TimeOffSchema,
} from "./time-off.schemas";

const tags = ["time-off"];

export const listTimeOff = createRoute({
  method: "get",
  path: "/v1/time-off",
  tags,
  operationId: "listTimeOff",
  summary: "Time off, by start",
  description:
    "A technician sees their own; a supervisor their own and their team's; managers and dispatchers everyone's.",
  ...requiresSignIn(),
  request: { query: TimeOffListQuery },
  responses: { 200: jsonResponse(TimeOffPageSchema, "A page of time off"), ...errorResponses(400, 401, 403) },
});

export const createTimeOff = createRoute({
  method: "post",
  path: "/v1/time-off",
  tags,
  operationId: "createTimeOff",
  summary: "Ask for time off (a technician), or enter it for a technician (their supervisor or a manager)",
  description:
    "A technician's own request waits for their supervisor or a manager. Time off entered by one of those is approved at once. Approved time off closes the technician's slots: availability, booking and the customer's page never offer it. The answer lists booked visits inside it, to move.",
  ...requiresSignIn(),
  middleware: [...requiresSignIn().middleware, idempotent()],
  request: { headers: idempotencyHeader, body: jsonBody(TimeOffCreateSchema) },
  responses: { 201: jsonResponse(TimeOffSchema, "Created"), ...errorResponses(400, 401, 403, 404) },
});

export const getTimeOff = createRoute({
  method: "get",
  path: "/v1/time-off/{id}",
  tags,
  operationId: "getTimeOff",
  summary: "One time off, with the visits to move while it is approved and to come",
  ...requiresSignIn(),
  request: { params: TimeOffIdParam },
  responses: { 200: jsonResponse(TimeOffSchema, "The time off"), ...errorResponses(400, 401, 403, 404) },
});

const decision = (action: "approve" | "reject", operationId: string, summary: string) =>
  createRoute({
    method: "post",
    path: `/v1/time-off/{id}/${action}`,
    tags,
    operationId,
    summary,
    description: "By the technician's supervisor (their own team only) or a manager; never by the technician.",
    ...requires("technicians:write", idempotent()),
    request: { params: TimeOffIdParam, headers: idempotencyHeader, body: jsonBody(TimeOffDecisionSchema) },
    responses: { 200: jsonResponse(TimeOffSchema, "Decided"), ...errorResponses(400, 401, 403, 404, 409) },
  });

export const approveTimeOff = decision(
  "approve",
  "approveTimeOff",
  "Approve time off: its slots close, and the answer lists booked visits inside it to move",
);
export const rejectTimeOff = decision("reject", "rejectTimeOff", "Turn down a request for time off");

export const cancelTimeOff = createRoute({
  method: "post",
  path: "/v1/time-off/{id}/cancel",
  tags,
  operationId: "cancelTimeOff",
  summary: "Cancel time off (requested, or approved and not over): its slots open again",
  description: "By the technician or whoever decides their time off.",
  ...requiresSignIn(),
  middleware: [...requiresSignIn().middleware, idempotent()],
  request: { params: TimeOffIdParam, headers: idempotencyHeader, body: jsonBody(TimeOffDecisionSchema) },
  responses: { 200: jsonResponse(TimeOffSchema, "Cancelled"), ...errorResponses(400, 401, 403, 404, 409) },
});
