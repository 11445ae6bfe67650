import { z, type RouteConfig } from "@hono/zod-openapi";
import { EVENT_CATALOGUE, EVENT_TYPES, type EventType } from "../../contracts/events";
import { APPOINTMENT_STATUSES } from "../../db/schema";
import { TicketSchema } from "../tickets";

/**
 * What each webhook delivery carries, for the OpenAPI document's `webhooks` section. The envelope
 * is built in `fanout.ts`; each event's `data` by the verb that records it.
 */

const id = (example: string) => z.string().openapi({ example });
const instant = z.string().openapi({ format: "date-time", example: "2026-12-01T09:00:00.000Z" });

const TicketWithAppointment = TicketSchema.extend({
  appointment: z
    .object({ id: z.string(), date: z.string(), start_time: z.string(), status: z.enum(APPOINTMENT_STATUSES) })
    .nullable()
    .openapi({ description: "The ticket's current appointment (the latest not cancelled), if any" }),
}).openapi("WebhookTicket", {
  description: "The ticket as it is after the change, as staff see it, with its current appointment",
});

/** A delivery's `data`: the event's data from the catalogue, plus the whole ticket for events about one. */
const EVENTS = {} as Record<EventType, { summary: string; data: z.ZodObject }>;
for (const type of EVENT_TYPES) {
  const { summary, aboutTicket, data }: { summary: string; aboutTicket: boolean; data: z.ZodObject } =
    EVENT_CATALOGUE[type];
  EVENTS[type] = { summary, data: aboutTicket ? data.extend({ ticket: TicketWithAppointment }) : data };
}

const signatureHeaders = z.object({
  "webhook-id": z
    .string()
    .openapi({ description: "The delivery's id: the same on every retry, so receivers can drop duplicates" }),
  "webhook-timestamp": z
    .string()
    .openapi({ description: "Unix seconds when this attempt was signed; refuse ones far from now" }),
  "webhook-signature": z.string().openapi({
    description:
      "`v1,<base64 HMAC-SHA256>` of `<webhook-id>.<webhook-timestamp>.<raw body>` with the secret shown at creation (Standard Webhooks)",
  }),
});

/** The whole delivery body of an event type, as documented. */
export function webhookPayloadSchema(type: EventType) {
  return z.object({
    id: z.string(),
    type: z.literal(type),
    occurred_at: z.string(),
    actor_id: z.string().nullable(),
    data: EVENTS[type].data.strict(),
  });
}

export const DOCUMENTED_WEBHOOK_EVENTS = Object.keys(EVENTS) as EventType[];

const schemaName = (type: string) =>
  `WebhookEvent${type
    .split(/[._]/)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join("")}`;

/** One entry per event for the document's `webhooks`: a POST to the subscriber's URL. */
export function webhookDocuments(): RouteConfig[] {
  return (Object.entries(EVENTS) as [EventType, (typeof EVENTS)[EventType]][]).map(([type, event]) => ({
    method: "post",
    path: type,
    operationId: `on${schemaName(type).slice("WebhookEvent".length)}`,
    tags: ["webhooks"],
    summary: event.summary,
    description: `Sent to every active webhook subscribed to \`${type}\` (or \`*\`). Answer any 2xx within 10 seconds to acknowledge; anything else is retried with back-off, then kept as dead-lettered and replayable. Deliveries are at least once: deduplicate on \`webhook-id\`.`,
    request: {
      headers: signatureHeaders,
      body: {
        required: true,
        content: {
          "application/json": {
            schema: z
              .object({
                id: id("evt_0a1b2c3d4e5f6g7h8i9j"),
                type: z.literal(type),
                occurred_at: instant,
                actor_id: z
                  .string()
                  .nullable()
                  .openapi({ description: "The user or API key that made the change; null for the system" }),
                data: event.data,
              })
              .openapi(schemaName(type)),
          },
        },
      },
    },
    responses: { 200: { description: "Any 2xx acknowledges the delivery" } },
  }));
}
