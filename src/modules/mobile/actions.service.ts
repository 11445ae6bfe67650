import { and, eq } from "drizzle-orm";
import { mobileActions } from "../../db/schema";
import type { UserContext } from "../../lib/context";
import { runReads } from "../../lib/d1";
import { nowIso } from "../../lib/ids";
import { AppError, problemBody } from "../../lib/problem";
import { stepAppointment } from "../scheduling";
import { reportLocation } from "../technicians";
import { addComment, addWorkLog, ticketsForSync, transitionTicket, updateTicketChecklistItem } from "../tickets";
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
 */
export async function applyActions(ctx: UserContext, batch: { device_id: string; actions: MobileAction[] }) {
  const device = await activeDevice(ctx, batch.device_id);
  const chains = new Map<string, { base: number; now: number | null }>();
  const results: ActionResult[] = [];
  for (const action of batch.actions) {
    results.push(await applyOne(ctx, device.id, action, chains));
  }
  return { results };
}

async function applyOne(
  ctx: UserContext,
  deviceId: string,
  action: MobileAction,
  chains: Map<string, { base: number; now: number | null }>,
): Promise<ActionResult> {
  const claimed = await ctx.env.DB.prepare(
    "INSERT OR IGNORE INTO mobile_actions (user_id, client_id, device_id, type, outcome, result, created_at) VALUES (?1, ?2, ?3, ?4, 'pending', NULL, ?5)",
  )
    .bind(ctx.actor.userId, action.client_id, deviceId, action.type, nowIso())
    .run();
  if (!claimed.meta.changes) return duplicateOf(ctx, action);

  const ticketId = "ticket_id" in action ? action.ticket_id : null;
  let expectVersion: number | undefined;
  if (ticketId && "base_version" in action && action.base_version !== undefined) {
    const chain = chains.get(ticketId);
    if (chain && chain.now === null && STATEFUL.has(action.type)) {
      return settle(ctx, action, {
        client_id: action.client_id,
        status: "conflict",
        ticket: await currentTicket(ctx, ticketId),
        problem: problemBody(
          "conflict",
          "An earlier action on this ticket in the same batch did not apply.",
          ctx.requestId,
        ),
      });
    }
    expectVersion = chain && chain.now !== null && chain.base === action.base_version ? chain.now : action.base_version;
    if (!chain) chains.set(ticketId, { base: action.base_version, now: action.base_version });
  }

  try {
    const result = await perform(ctx, action, STATEFUL.has(action.type) ? expectVersion : undefined);
    const ticket = ticketId ? await currentTicket(ctx, ticketId) : null;
    const chain = ticketId ? chains.get(ticketId) : undefined;
    if (chain && ticket) chain.now = ticket.version;
    return settle(ctx, action, { client_id: action.client_id, status: "applied", ticket, result });
  } catch (err) {
    if (!(err instanceof AppError)) {
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
    return settle(ctx, action, {
      client_id: action.client_id,
      status,
      problem,
      ticket: status === "conflict" && ticketId ? await currentTicket(ctx, ticketId) : null,
    });
  }
}

async function perform(
  ctx: UserContext,
  action: MobileAction,
  expectVersion: number | undefined,
): Promise<Record<string, unknown> | null> {
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
      const ticket = await currentTicket(ctx, action.ticket_id);
      if (!ticket) throw new AppError("not_found", "No such ticket.");
      if (expectVersion !== undefined && ticket.version !== expectVersion)
        throw new AppError("precondition_failed", `The ticket is at version ${ticket.version}, not ${expectVersion}.`);
      const appointment = await stepAppointment(ctx, action.appointment_id, action.step, { comment: action.comment });
      if (appointment.ticket_id !== action.ticket_id)
        throw new AppError("validation_failed", "The appointment belongs to another ticket.", {
          errors: [{ path: "appointment_id", message: "Not this ticket's" }],
        });
      return appointment;
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

/** The ticket as the caller reads it through the API; null when they may not (any more). */
async function currentTicket(
  ctx: UserContext,
  ticketId: string,
): Promise<(Record<string, unknown> & { version: number }) | null> {
  const visible = await runReads(ctx.env.DB, ticketsForSync(ctx, [ticketId]));
  return visible[0] ?? null;
}

async function settle(ctx: UserContext, action: MobileAction, result: ActionResult): Promise<ActionResult> {
  const { ticket: _current, ...kept } = result;
  await ctx.db
    .update(mobileActions)
    .set({ outcome: result.status as Outcome, result: kept as Record<string, unknown> })
    .where(and(eq(mobileActions.userId, ctx.actor.userId), eq(mobileActions.clientId, action.client_id)));
  return result;
}

/**
 * A client id sent again: `duplicate` only when it was applied (as documented); a refused action
 * answers its original refusal again (a conflict with the ticket as it is now), never "applied before".
 */
async function duplicateOf(ctx: UserContext, action: MobileAction): Promise<ActionResult> {
  const clientId = action.client_id;
  const earlier = await ctx.db.query.mobileActions.findFirst({
    where: and(eq(mobileActions.userId, ctx.actor.userId), eq(mobileActions.clientId, clientId)),
  });
  const first = (earlier?.result ?? {}) as Partial<ActionResult>;
  if (earlier?.outcome === "conflict" || earlier?.outcome === "rejected") {
    const ticketId = "ticket_id" in action ? action.ticket_id : null;
    return {
      client_id: clientId,
      status: earlier.outcome,
      problem: first.problem ?? null,
      ticket: earlier.outcome === "conflict" && ticketId ? await currentTicket(ctx, ticketId) : null,
    };
  }
  return {
    client_id: clientId,
    status: "duplicate",
    result: { outcome: earlier?.outcome ?? "pending", ...(earlier?.result ?? {}) },
  };
}
