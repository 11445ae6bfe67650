import { z, type RouteConfig } from "@hono/zod-openapi";
import { APPOINTMENT_STATUSES, TICKET_KINDS, TICKET_PRIORITIES, TICKET_STATUSES } from "../../db/schema";
import { TicketSchema } from "../tickets";
import type { WEBHOOK_EVENTS } from "./notifications.schemas";

/**
 * What each webhook delivery carries, for the OpenAPI document's `webhooks` section. The envelope
 * is built in `fanout.ts`; each event's `data` by the verb that records it.
 */
type EventType = Exclude<(typeof WEBHOOK_EVENTS)[number], "*">;

const id = (example: string) => z.string().openapi({ example });
const instant = z.string().openapi({ format: "date-time", example: "2026-12-01T09:00:00.000Z" });
const via = z.enum(["staff", "link"]).openapi({
  description:
    "`link` when the customer did it from their booking link; `staff` otherwise (staff, technicians, the system)",
});

const TicketWithAppointment = TicketSchema.extend({
  appointment: z
    .object({ id: z.string(), date: z.string(), start_time: z.string(), status: z.enum(APPOINTMENT_STATUSES) })
    .nullable()
    .openapi({ description: "The ticket's current appointment (the latest not cancelled), if any" }),
}).openapi("WebhookTicket", {
  description: "The ticket as it is after the change, as staff see it, with its current appointment",
});

/** Events about a ticket or its visit carry the whole ticket as `data.ticket`. */
const aboutTicket = (fields: z.ZodRawShape) => z.object({ ...fields, ticket: TicketWithAppointment });

const stepData = aboutTicket({
  appointment_id: id("apt_0a1b2c3d4e5f6g7h8i9j"),
  step: z.string().openapi({ example: "en_route" }),
  from: z.enum(APPOINTMENT_STATUSES),
  to: z.enum(APPOINTMENT_STATUSES),
  via,
});

const EVENTS: Record<EventType, { summary: string; data: z.ZodObject }> = {
  "ticket.created": {
    summary: "A ticket or service booking was raised (by staff, a customer, an import or an API key)",
    data: aboutTicket({
      number: id("TR-000123"),
      kind: z.enum(TICKET_KINDS),
      priority: z.enum(TICKET_PRIORITIES),
      customer_id: z.string().nullable(),
    }),
  },
  "ticket.updated": {
    summary: "A ticket's fields were edited; `changes` names what changed",
    data: aboutTicket({ changes: z.array(z.string()).openapi({ example: ["title", "priority"] }) }),
  },
  "ticket.assigned": {
    summary: "Technicians (or a team) were put on a ticket, by hand or by a strategy",
    data: aboutTicket({
      number: id("TR-000123"),
      technician_ids: z.array(z.string()),
      team_supervisor_id: z.string().nullable(),
      strategy: z.enum(["round_robin", "least_loaded"]).nullable(),
      auto: z.boolean().optional().openapi({ description: "Placed by automatic assignment" }),
    }),
  },
  "ticket.unassigned": {
    summary: "Technicians were taken off a ticket",
    data: aboutTicket({ technician_ids: z.array(z.string()) }),
  },
  "ticket.status_changed": {
    summary: "A ticket moved in its workflow (start, hold, resolve, approve, close, cancel, reopen …)",
    data: aboutTicket({
      action: z.string().openapi({ example: "resolve" }),
      from: z.enum(TICKET_STATUSES),
      to: z.enum(TICKET_STATUSES),
      number: id("TR-000123"),
      via: z
        .literal("appointment")
        .optional()
        .openapi({ description: "Present when completing the visit completed the ticket" }),
      signed_off: z.boolean().optional().openapi({ description: "Completed with the customer's code" }),
    }),
  },
  "ticket.commented": {
    summary: "A comment or internal note was added",
    data: aboutTicket({ comment_id: id("cmt_0a1b2c3d4e5f6g7h8i9j"), visibility: z.enum(["public", "internal"]) }),
  },
  "ticket.rescheduled": {
    summary: "A service booking was moved to another day before work started",
    data: aboutTicket({ preferred_at: instant, service_type: z.enum(["free", "paid"]).nullable() }),
  },
  "ticket.sla_changed": {
    summary: "SLA targets were set or moved",
    data: aboutTicket({
      response_due_at: instant.optional(),
      resolution_due_at: instant.optional(),
      estimated_resolution_at: instant.optional(),
      response_breached_at: z
        .null()
        .optional()
        .openapi({ description: "Present (null) when the new response target clears an earlier breach" }),
      resolution_breached_at: z
        .null()
        .optional()
        .openapi({ description: "Present (null) when the new resolution target clears an earlier breach" }),
    }),
  },
  "ticket.attachment_added": {
    summary: "A file was attached to a ticket",
    data: aboutTicket({
      attachment_id: id("att_0a1b2c3d4e5f6g7h8i9j"),
      filename: z.string().openapi({ example: "ont-photo.jpg" }),
    }),
  },
  "ticket.work_logged": {
    summary: "A technician logged work (detail, parts, amount)",
    data: aboutTicket({ work_log_id: id("wlg_0a1b2c3d4e5f6g7h8i9j") }),
  },
  "tickets.imported": {
    summary: "An import created tickets (one event per import chunk, not one per ticket)",
    data: z.object({
      job_id: id("job_0a1b2c3d4e5f6g7h8i9j"),
      count: z.number().int(),
      tickets: z.array(z.object({ id: z.string(), number: z.string(), external_ref: z.string().nullable() })),
    }),
  },
  "sla.breached": {
    summary: "A ticket missed its response or resolution target (checked every minute)",
    data: aboutTicket({
      target: z.enum(["response", "resolution"]),
      number: id("TR-000123"),
      priority: z.enum(TICKET_PRIORITIES),
      due_at: instant,
    }),
  },
  "appointment.scheduled": {
    summary: "A visit was booked (by staff, or by the customer from their link)",
    data: aboutTicket({
      appointment_id: id("apt_0a1b2c3d4e5f6g7h8i9j"),
      technician_id: id("usr_0a1b2c3d4e5f6g7h8i9j"),
      starts_at: instant,
      via,
    }),
  },
  "appointment.rescheduled": {
    summary: "A visit moved to another slot",
    data: aboutTicket({ appointment_id: id("apt_0a1b2c3d4e5f6g7h8i9j"), from: instant, to: instant, via }),
  },
  "appointment.confirmed": { summary: "A visit was confirmed", data: stepData },
  "appointment.en_route": { summary: "The technician set off to the visit", data: stepData },
  "appointment.on_site": { summary: "The technician arrived", data: stepData },
  "appointment.in_progress": { summary: "Work on site started", data: stepData },
  "appointment.completed": {
    summary: "The visit was completed (and, by default, its ticket resolved)",
    data: stepData,
  },
  "appointment.cancelled": { summary: "A visit was cancelled", data: stepData },
  "appointment.location_shared": {
    summary: "The customer shared the visit's location from their link",
    data: aboutTicket({ appointment_id: id("apt_0a1b2c3d4e5f6g7h8i9j"), lat: z.number(), lng: z.number() }),
  },
  "appointment.reminder": {
    summary: "A visit is near: the evening before, and shortly before it starts",
    data: aboutTicket({
      appointment_id: id("apt_0a1b2c3d4e5f6g7h8i9j"),
      technician_id: z.string(),
      reminder: z.enum(["evening", "soon"]),
      when: z.string().openapi({ example: "2026-12-01 09:00 (Africa/Gaborone)" }),
    }),
  },
  "appointment.link_sent": {
    summary: "A booking link was sent to the customer",
    data: aboutTicket({ link_id: id("lnk_0a1b2c3d4e5f6g7h8i9j"), expires_at: instant, sent_to: z.string().nullable() }),
  },
  "inventory.low_stock": {
    summary: "Warehouse stock of an item fell to or below its reorder level",
    data: z.object({ sku: z.string(), name: z.string(), quantity: z.number().int(), min_level: z.number().int() }),
  },
};

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
