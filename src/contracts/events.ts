import { z } from "@hono/zod-openapi";
import { APPOINTMENT_STATUSES, TICKET_KINDS, TICKET_PRIORITIES, TICKET_STATUSES } from "../db/schema";
import type { DomainEventMessage } from "../lib/messages";

/**
 * The event catalogue: every domain event truckroll records, with the zod schema of its `data` as
 * the producing verb writes it. Producers are type-checked against it (`CatalogueEvent`), the
 * outbox refuses an event whose data does not parse, consumers read typed data (`eventData`), and
 * the OpenAPI document's `webhooks` section is generated from the same schemas (events about a
 * ticket get the ticket added at delivery).
 */
const id = (example: string) => z.string().openapi({ example });
const instant = z.string().openapi({ format: "date-time", example: "2026-12-01T09:00:00.000Z" });
const via = z.enum(["staff", "link"]).openapi({
  description:
    "`link` when the customer did it from their booking link; `staff` otherwise (staff, technicians, the system)",
});
const stepData = z.object({
  appointment_id: id("apt_0a1b2c3d4e5f6g7h8i9j"),
  step: z.string().openapi({ example: "en_route" }),
  from: z.enum(APPOINTMENT_STATUSES),
  to: z.enum(APPOINTMENT_STATUSES),
  via,
});

interface CatalogueEntry {
  summary: string;
  /** The event's subject is a ticket: deliveries carry the ticket as it is after the change. */
  aboutTicket: boolean;
  data: z.ZodObject;
}

const entry = <D extends z.ZodObject>(summary: string, data: D, aboutTicket = true) => ({ summary, aboutTicket, data });

export const EVENT_CATALOGUE = {
  "ticket.created": entry(
    "A ticket or service booking was raised (by staff, a customer, an import or an API key)",
    z.object({
      number: id("TR-000123"),
      kind: z.enum(TICKET_KINDS),
      priority: z.enum(TICKET_PRIORITIES),
      customer_id: z.string().nullable(),
    }),
  ),
  "ticket.updated": entry(
    "A ticket's fields were edited; `changes` names what changed",
    z.object({ changes: z.array(z.string()).openapi({ example: ["title", "priority"] }) }),
  ),
  "ticket.assigned": entry(
    "Technicians (or a team) were put on a ticket, by hand or by a strategy",
    z.object({
      number: id("TR-000123"),
      technician_ids: z.array(z.string()),
      team_supervisor_id: z.string().nullable(),
      strategy: z.enum(["round_robin", "least_loaded", "pool_booking"]).nullable(),
      auto: z.boolean().optional().openapi({ description: "Placed by automatic assignment" }),
    }),
  ),
  "ticket.unassigned": entry("Technicians were taken off a ticket", z.object({ technician_ids: z.array(z.string()) })),
  "ticket.status_changed": entry(
    "A ticket moved in its workflow (start, hold, resolve, approve, close, cancel, reopen …)",
    z.object({
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
  ),
  "ticket.commented": entry(
    "A comment or internal note was added",
    z.object({ comment_id: id("cmt_0a1b2c3d4e5f6g7h8i9j"), visibility: z.enum(["public", "internal"]) }),
  ),
  "ticket.rescheduled": entry(
    "A service booking was moved to another day before work started",
    z.object({ preferred_at: instant, service_type: z.enum(["free", "paid"]).nullable() }),
  ),
  "ticket.sla_changed": entry(
    "SLA targets were set or moved",
    z.object({
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
  ),
  "ticket.attachment_added": entry(
    "A file was attached to a ticket",
    z.object({
      attachment_id: id("att_0a1b2c3d4e5f6g7h8i9j"),
      filename: z.string().openapi({ example: "ont-photo.jpg" }),
    }),
  ),
  "ticket.work_logged": entry(
    "A technician logged work (detail, parts, amount)",
    z.object({ work_log_id: id("wlg_0a1b2c3d4e5f6g7h8i9j") }),
  ),
  "tickets.imported": entry(
    "An import created tickets (one event per import chunk, not one per ticket)",
    z.object({
      job_id: id("job_0a1b2c3d4e5f6g7h8i9j"),
      count: z.number().int(),
      tickets: z.array(z.object({ id: z.string(), number: z.string(), external_ref: z.string().nullable() })),
    }),
    false,
  ),
  "sla.warning": entry(
    "A ticket used the warning share of its response or resolution target (80 % unless its policy says otherwise)",
    z.object({
      target: z.enum(["response", "resolution"]),
      number: id("TR-000123"),
      priority: z.enum(TICKET_PRIORITIES),
      due_at: instant,
      warning_at: instant,
    }),
  ),
  "sla.breached": entry(
    "A ticket missed its response or resolution target (flagged within seconds of its due time)",
    z.object({
      target: z.enum(["response", "resolution"]),
      number: id("TR-000123"),
      priority: z.enum(TICKET_PRIORITIES),
      due_at: instant,
    }),
  ),
  "appointment.scheduled": entry(
    "A visit was booked (by staff, or by the customer from their link)",
    z.object({
      appointment_id: id("apt_0a1b2c3d4e5f6g7h8i9j"),
      technician_id: id("usr_0a1b2c3d4e5f6g7h8i9j"),
      starts_at: instant,
      via,
    }),
  ),
  "appointment.rescheduled": entry(
    "A visit moved to another slot",
    z.object({ appointment_id: id("apt_0a1b2c3d4e5f6g7h8i9j"), from: instant, to: instant, via }),
  ),
  "appointment.confirmed": entry("A visit was confirmed", stepData),
  "appointment.en_route": entry("The technician set off to the visit", stepData),
  "appointment.on_site": entry("The technician arrived", stepData),
  "appointment.in_progress": entry("Work on site started", stepData),
  "appointment.completed": entry("The visit was completed (and, by default, its ticket resolved)", stepData),
  "appointment.cancelled": entry("A visit was cancelled", stepData),
  "appointment.location_shared": entry(
    "The customer shared the visit's location from their link",
    z.object({ appointment_id: id("apt_0a1b2c3d4e5f6g7h8i9j"), lat: z.number(), lng: z.number() }),
  ),
  "appointment.reminder": entry(
    "A visit is near: the evening before, and shortly before it starts",
    z.object({
      appointment_id: id("apt_0a1b2c3d4e5f6g7h8i9j"),
      technician_id: z.string(),
      reminder: z.enum(["evening", "soon"]),
      when: z.string().openapi({ example: "2026-12-01 09:00 (Africa/Gaborone)" }),
    }),
  ),
  "appointment.link_sent": entry(
    "A booking link was sent to the customer",
    z.object({ link_id: id("lnk_0a1b2c3d4e5f6g7h8i9j"), expires_at: instant, sent_to: z.string().nullable() }),
  ),
  "inventory.low_stock": entry(
    "Warehouse stock of an item fell to or below its reorder level",
    z.object({ sku: z.string(), name: z.string(), quantity: z.number().int(), min_level: z.number().int() }),
    false,
  ),
  "service_contract.ending": entry(
    "A customer's service contract ends soon (sent once per term, `reminder_days` before its end); the customer is told",
    z.object({
      contract_id: id("sct_0a1b2c3d4e5f6g7h8i9j"),
      customer_id: id("cus_0a1b2c3d4e5f6g7h8i9j"),
      name: z.string().openapi({ example: "Purifier care plan" }),
      ends_on: z.string().openapi({ example: "2027-12-31" }),
      will_renew: z.boolean().openapi({ description: "It renews by itself for another term" }),
    }),
    false,
  ),
} satisfies Record<string, CatalogueEntry>;

export type EventType = keyof typeof EVENT_CATALOGUE;
export type EventData<T extends EventType> = z.input<(typeof EVENT_CATALOGUE)[T]["data"]>;

/** What a producer states: an event type and its data, checked against the catalogue at compile time. */
export type CatalogueEvent = { [T in EventType]: { type: T; data: EventData<T> } }[EventType];

export const EVENT_TYPES = Object.keys(EVENT_CATALOGUE) as EventType[];

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(EVENT_CATALOGUE, type);
}

/** Checks an event's data against its schema: the reason it does not fit, or null. */
export function eventDataProblem(type: string, data: unknown): string | null {
  if (!isEventType(type)) return `"${type}" is not in the event catalogue`;
  const result = EVENT_CATALOGUE[type].data.strict().safeParse(data);
  return result.success ? null : `${type}: ${z.prettifyError(result.error)}`;
}

/** An event as a consumer reads it: `type` narrows `data` to its schema's output. */
export type CatalogueMessage = {
  [T in EventType]: Omit<DomainEventMessage, "type" | "data"> & {
    type: T;
    data: z.output<(typeof EVENT_CATALOGUE)[T]["data"]>;
  };
}[EventType];

/**
 * A consumer's typed view of an event from the queue, or null for a type outside the catalogue.
 * The outbox checked the data against its schema when the event was written, so it is not parsed
 * again here.
 */
export function catalogued(event: DomainEventMessage): CatalogueMessage | null {
  return isEventType(event.type) ? (event as CatalogueMessage) : null;
}
