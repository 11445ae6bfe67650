import { actorUserId, type ServiceContext } from "../../lib/context";
import { domainEvent, eventRow, publishEvents } from "../../lib/events";
import { nowIso, randomToken } from "../../lib/ids";
import type { DomainEventMessage } from "../../lib/messages";
import { AppError } from "../../lib/problem";
import { guardedInsert as insertIfGuarded, type Guard as OuterGuard } from "../../lib/d1";
import { ticketStatsStatements } from "./ticket-stats";
import { guardedInsert, guardedUpdate, historyRow, plainInsert, tokenGuard, type Columns, type Condition } from "./tickets.repo";

export interface HistoryEntry {
  action: string;
  from?: string | null;
  to?: string | null;
  comment?: string | null;
  internal?: boolean;
}

/** A change's guard: its statements write only if this change's ticket UPDATE won. */
export type Guard = OuterGuard;

export interface TicketChange {
  ticketId: string;
  /** The ticket must still be in one of these statuses. */
  expectStatus?: readonly string[];
  /** A further condition the ticket must meet, e.g. the state of the appointment being moved. */
  expectAlso?: Condition;
  /** Ticket columns to set; `updated_at` is always set. */
  set?: Columns;
  /** Rows that belong to the change (a comment, an assignee, an appointment …). */
  rows?: { table: string; row: Columns }[];
  /** Other statements of the change; each must end its WHERE with the guard. */
  statements?: (guard: Guard) => D1PreparedStatement[];
  history?: HistoryEntry[];
  events?: { type: string; data: Record<string, unknown> }[];
  /** The 409's text when the ticket (or `expectAlso`) moved on meanwhile. */
  conflict?: string;
}

/**
 * The one way to change a ticket: a guarded UPDATE of the ticket, the change's rows, its history
 * and its events in one D1 batch, all or nothing; a lost race is a 409 that wrote nothing; the
 * events are published after the batch commits. The report aggregates follow in the same batch.
 */
export async function changeTicket(ctx: Pick<ServiceContext, "env" | "actor" | "settings">, change: TicketChange): Promise<{ events: DomainEventMessage[] }> {
  const db = ctx.env.DB;
  const { ticketId } = change;
  const actorId = actorUserId(ctx.actor);
  const token = randomToken(12);
  const events = (change.events ?? []).map((e) => domainEvent(e.type, ticketId, actorId, e.data));
  const guard = tokenGuard(ticketId, token);
  const results = await db.batch([
    guardedUpdate(db, ticketId, { updated_at: nowIso(), ...change.set }, token, change.expectStatus, change.expectAlso),
    ...(change.rows ?? []).map((r) => guardedInsert(db, r.table, r.row, ticketId, token)),
    ...(change.statements?.(guard) ?? []),
    ...(change.history ?? []).map((h) => guardedInsert(db, "ticket_history", historyRow(ticketId, actorId, h.action, h.from ?? null, h.to ?? null, h.comment, h.internal), ticketId, token)),
    ...events.map((e) => guardedInsert(db, "domain_events", eventRow(e), ticketId, token)),
    ...ticketStatsStatements(db, ctx.settings.timeZone, [ticketId]),
  ]);
  if ((results[0]?.meta.changes ?? 0) === 0) throw new AppError("conflict", change.conflict ?? "The ticket changed while this request ran; reload and try again.");
  await publishEvents(ctx.env, events);
  return { events };
}

/** A new ticket: its row, its first history entry and its event, then the event is published. */
export async function recordNewTicket(ctx: Pick<ServiceContext, "env" | "actor" | "settings">, row: Columns & { id: string }, event: { type: string; data: Record<string, unknown> }) {
  const db = ctx.env.DB;
  const actorId = actorUserId(ctx.actor);
  const published = domainEvent(event.type, row.id, actorId, event.data);
  await db.batch([
    plainInsert(db, "tickets", row),
    plainInsert(db, "ticket_history", historyRow(row.id, actorId, "created", null, "new", null)),
    plainInsert(db, "domain_events", eventRow(published)),
    ...ticketStatsStatements(db, ctx.settings.timeZone, [row.id]),
  ]);
  await publishEvents(ctx.env, [published]);
}

/**
 * New tickets taken in by an import: their rows and first history entries under the import
 * step's guard, one `tickets.imported` event for all of them, and the report aggregates; the
 * caller runs them in the step's batch and publishes the event after it commits.
 */
export function importedTicketStatements(
  ctx: Pick<ServiceContext, "env" | "actor" | "settings">,
  rows: (Columns & { id: string; number: string; external_ref: string })[],
  guard: OuterGuard,
  jobId: string,
): { statements: D1PreparedStatement[]; event: DomainEventMessage } {
  const db = ctx.env.DB;
  const actorId = actorUserId(ctx.actor);
  const event = domainEvent("tickets.imported", jobId, actorId, { job_id: jobId, count: rows.length, tickets: rows.map((r) => ({ id: r.id, number: r.number, external_ref: r.external_ref })) });
  const statements = rows.flatMap((row) => [
    insertIfGuarded(db, "tickets", row, guard),
    insertIfGuarded(db, "ticket_history", historyRow(row.id, actorId, "created", null, "new", `Imported (job ${jobId})`), guard),
  ]);
  statements.push(insertIfGuarded(db, "domain_events", eventRow(event), guard), ...ticketStatsStatements(db, ctx.settings.timeZone, rows.map((r) => r.id)));
  return { statements, event };
}
