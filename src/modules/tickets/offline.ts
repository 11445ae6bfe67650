// The phone's offline actions planned together (WO-4 steps, comments, work logs): what they decide
// from is read in the action batch's opening batch, and their changes go into its closing batch, so
// a batch that applies costs the same round trips as one that is refused.
import { getTableColumns, sql } from "drizzle-orm";
import { calendars, customers, tickets, workLogs } from "../../db/schema";
import { fromStored } from "../../lib/archive";
import type { UserContext } from "../../lib/context";
import { allReads, inList, known, mapReads, rawReads, reads, type Reads } from "../../lib/d1";
import { AppError } from "../../lib/problem";
import { ALWAYS_OPEN } from "../../lib/working-time";
import type { FittedParts } from "../inventory";
import type { TicketRow } from "../access";
import { workingCalendarOf } from "../calendars";
import { authorNameReads, commentChange, type WorkLogInput, workLogChange } from "./activity.service";
import { prepareTicketChange, type TicketChange } from "./change";
import { type ChecklistItemBasis, checklistItemChange } from "./checklist.service";
import type { ChecklistItemUpdateSchema } from "./checklist.schemas";
import type { z } from "@hono/zod-openapi";
import type { Columns } from "./tickets.repo";
import { ticketsAsSeen, toTicketResponse, toWorkLogResponse } from "./tickets.present";
import { armForColumns, type StepBasis, transitionChange } from "./tickets.write";

export type ShownTicket = ReturnType<typeof toTicketResponse>;

/** What a batch of offline actions decides from: each ticket named as the caller sees it, and the caller's name. */
export interface OfflineBasis {
  /** The tickets as the API shows them to the caller (what a refused action answers). */
  shown: ShownTicket[];
  steps: Map<string, StepBasis>;
  authorName: string;
}

/**
 * The basis of offline actions on `ids`, for the batch's opening read: the tickets as the caller
 * sees them with their people, their clocks' calendars, and — when a resolution is among the
 * actions — whose customers have accounts and which tickets have a completed visit.
 */
export function offlineBasisReads(ctx: UserContext, ids: string[], needs: { resolves: boolean }): Reads<OfflineBasis> {
  const ofThese = inList(tickets.id, ids);
  const visitsCount = needs.resolves && ctx.settings.resolveNeedsVisit;
  return mapReads(
    allReads({
      seen: ticketsAsSeen(ctx, ids),
      calendars: ids.length
        ? reads(
            ctx.db
              .select()
              .from(calendars)
              .where(inList(calendars.id, ctx.db.select({ id: tickets.slaCalendarId }).from(tickets).where(ofThese))),
          )
        : known([]),
      approving: needs.resolves
        ? reads(
            ctx.db
              .select({ id: customers.id })
              .from(customers)
              .where(
                sql`${inList(customers.id, ctx.db.select({ id: tickets.customerId }).from(tickets).where(ofThese))} AND ${customers.userId} IS NOT NULL`,
              ),
          )
        : known([]),
      visited: visitsCount
        ? rawReads<{ ticket_id: string }>(
            ctx.env.DB.prepare(
              "SELECT DISTINCT ticket_id FROM appointments WHERE status = 'completed' AND ticket_id IN (SELECT value FROM json_each(?1))",
            ).bind(JSON.stringify(ids)),
          )
        : known([]),
      authorName: authorNameReads(ctx),
    }),
    ({ seen, calendars: cals, approving, visited, authorName }) => {
      const byCalendar = new Map(cals.map((c) => [c.id, workingCalendarOf(c)]));
      const approves = new Set(approving.map((c) => c.id));
      const done = new Set(visited.map((v) => v.ticket_id));
      const steps = new Map<string, StepBasis>();
      for (const ticket of seen.rows)
        steps.set(ticket.id, {
          ticket,
          people: {
            relation: seen.relations.get(ticket.id)!,
            assignees: seen.assignees.get(ticket.id) ?? [],
            names: seen.names,
          },
          approves: ticket.customerId !== null && approves.has(ticket.customerId),
          visitDone: !visitsCount || done.has(ticket.id),
          calendar: (ticket.slaCalendarId && byCalendar.get(ticket.slaCalendarId)) || ALWAYS_OPEN,
          endings: [],
        });
      const shown = seen.rows.map((r) =>
        toTicketResponse(r, seen.assignees.get(r.id) ?? [], seen.relations.get(r.id)!, seen.names),
      );
      return { shown, steps, authorName };
    },
  );
}

export type OfflineStep =
  | { kind: "transition"; action: "start" | "hold" | "resume" | "resolve"; comment?: string; expectVersion?: number }
  | { kind: "comment"; body: string; visibility: "public" | "internal" }
  | { kind: "work_log"; input: WorkLogInput; planParts: (customerId: string | null) => FittedParts }
  | { kind: "checklist"; input: z.output<typeof ChecklistItemUpdateSchema>; read: ChecklistItemBasis }
  /** A change another module planned on this ticket (a visit step), its answer, and what follows its commit. */
  | { kind: "change"; change: TicketChange; result: Record<string, unknown>; after?: () => Promise<void> };

/** One planned change: its statements (ending with a tripwire that aborts the batch unless it won), its answer, and what follows its commit. */
export interface PlannedStep {
  statements: D1PreparedStatement[];
  result: Record<string, unknown> | null;
  /** The ticket's version once the change is written. */
  version: number;
  /** After the batch committed: `results` are this step's own, in order. */
  afterCommit(results: D1Result[]): Promise<void>;
}

/**
 * Plans an offline action on a ticket of the basis as a change for the closing batch, refused
 * (an AppError) exactly as the online request would be. The basis then holds the ticket as the
 * change leaves it, so a later action of the batch on it is planned from there.
 */
export async function planOfflineStep(
  ctx: UserContext,
  basis: OfflineBasis,
  ticketId: string,
  step: OfflineStep,
): Promise<PlannedStep> {
  const current = basis.steps.get(ticketId);
  if (!current) throw new AppError("not_found", "No such ticket.");
  let change: TicketChange;
  let result: Record<string, unknown> | null = null;
  let set: Columns = {};
  if (step.kind === "transition") {
    ({ change, set } = await transitionChange(ctx, current, step.action, step.comment, {
      expectVersion: step.expectVersion,
    }));
  } else if (step.kind === "comment") {
    ({ change, comment: result } = commentChange(ctx, ticketId, step, basis.authorName));
  } else if (step.kind === "change") {
    change = step.change;
    result = step.result;
  } else if (step.kind === "checklist") {
    ({ change, item: result } = checklistItemChange(
      ctx,
      current.ticket,
      current.people.relation,
      step.input,
      step.read,
    ));
  } else {
    const planned = workLogChange(ctx, current.ticket, current.people.relation, step.input, step.planParts);
    change = planned.change;
    result = toWorkLogResponse(fromStored(workLogs, planned.row));
  }
  const prepared = prepareTicketChange(ctx, change);
  const next = afterSet(current.ticket, change.set ?? {});
  basis.steps.set(ticketId, { ...current, ticket: next });
  const count = prepared.statements.length;
  return {
    statements: [...prepared.statements, prepared.tripwire],
    result,
    version: next.version,
    async afterCommit(results) {
      await prepared.afterCommit(results.slice(0, count));
      armForColumns(ctx, { ...set, ...change.set });
      if (step.kind === "change") await step.after?.();
    },
  };
}

const COLUMNS = Object.entries(getTableColumns(tickets));

/** The ticket as a change's columns leave it (every change moves its version on by one). */
function afterSet(ticket: TicketRow, set: Columns): TicketRow {
  const next: Record<string, unknown> = { ...ticket, version: ticket.version + 1 };
  for (const [key, column] of COLUMNS) {
    if (!(column.name in set)) continue;
    const value = set[column.name];
    next[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return next as TicketRow;
}
