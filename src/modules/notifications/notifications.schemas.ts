import { z } from "@hono/zod-openapi";
import { CHANNELS, DELIVERY_STATUSES } from "../../db/schema";
import { cursorParam, limitParam, pageSchema } from "../../lib/pagination";

export const IdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(300)
    .openapi({ param: { name: "id", in: "path" }, description: "The id from the list" }),
});

export const DeliverySchema = z
  .object({
    id: z.string(),
    event_id: z.string().nullable(),
    event_type: z.string(),
    channel: z.enum(CHANNELS),
    recipient: z.string(),
    user_id: z.string().nullable(),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.number().int(),
    provider: z.string().nullable(),
    provider_response: z.string().nullable(),
    last_error: z.string().nullable(),
    sent_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Delivery");
export const DeliveryPageSchema = pageSchema(DeliverySchema, "DeliveryPage");
export const DeliveryListQuery = z.strictObject({
  limit: limitParam,
  cursor: cursorParam,
  status: z
    .enum(DELIVERY_STATUSES)
    .optional()
    .openapi({ param: { name: "status", in: "query" }, description: "Only deliveries in this state" }),
  channel: z
    .enum(CHANNELS)
    .optional()
    .openapi({ param: { name: "channel", in: "query" }, description: "Only deliveries on this channel" }),
  event_id: z
    .string()
    .max(100)
    .optional()
    .openapi({ param: { name: "event_id", in: "query" }, description: "Only deliveries caused by this event" }),
});

export const NotificationSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    title: z.string(),
    body: z.string(),
    ticket_id: z.string().nullable(),
    data: z.record(z.string(), z.unknown()),
    is_read: z.boolean(),
    read_at: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi("Notification");
export const NotificationPageSchema = z
  .object({
    data: z.array(NotificationSchema),
    next_cursor: z.string().nullable(),
    has_more: z.boolean().openapi({ description: "Whether another page follows (then `next_cursor` fetches it)" }),
    unread_count: z.number().int(),
  })
  .openapi("NotificationPage");
export const NotificationListQuery = z.strictObject({
  limit: limitParam,
  cursor: cursorParam,
  is_read: z
    .enum(["true", "false"])
    .transform((v) => v === "true")
    .optional()
    .openapi({
      param: { name: "is_read", in: "query" },
      description: "`true`: only read notifications; `false`: only unread ones",
    }),
  type: z
    .string()
    .max(60)
    .optional()
    .openapi({
      param: { name: "type", in: "query" },
      description: "Only notifications of this event type, e.g. `ticket.assigned`",
    }),
});

export const PreferencesSchema = z
  .object({ email: z.boolean(), sms: z.boolean(), whatsapp: z.boolean(), push: z.boolean() })
  .openapi("NotificationPreferences");
export const PreferencesUpdateSchema = z
  .strictObject({
    email: z.boolean().optional(),
    sms: z.boolean().optional(),
    whatsapp: z.boolean().optional(),
    push: z.boolean().optional(),
  })
  .openapi("NotificationPreferencesUpdate");

export const WEBHOOK_EVENTS = [
  "*",
  "ticket.created",
  "ticket.updated",
  "ticket.assigned",
  "ticket.unassigned",
  "ticket.status_changed",
  "ticket.commented",
  "ticket.rescheduled",
  "ticket.sla_changed",
  "ticket.attachment_added",
  "ticket.work_logged",
  "tickets.imported",
  "sla.warning",
  "sla.breached",
  "appointment.scheduled",
  "appointment.rescheduled",
  "appointment.confirmed",
  "appointment.en_route",
  "appointment.on_site",
  "appointment.in_progress",
  "appointment.completed",
  "appointment.cancelled",
  "appointment.location_shared",
  "appointment.reminder",
  "appointment.link_sent",
  "inventory.low_stock",
  "service_contract.ending",
] as const;

export const WebhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.string()),
    active: z.boolean(),
    description: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Webhook");
export const WebhookWithSecretSchema = WebhookSchema.extend({
  secret: z.string().openapi({ description: "Shown once, at creation" }),
}).openapi("WebhookCreated");
const WEBHOOK_URL = z
  .url({ protocol: /^https?$/, message: "An https URL" })
  .max(2000)
  .openapi({
    description:
      "https on a public host: no credentials, loopback, private, link-local or reserved addresses. Local development also accepts http://localhost and http://127.0.0.1.",
    example: "https://hooks.example.com/truckroll",
  });

export const WebhookCreateSchema = z
  .strictObject({
    url: WEBHOOK_URL,
    events: z.array(z.enum(WEBHOOK_EVENTS)).min(1).max(WEBHOOK_EVENTS.length),
    description: z.string().trim().max(200).optional(),
  })
  .openapi("WebhookCreate");
export const WebhookUpdateSchema = z
  .strictObject({
    url: WEBHOOK_URL.optional(),
    events: z.array(z.enum(WEBHOOK_EVENTS)).min(1).max(WEBHOOK_EVENTS.length).optional(),
    description: z.string().trim().max(200).nullable().optional(),
    active: z.boolean().optional(),
  })
  .openapi("WebhookUpdate");

export const EventsTicketSchema = z
  .object({ ticket: z.string(), url: z.string(), expires_in: z.number().int() })
  .openapi("EventsTicket");

export const WebhookListQuery = z.strictObject({ limit: limitParam, cursor: cursorParam });
