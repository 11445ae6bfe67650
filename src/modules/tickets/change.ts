import { getTableName, type Table } from "drizzle-orm";
import type { CatalogueEvent } from "../../contracts/events";
import { type ChecklistTemplateItem, ticketAssignees, ticketChecklistItems, tickets } from "../../db/schema";
import { type ChangedRow, commitChange, domainEvent, prepareChange, type RecordedEvent } from "../../lib/change-batch";
import { actorUserId, type ServiceContext } from "../../lib/context";
import { guardedInsert as insertIfGuarded, numbered, type Guard as OuterGuard } from "../../lib/d1";
import { newId, nowIso, randomToken } from "../../lib/ids";
import type { DomainEventMessage } from "../../lib/messages";
import { AppError } from "../../lib/problem";
import { CHECKLIST_DONE, checklistProblem } from "./checklist-gate";
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
  /** Rows that belong to the change (a comment, an assignee, an appointment …), inserted under its guard. */
  rows?: { table: Table; row: Columns }[];
  /** Other statements of the change; each must end its WHERE with the guard. */
  statements?: (guard: Guard) => D1PreparedStatement[];
  history?: HistoryEntry[];
  events?: CatalogueEvent[];
  /** Events about other subjects recorded with the change (low stock from fitted parts), possibly conditional. */
  alsoRecorded?: RecordedEvent[];
  /** The 409's text when the ticket (or `expectAlso`) moved on meanwhile. */
  conflict?: string;
  /** Optimistic concurrency (If-Match, offline actions): the ticket must still be at this version, else 412. */
  expectVersion?: number;
  /** Rows the statements change besides the ticket and `rows` (an appointment moved, say). */
  changed?: ChangedRow[];
  /** Technicians who lose the ticket: their next sync answers it as gone. */
  revokeFrom?: string[];
  /** Reads at the end of the change's batch (after its writes), answered in `reads`. */
  readBack?: D1PreparedStatement[];
}

/** The rows a ticket change wrote: the ticket, its new rows (read through it), what else it names, and lost assignees. */
function changedRowsOf(change: TicketChange): ChangedRow[] {
  const of = change.ticketId;
  const out: ChangedRow[] = [{ table: tickets, id: of }];
  for (const { table, row } of change.rows ?? []) {
    const id = table === ticketAssignees ? row.technician_id : row.id;
    if (typeof id === "string") out.push({ table, id, of });
  }
  out.push(...(change.changed ?? []));
  for (const technicianId of change.revokeFrom ?? [])
    out.push({ table: ticketAssignees, id: technicianId, of, op: "delete" });
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
): Promise<{ events: DomainEventMessage[]; reads: D1Result[] }> {
  const db = ctx.env.DB;
  const { ticketId } = change;
  const prepared = prepareTicketChange(ctx, change);
  const all = await db.batch([...prepared.statements, ...(change.readBack ?? [])]);
  const results = all.slice(0, prepared.statements.length);
  const reads = all.slice(prepared.statements.length);
  if ((results[0]?.meta.changes ?? 0) > 0) {
    await prepared.afterCommit(results);
    return { events: prepared.events, reads };
  }
  if (prepared.completes) {
    const open = await checklistProblem(ctx, ticketId);
    if (open) throw open;
  }
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
  throw new AppError("conflict", change.conflict ?? "The ticket changed while this request ran; reload and try again.");
}

/**
 * A ticket change's statements (its guarded UPDATE first, then its rows, history and every derived
 * table's), for a batch the caller sends, and what to run once that batch committed and the
 * change won (its first statement changed the ticket). `tripwire` is a statement that fails —
 * aborting the whole batch — unless the change won: for a batch of several changes that must
 * all hold (the phone's offline actions), sent right after the change's statements.
 */
export function prepareTicketChange(
  ctx: Pick<ServiceContext, "env" | "actor" | "settings"> & { waitUntil?: ServiceContext["waitUntil"] },
  change: TicketChange,
) {
  const db = ctx.env.DB;
  const { ticketId } = change;
  const actorId = actorUserId(ctx.actor);
  const token = randomToken(12);
  const events = (change.events ?? []).map((e) => domainEvent(e, ticketId, actorId));
  const guard = tokenGuard(ticketId, token);
  // PM-3: work is not complete while a required checklist item is open, whichever way it completes.
  const completes = ["resolved", "waiting_approval"].includes(String(change.set?.status ?? ""));
  const expectAlso = completes ? andConditions(change.expectAlso, CHECKLIST_DONE) : change.expectAlso;
  const versionCheck =
    change.expectVersion === undefined
      ? expectAlso
      : andConditions(expectAlso, { sql: "version = ?", params: [change.expectVersion] });
  const prepared = prepareChange(ctx, {
    statements: [
      guardedUpdate(db, ticketId, { updated_at: nowIso(), ...change.set }, token, change.expectStatus, versionCheck),
      ...(change.rows ?? []).map((r) => guardedInsert(db, getTableName(r.table), r.row, ticketId, token)),
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
    ],
    guard,
    changed: changedRowsOf(change),
    events: [...events.map((event) => ({ event })), ...(change.alsoRecorded ?? [])],
  });
  return {
    statements: prepared.statements,
    afterCommit: prepared.afterCommit,
    events,
    completes,
    // json() of a text that is not JSON is an error, and D1 rolls back a batch with an error in it.
    tripwire: db
      .prepare(`SELECT json(CASE WHEN ${numbered(guard.sql, 1)} THEN '1' ELSE 'the ticket moved on' END) AS held`)
      .bind(...guard.params),
  };
}

/** The ticket's own copy of its template's checklist. */
export function checklistRows(ticketId: string, items: ChecklistTemplateItem[], now: string) {
  return items.map((item, position) => ({
    id: newId("chk"),
    ticket_id: ticketId,
    item_key: item.id,
    position,
    label: item.label,
    required: item.required ? 1 : 0,
    photo_required: item.photo_required ? 1 : 0,
    value_required: item.value_required ? 1 : 0,
    updated_at: now,
  }));
}

/** A new ticket: its row, its first history entry and its event; the event is published once committed. */
export async function recordNewTicket(
  ctx: Pick<ServiceContext, "env" | "actor" | "settings"> & { waitUntil?: ServiceContext["waitUntil"] },
  row: Columns & { id: string },
  event: CatalogueEvent,
  checklist: (Columns & { id: string })[] = [],
  gate?: { statements: D1PreparedStatement[]; guard: OuterGuard },
  /** Reads sent at the end of the same batch (the answer), passed their results once it committed. */
  answer?: { statements: D1PreparedStatement[]; take: (results: D1Result[]) => void },
): Promise<boolean> {
  const db = ctx.env.DB;
  const actorId = actorUserId(ctx.actor);
  // With a gate (the caller's own rows first), the ticket is written only while its guard holds.
  const insert = (table: string, r: Columns) =>
    gate
      ? insertIfGuarded(db, table, r as Record<string, string | number | null>, gate.guard)
      : plainInsert(db, table, r);
  const { won, reads } = await commitChange(
    ctx,
    {
      guard: gate?.guard,
      statements: [
        ...(gate?.statements ?? []),
        insert("tickets", row),
        insert("ticket_history", historyRow(row.id, actorId, "created", null, "new", null)),
        ...checklist.map((item) => insert("ticket_checklist_items", item)),
      ],
      changed: [
        { table: tickets, id: row.id },
        ...checklist.map((item) => ({ table: ticketChecklistItems, id: item.id, of: row.id })),
      ],
      events: [{ event: domainEvent(event, row.id, actorId) }],
    },
    (batch) => (batch[gate?.statements.length ?? 0]?.meta.changes ?? 0) > 0,
    answer?.statements,
  );
  if (won) answer?.take(reads);
  return won;
}

/**
 * New tickets taken in by an import: their rows and first history entries under the import
 * step's guard, one `tickets.imported` event for all of them; the caller runs the statements in
 * the step's batch and `afterCommit` once it committed (the derived tables' owners add theirs).
 */
export function importedTicketStatements(
  ctx: Pick<ServiceContext, "env" | "actor" | "settings"> & { waitUntil?: ServiceContext["waitUntil"] },
  rows: (Columns & { id: string; number: string; external_ref: string })[],
  guard: OuterGuard,
  jobId: string,
  checklists: (Columns & { id: string; ticket_id: string })[] = [],
): { statements: D1PreparedStatement[]; afterCommit: (results: D1Result[]) => Promise<void> } {
  const db = ctx.env.DB;
  const actorId = actorUserId(ctx.actor);
  const event = domainEvent(
    {
      type: "tickets.imported",
      data: {
        job_id: jobId,
        count: rows.length,
        tickets: rows.map((r) => ({ id: r.id, number: r.number, external_ref: r.external_ref })),
      },
    },
    jobId,
    actorId,
  );
  const recorded: RecordedEvent[] = [{ event }];
  return prepareChange(ctx, {
    statements: rows
      .flatMap((row) => [
        insertIfGuarded(db, "tickets", row, guard),
        insertIfGuarded(
          db,
          "ticket_history",
          historyRow(row.id, actorId, "created", null, "new", `Imported (job ${jobId})`),
          guard,
        ),
      ])
      .concat(checklists.map((item) => insertIfGuarded(db, "ticket_checklist_items", item, guard))),
    guard,
    changed: [
      ...rows.map((r) => ({ table: tickets, id: r.id })),
      ...checklists.map((item) => ({ table: ticketChecklistItems, id: item.id, of: item.ticket_id })),
    ],
    events: recorded,
  });
}

function andConditions(a: Condition | undefined, b: Condition): Condition {
  return a ? { sql: `(${a.sql}) AND (${b.sql})`, params: [...a.params, ...b.params] } : b;
}
