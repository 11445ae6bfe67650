import type { FieldError } from "../../lib/problem";
import { tickets } from "../../db/schema";
import { takeCounter } from "../../lib/counters";
import { actorUserId } from "../../lib/context";
import { inList } from "../../lib/d1";
import { newId, nowIso, randomToken } from "../../lib/ids";
import { listCell, numberCell, pointCells, validated, type ImportKind, type RowOutcome } from "../../lib/imports";
import {
  customerReferenceColumns,
  customerReferenceOf,
  resolveCustomerReferences,
  type CustomerReference,
} from "../customers";
import { templateForTicket } from "../templates";
import { checklistRows, importedTicketStatements } from "./change";
import { newTicketClock } from "./sla";
import { readSlaBasis } from "./sla-clock";
import { TicketCreateSchema } from "./tickets.schemas";

const TEXT = [
  "external_ref",
  "kind",
  "priority",
  "title",
  "description",
  "service_category",
  "address",
  "service_area",
  "preferred_at",
  "scheduled_at",
  "template_id",
] as const;

type Imported = {
  input: ReturnType<typeof TicketCreateSchema.parse> & { external_ref: string };
  customer: CustomerReference;
};

/** Ticket numbers for a whole chunk in one statement: the last of `count` consecutive numbers. */
async function reserveNumbers(db: D1Database, count: number): Promise<number> {
  return takeCounter(db, "ticket_number", { first: count, step: count });
}

/**
 * Tickets (cases, tasks) from CSV, keyed by the source system's case number (`external_ref`).
 * Each new ticket gets its number, SLA targets and first history entry like one raised online;
 * instead of one `ticket.created` per row (and a notification to every dispatcher per row), each
 * chunk publishes one `tickets.imported` event listing its tickets.
 */
export const ticketImport: ImportKind<Imported> = {
  kind: "tickets",
  noun: "ticket",
  keyDescription: "`external_ref` (the case or task number in the system the rows come from)",
  permission: "tickets:create",
  updates: false,
  columns: [
    {
      name: "external_ref",
      description: "The case or task number in the source system; identifies the ticket",
      example: "INC-2026-000871",
      required: true,
    },
    { name: "title", description: "Title", example: "No internet since the storm", required: true },
    {
      name: "kind",
      description:
        "bug, problem, service_down, new_feature, installation, repair, maintenance, upgrade or disconnection",
      example: "repair",
      required: true,
    },
    { name: "priority", description: "low, medium (default), high, critical or emergency", example: "high" },
    { name: "description", description: "Description", example: "ONT shows LOS after power cut" },
    ...customerReferenceColumns("The customer"),
    {
      name: "address",
      description: "Where the work is (default: the customer's address)",
      example: "Plot 1234, Gaborone",
    },
    { name: "lat", description: "Latitude (with lng)", example: "-24.6282" },
    { name: "lng", description: "Longitude (with lat)", example: "25.9231" },
    {
      name: "service_category",
      description: "voice, internet or other: the service the ticket is about",
      example: "internet",
      exampleInTemplate: false,
    },
    { name: "service_area", description: "Service area (default: the customer's)", example: "gaborone-north" },
    { name: "required_skills", description: "Skills, separated by ; or |", example: "fibre;splicing" },
    {
      name: "preferred_at",
      description: "When the customer prefers the visit (RFC 3339)",
      example: "2026-12-01T09:00:00+02:00",
    },
    {
      name: "scheduled_at",
      description: "When the visit is scheduled (RFC 3339)",
      example: "2026-12-01T09:00:00+02:00",
    },
    { name: "estimated_minutes", description: "Expected duration in minutes", example: "90" },
    {
      name: "template_id",
      description:
        "A job template in use: fills the estimate, skills and category the row leaves out, and gives the ticket the template's checklist",
      example: "tpl_demo_fibre_install",
      exampleInTemplate: false,
    },
  ],

  parse(_ctx, cells) {
    const input: Record<string, unknown> = {};
    for (const f of TEXT) if (cells[f] !== undefined) input[f] = cells[f];
    if (cells.estimated_minutes !== undefined) input.estimated_minutes = numberCell(cells.estimated_minutes);
    if (cells.required_skills !== undefined) input.required_skills = listCell(cells.required_skills);
    const point = pointCells(cells);
    if ("errors" in point) return point;
    if (point.point)
      input.location = { ...point.point, ...(cells.address !== undefined ? { address: cells.address } : {}) };
    if (cells.external_ref === undefined) return { errors: [{ path: "external_ref", message: "Required" }] };
    const result = validated(TicketCreateSchema, input, "location");
    if ("errors" in result) return result;
    if (result.value.kind === "service_booking")
      return { errors: [{ path: "kind", message: "Service bookings are booked for a service card, not imported" }] };
    return {
      value: { input: result.value as Imported["input"], customer: customerReferenceOf(cells) },
      key: result.value.external_ref!,
    };
  },

  async plan(ctx, rows, { onExisting, guard, jobId, dryRun }) {
    const customers = await resolveCustomerReferences(
      ctx,
      rows.map((r) => r.value.customer),
    );
    const existing = new Set(
      (
        await ctx.db
          .select({ ref: tickets.externalRef })
          .from(tickets)
          .where(
            inList(
              tickets.externalRef,
              rows.map((r) => r.key),
            ),
          )
      ).map((t) => t.ref),
    );
    // Each template named once, whatever the number of rows naming it.
    const templates = new Map<string, Awaited<ReturnType<typeof templateForTicket>> | null>();
    for (const id of new Set(rows.flatMap((r) => (r.value.input.template_id ? [r.value.input.template_id] : []))))
      templates.set(id, await templateForTicket(ctx, id).catch(() => null));
    // Every problem of a row is reported together, so one correction fixes it.
    const outcomes: RowOutcome[] = rows.map((row, i): RowOutcome => {
      const errors: FieldError[] = [];
      const customer = customers[i];
      if (customer && "error" in customer) errors.push(customer.error);
      const tpl = row.value.input.template_id;
      if (tpl && !templates.get(tpl)) errors.push({ path: "template_id", message: "No such job template in use" });
      if (existing.has(row.key) && onExisting === "fail")
        errors.push({ path: "external_ref", message: "A ticket with this external reference exists" });
      if (errors.length) return { outcome: "failed", errors };
      return existing.has(row.key) ? { outcome: "skipped" } : { outcome: "created" };
    });
    const creating = rows.flatMap((row, i) =>
      outcomes[i].outcome === "created"
        ? [{ row, customer: customers[i] as Exclude<(typeof customers)[number], { error: unknown }> }]
        : [],
    );
    if (dryRun || !creating.length) return { outcomes, statements: [] };

    const last = await reserveNumbers(ctx.env.DB, creating.length);
    const basis = await readSlaBasis(ctx.db);
    const now = nowIso();
    const rowsToInsert = creating.map(
      (
        {
          row: {
            value: { input },
          },
          customer,
        },
        i,
      ) => {
        const template = input.template_id ? templates.get(input.template_id)! : null;
        if (template) {
          input = {
            ...input,
            estimated_minutes: input.estimated_minutes ?? template.estimated_minutes ?? undefined,
            service_category: input.service_category ?? template.service_category ?? undefined,
            required_skills: [...new Set([...template.required_skills, ...input.required_skills])],
          };
        }
        const clock = newTicketClock(ctx.settings, basis, input, customer?.id ?? null, now);
        return {
          id: newId("tkt"),
          number: `TR-${String(last - creating.length + 1 + i).padStart(6, "0")}`,
          external_ref: input.external_ref,
          kind: input.kind,
          priority: input.priority,
          status: "new",
          title: input.title,
          description: input.description,
          customer_id: customer?.id ?? null,
          asset_id: null,
          created_by: actorUserId(ctx.actor) ?? "system",
          service_area: input.service_area ?? customer?.serviceArea ?? null,
          required_skills: JSON.stringify([...new Set(input.required_skills)]),
          lat: input.location?.lat ?? customer?.lat ?? null,
          lng: input.location?.lng ?? customer?.lng ?? null,
          address: input.location?.address ?? input.address ?? (customer?.address || null),
          preferred_at: input.preferred_at ?? null,
          scheduled_at: input.scheduled_at ?? null,
          estimated_minutes: input.estimated_minutes ?? null,
          service_type: null,
          service_category: input.service_category ?? null,
          template_id: template?.id ?? null,
          ...clock,
          write_token: randomToken(12),
          created_at: now,
          updated_at: now,
        };
      },
    );
    const checklists = rowsToInsert.flatMap((row) => {
      const template = row.template_id ? templates.get(row.template_id) : null;
      return template ? checklistRows(row.id, template.checklist, now) : [];
    });
    const { statements, afterCommit } = importedTicketStatements(ctx, rowsToInsert, guard, jobId, checklists);
    return { outcomes, statements, afterCommit };
  },
};
