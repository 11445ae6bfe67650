import { and, eq } from "drizzle-orm";
import { slotHolds, ticketAssignees } from "../../db/schema";
import type { ServiceContext, UserContext } from "../../lib/context";
import { takeCounter } from "../../lib/counters";
import { newId, nowIso } from "../../lib/ids";
import { AppError } from "../../lib/problem";
import { canTriage, findVisibleTicket, type TicketRow } from "../access";
import { eligibleTechnicians, relationTo } from "../tickets";
import { book, bookingTravel, deploymentWindow, present, schedule, technicianDay } from "./appointments.service";
import { routineLimitMs, URGENT_PRIORITIES, withinHours } from "./hours";
import { orderPool, poolFacts } from "./pool";
import { dayBounds, validateSlot, withSeconds } from "./slots";

type HoldRow = typeof slotHolds.$inferSelect;

export function toHoldResponse(h: HoldRow, endTime: string) {
  return {
    id: h.id,
    ticket_id: h.ticketId,
    date: h.date,
    start_time: withSeconds(h.startTime),
    end_time: withSeconds(endTime),
    expires_at: h.expiresAt,
  };
}

async function release(ctx: ServiceContext, h: HoldRow) {
  await schedule(ctx, h.technicianId).releaseHold(h.id);
  await ctx.db
    .update(slotHolds)
    .set({ status: "released" })
    .where(and(eq(slotHolds.id, h.id), eq(slotHolds.status, "held")));
}

/** The link's (or, without a link, nobody's) live hold, when there is one. */
export async function liveHoldOf(ctx: ServiceContext, linkId: string) {
  return ctx.db.query.slotHolds.findFirst({
    where: and(eq(slotHolds.linkId, linkId), eq(slotHolds.status, "held")),
  });
}

/**
 * DSP-2: keeps a slot for a ticket for `SLOT_HOLD_MINUTES` while its customer (or an integrator)
 * confirms. The ticket's technician, or for a ticket nobody holds the first of the pool order who
 * is free then, takes the hold in their schedule object, where it is busy for every other booking
 * and hold until it expires (the object forgets it at once, and its alarm purges it) or the booking
 * lands. A link has one live hold: holding another slot lets the first go.
 */
export async function placeHold(
  ctx: ServiceContext,
  ticket: TicketRow,
  input: { date: string; startTime: string; durationMinutes?: number },
  linkId: string | null,
  /** What the caller read already (a link reads both with its token): saves their round trips. */
  known: { previous: HoldRow | undefined; assigneeIds: string[] } | null = null,
) {
  if (linkId) {
    const previous = known ? known.previous : await liveHoldOf(ctx, linkId);
    if (previous) await release(ctx, previous);
  }
  const duration = input.durationMinutes ?? ticket.estimatedMinutes ?? ctx.settings.defaultAppointmentMinutes;
  const window = validateSlot(ctx.settings, input.date, input.startTime, duration);
  const assigned =
    known?.assigneeIds ??
    (await ctx.db.query.ticketAssignees.findMany({ where: eq(ticketAssignees.ticketId, ticket.id) })).map(
      (a) => a.technicianId,
    );
  let order: { technicianId: string; reason: string | null }[];
  if (assigned.length) order = assigned.map((technicianId) => ({ technicianId, reason: null }));
  else {
    const pool = (await eligibleTechnicians(ctx, ticket)).map((t) => t.id);
    const facts = await poolFacts(ctx, pool, input.date, new Date(window.startsMs).toISOString());
    const turn = await takeCounter(ctx.env.DB, `pool_turn:${input.date}`, { first: 0 });
    order = orderPool(pool, facts, ticket, ctx.settings.poolDailyCap, turn);
  }
  const now = nowIso();
  const expiresMs = Date.now() + ctx.settings.slotHoldMinutes * 60_000;
  const id = newId("hld");
  for (const choice of order) {
    const { blocked, day } = await technicianDay(ctx, choice.technicianId, input.date);
    if (blocked || !withinHours(day, window.startsMs, window.endsMs)) continue;
    const bounds = dayBounds(ctx.settings, input.date);
    const maxMs = URGENT_PRIORITIES.includes(ticket.priority)
      ? null
      : routineLimitMs(ctx.settings, day, bounds, deploymentWindow(ctx, input.date), Date.now());
    const here = { lat: ticket.lat, lng: ticket.lng };
    const held = await schedule(ctx, choice.technicianId).hold(
      id,
      ticket.id,
      window.startsMs,
      window.endsMs,
      expiresMs,
      maxMs === null ? null : { ...bounds, maxMs },
      here,
      await bookingTravel(ctx, choice.technicianId, here, window),
    );
    if (!held.ok) continue;
    const row: HoldRow = {
      id,
      ticketId: ticket.id,
      linkId,
      technicianId: choice.technicianId,
      date: input.date,
      startTime: window.startTime,
      durationMinutes: duration,
      expiresAt: new Date(expiresMs).toISOString(),
      status: "held",
      reason: choice.reason,
      createdAt: now,
    };
    await ctx.db.insert(slotHolds).values(row);
    return toHoldResponse(row, window.endTime);
  }
  throw new AppError("slot_unavailable", "That time has just been taken; pick another.");
}

/** Lets a hold go early (the customer picked another time, or an integrator gave up). */
export async function dropHold(ctx: ServiceContext, holdId: string, ticketIds: (id: string) => Promise<boolean>) {
  const h = await ctx.db.query.slotHolds.findFirst({ where: eq(slotHolds.id, holdId) });
  if (!h || !(await ticketIds(h.ticketId))) throw new AppError("not_found", "No such hold.");
  if (h.status === "held") await release(ctx, h);
}

/**
 * Books a held slot: the hold gives way to the booking in the technician's object in one step.
 * A hold that expired meanwhile books the same slot if it is still free (else 409 like any taken slot).
 */
export async function bookHeld(
  ctx: ServiceContext,
  ticket: TicketRow,
  holdId: string,
  arrivalWindow?: { windowStartsAt: string; windowEndsAt: string },
) {
  const h = await ctx.db.query.slotHolds.findFirst({ where: eq(slotHolds.id, holdId) });
  if (!h || h.ticketId !== ticket.id)
    throw new AppError("validation_failed", "No such hold for this ticket.", {
      errors: [{ path: "hold_id", message: "No such hold for this ticket" }],
    });
  if (h.status !== "held") throw new AppError("conflict", `The hold was ${h.status}; hold the slot again.`);
  const row = await book(ctx, {
    ticket,
    technicianId: h.technicianId,
    date: h.date,
    startTime: h.startTime,
    durationMinutes: h.durationMinutes,
    holdId: h.id,
    assignReason: h.reason ? `${h.reason} (held slot)` : undefined,
    arrivalWindow,
  });
  await ctx.db.update(slotHolds).set({ status: "booked" }).where(eq(slotHolds.id, h.id));
  return row;
}

// ---- for staff and integrators ----

async function triageTicket(ctx: UserContext, ticketId: string) {
  const ticket = await findVisibleTicket(ctx, ticketId);
  const { relation } = await relationTo(ctx, ticket);
  if (!canTriage(relation)) throw new AppError("forbidden", "Only dispatch holds or books slots this way.");
  return ticket;
}

export async function createSlotHold(
  ctx: UserContext,
  input: { ticket_id: string; date: string; start_time: string; duration_minutes?: number },
) {
  const ticket = await triageTicket(ctx, input.ticket_id);
  return placeHold(
    ctx,
    ticket,
    { date: input.date, startTime: input.start_time, durationMinutes: input.duration_minutes },
    null,
  );
}

export async function deleteSlotHold(ctx: UserContext, holdId: string) {
  await dropHold(ctx, holdId, async (ticketId) => {
    try {
      await triageTicket(ctx, ticketId);
      return true;
    } catch {
      return false;
    }
  });
}

export async function createHeldAppointment(ctx: UserContext, input: { ticket_id: string; hold_id: string }) {
  const ticket = await triageTicket(ctx, input.ticket_id);
  return (await present(ctx, [await bookHeld(ctx, ticket, input.hold_id)]))[0];
}
