import type { SyncEntity } from "../../db/schema";
import { changeLogStatement, type SyncChange } from "../../lib/change-log";
import { actorUserId, type ServiceContext } from "../../lib/context";
import { domainEvent, eventRow, publishEvents } from "../../lib/events";
import { nowIso, randomToken } from "../../lib/ids";
import type { DomainEventMessage } from "../../lib/messages";
import { AppError } from "../../lib/problem";
import { guardedInsert as insertIfGuarded, type Guard as OuterGuard } from "../../lib/d1";
import { ticketStatsStatements } from "./ticket-stats";
import {
  guardedInsert,
  guardedUpdate,
  historyRow,
  plainInsert,
  tokenGuard,
  type Columns,
  type Condition,
} from "./tickets.repo";

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
  /** Optimistic concurrency (If-Match, offline actions): the ticket must still be at this version, else 412. */
  expectVersion?: number;
  /** Entities the statements change besides the ticket and `rows`, for the mobile change log. */
  synced?: { entity: SyncEntity; id: string }[];
  /** Technicians who lose the ticket: their next sync answers it as gone. */
  revokeFrom?: string[];
}

/** The tables whose new rows a phone syncs, and as what. */
const SYNCED_ROWS: Record<string, SyncEntity> = {
  ticket_comments: "comment",
  work_logs: "work_log",
  appointments: "appointment",
  ticket_attachments: "attachment",
};

/** The change log's entries of a change: the ticket and its new rows for everyone on it; grants and revocations per technician. */
function syncChangesOf(change: TicketChange): SyncChange[] {
  const scope = `t:${change.ticketId}` as const;
  const out: SyncChange[] = [{ scope, entity: "ticket", id: change.ticketId }];
  for (const { table, row } of change.rows ?? []) {
    if (SYNCED_ROWS[table] && typeof row.id === "string") out.push({ scope, entity: SYNCED_ROWS[table], id: row.id });
    if (table === "ticket_assignees" && typeof row.technician_id === "string")
      out.push({ scope: `u:${row.technician_id}`, entity: "ticket", id: change.ticketId, op: "grant" });
  }
  for (const s of change.synced ?? []) out.push({ scope, entity: s.entity, id: s.id });
  for (const technicianId of change.revokeFrom ?? [])
    out.push({ scope: `u:${technicianId}`, entity: "ticket", id: change.ticketId, op: "revoke" });
  return out;
}

/**
 * The one way to change a ticket: a guarded UPDATE of the ticket, the change's rows, its history
 * and its events in one D1 batch, all or nothing; a lost race is a 409 that wrote nothing; the
 * events are published after the batch commits. The report aggregates follow in the same batch.
 */
export async function changeTicket(
  ctx: Pick<ServiceContext, "env" | "actor" | "settings"> & { waitUntil?: ServiceContext["waitUntil"] },
  change: TicketChange,
): Promise<{ events: DomainEventMessage[] }> {
  const db = ctx.env.DB;
  const { ticketId } = change;
  const actorId = actorUserId(ctx.actor);
  const token = randomToken(12);
  const events = (change.events ?? []).map((e) => domainEvent(e.type, ticketId, actorId, e.data));
  const guard = tokenGuard(ticketId, token);
  const versionCheck =
    change.expectVersion === undefined
      ? change.expectAlso
      : andConditions(change.expectAlso, { sql: "version = ?", params: [change.expectVersion] });
  const results = await db.batch([
    guardedUpdate(db, ticketId, { updated_at: nowIso(), ...change.set }, token, change.expectStatus, versionCheck),
    ...(change.rows ?? []).map((r) => guardedInsert(db, r.table, r.row, ticketId, token)),
    ...(change.statements?.(guard) ?? []),
    ...(change.history ?? []).map((h) =>
      guardedInsert(
        db,
        "ticket_history",
        historyRow(ticketId, actorId, h.action, h.from ?? null, h.to ?? null, h.comment, h.internal),
        ticketId,
        token,
      ),
    ),
    ...events.map((e) => guardedInsert(db, "domain_events", eventRow(e), ticketId, token)),
    ...changeLogStatement(db, syncChangesOf(change), guard),
    ...ticketStatsStatements(db, ctx.settings.timeZone, [ticketId]),
  ]);
  if ((results[0]?.meta.changes ?? 0) === 0) {
    if (change.expectVersion !== undefined) {
      const current = await db
        .prepare("SELECT version FROM tickets WHERE id = ?")
        .bind(ticketId)
        .first<{ version: number }>();
      if (current && current.version !== change.expectVersion)
        throw new AppError(
          "precondition_failed",
          `The ticket is at version ${current.version}, not ${change.expectVersion}; read it again.`,
        );
    }
    throw new AppError(
      "conflict",
      change.conflict ?? "The ticket changed while this request ran; reload and try again.",
    );
  }
  await publishEvents(ctx.env, events, ctx.waitUntil);
  return { events };
}

/** A new ticket: its row, its first history entry and its event, then the event is published. */
export async function recordNewTicket(
  ctx: Pick<ServiceContext, "env" | "actor" | "settings"> & { waitUntil?: ServiceContext["waitUntil"] },
  row: Columns & { id: string },
  event: { type: string; data: Record<string, unknown> },
) {
  const db = ctx.env.DB;
  const actorId = actorUserId(ctx.actor);
  const published = domainEvent(event.type, row.id, actorId, event.data);
  await db.batch([
    plainInsert(db, "tickets", row),
    ...changeLogStatement(db, [{ scope: `t:${row.id}`, entity: "ticket", id: row.id }]),
    plainInsert(db, "ticket_history", historyRow(row.id, actorId, "created", null, "new", null)),
    plainInsert(db, "domain_events", eventRow(published)),
    ...ticketStatsStatements(db, ctx.settings.timeZone, [row.id]),
  ]);
  await publishEvents(ctx.env, [published], ctx.waitUntil);
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
  const event = domainEvent("tickets.imported", jobId, actorId, {
    job_id: jobId,
    count: rows.length,
    tickets: rows.map((r) => ({ id: r.id, number: r.number, external_ref: r.external_ref })),
  });
  const statements = rows.flatMap((row) => [
    insertIfGuarded(db, "tickets", row, guard),
    insertIfGuarded(
      db,
      "ticket_history",
      historyRow(row.id, actorId, "created", null, "new", `Imported (job ${jobId})`),
      guard,
    ),
  ]);
  statements.push(
    ...changeLogStatement(
      db,
      rows.map((r) => ({ scope: `t:${r.id}` as const, entity: "ticket" as const, id: r.id })),
      guard,
    ),
  );
  statements.push(
    insertIfGuarded(db, "domain_events", eventRow(event), guard),
    ...ticketStatsStatements(
      db,
      ctx.settings.timeZone,
      rows.map((r) => r.id),
    ),
  );
  return { statements, event };
}

function andConditions(a: Condition | undefined, b: Condition): Condition {
  return a ? { sql: `(${a.sql}) AND (${b.sql})`, params: [...a.params, ...b.params] } : b;
}
