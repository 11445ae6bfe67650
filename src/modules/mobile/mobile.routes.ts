import { idempotencyHeader, idempotent } from "../../middleware/idempotency";
import { createRoute } from "@hono/zod-openapi";
import { jsonBody, jsonResponse } from "../../lib/openapi";
import { errorResponses } from "../../lib/problem";
import { requires, requiresSignIn } from "../../middleware/auth";
import { ActionBatchResultSchema, ActionBatchSchema } from "./actions.schemas";
import {
  DeviceIdParam,
  DeviceListQuery,
  DevicePageSchema,
  DeviceSchema,
  SyncRequestSchema,
  SyncResponseSchema,
} from "./mobile.schemas";

const tags = ["mobile"];

export const syncMobile = createRoute({
  method: "post",
  path: "/v1/mobile/sync",
  tags,
  operationId: "syncMobile",
  summary: "Catch up a technician's phone: a full snapshot first, then only what changed",
  description:
    "Without `cursor`: a snapshot of every ticket assigned to you with its comments, work logs, attachments, appointments, customer and service card, 25 tickets a page, and (on the first page) the equipment issued to you that is still out and your 50 newest notifications. Then, with the last `cursor`, the changes since in the order they were made: `upsert` with the entity's current state, `delete` for what was deleted or is no longer yours (a ticket reassigned: drop it and what it carries). Repeat while `has_more`. Positions are a sequence kept by the server, never clocks. The device is registered on its first sync; a revoked device is refused (403 device_revoked).",
  ...requires("tickets:read"),
  request: { body: jsonBody(SyncRequestSchema) },
  responses: {
    200: jsonResponse(SyncResponseSchema, "Changes, and where to continue"),
    ...errorResponses(400, 401, 403),
  },
});

export const applyMobileActions = createRoute({
  method: "post",
  path: "/v1/mobile/actions",
  tags,
  operationId: "applyMobileActions",
  summary: "Send the actions a technician took offline",
  description:
    "Applied in order, each on its own, each answered: `applied`, `duplicate` (its `client_id` was applied before: never twice), `conflict` (the ticket changed meanwhile so that the action is unsafe — nothing is written and the current ticket comes back), `rejected` (the problem the same request would get online) or `error` (send it again). Moves of a ticket (`start`, `hold`, `resume`, `resolve`, `appointment_step`) need the `base_version` the phone had; comments, work logs, attaching an upload and location reports do not (files go up with POST /v1/uploads when online; `attach_upload` then places them). Actions on one ticket build on each other: a `resolve` after a `start` in the same batch is checked against the ticket as the `start` left it, and once a move of a ticket fails, its later moves in the batch are conflicts (comments and work logs are still added). A malformed action refuses the whole batch (400) before anything is applied.",
  ...requires("tickets:update"),
  request: { body: jsonBody(ActionBatchSchema) },
  responses: {
    200: jsonResponse(ActionBatchResultSchema, "One result per action, in order"),
    ...errorResponses(400, 401, 403),
  },
});

export const listMobileDevices = createRoute({
  method: "get",
  path: "/v1/mobile/devices",
  tags,
  operationId: "listMobileDevices",
  summary: "Devices that sync: yours, or a user's you manage",
  ...requiresSignIn(),
  request: { query: DeviceListQuery },
  responses: { 200: jsonResponse(DevicePageSchema, "Newest first"), ...errorResponses(400, 401, 403, 404) },
});

export const revokeMobileDevice = createRoute({
  method: "post",
  path: "/v1/mobile/devices/{id}/revoke",
  tags,
  operationId: "revokeMobileDevice",
  summary: "Stop a device from syncing (a lost or handed-on phone)",
  description:
    "Its next sync and its offline actions are refused with 403 device_revoked, and its push token stops receiving notifications. Your own devices, or those of users you may change (`users:update`).",
  ...requiresSignIn(),
  middleware: [...requiresSignIn().middleware, idempotent()],
  request: { headers: idempotencyHeader, params: DeviceIdParam },
  responses: { 200: jsonResponse(DeviceSchema, "Revoked"), ...errorResponses(400, 401, 403, 404) },
});
