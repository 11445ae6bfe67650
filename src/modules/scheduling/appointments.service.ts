import { and, eq, gte, lte, sql, type SQL } from "drizzle-orm";
import { displayName } from "../../lib/names";
import {
  canTriage,
  scopeOf,
  visibleTickets,
  type TicketRow,
  assertTechniciansInReach,
  findVisibleTicket,
  outsideReach,
} from "../access";
import { inList, notInList } from "../../lib/d1";
import {
  appointments,
  feedback,
  technicianProfiles,
  ticketAssignees,
  tickets,
  users,
  type AppointmentStatus,
  FINISHED_STATUSES,
} from "../../db/schema";
import { actorUserId, type UserContext, type ServiceContext } from "../../lib/context";
import { newId, nowIso } from "../../lib/ids";
import { keyset } from "../../lib/pagination";
import { AppError } from "../../lib/problem";
import type { TicketEndingPart } from "../../contracts/ticket-endings";
import { todayIn, zonedTimeToUtc } from "../../lib/time";

import { changeTicket, poolAssignmentChange, visitStepChange } from "../tickets";
import { relationTo } from "../tickets";
import { eligibleTechnicians } from "../tickets";

import { LIVE_STATUSES, MOVABLE_STATUSES, STEPS, stepAllowed, type AppointmentStep } from "./appointments.workflow";
import { assertBookableDate, dayBounds, daySlots, validateSlot, withSeconds, type Slot } from "./slots";
import {
  bookedMs,
  routineLimitMs,
  technicianHoursOf,
  URGENT_PRIORITIES,
  type WorkingDay,
  withinHours,
  workingDay,
} from "./hours";
import { orderPool, poolFacts } from "./pool";
import { takeCounter } from "../../lib/counters";

export type AppointmentRow = typeof appointments.$inferSelect;

export const CLASH_MESSAGE = "Appointment clashes with a confirmed booking for this technician.";
/** Approved time off is held in the technician's object like a booking, under an id of its own kind. */
const clashMessage = (clashWith?: string) =>
  clashWith?.startsWith("tof_") ? "The technician has approved time off then." : CLASH_MESSAGE;

function outsideHours(day: WorkingDay) {
  return new AppError("slot_unavailable", day.closedReason ?? "The technician does not work at that time.", {
    errors: [{ path: "start_time", message: "Outside the technician's working hours" }],
  });
}

/** A booking must fall inside the technician's working time (hours, calendar, holidays). */
function assertWithinHours(
  ctx: ServiceContext,
  hours: string | null,
  date: string,
  window: { startsMs: number; endsMs: number },
) {
  const day = workingDay(ctx.settings, hours, date, dayBounds(ctx.settings, date));
  if (!withinHours(day, window.startsMs, window.endsMs)) throw outsideHours(day);
  return day;
}

/** The deployment's working window on a date (the slot grid's bounds). */
export function deploymentWindow(ctx: ServiceContext, date: string) {
  const start = zonedTimeToUtc(date, ctx.settings.workDayStart, ctx.settings.timeZone).getTime();
  return { startsMs: start, endsMs: zonedTimeToUtc(date, ctx.settings.workDayEnd, ctx.settings.timeZone).getTime() };
}

export const HOLDBACK_MESSAGE =
  "The rest of that day is kept for emergencies until the evening before; pick another time (dispatch may book it with a reason).";

export function schedule(ctx: Pick<ServiceContext, "env">, technicianId: string) {
  return ctx.env.SCHEDULES.get(ctx.env.SCHEDULES.idFromName(technicianId));
}

// ---- availability (SCH-1) ----

/**
 * Whether a technician can take work on a date — active, switched available, not marked absent:
 * 1 or 0, and null when there is no such technician. A column, so a booking can read it together
 * with its other checks.
 */
function technicianFreeOn(technicianId: string, date: string) {
  return sql<
    number | null
  >`(SELECT CASE WHEN u.status = 'active' AND COALESCE(tp.is_available, 1) = 1 AND COALESCE(a.status, '') <> 'absent' THEN 1 ELSE 0 END
    FROM users u LEFT JOIN technician_profiles tp ON tp.user_id = u.id LEFT JOIN attendance a ON a.user_id = u.id AND a.date = ${date}
    WHERE u.id = ${technicianId} AND u.role = 'technician' AND u.deleted_at IS NULL)`;
}

/** Whether the technician can take work that day, and their working time on it, in one read. */
export async function technicianDay(ctx: ServiceContext, technicianId: string, date: string) {
  const row = (await ctx.db
    .select({ free: technicianFreeOn(technicianId, date), hours: technicianHoursOf(technicianId) })
    .from(sql`(SELECT 1)`)
    .get())!;
  if (row.free === null) throw new AppError("not_found", "No such technician.");
  return { blocked: !row.free, day: workingDay(ctx.settings, row.hours, date, dayBounds(ctx.settings, date)) };
}

export async function technicianSlots(
  ctx: ServiceContext,
  technicianId: string,
  date: string,
  durationMinutes: number,
  cap?: number,
  routine = true,
): Promise<{ slots: Slot[]; day: WorkingDay }> {
  const { blocked, day } = await technicianDay(ctx, technicianId, date);
  const bounds = dayBounds(ctx.settings, date);
  const { fromMs, toMs } = bounds;
  const bookings =
    blocked || day.intervals?.length === 0 ? [] : await schedule(ctx, technicianId).between(fromMs, toMs);
  const limit = routine ? routineLimitMs(ctx.settings, day, bounds, deploymentWindow(ctx, date), Date.now()) : null;
  const visits = bookings.filter(
    (b) => !b.appointment_id.startsWith("tof_") && !b.appointment_id.startsWith("hld_") && b.starts_ms >= fromMs,
  ).length;
  const full = cap !== undefined && visits >= cap;
  return {
    slots: daySlots(ctx.settings, date, durationMinutes, bookings, {
      blocked: blocked || full,
      working: day,
      routineRoomMs: limit === null ? null : limit - bookedMs(bookings, bounds),
    }),
    day,
  };
}

/**
 * A technician's day is read by those who may book them (see assertTechniciansInReach) and by
 * anyone who sees a ticket the technician is assigned to; to anyone else the technician does not exist.
 */
async function assertMaySeeSchedule(ctx: UserContext, technicianId: string) {
  if (!(await outsideReach(ctx, [technicianId])).length) return;
  const viaTicket = await ctx.db
    .select({ id: ticketAssignees.ticketId })
    .from(ticketAssignees)
    .innerJoin(tickets, eq(tickets.id, ticketAssignees.ticketId))
    .where(and(eq(ticketAssignees.technicianId, technicianId), await visibleTickets(ctx)))
    .limit(1)
    .get();
  if (!viaTicket) throw new AppError("not_found", "No such technician.");
}

const weekdayOf = (date: string) =>
  new Date(`${date}T12:00:00Z`).toLocaleDateString("en-GB", { weekday: "long", timeZone: "UTC" });

/** Why a day offers nothing, when everyone who could come is off for the same reason (a holiday, a day off). */
function closedFields(results: { slots: Slot[]; day: WorkingDay }[]) {
  const none = { closed_reason: null, closed_code: null, closed_name: null };
  if (!results.length || results.some((r) => r.slots.some((s) => s.is_available))) return none;
  const first = results[0].day;
  if (!first.closedCode || results.some((r) => r.day.closedReason !== first.closedReason)) return none;
  return { closed_reason: first.closedReason, closed_code: first.closedCode, closed_name: first.closedName };
}

export async function technicianAvailability(ctx: UserContext, technicianId: string, date: string, duration?: number) {
  await assertMaySeeSchedule(ctx, technicianId);
  assertBookableDate(ctx.settings, date);
  const durationMinutes = duration ?? ctx.settings.defaultAppointmentMinutes;
  const result = await technicianSlots(ctx, technicianId, date, durationMinutes);
  return {
    date,
    timezone: ctx.settings.timeZone,
    weekday: weekdayOf(date),
    duration_minutes: durationMinutes,
    technician_id: technicianId,
    slots: result.slots,
    ...closedFields([result]),
  };
}

/** Slots where at least one eligible technician (the ticket's, else skills and area) is free. */
export async function ticketAvailability(
  ctx: ServiceContext,
  ticket: TicketRow,
  candidates: { ids: string[]; pool: boolean },
  date: string,
  duration?: number,
) {
  assertBookableDate(ctx.settings, date);
  const technicianIds = candidates.ids;
  const durationMinutes = duration ?? ticket.estimatedMinutes ?? ctx.settings.defaultAppointmentMinutes;
  // A pool offers nobody who is at the day's cap (the pool booking skips them too).
  const cap = candidates.pool ? ctx.settings.poolDailyCap : undefined;
  const routine = !URGENT_PRIORITIES.includes(ticket.priority);
  const perTech = await Promise.all(
    technicianIds.map((id) => technicianSlots(ctx, id, date, durationMinutes, cap, routine)),
  );
  const base = perTech[0]?.slots ?? daySlots(ctx.settings, date, durationMinutes, [], { blocked: true });
  const slots = base.map((slot, i) => ({ ...slot, is_available: perTech.some((s) => s.slots[i].is_available) }));
  return {
    date,
    timezone: ctx.settings.timeZone,
    weekday: weekdayOf(date),
    duration_minutes: durationMinutes,
    technician_id: technicianIds.length === 1 ? technicianIds[0] : null,
    slots,
    ...closedFields(perTech),
  };
}

/** The technicians a ticket's slots are offered for: its assignees, else every eligible one (the pool). */
export async function candidateTechnicians(
  ctx: ServiceContext,
  ticket: TicketRow,
): Promise<{ ids: string[]; pool: boolean }> {
  const assigned = await ctx.db.query.ticketAssignees.findMany({ where: (a, { eq }) => eq(a.ticketId, ticket.id) });
  if (assigned.length) return { ids: assigned.map((a) => a.technicianId), pool: false };
  return { ids: (await eligibleTechnicians(ctx, ticket)).map((t) => t.id), pool: true };
}

// ---- booking (SCH-2) ----

export interface BookingRequest {
  ticket: TicketRow;
  technicianId: string;
  date: string;
  startTime: string;
  durationMinutes?: number;
  /** Read with the ticket by the caller, when it could (saves a round trip). */
  checks?: BookingChecks;
  /** A pool booking: the ticket nobody holds is assigned to this technician in the same change, for this reason. */
  assignReason?: string;
  /** The caller's own hold on this slot, which gives way to the booking. */
  holdId?: string;
  /** Dispatch books into the share kept for emergencies, saying why. */
  holdbackReason?: string;
}

/**
 * What a booking must know from D1 before it asks the technician's object: whether the ticket
 * already has a live appointment, and whether the technician is free that day. Columns, so a
 * caller can read them with the ticket in the same round trip.
 */
function bookingCheckColumns(ticketId: string, technicianId: string, date: string) {
  return {
    live: sql<number>`EXISTS (SELECT 1 FROM appointments WHERE appointments.ticket_id = ${ticketId} AND appointments.status <> 'cancelled')`,
    technicianFree: technicianFreeOn(technicianId, date),
    technicianHours: technicianHoursOf(technicianId),
  };
}

export interface BookingChecks {
  live: number;
  technicianFree: number | null;
  technicianHours: string | null;
}

async function bookingChecks(
  ctx: ServiceContext,
  ticketId: string,
  technicianId: string,
  date: string,
): Promise<BookingChecks> {
  return (await ctx.db
    .select(bookingCheckColumns(ticketId, technicianId, date))
    .from(sql`(SELECT 1)`)
    .get())!;
}

/** A ticket the caller may see (or 404) with the booking checks, in one D1 round trip. */
async function findBookableTicket(ctx: UserContext, ticketId: string, technicianId: string, date: string) {
  const row = await ctx.db
    .select({ ticket: tickets, ...bookingCheckColumns(ticketId, technicianId, date) })
    .from(tickets)
    .where(and(eq(tickets.id, ticketId), await visibleTickets(ctx)))
    .get();
  if (!row) throw new AppError("not_found", "No such ticket.");
  return {
    ticket: row.ticket,
    checks: { live: row.live, technicianFree: row.technicianFree, technicianHours: row.technicianHours },
  };
}

/**
 * Takes the slot in the technician's Durable Object first (the clash check and the write happen
 * there with no await in between), then writes D1's copy, the ticket's scheduled time, a history
 * row and an event in one batch. If D1 refuses (its unique indexes are the backstop), the slot is
 * released again.
 */
export async function book(ctx: ServiceContext, req: BookingRequest): Promise<AppointmentRow> {
  if ((FINISHED_STATUSES as readonly string[]).includes(req.ticket.status))
    throw new AppError("invalid_transition", `The ticket is ${req.ticket.status}.`);
  const checks = req.checks ?? (await bookingChecks(ctx, req.ticket.id, req.technicianId, req.date));
  if (checks.live) throw new AppError("conflict", "The ticket already has an appointment; reschedule it instead.");
  const duration = req.durationMinutes ?? req.ticket.estimatedMinutes ?? ctx.settings.defaultAppointmentMinutes;
  const window = validateSlot(ctx.settings, req.date, req.startTime, duration);
  if (checks.technicianFree === null) throw new AppError("not_found", "No such technician.");
  if (!checks.technicianFree) throw new AppError("slot_unavailable", "The technician is not available that day.");
  const day = assertWithinHours(ctx, checks.technicianHours, req.date, window);
  // Routine work leaves the kept share free, unless dispatch says why it may not (recorded in history).
  const bounds = dayBounds(ctx.settings, req.date);
  const routine = !URGENT_PRIORITIES.includes(req.ticket.priority) && !req.holdbackReason;
  const maxMs = routine ? routineLimitMs(ctx.settings, day, bounds, deploymentWindow(ctx, req.date), Date.now()) : null;
  const id = newId("apt");
  // A customer on their link books "via link"; staff (and the system) "via staff".
  const via = viaOf(ctx);
  const result = await schedule(ctx, req.technicianId).book(
    {
      appointment_id: id,
      ticket_id: req.ticket.id,
      starts_ms: window.startsMs,
      ends_ms: window.endsMs,
    },
    req.holdId ?? null,
    maxMs === null ? null : { ...bounds, maxMs },
  );
  if (!result.ok)
    throw new AppError(
      "slot_unavailable",
      result.reason === "holdback" ? HOLDBACK_MESSAGE : clashMessage(result.clash_with),
    );
  const now = nowIso();
  const startsAt = new Date(window.startsMs).toISOString();
  const row: AppointmentRow = {
    id,
    ticketId: req.ticket.id,
    technicianId: req.technicianId,
    date: req.date,
    startTime: window.startTime,
    endTime: window.endTime,
    timezone: ctx.settings.timeZone,
    startsAt,
    endsAt: new Date(window.endsMs).toISOString(),
    durationMinutes: duration,
    status: "scheduled",
    confirmed: false,
    scheduledBy: actorUserId(ctx.actor),
    scheduledVia: via,
    lat: null,
    lng: null,
    address: null,
    confirmedAt: null,
    departedAt: null,
    arrivedAt: null,
    startedAt: null,
    completedAt: null,
    cancelledAt: null,
    reminderSentAt: null,
    eveningReminderSentAt: null,
    createdAt: now,
    updatedAt: now,
  };
  try {
    const assignment = req.assignReason
      ? poolAssignmentChange(req.ticket, req.technicianId, req.assignReason, actorUserId(ctx.actor) ?? "system", now)
      : null;
    await changeTicket(ctx, {
      ticketId: req.ticket.id,
      expectAlso: assignment?.expectAlso,
      set: { ...assignment?.set, scheduled_at: startsAt },
      rows: [...(assignment?.rows ?? []), { table: appointments, row: appointmentColumns(row) }],
      history: [
        ...(assignment?.history ?? []),
        { action: "appointment_scheduled", to: `${req.date} ${window.startTime}` },
        ...(req.holdbackReason ? [{ action: "holdback_used", comment: req.holdbackReason, internal: true }] : []),
      ],
      events: [
        ...(assignment?.events ?? []),
        {
          type: "appointment.scheduled",
          data: { appointment_id: id, technician_id: req.technicianId, starts_at: startsAt, via },
        },
      ],
      conflict: "The ticket changed meanwhile.",
    });
  } catch (err) {
    await schedule(ctx, req.technicianId).release(id);
    if (String((err as Error)?.message ?? err).includes("UNIQUE"))
      throw new AppError("slot_unavailable", CLASH_MESSAGE);
    throw err;
  }
  return row;
}

function appointmentColumns(row: AppointmentRow) {
  return {
    id: row.id,
    ticket_id: row.ticketId,
    technician_id: row.technicianId,
    date: row.date,
    start_time: row.startTime,
    end_time: row.endTime,
    timezone: row.timezone,
    starts_at: row.startsAt,
    ends_at: row.endsAt,
    duration_minutes: row.durationMinutes,
    status: row.status,
    confirmed: row.confirmed ? 1 : 0,
    scheduled_by: row.scheduledBy,
    scheduled_via: row.scheduledVia,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

/** Who moved a visit: the customer on their link, or staff (and the system). Customer messages word it accordingly. */
const viaOf = (ctx: ServiceContext) => (ctx.actor.kind === "customer_link" ? "link" : "staff");

/** Frees the old slot and takes the new one atomically in the object, then updates D1. */
export async function reschedule(
  ctx: ServiceContext,
  appt: AppointmentRow,
  date: string,
  startTime: string,
  options: { durationMinutes?: number; confirm?: boolean; comment?: string } = {},
) {
  if (!MOVABLE_STATUSES.includes(appt.status))
    throw new AppError("invalid_transition", `An appointment that is ${appt.status} cannot be moved.`);
  const duration = options.durationMinutes ?? appt.durationMinutes;
  const window = validateSlot(ctx.settings, date, startTime, duration);
  const { blocked, day } = await technicianDay(ctx, appt.technicianId, date);
  if (blocked) throw new AppError("slot_unavailable", "The technician is not available that day.");
  if (!withinHours(day, window.startsMs, window.endsMs)) throw outsideHours(day);
  const stub = schedule(ctx, appt.technicianId);
  const result = await stub.reschedule(appt.id, window.startsMs, window.endsMs);
  if (!result.ok) throw new AppError("slot_unavailable", clashMessage(result.clash_with));
  const now = nowIso();
  const startsAt = new Date(window.startsMs).toISOString();
  try {
    await changeTicket(ctx, {
      ticketId: appt.ticketId,
      // The appointment must still be where the caller saw it: a concurrent move or step is a 409 that writes nothing.
      expectAlso: {
        sql: "EXISTS (SELECT 1 FROM appointments WHERE id = ? AND status IN ('scheduled', 'confirmed') AND starts_at = ?)",
        params: [appt.id, appt.startsAt],
      },
      set: { scheduled_at: startsAt },
      statements: (guard) => [
        ctx.env.DB.prepare(
          `UPDATE appointments SET date = ?, start_time = ?, end_time = ?, starts_at = ?, ends_at = ?, duration_minutes = ?, status = ?, confirmed = ?, confirmed_at = ?, updated_at = ?
            WHERE id = ? AND ${guard.sql}`,
        ).bind(
          date,
          window.startTime,
          window.endTime,
          startsAt,
          new Date(window.endsMs).toISOString(),
          duration,
          options.confirm ? "confirmed" : "scheduled",
          options.confirm ? 1 : 0,
          options.confirm ? now : null,
          now,
          appt.id,
          ...guard.params,
        ),
      ],
      history: [
        {
          action: "appointment_rescheduled",
          from: `${appt.date} ${appt.startTime}`,
          to: `${date} ${window.startTime}`,
          comment: options.comment,
        },
      ],
      events: [
        {
          type: "appointment.rescheduled",
          data: { appointment_id: appt.id, from: appt.startsAt, to: startsAt, via: viaOf(ctx) },
        },
      ],
      changed: [{ table: appointments, id: appt.id, of: appt.ticketId }],
      conflict: "The appointment changed meanwhile.",
    });
  } catch (err) {
    await stub.reschedule(appt.id, Date.parse(appt.startsAt), Date.parse(appt.endsAt));
    if (String((err as Error)?.message ?? err).includes("UNIQUE"))
      throw new AppError("slot_unavailable", CLASH_MESSAGE);
    throw err;
  }
  return (await ctx.db.query.appointments.findFirst({ where: eq(appointments.id, appt.id) }))!;
}

// ---- the technician's journey (SCH-3) ----

/** An appointment of a ticket the caller may see, with that ticket, in one D1 round trip; otherwise 404. */
export async function findVisibleAppointment(ctx: UserContext, id: string) {
  const row = await ctx.db
    .select({ appt: appointments, ticket: tickets })
    .from(appointments)
    .innerJoin(tickets, eq(tickets.id, appointments.ticketId))
    .where(and(eq(appointments.id, id), await visibleTickets(ctx)))
    .get();
  if (!row) throw new AppError("not_found", "No such appointment.");
  return row;
}

/** Technicians manage their own appointments; triage manages those of tickets it sees. */
async function assertMayManage(ctx: UserContext, appt: AppointmentRow, ticket: TicketRow) {
  if (appt.technicianId === ctx.actor.userId) return;
  const { relation } = await relationTo(ctx, ticket);
  if (canTriage(relation)) return;
  throw new AppError("forbidden", "Only the appointment's technician or dispatch may change it.");
}

export async function stepAppointment(
  ctx: UserContext,
  id: string,
  step: AppointmentStep,
  input: { comment?: string; date?: string; start_time?: string },
) {
  const { appt, ticket } = await findVisibleAppointment(ctx, id);
  await assertMayManage(ctx, appt, ticket);
  if (step === "confirm" && input.date && input.start_time) {
    return present(ctx, [
      await reschedule(ctx, appt, input.date, input.start_time, { confirm: true, comment: input.comment }),
    ]).then((r) => r[0]);
  }
  return (await present(ctx, [await takeStep(ctx, appt, step, input.comment, ticket)]))[0];
}

/** One step of the visit for whoever was allowed to take it (staff above, the customer's cancel on their link). */
export async function takeStep(
  ctx: ServiceContext,
  appt: AppointmentRow,
  step: AppointmentStep,
  comment?: string,
  knownTicket?: TicketRow,
): Promise<AppointmentRow> {
  const rule = STEPS[step];
  if (!stepAllowed(step, appt.status))
    throw new AppError("invalid_transition", `Cannot ${step} an appointment that is ${appt.status}.`);
  // A step that changes nothing (confirming a confirmed visit) writes no history and tells nobody again.
  if (appt.status === rule.to) return appt;
  const now = nowIso();
  // Starting the visit starts the work; completing it resolves the ticket, in the same change.
  const ticket =
    step === "start" || step === "complete"
      ? (knownTicket ?? (await ctx.db.query.tickets.findFirst({ where: eq(tickets.id, appt.ticketId) })))
      : undefined;
  const work = ticket && (step === "start" || step === "complete") ? await visitStepChange(ctx, ticket, step) : null;
  await changeTicket(ctx, {
    ticketId: appt.ticketId,
    expectStatus: work?.expectStatus,
    expectAlso: {
      sql: "EXISTS (SELECT 1 FROM appointments WHERE id = ? AND status = ?)",
      params: [appt.id, appt.status],
    },
    set: { ...(step === "cancel" ? { scheduled_at: null } : {}), ...work?.set },
    rows: work?.rows,
    statements: (guard) => [
      ctx.env.DB.prepare(
        `UPDATE appointments SET status = ?, ${rule.column} = ?, confirmed = CASE WHEN ? = 'confirmed' THEN 1 ELSE confirmed END, updated_at = ? WHERE id = ? AND ${guard.sql}`,
      ).bind(rule.to, now, rule.to, now, appt.id, ...guard.params),
    ],
    history: [{ action: `appointment_${step}`, from: appt.status, to: rule.to, comment }, ...(work?.history ?? [])],
    events: [
      {
        type: `appointment.${rule.to}`,
        data: { appointment_id: appt.id, step, from: appt.status, to: rule.to, via: viaOf(ctx) },
      },
      ...(work?.events ?? []),
    ],
    changed: [{ table: appointments, id: appt.id, of: appt.ticketId }],
    conflict: "The appointment changed meanwhile.",
  }).catch(async (err) => {
    // Several confirmations at once: the first one confirms; the others find it done and change nothing.
    if (err instanceof AppError && err.code === "conflict") {
      const now = await ctx.db.query.appointments.findFirst({ where: eq(appointments.id, appt.id) });
      if (now?.status === rule.to && rule.to === "confirmed") return "already";
    }
    throw err;
  });
  if (step === "cancel") await schedule(ctx, appt.technicianId).release(appt.id);
  return (await ctx.db.query.appointments.findFirst({ where: eq(appointments.id, appt.id) }))!;
}

/**
 * A ticket that ends (cancelled or closed) takes its booked visit with it, in the same change: the
 * appointment is cancelled and the technician's time freed, so the slot is bookable again and the
 * customer's link offers nothing more.
 */
export async function cancelVisitsOfEndingTicket(
  ctx: ServiceContext,
  ticketId: string,
  to: "cancelled" | "closed",
): Promise<TicketEndingPart | null> {
  const live = await ctx.db
    .select({ id: appointments.id, status: appointments.status, technicianId: appointments.technicianId })
    .from(appointments)
    .where(and(eq(appointments.ticketId, ticketId), inList(appointments.status, STEPS.cancel.from)));
  if (!live.length) return null;
  const now = nowIso();
  const comment = to === "cancelled" ? "The ticket was cancelled" : "The ticket was closed";
  return {
    statements: (guard) =>
      live.map((a) =>
        ctx.env.DB.prepare(
          `UPDATE appointments SET status = 'cancelled', cancelled_at = ?, updated_at = ? WHERE id = ? AND status = ? AND ${guard.sql}`,
        ).bind(now, now, a.id, a.status, ...guard.params),
      ),
    history: live.map((a) => ({ action: "appointment_cancel", from: a.status, to: "cancelled", comment })),
    events: live.map((a) => ({
      type: "appointment.cancelled",
      data: { appointment_id: a.id, step: "cancel", from: a.status, to: "cancelled", via: viaOf(ctx) },
    })),
    changed: live.map((a) => ({ table: appointments, id: a.id, of: ticketId })),
    after: async () => {
      for (const a of live) await schedule(ctx, a.technicianId).release(a.id);
    },
  };
}

/**
 * DSP-1: books a slot of a ticket nobody holds. The pool (eligible technicians: skills, area, team,
 * available, not on time off) is tried in the order `orderPool` gives; each try books through that
 * technician's object and assigns the ticket in the same change, so the never-two-bookings guarantee
 * holds across the pool, and a clash moves on to the next technician instead of answering 409.
 */
export async function poolBook(
  ctx: ServiceContext,
  ticket: TicketRow,
  date: string,
  startTime: string,
  durationMinutes?: number,
): Promise<AppointmentRow> {
  const pool = (await eligibleTechnicians(ctx, ticket)).map((t) => t.id);
  if (!pool.length) throw new AppError("slot_unavailable", "No technician can take this visit yet.");
  const duration = durationMinutes ?? ticket.estimatedMinutes ?? ctx.settings.defaultAppointmentMinutes;
  const window = validateSlot(ctx.settings, date, startTime, duration);
  const facts = await poolFacts(ctx, pool, date, new Date(window.startsMs).toISOString());
  const turn = await takeCounter(ctx.env.DB, `pool_turn:${date}`, { first: 0 });
  const order = orderPool(pool, facts, ticket, ctx.settings.poolDailyCap, turn);
  if (!order.length) throw new AppError("slot_unavailable", "Everyone who could come is fully booked that day.");
  for (const choice of order) {
    try {
      return await book(ctx, {
        ticket,
        technicianId: choice.technicianId,
        date,
        startTime,
        durationMinutes: duration,
        assignReason: choice.reason,
      });
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== "slot_unavailable") throw err;
    }
  }
  throw new AppError("slot_unavailable", "That time has just been taken for everyone who could come; pick another.");
}

export async function createAppointment(
  ctx: UserContext,
  input: {
    ticket_id: string;
    technician_id?: string;
    date: string;
    start_time: string;
    duration_minutes?: number;
    holdback_reason?: string;
  },
) {
  if (!input.technician_id) return (await present(ctx, [await createPoolAppointment(ctx, input)]))[0];
  const technicianId = input.technician_id;
  const { ticket, checks } = await findBookableTicket(ctx, input.ticket_id, technicianId, input.date);
  // Dispatch that sees every ticket may book any of them: no need to load the ticket's people.
  const dispatchesAll = scopeOf(ctx) === "all" && ctx.actor.permissions.has("tickets:assign");
  if (!dispatchesAll) {
    const { relation } = await relationTo(ctx, ticket);
    const mayBook = canTriage(relation) || (relation.assigned && technicianId === ctx.actor.userId);
    if (!mayBook) throw new AppError("forbidden", "Only dispatch, or the assigned technician for themself, may book.");
    await assertTechniciansInReach(ctx, [technicianId], "technician_id");
  }
  const row = await book(ctx, {
    ticket,
    checks,
    holdbackReason: input.holdback_reason,
    technicianId,
    date: input.date,
    startTime: input.start_time,
    durationMinutes: input.duration_minutes,
  });
  return (await present(ctx, [row]))[0];
}

/** Without a technician: the ticket's one assignee, or (nobody holds it) the pool by its rule. Dispatch only. */
async function createPoolAppointment(
  ctx: UserContext,
  input: { ticket_id: string; date: string; start_time: string; duration_minutes?: number },
) {
  const ticket = await findVisibleTicket(ctx, input.ticket_id);
  const { relation, assignees } = await relationTo(ctx, ticket);
  if (!canTriage(relation))
    throw new AppError("forbidden", "Only dispatch books a visit without naming the technician.");
  if (assignees.length > 1)
    throw new AppError("validation_failed", "The ticket has several technicians: say which one.", {
      errors: [{ path: "technician_id", message: "Required when the ticket has several technicians" }],
    });
  const held = assignees[0]?.technicianId;
  const base = { ticket, date: input.date, startTime: input.start_time, durationMinutes: input.duration_minutes };
  return held
    ? book(ctx, { ...base, technicianId: held })
    : poolBook(ctx, ticket, input.date, input.start_time, input.duration_minutes);
}

export async function rescheduleAppointment(
  ctx: UserContext,
  id: string,
  input: { date: string; start_time: string; duration_minutes?: number; comment?: string },
) {
  const { appt, ticket } = await findVisibleAppointment(ctx, id);
  await assertMayManage(ctx, appt, ticket);
  return (
    await present(ctx, [
      await reschedule(ctx, appt, input.date, input.start_time, {
        durationMinutes: input.duration_minutes,
        comment: input.comment,
      }),
    ])
  )[0];
}

// ---- reading (SCH-6) ----

/** The ticket's appointment in brief (the live one, else the latest), for integrators. */
export async function appointmentBrief(ctx: ServiceContext, ticketId: string) {
  const appt = await ctx.db.query.appointments.findFirst({
    where: eq(appointments.ticketId, ticketId),
    orderBy: (a, { asc, desc }) => [asc(sql`${a.status} = 'cancelled'`), desc(a.createdAt)],
  });
  return appt ? { id: appt.id, date: appt.date, start_time: appt.startTime, status: appt.status } : null;
}

export async function present(ctx: ServiceContext, rows: AppointmentRow[]) {
  if (!rows.length) return [];
  const ticketIds = [...new Set(rows.map((r) => r.ticketId))];
  const techIds = [...new Set(rows.map((r) => r.technicianId))];
  // One D1 batch: ticket numbers, technician names and feedback in one round trip.
  const [ticketRows, techRows, feedbackRows] = await ctx.db.batch([
    ctx.db
      .select({ id: tickets.id, number: tickets.number, externalRef: tickets.externalRef })
      .from(tickets)
      .where(inList(tickets.id, ticketIds)),
    ctx.db
      .select({ id: users.id, first: users.firstName, last: users.lastName, username: users.username })
      .from(users)
      .where(inList(users.id, techIds)),
    ctx.db.select().from(feedback).where(inList(feedback.ticketId, ticketIds)),
  ]);
  const numbers = new Map(ticketRows.map((t) => [t.id, t.number]));
  const taskNumbers = new Map(ticketRows.map((t) => [t.id, t.externalRef ?? t.number]));
  const names = new Map(techRows.map((t) => [t.id, displayName(t.first, t.last, t.username)]));
  const usernames = new Map(techRows.map((t) => [t.id, t.username]));
  return rows.map((r) => ({
    id: r.id,
    ticket_id: r.ticketId,
    ticket_number: numbers.get(r.ticketId) ?? "",
    task_number: taskNumbers.get(r.ticketId) ?? "",
    technician_id: r.technicianId,
    technician_name: names.get(r.technicianId) ?? "",
    technician_username: usernames.get(r.technicianId) ?? "",
    date: r.date,
    start_time: withSeconds(r.startTime),
    end_time: withSeconds(r.endTime),
    timezone: r.timezone,
    starts_at: r.startsAt,
    ends_at: r.endsAt,
    duration_minutes: r.durationMinutes,
    status: r.status,
    confirmed: r.confirmed,
    scheduled_via: r.scheduledVia,
    location: r.lat !== null || r.address ? { lat: r.lat, lng: r.lng, address: r.address } : null,
    milestones: {
      confirmed_at: r.confirmedAt,
      departed_at: r.departedAt,
      arrived_at: r.arrivedAt,
      started_at: r.startedAt,
      completed_at: r.completedAt,
      cancelled_at: r.cancelledAt,
    },
    feedback: feedbackRows.filter((f) => f.ticketId === r.ticketId).map(toFeedbackResponse),
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  }));
}

export function toFeedbackResponse(f: typeof feedback.$inferSelect) {
  return {
    id: f.id,
    ticket_id: f.ticketId,
    technician_id: f.technicianId,
    kind: f.kind,
    customer_satisfaction: f.customerSatisfaction,
    customer_effort_score: f.customerEffortScore,
    contractor_identified: f.contractorIdentified,
    branded_clothing: f.brandedClothing,
    speedtest_conducted: f.speedtestConducted,
    extended: f.extended,
    net_promoter_score: f.netPromoterScore,
    service_rating: f.serviceRating,
    comment: f.comment,
    created_at: f.createdAt,
  };
}

export async function getAppointment(ctx: UserContext, id: string) {
  const { appt } = await findVisibleAppointment(ctx, id);
  return (await present(ctx, [appt]))[0];
}

/** Appointments of tickets the caller may see; technicians see their own. */
async function appointmentScope(ctx: UserContext): Promise<SQL | undefined> {
  const scope = scopeOf(ctx);
  if (scope === "all") return undefined;
  if (ctx.actor.role === "technician") return eq(appointments.technicianId, ctx.actor.userId);
  const visible = await visibleTickets(ctx);
  return inList(appointments.ticketId, ctx.db.select({ id: tickets.id }).from(tickets).where(visible));
}

export async function listAppointments(
  ctx: UserContext,
  query: {
    limit: number;
    cursor?: string;
    supervisor?: string;
    technician?: string;
    date_from?: string;
    date_to?: string;
    status?: AppointmentStatus;
  },
) {
  const page = keyset({
    order: "starts_at",
    column: appointments.startsAt,
    idColumn: appointments.id,
    cursor: query.cursor,
  });
  const filters: (SQL | undefined)[] = [await appointmentScope(ctx), page.where];
  if (query.technician) filters.push(eq(appointments.technicianId, query.technician));
  if (query.supervisor)
    filters.push(
      inList(
        appointments.technicianId,
        ctx.db
          .select({ id: technicianProfiles.userId })
          .from(technicianProfiles)
          .where(eq(technicianProfiles.supervisorId, query.supervisor)),
      ),
    );
  if (query.date_from) filters.push(gte(appointments.date, query.date_from));
  if (query.date_to) filters.push(lte(appointments.date, query.date_to));
  if (query.status) filters.push(eq(appointments.status, query.status));
  const rows = await ctx.db
    .select()
    .from(appointments)
    .where(and(...filters))
    .orderBy(...page.orderBy)
    .limit(query.limit + 1);
  const result = page.page(rows, query.limit, (r) => r.startsAt);
  return { data: await present(ctx, result.data), next_cursor: result.next_cursor };
}

/** The seed's definitions: unconfirmed on the date, unconfirmed on any date, open tickets with no appointment. */
export async function summary(ctx: UserContext, date?: string) {
  const day = date ?? todayIn(ctx.settings.timeZone);
  const scope = await appointmentScope(ctx);
  const unconfirmed = and(scope, eq(appointments.confirmed, false), inList(appointments.status, LIVE_STATUSES));
  const visible = await visibleTickets(ctx);
  const [[pending], [notConfirmed], [noDate]] = await ctx.db.batch([
    ctx.db
      .select({ n: sql<number>`count(*)` })
      .from(appointments)
      .where(and(unconfirmed, eq(appointments.date, day)))
      .limit(1),
    ctx.db.select({ n: sql<number>`count(*)` }).from(appointments).where(unconfirmed).limit(1),
    ctx.db
      .select({ n: sql<number>`count(*)` })
      .from(tickets)
      .where(
        and(
          visible,
          notInList(tickets.status, [...FINISHED_STATUSES]),
          sql`NOT EXISTS (SELECT 1 FROM appointments a WHERE a.ticket_id = ${tickets.id} AND a.status <> 'cancelled')`,
        ),
      )
      .limit(1),
  ]);
  return {
    date: day,
    pending_confirmation: pending?.n ?? 0,
    date_not_confirmed: notConfirmed?.n ?? 0,
    no_date: noDate?.n ?? 0,
  };
}

/** Appointments by id, or of tickets, for a technician's sync. */
export async function appointmentsForSync(ctx: ServiceContext, by: { ids?: string[]; ticketIds?: string[] }) {
  const where = by.ids ? inList(appointments.id, by.ids) : inList(appointments.ticketId, by.ticketIds ?? []);
  return present(ctx, await ctx.db.select().from(appointments).where(where));
}
