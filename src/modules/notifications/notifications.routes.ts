import { createRoute, z } from "@hono/zod-openapi";
import { idempotencyHeader, idempotent } from "../../middleware/idempotency";
import { requires, requiresSignIn } from "../../middleware/auth";
import { PUBLIC, jsonBody, jsonResponse, noContent } from "../../lib/openapi";
import { errorResponses } from "../../lib/problem";
import { pageSchema } from "../../lib/pagination";
import {
  DeliveryListQuery,
  DeliveryPageSchema,
  DeliverySchema,
  EventsTicketSchema,
  IdParam,
  NotificationListQuery,
  NotificationPageSchema,
  NotificationSchema,
  PreferencesSchema,
  PreferencesUpdateSchema,
  WebhookCreateSchema,
  WebhookListQuery,
  WebhookSchema,
  WebhookUpdateSchema,
  WebhookWithSecretSchema,
} from "./notifications.schemas";

const tags = ["notifications"];

export const listNotifications = createRoute({
  method: "get",
  path: "/v1/notifications",
  tags,
  operationId: "listNotifications",
  summary: "Your in-app notifications with the unread count",
  ...requiresSignIn(),
  request: { query: NotificationListQuery },
  responses: { 200: jsonResponse(NotificationPageSchema, "Newest first"), ...errorResponses(400, 401) },
});

export const markAllNotificationsRead = createRoute({
  method: "post",
  path: "/v1/notifications/read-all",
  tags,
  operationId: "markAllNotificationsRead",
  summary: "Mark all your notifications read",
  ...requiresSignIn(),
  middleware: [...requiresSignIn().middleware, idempotent()],
  request: { headers: idempotencyHeader },
  responses: {
    200: jsonResponse(z.object({ marked: z.number().int() }).openapi("MarkedCount"), "How many were marked"),
    ...errorResponses(401),
  },
});

export const markNotificationRead = createRoute({
  method: "post",
  path: "/v1/notifications/{id}/read",
  tags,
  operationId: "markNotificationRead",
  summary: "Mark one notification read",
  ...requiresSignIn(),
  middleware: [...requiresSignIn().middleware, idempotent()],
  request: { headers: idempotencyHeader, params: IdParam },
  responses: { 200: jsonResponse(NotificationSchema, "The notification"), ...errorResponses(400, 401, 404) },
});

export const getNotificationPreferences = createRoute({
  method: "get",
  path: "/v1/me/notification-preferences",
  tags,
  operationId: "getNotificationPreferences",
  summary: "Which channels reach you",
  ...requiresSignIn(),
  responses: { 200: jsonResponse(PreferencesSchema, "Your choices"), ...errorResponses(401) },
});

export const setNotificationPreferences = createRoute({
  method: "put",
  path: "/v1/me/notification-preferences",
  tags,
  operationId: "setNotificationPreferences",
  summary: "Choose channels",
  ...requiresSignIn(),
  request: { body: jsonBody(PreferencesUpdateSchema) },
  responses: { 200: jsonResponse(PreferencesSchema, "Your choices"), ...errorResponses(400, 401) },
});

export const listDeliveries = createRoute({
  method: "get",
  path: "/v1/notifications/deliveries",
  tags,
  operationId: "listDeliveries",
  summary: "The delivery log: status, attempts, provider response, times",
  ...requires("notifications:admin"),
  request: { query: DeliveryListQuery },
  responses: { 200: jsonResponse(DeliveryPageSchema, "Newest first"), ...errorResponses(400, 401, 403) },
});

export const retryDelivery = createRoute({
  method: "post",
  path: "/v1/notifications/deliveries/{id}/retry",
  tags,
  operationId: "retryDelivery",
  summary: "Replay a failed or dead-lettered delivery",
  ...requires("notifications:admin", idempotent()),
  request: { headers: idempotencyHeader, params: IdParam },
  responses: { 202: jsonResponse(DeliverySchema, "Queued again"), ...errorResponses(400, 401, 403, 404, 409) },
});

const hookTags = ["webhooks"];

export const listWebhooks = createRoute({
  method: "get",
  path: "/v1/webhooks",
  tags: hookTags,
  operationId: "listWebhooks",
  summary: "Outbound webhooks",
  ...requires("webhooks:manage"),
  request: { query: WebhookListQuery },
  responses: {
    200: jsonResponse(pageSchema(WebhookSchema, "WebhookPage"), "A page of webhooks, newest first"),
    ...errorResponses(400, 401, 403),
  },
});

export const createWebhook = createRoute({
  method: "post",
  path: "/v1/webhooks",
  tags: hookTags,
  operationId: "createWebhook",
  summary: "Subscribe an https endpoint to events",
  description:
    'Deliveries are POSTs of `{ id, type, occurred_at, actor_id, data }` (ticket events carry the full ticket), signed per [Standard Webhooks](https://www.standardwebhooks.com/): `webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256(base64-decoded secret after whsec_, "<id>.<timestamp>.<body>")>` — verify with any Standard Webhooks library and the secret shown at creation. Also sent, for receivers written earlier: `X-Truckroll-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, `X-Truckroll-Event` and `X-Truckroll-Delivery`. Non-2xx answers are retried with backoff, then dead-lettered and replayable. Each event\'s payload is described in this reference\'s *Webhooks* section.',
  ...requires("webhooks:manage", idempotent()),
  request: { headers: idempotencyHeader, body: jsonBody(WebhookCreateSchema) },
  responses: {
    201: jsonResponse(WebhookWithSecretSchema, "Created; the secret is shown only now"),
    ...errorResponses(400, 401, 403),
  },
});

export const getWebhook = createRoute({
  method: "get",
  path: "/v1/webhooks/{id}",
  tags: hookTags,
  operationId: "getWebhook",
  summary: "A webhook",
  ...requires("webhooks:manage"),
  request: { params: IdParam },
  responses: { 200: jsonResponse(WebhookSchema, "The webhook"), ...errorResponses(400, 401, 403, 404) },
});

export const updateWebhook = createRoute({
  method: "patch",
  path: "/v1/webhooks/{id}",
  tags: hookTags,
  operationId: "updateWebhook",
  summary: "Change or pause a webhook",
  ...requires("webhooks:manage"),
  request: { params: IdParam, body: jsonBody(WebhookUpdateSchema) },
  responses: { 200: jsonResponse(WebhookSchema, "Updated"), ...errorResponses(400, 401, 403, 404) },
});

export const deleteWebhook = createRoute({
  method: "delete",
  path: "/v1/webhooks/{id}",
  tags: hookTags,
  operationId: "deleteWebhook",
  summary: "Delete a webhook",
  ...requires("webhooks:manage"),
  request: { params: IdParam },
  responses: { 204: noContent, ...errorResponses(400, 401, 403, 404) },
});

const rtTags = ["realtime"];

export const createEventsTicket = createRoute({
  method: "post",
  path: "/v1/events/ticket",
  tags: rtTags,
  operationId: "createEventsTicket",
  summary: "A one-minute ticket for the realtime WebSocket",
  ...requiresSignIn(),
  responses: { 201: jsonResponse(EventsTicketSchema, "Connect to `url` within a minute"), ...errorResponses(401) },
});

export const connectEvents = createRoute({
  method: "get",
  path: "/v1/events",
  tags: rtTags,
  operationId: "connectEvents",
  security: PUBLIC,
  summary: "Realtime events over WebSocket",
  description:
    "Upgrade with `?ticket=` from POST /v1/events/ticket. Messages are JSON `{ type, id, data }`: ticket.created, ticket.assigned, ticket.status_changed, technician.location_updated, technician.availability_changed, notification.new — only what the user may see.",
  request: {
    query: z.strictObject({
      ticket: z
        .string()
        .min(1)
        .max(4096)
        .openapi({
          param: { name: "ticket", in: "query" },
          description: "The ticket id to follow; with a ticket, only its events",
        }),
    }),
  },
  responses: {
    101: { description: "Switching to WebSocket" },
    ...errorResponses(400, 401),
    426: { description: "Not a WebSocket upgrade" },
  },
});
