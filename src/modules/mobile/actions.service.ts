import { and, eq } from "drizzle-orm";
import { mobileActions } from "../../db/schema";
import type { UserContext } from "../../lib/context";
import { statementOf } from "../../lib/change-batch";
import { allReads, inList, known, listReads, mapReads, type Reads, reads, runReads, writes } from "../../lib/d1";
import { nowIso } from "../../lib/ids";
import { AppError, problemBody } from "../../lib/problem";
import { plannedVisitStep, stepAppointment, visitStepReads, type VisitStepBasis } from "../scheduling";
import { locationReads, locationReport, reportLocation } from "../technicians";
import { fittedPartsReads, type FittedParts } from "../inventory";
import {
  addComment,
  addWorkLog,
  type OfflineBasis,
  offlineBasisReads,
  type PlannedStep,
  planOfflineStep,
  type ChecklistItemBasis,
  checklistItemReads,
  ticketsForSync,
  transitionTicket,
  updateTicketChecklistItem,
} from "../tickets";
import { attachUpload } from "../uploads";
import type { MobileAction } from "./actions.schemas";
import { activeDevice } from "./devices.service";

type Outcome = "applied" | "conflict" | "rejected";
interface ActionResult {
  client_id: string;
  status: Outcome | "duplicate" | "error";
  ticket?: Record<string, unknown> | null;
  result?: Record<string, unknown> | null;
  problem?: Record<string, unknown> | null;
}

/** Refusals that mean "the ticket moved on": the phone gets the current state and decides again. */
const CONFLICTS = new Set([
  "precondition_failed",
  "conflict",
  "invalid_transition",
  "slot_unavailable",
  "checklist_incomplete",
]);
/** Actions that move a ticket or its visit: they must be based on the ticket as it is now. */
const STATEFUL = new Set(["start", "hold", "resume", "resolve", "appointment_step"]);

/**
 * Applies a batch of actions taken offline, in order, each on its own: applied, a duplicate of one
 * applied before (by client id), a conflict (nothing written; the current ticket answered), or
 * rejected exactly as online. Actions on one ticket build on each other: the next is checked
 * against the version the previous one left, and once one fails, the later moves of that ticket
 * in the batch are conflicts too (comments and work logs are still added).
 *
 * One batch opens it: the device, what these client ids did before, every ticket named as the
 * caller sees it, and the claims of the new ones (written only for a device that may send). A
 * ticket the caller cannot see, or a move based on a version the ticket has left, is answered from
 * that read without a round trip. One batch closes it: every outcome, and the tickets the batch
 * changed as they now stand. A batch of the PLANNED types writes its changes in that closing batch
 * too (`applyPlanned`); any other is applied action by action with the online verbs (`applyInTurn`).
 */
export async function applyActions(ctx: UserContext, batch: { device_id: string; actions: MobileAction[] }) {
  const me = ctx.actor.userId;
  const now = nowIso();
  const named = [...new Set(batch.actions.flatMap((a) => ("ticket_id" in a ? [a.ticket_id] : [])))];
  // Every action type but an upload is planned from the opening read (PLANNED).
  const planned = batch.actions.every((a) => PLANNED.has(a.type));
  const opening = await runReads(
    ctx.env.DB,
    allReads({
      device: activeDevice(ctx, batch.device_id),
      earlier: reads(
        ctx.db
          .select()
          .from(mobileActions)
          .where(
            and(
              eq(mobileActions.userId, me),
              inList(
                mobileActions.clientId,
                batch.actions.map((a) => a.client_id),
              ),
            ),
          ),
      ),
      basis: planned
        ? offlineBasisReads(ctx, named, {
            // Completing a visit resolves its ticket too: both need whose customers have accounts.
            resolves: batch.actions.some(
              (a) => a.type === "resolve" || (a.type === "appointment_step" && a.step === "complete"),
            ),
          })
        : mapReads(ticketsForSync(ctx, named), (shown): Opening["basis"] => ({ shown })),
      // What a planned action reads besides its ticket (a work log's stock, a ticked item, the technician), per action.
      extras: listReads(planned ? batch.actions.map((a) => plannedReads(ctx, a)) : []),
      claims: writes(
        batch.actions.map((a) =>
          ctx.env.DB.prepare(
            `INSERT OR IGNORE INTO mobile_actions (user_id, client_id, device_id, type, outcome, result, created_at)
             SELECT ?1, ?2, id, ?3, 'pending', NULL, ?4 FROM mobile_devices
              WHERE user_id = ?1 AND device_key = ?5 AND revoked_at IS NULL AND session_id = ?6`,
          ).bind(me, a.client_id, a.type, now, batch.device_id, ctx.actor.sessionId),
        ),
      ),
    }),
  );
  const fresh = opening.claims.map((c) => (c.meta.changes ?? 0) > 0);
  if (planned) {
    const extras = new Map(batch.actions.map((a, i) => [a, opening.extras[i]]));
    const answered = await applyPlanned(ctx, batch.actions, fresh, opening, extras);
    if (answered) return answered;
  }
  return applyInTurn(ctx, batch.actions, fresh, opening);
}

/** Action types planned from the opening read; a batch with any other applies each action with its own verb. */
const PLANNED = new Set<MobileAction["type"]>([
  "start",
  "hold",
  "resume",
  "resolve",
  "add_comment",
  "add_work_log",
  "checklist_item",
  "report_location",
  "appointment_step",
]);

/** What one planned action reads besides its ticket, in the opening batch. */
function plannedReads(ctx: UserContext, action: MobileAction): Reads<unknown> {
  switch (action.type) {
    case "add_work_log":
      return fittedPartsReads(ctx, {
        technicianId: ctx.actor.userId,
        ticketId: action.ticket_id,
        parts: action.parts ?? [],
      });
    case "checklist_item":
      return checklistItemReads(ctx, action.ticket_id, action.item, action);
    case "report_location":
      return locationReads(ctx);
    case "appointment_step":
      return visitStepReads(ctx, action.appointment_id);
    default:
      return known(null);
  }
}

/** The opening read: the tickets named as the caller sees them (with what planning needs, when planned) and earlier outcomes. */
type Opening = {
  basis: Pick<OfflineBasis, "shown"> | OfflineBasis | null;
  earlier: (typeof mobileActions.$inferSelect)[];
};

function newRun(ctx: UserContext, opening: Opening, plan?: Run["plan"]): Run {
  return {
    ctx,
    tickets: new Map((opening.basis?.shown ?? []).map((t) => [t.id, t as SyncedTicket])),
    stale: new Set(),
    changed: new Set(),
    chains: new Map(),
    earlier: new Map(opening.earlier.map((e) => [e.clientId, e])),
    answered: new Map(),
    settled: [],
    plan,
  };
}

/**
 * Every action decided from the opening read and every change written in one closing batch, with
 * the outcomes and the changed tickets read back: three round trips with the session check,
 * whatever the batch holds. Each change's tripwire aborts the whole batch if a ticket moved on
 * since the opening read (or stock ran out); then nothing of it was written and the batch is
 * applied in turn instead (null).
 */
async function applyPlanned(
  ctx: UserContext,
  actions: MobileAction[],
  fresh: boolean[],
  opening: Opening,
  extras: Map<MobileAction, unknown>,
) {
  if (!opening.basis || !("steps" in opening.basis)) return null;
  // Planning changes the basis (each ticket as the batch leaves it): the fallback reads afresh.
  const run = newRun(ctx, opening, { basis: opening.basis, steps: [], extras, visits: new Map() });
  const results: ActionResult[] = [];
  try {
    for (const [i, action] of actions.entries()) {
      const result = fresh[i] ? await applyOne(run, action) : duplicateOf(run, action);
      run.answered.set(action.client_id, result);
      results.push(result);
    }
  } catch (err) {
    if (err instanceof PlanAbandoned) return null;
    throw err;
  }
  const steps = run.plan!.steps;
  const writes = steps.flatMap((s) => s.statements);
  const answers = ticketsForSync(ctx, changedIn(results));
  const closing = [...writes, ...run.settled, ...answers.statements];
  let all: D1Result[] = [];
  try {
    if (closing.length) all = await ctx.env.DB.batch(closing);
  } catch (err) {
    const reason = String((err as Error)?.message ?? err);
    if (!ROLLED_BACK.test(reason)) {
      // Not a refusal by the database: whether the batch committed is unknown. Claims it did not
      // settle are let go, so the phone's retry applies those actions; settled ones answer as sent.
      await ctx.env.DB.prepare(
        "DELETE FROM mobile_actions WHERE user_id = ?1 AND outcome = 'pending' AND client_id IN (SELECT value FROM json_each(?2))",
      )
        .bind(ctx.actor.userId, JSON.stringify(actions.map((a) => a.client_id)))
        .run();
      throw err;
    }
    console.warn(
      JSON.stringify({ level: "warn", msg: "offline batch applied in turn", request_id: ctx.requestId, reason }),
    );
    return null;
  }
  let at = 0;
  for (const step of steps) {
    await step.afterCommit(all.slice(at, at + step.statements.length));
    at += step.statements.length;
  }
  return answerWith(results, answers.finish(all.slice(all.length - answers.statements.length)));
}

/** Each action applied with the verb the online request calls, in order. */
async function applyInTurn(ctx: UserContext, actions: MobileAction[], fresh: boolean[], opening: Opening) {
  const run = newRun(ctx, opening);
  const results: ActionResult[] = [];
  for (const [i, action] of actions.entries()) {
    const result = fresh[i] ? await applyOne(run, action) : duplicateOf(run, action);
    run.answered.set(action.client_id, result);
    results.push(result);
  }
  // The closing batch: every outcome, and the tickets answers left to read, as they now stand.
  const changed = await runReads(ctx.env.DB, ticketsForSync(ctx, changedIn(results)), run.settled);
  return answerWith(results, changed);
}

const unread = (r: ActionResult) => (r.ticket as SyncedTicket | null | undefined)?.version === UNREAD;

/** The tickets answers carry that are read at the close. */
function changedIn(results: ActionResult[]): string[] {
  return [...new Set(results.filter(unread).map((r) => String(r.ticket!.id)))];
}

function answerWith(results: ActionResult[], changed: { id: string }[]) {
  const fresh = new Map(changed.map((t) => [t.id, t]));
  return { results: results.map((r) => (unread(r) ? { ...r, ticket: fresh.get(String(r.ticket!.id)) ?? null } : r)) };
}

/**
 * The database refused the closing batch, so D1 rolled it back whole: a tripwire (a ticket moved on
 * since the opening read) or a constraint (stock ran out, a serial number already in stock).
 */
const ROLLED_BACK = /malformed JSON|constraint failed/i;

/** A fault while planning (not a refusal): the batch is applied in turn instead. */
class PlanAbandoned extends Error {}

type SyncedTicket = Record<string, unknown> & { id: string; version: number };

interface Run {
  ctx: UserContext;
  /** The tickets named, as the caller sees them; `stale` ones were changed by this batch since. */
  tickets: Map<string, SyncedTicket>;
  stale: Set<string>;
  chains: Map<string, { base: number; now: number | null }>;
  earlier: Map<string, typeof mobileActions.$inferSelect>;
  answered: Map<string, ActionResult>;
  /** The outcomes to record, in the closing batch. */
  settled: D1PreparedStatement[];
  /** Tickets a planned change of this batch changed (their answer is read at the close). */
  changed: Set<string>;
  /** Planning from the opening read: the basis, the changes planned so far, what each action read besides. */
  plan?: {
    basis: OfflineBasis;
    steps: PlannedStep[];
    extras: Map<MobileAction, unknown>;
    /** Visits as the batch's planned steps leave them. */
    visits: Map<string, VisitStepBasis["visit"][number]>;
  };
}

/** The ticket as the caller reads it now: from the opening read, or read again when this batch changed it and a later action needs its version. */
async function currentTicket(run: Run, ticketId: string): Promise<SyncedTicket | null> {
  if (run.stale.has(ticketId)) {
    const [ticket] = await runReads(run.ctx.env.DB, ticketsForSync(run.ctx, [ticketId]));
    if (ticket) run.tickets.set(ticketId, ticket);
    else run.tickets.delete(ticketId);
    run.stale.delete(ticketId);
  }
  return run.tickets.get(ticketId) ?? null;
}

/** Marks a ticket an answer carries that is read in the closing batch. */
const UNREAD = -1;

/** The ticket an answer carries: read at the close when this batch changed it. */
function ticketForAnswer(run: Run, ticketId: string): SyncedTicket | null {
  if (run.stale.has(ticketId) || run.changed.has(ticketId)) return { id: ticketId, version: UNREAD };
  return run.tickets.get(ticketId) ?? null;
}

async function applyOne(run: Run, action: MobileAction): Promise<ActionResult> {
  const { ctx, chains } = run;
  const ticketId = "ticket_id" in action ? action.ticket_id : null;
  if (ticketId && !run.stale.has(ticketId) && !run.tickets.has(ticketId))
    return settle(run, action, {
      client_id: action.client_id,
      status: "rejected",
      problem: problemBody("not_found", "No such ticket.", ctx.requestId),
      ticket: null,
    });
  let expectVersion: number | undefined;
  if (ticketId && "base_version" in action && action.base_version !== undefined) {
    const chain = chains.get(ticketId);
    if (chain && chain.now === null && STATEFUL.has(action.type)) {
      return settle(run, action, {
        client_id: action.client_id,
        status: "conflict",
        ticket: ticketForAnswer(run, ticketId),
        problem: problemBody(
          "conflict",
          "An earlier action on this ticket in the same batch did not apply.",
          ctx.requestId,
        ),
      });
    }
    // The version an applied action of this batch left is read when a later move needs it.
    if (chain && chain.now !== null && run.stale.has(ticketId))
      chain.now = (await currentTicket(run, ticketId))?.version ?? chain.now;
    expectVersion = chain && chain.now !== null && chain.base === action.base_version ? chain.now : action.base_version;
    if (!chain) chains.set(ticketId, { base: action.base_version, now: action.base_version });
    // A move based on a version the ticket has left is a conflict, known from the opening read.
    const known = run.stale.has(ticketId) ? null : run.tickets.get(ticketId);
    if (STATEFUL.has(action.type) && known && known.version !== expectVersion) {
      chains.get(ticketId)!.now = null;
      return settle(run, action, {
        client_id: action.client_id,
        status: "conflict",
        ticket: known,
        problem: problemBody(
          "precondition_failed",
          `The ticket is at version ${known.version}, not ${expectVersion}; read it again.`,
          ctx.requestId,
        ),
      });
    }
  }

  try {
    const result = run.plan
      ? await plan(run, action, STATEFUL.has(action.type) ? expectVersion : undefined)
      : await perform(run, action, STATEFUL.has(action.type) ? expectVersion : undefined);
    if (ticketId && !run.plan) run.stale.add(ticketId);
    return settle(run, action, {
      client_id: action.client_id,
      status: "applied",
      ticket: ticketId ? ticketForAnswer(run, ticketId) : null,
      result,
    });
  } catch (err) {
    if (!(err instanceof AppError)) {
      if (run.plan) throw new PlanAbandoned(String((err as Error)?.message ?? err));
      // A fault here, not a verdict: forget the claim so the phone's retry applies it.
      await ctx.db
        .delete(mobileActions)
        .where(and(eq(mobileActions.userId, ctx.actor.userId), eq(mobileActions.clientId, action.client_id)));
      console.error(
        JSON.stringify({
          level: "error",
          msg: "offline action failed",
          request_id: ctx.requestId,
          client_id: action.client_id,
          error: String((err as Error)?.message ?? err),
        }),
      );
      return {
        client_id: action.client_id,
        status: "error",
        problem: problemBody("internal_error", "Not applied; send it again.", ctx.requestId),
      };
    }
    const chain = ticketId ? chains.get(ticketId) : undefined;
    if (chain && STATEFUL.has(action.type)) chain.now = null;
    const problem = problemBody(err.code, err.message, ctx.requestId, err.errors);
    const status: Outcome = CONFLICTS.has(err.code) ? "conflict" : "rejected";
    // Applied in turn, the ticket may have moved on meanwhile: it is read at the close.
    if (status === "conflict" && ticketId && !run.plan) run.stale.add(ticketId);
    return settle(run, action, {
      client_id: action.client_id,
      status,
      problem,
      ticket: status === "conflict" && ticketId ? ticketForAnswer(run, ticketId) : null,
    });
  }
}

/** An action planned as a change of the closing batch; its answer is known now. */
async function plan(run: Run, action: MobileAction, expectVersion: number | undefined) {
  const { ctx } = run;
  const { basis, steps, extras, visits } = run.plan!;
  if (action.type === "report_location") {
    // Not a ticket's change: its statement goes into the closing batch, its live event after it.
    const report = locationReport(ctx, extras.get(action) as Parameters<typeof locationReport>[1], action);
    steps.push({
      statements: report.statements,
      result: report.result,
      version: 0,
      // The position is recorded; a live event that fails to go is not worth refusing the batch for.
      afterCommit: () =>
        report.publish().then(
          () => undefined,
          (err) =>
            console.error(
              JSON.stringify({
                level: "error",
                msg: "location event not sent",
                request_id: ctx.requestId,
                error: String(err),
              }),
            ),
        ),
    });
    return report.result;
  }
  const planned = await (async () => {
    switch (action.type) {
      case "start":
      case "hold":
      case "resume":
      case "resolve":
        return planOfflineStep(ctx, basis, action.ticket_id, {
          kind: "transition",
          action: action.type,
          comment: action.comment,
          expectVersion,
        });
      case "add_comment":
        return planOfflineStep(ctx, basis, action.ticket_id, {
          kind: "comment",
          body: action.body,
          visibility: action.visibility,
        });
      case "add_work_log":
        return planOfflineStep(ctx, basis, action.ticket_id, {
          kind: "work_log",
          input: {
            work_detail: action.work_detail,
            parts: action.parts,
            amount_charged: action.amount_charged,
            next_service_date: action.next_service_date,
          },
          planParts: extras.get(action) as (customerId: string | null) => FittedParts,
        });
      case "appointment_step": {
        const current = basis.steps.get(action.ticket_id);
        if (!current) throw new AppError("not_found", "No such ticket.");
        if (expectVersion !== undefined && current.ticket.version !== expectVersion)
          throw new AppError(
            "precondition_failed",
            `The ticket is at version ${current.ticket.version}, not ${expectVersion}.`,
          );
        // The visit as this batch has left it so far (its next step builds on the last).
        const read = extras.get(action) as VisitStepBasis;
        const known = visits.get(action.appointment_id);
        const visit = await plannedVisitStep(
          ctx,
          { ...read, visit: known ? [known] : read.visit },
          {
            ticket: current.ticket,
            relation: current.people.relation,
            approves: current.approves,
            calendar: current.calendar,
          },
          action.step,
          action.comment,
        );
        visits.set(action.appointment_id, visit.row);
        if (!visit.change) return { noChange: visit.answer };
        return planOfflineStep(ctx, basis, action.ticket_id, {
          kind: "change",
          change: visit.change,
          result: visit.answer,
          after: visit.after,
        });
      }
      case "checklist_item":
        return planOfflineStep(ctx, basis, action.ticket_id, {
          kind: "checklist",
          input: { done: action.done, value: action.value, upload_id: action.upload_id },
          read: extras.get(action) as ChecklistItemBasis,
        });
      default:
        throw new PlanAbandoned(`${action.type} is not planned`);
    }
  })();
  // A visit step that changes nothing (confirming a confirmed visit) writes nothing.
  if ("noChange" in planned) return planned.noChange;
  steps.push(planned);
  const ticketId = "ticket_id" in action ? action.ticket_id : "";
  run.changed.add(ticketId);
  const shown = run.tickets.get(ticketId);
  if (shown) run.tickets.set(ticketId, { ...shown, version: planned.version });
  const chain = run.chains.get(ticketId);
  if (chain && chain.now !== null) chain.now = planned.version;
  return planned.result;
}

async function perform(
  run: Run,
  action: MobileAction,
  expectVersion: number | undefined,
): Promise<Record<string, unknown> | null> {
  const { ctx } = run;
  switch (action.type) {
    case "start":
    case "hold":
    case "resume":
    case "resolve":
      await transitionTicket(ctx, action.ticket_id, action.type, action.comment, { expectVersion });
      return null;
    case "add_comment":
      return addComment(ctx, action.ticket_id, { body: action.body, visibility: action.visibility });
    case "add_work_log":
      return addWorkLog(ctx, action.ticket_id, {
        work_detail: action.work_detail,
        parts: action.parts,
        amount_charged: action.amount_charged,
        next_service_date: action.next_service_date,
      });
    case "appointment_step": {
      const ticket = await currentTicket(run, action.ticket_id);
      if (!ticket) throw new AppError("not_found", "No such ticket.");
      if (expectVersion !== undefined && ticket.version !== expectVersion)
        throw new AppError("precondition_failed", `The ticket is at version ${ticket.version}, not ${expectVersion}.`);
      return stepAppointment(ctx, action.appointment_id, action.step, { comment: action.comment }, action.ticket_id);
    }
    case "attach_upload":
      return attachUpload(ctx, action.upload_id, { ticket_id: action.ticket_id, work_log_id: action.work_log_id });
    case "checklist_item":
      return updateTicketChecklistItem(ctx, action.ticket_id, action.item, {
        done: action.done,
        value: action.value,
        upload_id: action.upload_id,
      });
    case "report_location":
      return reportLocation(ctx, ctx.actor.userId, { lat: action.lat, lng: action.lng, accuracy_m: action.accuracy_m });
  }
}

/** Records the outcome in the closing batch (never the ticket: it is answered as it is when asked again). */
function settle(run: Run, action: MobileAction, result: ActionResult): ActionResult {
  const { ticket: _current, ...kept } = result;
  run.settled.push(
    statementOf(
      run.ctx.env.DB,
      run.ctx.db
        .update(mobileActions)
        .set({ outcome: result.status as Outcome, result: kept as Record<string, unknown> })
        .where(and(eq(mobileActions.userId, run.ctx.actor.userId), eq(mobileActions.clientId, action.client_id))),
    ),
  );
  return result;
}

/**
 * A client id sent again: `duplicate` only when it was applied (as documented); a refused action
 * answers its original refusal again (a conflict with the ticket as it is now), never "applied before".
 * Sent twice in one batch, the second answers the first.
 */
function duplicateOf(run: Run, action: MobileAction): ActionResult {
  const clientId = action.client_id;
  const inBatch = run.answered.get(clientId);
  const stored = run.earlier.get(clientId);
  if (inBatch?.status === "error") return { client_id: clientId, status: "error", problem: inBatch.problem };
  const earlier =
    inBatch && inBatch.status !== "duplicate"
      ? {
          outcome: inBatch.status,
          result: {
            client_id: clientId,
            status: inBatch.status,
            result: inBatch.result,
            problem: inBatch.problem,
          } as Record<string, unknown>,
        }
      : stored;
  const first = (earlier?.result ?? {}) as Partial<ActionResult>;
  if (earlier?.outcome === "conflict" || earlier?.outcome === "rejected") {
    const ticketId = "ticket_id" in action ? action.ticket_id : null;
    return {
      client_id: clientId,
      status: earlier.outcome,
      problem: first.problem ?? null,
      ticket: earlier.outcome === "conflict" && ticketId ? ticketForAnswer(run, ticketId) : null,
    };
  }
  return {
    client_id: clientId,
    status: "duplicate",
    result: { outcome: earlier?.outcome ?? "pending", ...(earlier?.result ?? {}) },
  };
}
