import type { z } from "@hono/zod-openapi";
import { startOf } from "../../lib/query-dialect";
import { and, eq, gt, or, sql } from "drizzle-orm";
import { technicianProfiles, timeOff } from "../../db/schema";
import type { ServiceContext, UserContext } from "../../lib/context";
import { allReads, inList, rawReads, reads, runReads } from "../../lib/d1";
import { newId, nowIso } from "../../lib/ids";
import { keyset } from "../../lib/pagination";
import { AppError } from "../../lib/problem";
import { findTechnician } from "./technicians.service";
import type { TimeOffCreateSchema } from "./time-off.schemas";

type TimeOffRow = typeof timeOff.$inferSelect;

/**
 * Time off (TIME-3): a technician asks, their supervisor or a manager decides; staff who enter time
 * off for a technician approve it as they enter it. Approved time off is held in the technician's
 * schedule object like a booking, so availability, booking and the customer page never offer it,
 * under the same single-writer check as bookings. The hold follows the row: `held_at` says the
 * object took it; the cron takes holds still missing and lets go of holds no longer approved (a
 * worker can die between the row and the object).
 */
function schedule(ctx: Pick<ServiceContext, "env">, technicianId: string) {
  return ctx.env.SCHEDULES.get(ctx.env.SCHEDULES.idFromName(technicianId));
}

/** Managers decide for everyone; a supervisor for their own team only. */
function mayDecide(ctx: UserContext, supervisorId: string | null): boolean {
  if (ctx.actor.permissions.has("users:update")) return true;
  return ctx.actor.permissions.has("technicians:write") && supervisorId === ctx.actor.userId;
}

/** Who sees a technician's time off: the technician, whoever may decide it, and dispatch (who books around it). */
function maySee(ctx: UserContext, technicianId: string, supervisorId: string | null): boolean {
  if (technicianId === ctx.actor.userId || mayDecide(ctx, supervisorId)) return true;
  return ctx.actor.permissions.has("technicians:read") && ctx.actor.permissions.has("tickets:scope_all");
}

async function findVisible(ctx: UserContext, id: string) {
  const row = await ctx.db
    .select({ timeOff, supervisorId: technicianProfiles.supervisorId })
    .from(timeOff)
    .leftJoin(technicianProfiles, eq(technicianProfiles.userId, timeOff.technicianId))
    .where(eq(timeOff.id, id))
    .get();
  if (!row || !maySee(ctx, row.timeOff.technicianId, row.supervisorId ?? null))
    throw new AppError("not_found", "No such time off.");
  return { row: row.timeOff, supervisorId: row.supervisorId ?? null };
}

/** The technician's live visits inside approved time off still to come, as a read for the caller's batch. */
function visitsToMove(ctx: ServiceContext, timeOffId: string) {
  return rawReads<{ appointment_id: string; ticket_id: string; starts_at: string; ends_at: string }>(
    ctx.env.DB.prepare(
      `SELECT a.id AS appointment_id, a.ticket_id, a.starts_at, a.ends_at
         FROM time_off t JOIN appointments a ON a.technician_id = t.technician_id
        WHERE t.id = ?1 AND t.status = 'approved' AND t.ends_at > ?2
          AND a.status IN ('scheduled', 'confirmed') AND a.starts_at < t.ends_at AND a.ends_at > t.starts_at
        ORDER BY a.starts_at LIMIT 200`,
    ).bind(timeOffId, nowIso()),
  );
}

/** Time off as written, with the visits it still has to move. */
async function present(ctx: ServiceContext, t: TimeOffRow) {
  // Time off that is not approved, or is over, moves nothing: no read.
  const moves = t.status === "approved" && t.endsAt > nowIso();
  return {
    ...toTimeOffListItem(t),
    visits_to_move: moves ? await runReads(ctx.env.DB, visitsToMove(ctx, t.id)) : [],
  };
}

function toTimeOffListItem(t: TimeOffRow) {
  return {
    id: t.id,
    technician_id: t.technicianId,
    kind: t.kind,
    starts_at: t.startsAt,
    ends_at: t.endsAt,
    reason: t.reason,
    status: t.status,
    requested_by: t.requestedBy,
    decided_by: t.decidedBy,
    decided_at: t.decidedAt,
    decision_note: t.decisionNote,
    created_at: t.createdAt,
    updated_at: t.updatedAt,
  };
}

/** Takes or lets go of the hold in the technician's object, then records it; idempotent both ways. */
async function settleHold(ctx: ServiceContext, current: TimeOffRow) {
  const t = current;
  const stub = schedule(ctx, t.technicianId);
  if (current.status === "approved") {
    await stub.holdTimeOff(t.id, Date.parse(t.startsAt), Date.parse(t.endsAt));
    // Recorded whatever the row's state is now: cancelled meanwhile, the cron sees a hold to let go.
    await ctx.db.update(timeOff).set({ heldAt: nowIso() }).where(eq(timeOff.id, t.id));
  } else if (current.heldAt) {
    await stub.release(t.id);
    await ctx.db
      .update(timeOff)
      .set({ heldAt: null })
      .where(and(eq(timeOff.id, t.id), sql`${timeOff.status} <> 'approved'`));
  }
}

export async function createTimeOff(ctx: UserContext, input: z.output<typeof TimeOffCreateSchema>) {
  const technicianId = input.technician_id ?? ctx.actor.userId;
  const own = technicianId === ctx.actor.userId;
  if (Date.parse(input.ends_at) <= Date.now())
    throw new AppError("validation_failed", "The time off has already ended.", {
      errors: [{ path: "ends_at", message: "In the past" }],
    });
  let supervisorId: string | null = null;
  try {
    supervisorId = (await findTechnician(ctx, technicianId)).profile?.supervisorId ?? null;
  } catch (err) {
    if (own) throw new AppError("forbidden", "Only technicians have time off here.");
    throw err;
  }
  // Staff enter time off for the technicians they decide for; a technician asks for their own.
  if (!own && !mayDecide(ctx, supervisorId)) throw new AppError("not_found", "No such technician.");
  const now = nowIso();
  const approved = !own;
  const row: TimeOffRow = {
    id: newId("tof"),
    technicianId,
    kind: input.kind,
    startsAt: new Date(input.starts_at).toISOString(),
    endsAt: new Date(input.ends_at).toISOString(),
    reason: input.reason ?? null,
    status: approved ? "approved" : "requested",
    requestedBy: ctx.actor.userId,
    decidedBy: approved ? ctx.actor.userId : null,
    decidedAt: approved ? now : null,
    decisionNote: null,
    heldAt: null,
    createdAt: now,
    updatedAt: now,
  };
  await ctx.db.insert(timeOff).values(row);
  if (approved) await settleHold(ctx, row);
  return present(ctx, row);
}

/** Time off with the visits it still has to move: both in one round trip. */
export async function getTimeOff(ctx: UserContext, id: string) {
  const { found, visits } = await runReads(
    ctx.env.DB,
    allReads({
      found: reads(
        ctx.db
          .select({ timeOff, supervisorId: technicianProfiles.supervisorId })
          .from(timeOff)
          .leftJoin(technicianProfiles, eq(technicianProfiles.userId, timeOff.technicianId))
          .where(eq(timeOff.id, id))
          .limit(1),
      ),
      visits: visitsToMove(ctx, id),
    }),
  );
  const row = found[0];
  if (!row || !maySee(ctx, row.timeOff.technicianId, row.supervisorId ?? null))
    throw new AppError("not_found", "No such time off.");
  return { ...toTimeOffListItem(row.timeOff), visits_to_move: visits };
}

export async function listTimeOff(
  ctx: UserContext,
  query: { limit: number; cursor?: string; technician_id?: string; status?: TimeOffRow["status"]; from?: string },
) {
  const page = keyset({ order: "starts_at", column: timeOff.startsAt, idColumn: timeOff.id, cursor: query.cursor });
  const seesAll =
    ctx.actor.permissions.has("users:update") ||
    (ctx.actor.permissions.has("technicians:read") && ctx.actor.permissions.has("tickets:scope_all"));
  // Everyone else: their own, and (supervisors) their team's.
  const scope = seesAll
    ? undefined
    : or(
        eq(timeOff.technicianId, ctx.actor.userId),
        ctx.actor.permissions.has("technicians:write")
          ? inList(
              timeOff.technicianId,
              sql`(SELECT user_id FROM technician_profiles WHERE supervisor_id = ${ctx.actor.userId})`,
            )
          : undefined,
      );
  const rows = await ctx.db
    .select()
    .from(timeOff)
    .where(
      and(
        scope,
        query.technician_id ? eq(timeOff.technicianId, query.technician_id) : undefined,
        query.status ? eq(timeOff.status, query.status) : undefined,
        query.from ? gt(timeOff.endsAt, startOf(query.from, ctx.settings.timeZone)) : undefined,
        page.where,
      ),
    )
    .orderBy(...page.orderBy)
    .limit(query.limit + 1);
  const result = page.page(rows, query.limit, (r) => r.startsAt);
  return {
    data: result.data.map(toTimeOffListItem),
    next_cursor: result.next_cursor,
    has_more: result.next_cursor !== null,
  };
}

async function decide(
  ctx: UserContext,
  id: string,
  to: "approved" | "rejected" | "cancelled",
  note: string | undefined,
) {
  const { row, supervisorId } = await findVisible(ctx, id);
  const own = row.technicianId === ctx.actor.userId;
  if (to === "cancelled") {
    if (!own && !mayDecide(ctx, supervisorId))
      throw new AppError("forbidden", "Only the technician or whoever decides their time off may cancel it.");
    if (row.status === "approved" && row.endsAt <= nowIso())
      throw new AppError("invalid_transition", "This time off is over; it stays on record.");
  } else if (own || !mayDecide(ctx, supervisorId)) {
    throw new AppError("forbidden", "Time off is decided by the technician's supervisor or a manager.");
  }
  const from: TimeOffRow["status"][] = to === "cancelled" ? ["requested", "approved"] : ["requested"];
  if (!from.includes(row.status))
    throw new AppError("invalid_transition", `Time off that is ${row.status} cannot be ${to}.`);
  const now = nowIso();
  const done = await ctx.env.DB.prepare(
    `UPDATE time_off SET status = ?1, decided_by = ?2, decided_at = ?3, decision_note = ?4, updated_at = ?3
      WHERE id = ?5 AND status = ?6`,
  )
    .bind(to, ctx.actor.userId, now, note ?? null, id, row.status)
    .run();
  if (!done.meta.changes) throw new AppError("conflict", "The time off changed meanwhile; read it again.");
  const after: TimeOffRow = {
    ...row,
    status: to,
    decidedBy: ctx.actor.userId,
    decidedAt: now,
    decisionNote: note ?? null,
  };
  await settleHold(ctx, after);
  return present(ctx, after);
}

export const approveTimeOff = (ctx: UserContext, id: string, note?: string) => decide(ctx, id, "approved", note);
export const rejectTimeOff = (ctx: UserContext, id: string, note?: string) => decide(ctx, id, "rejected", note);
export const cancelTimeOff = (ctx: UserContext, id: string, note?: string) => decide(ctx, id, "cancelled", note);

/** The cron's part: holds the object should have and does not, or has and should not (a crash between the two). */
export async function settleTimeOffHolds(ctx: ServiceContext) {
  const rows = await ctx.db
    .select()
    .from(timeOff)
    .where(
      sql`((${timeOff.status} = 'approved' AND ${timeOff.heldAt} IS NULL) OR (${timeOff.status} <> 'approved' AND ${timeOff.heldAt} IS NOT NULL))`,
    )
    .orderBy(timeOff.updatedAt)
    .limit(100);
  for (const row of rows) await settleHold(ctx, row);
  return { settled: rows.length };
}
