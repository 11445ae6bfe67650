// Placing work without a dispatcher: a new service booking is assigned at once when the
// deployment's rule (AUTO_ASSIGN_BOOKINGS) finds a technician, and "auto-assign run" places every
// unassigned booking — inline when few, as a background job when many.
import { and, asc, gt, sql } from "drizzle-orm";
import { inList } from "../../lib/d1";
import { tickets, type TicketKind } from "../../db/schema";
import type { ServiceContext, UserContext } from "../../lib/context";
import { formatVisitTime } from "../../locales/catalogue";
import { jobRequester, startJob, type JobRow, type StepResult } from "../jobs";
import { visibleTickets, type TicketRow } from "../access";
import { autoAssign, type Strategy } from "./assignment.service";
import { getTicket } from "./tickets.present";
import { createTicket, type TicketCreateInput } from "./tickets.write";

/** A run over at most this many tickets answers at once; more go to a background job. */
export const AUTO_ASSIGN_INLINE_LIMIT = 50;
/** Tickets one job step places. */
const AUTO_ASSIGN_STEP_ROWS = 50;

/** Raises a ticket; a service booking is placed at once when the rule finds someone. Answers what happens next. */
export async function raiseTicket(ctx: UserContext, input: TicketCreateInput) {
  const created = await createTicket(ctx, input);
  let placed: Awaited<ReturnType<typeof autoAssign>> = null;
  if (created.kind === "service_booking" && ctx.settings.autoAssignBookings !== "off") {
    const row = (await ctx.db.query.tickets.findFirst({ where: (t, { eq }) => eq(t.id, created.id) }))!;
    placed = await autoAssign(ctx, row, ctx.settings.autoAssignBookings, ctx.actor.userId);
  }
  const ticket = placed ? await getTicket(ctx, created.id) : created;
  return { ...ticket, next_steps: nextSteps(ctx, ticket, placed?.displayName ?? null) };
}

function nextSteps(
  ctx: ServiceContext,
  ticket: { kind: TicketKind; preferred_at: string | null; preferred_time: string | null; scheduled_at: string | null },
  technician: string | null,
): string {
  const { language, timeZone } = ctx.settings;
  const day = (iso: string) =>
    new Intl.DateTimeFormat(language === "id" ? "id-ID" : "en-GB", {
      timeZone,
      weekday: "short",
      day: "numeric",
      month: "short",
    }).format(new Date(iso));
  if (ticket.kind !== "service_booking") {
    return "A dispatcher will review the ticket and assign it; you will be told when a technician is on it.";
  }
  if (technician && ticket.scheduled_at) {
    return `${technician} will visit on ${formatVisitTime(language, ticket.scheduled_at, timeZone)}. You will get a reminder before the visit.`;
  }
  if (technician)
    return `${technician} will do the service and will confirm the time of the visit on ${day(ticket.preferred_at!)}.`;
  const when = ticket.preferred_at
    ? ` on ${ticket.preferred_time ? formatVisitTime(language, ticket.preferred_at, timeZone) : day(ticket.preferred_at)}`
    : "";
  return `We will assign a technician and confirm the time of your visit${when}.`;
}

export interface AutoAssignRunInput {
  strategy?: Strategy;
  kinds: TicketKind[];
}

/** Unassigned (new or opened) tickets of `kinds` the caller may see, after `afterId`, in id order. */
async function unassigned(
  ctx: UserContext,
  kinds: TicketKind[],
  limit: number,
  afterId?: string,
): Promise<TicketRow[]> {
  return ctx.db
    .select()
    .from(tickets)
    .where(
      and(
        await visibleTickets(ctx),
        inList(tickets.status, ["new", "opened"]),
        inList(tickets.kind, kinds),
        // A reopened ticket keeps its technicians: it is not unassigned.
        sql`NOT EXISTS (SELECT 1 FROM ticket_assignees a WHERE a.ticket_id = ${tickets.id})`,
        afterId ? gt(tickets.id, afterId) : undefined,
      ),
    )
    .orderBy(asc(tickets.id))
    .limit(limit);
}

async function placeAll(ctx: UserContext, rows: TicketRow[], strategy: Strategy) {
  const results: { ticket_id: string; number: string; technician_id: string | null }[] = [];
  for (const row of rows) {
    const placed = await autoAssign(ctx, row, strategy, ctx.actor.userId);
    results.push({ ticket_id: row.id, number: row.number, technician_id: placed?.technicianId ?? null });
  }
  return results;
}

/**
 * Places every unassigned ticket of `kinds` the caller may see. Up to AUTO_ASSIGN_INLINE_LIMIT
 * answers with the outcome; more starts a background job (202) that walks them in id order.
 */
export async function runAutoAssign(ctx: UserContext, input: AutoAssignRunInput) {
  const strategy =
    input.strategy ?? (ctx.settings.autoAssignBookings === "off" ? "least_loaded" : ctx.settings.autoAssignBookings);
  const first = await unassigned(ctx, input.kinds, AUTO_ASSIGN_INLINE_LIMIT + 1);
  if (first.length > AUTO_ASSIGN_INLINE_LIMIT) {
    return {
      job: await startJob(
        ctx,
        "auto_assign",
        ctx.actor.userId,
        { strategy, kinds: input.kinds },
        { state: { counts: { assigned: 0, left_unassigned: 0 } } },
      ),
    };
  }
  const results = await placeAll(ctx, first, strategy);
  const assigned = results.filter((r) => r.technician_id).length;
  return { result: { strategy, assigned, left_unassigned: results.length - assigned, results } };
}

/**
 * One step of an auto-assign job: the next tickets after the last one it looked at, as the
 * requester (their scope now). Each placement is guarded by the ticket's status, so a redelivered
 * step places nothing twice; a ticket nobody fits stays as it is and is counted.
 */
export async function runAutoAssignStep(ctx: ServiceContext, job: JobRow): Promise<StepResult> {
  const requester = await jobRequester(ctx, job);
  const counts = { assigned: 0, left_unassigned: 0, ...((job.state.counts as Record<string, number>) ?? {}) };
  if (!requester) return { state: { ...job.state, counts }, rowsProcessed: job.rowsProcessed, done: { key: null } };
  const { strategy, kinds } = job.params as { strategy: Strategy; kinds: TicketKind[] };
  const rows = await unassigned(requester, kinds, AUTO_ASSIGN_STEP_ROWS, job.state.after_id as string | undefined);
  const results = await placeAll(requester, rows, strategy);
  for (const r of results) counts[r.technician_id ? "assigned" : "left_unassigned"] += 1;
  const state = { after_id: rows.at(-1)?.id ?? job.state.after_id ?? null, counts };
  return {
    state,
    rowsProcessed: job.rowsProcessed + rows.length,
    ...(rows.length < AUTO_ASSIGN_STEP_ROWS ? { done: { key: null } } : {}),
  };
}
