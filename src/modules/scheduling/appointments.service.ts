import { and, eq, getTableColumns, gte, lte, type Placeholder, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import { QueryBuilder } from "drizzle-orm/sqlite-core";
import { fromStored } from "../../lib/archive";
import { displayName } from "../../lib/names";
import {
  canTriage,
  scopeOf,
  visibleTickets,
  type Relation,
  type TicketRow,
  assertTechniciansInReach,
  findVisibleTicket,
  outsideReach,
} from "../access";
import { allReads, builtOnce, inList, known, mapReads, notInList, reads, runReads, type Reads } from "../../lib/d1";
import {
  appointments,
  customers,
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
import { dayOf } from "../../lib/query-dialect";
import { AppError } from "../../lib/problem";
import type { TicketEndingPart } from "../../contracts/ticket-endings";
import { todayIn, zonedTimeToUtc } from "../../lib/time";

import { changeTicket, poolAssignmentChange, type TicketChange, visitStepChange } from "../tickets";
import type { WorkingCalendar } from "../../lib/working-time";
import { relationTo } from "../tickets";
import { eligibleTechnicians, eligibleTechniciansSql } from "../tickets";

import { LIVE_STATUSES, MOVABLE_STATUSES, STEPS, stepAllowed, type AppointmentStep } from "./appointments.workflow";
import {
  assertBookableDate,
  type DaySlot,
  dayBounds,
  daySlots,
  type HiddenReason,
  validateSlot,
  withSeconds,
} from "./slots";
import type { Place, TravelRule } from "../../lib/travel";
import { travelRuleFor, travelRuleOf } from "./routing";
import { windowMinutesFor, windowsOf } from "./windows";
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
import type { BookResult } from "../../durable-objects/technician-schedule";

export type AppointmentRow = typeof appointments.$inferSelect;

export const CLASH_MESSAGE = "Appointment clashes with a confirmed booking for this technician.";
/** Approved time off is held in the technician's object like a booking, under an id of its own kind. */
const clashMessage = (clashWith?: string) =>
  clashWith?.startsWith("tof_") ? "The technician has approved time off then." : CLASH_MESSAGE;

/** Why the technician's object refused a booking, in words. */
function refusal(result: Exclude<BookResult, { ok: true }>) {
  if (result.reason === "holdback") return new AppError("slot_unavailable", HOLDBACK_MESSAGE);
  if (result.reason === "travel") {
    const need = Math.round(result.need_ms / 60_000);
    const has = Math.max(0, Math.round(result.gap_ms / 60_000));
    return new AppError(
      "slot_unavailable",
      result.side === "before"
        ? `The technician cannot get there in time from their visit before (${need} minutes' travel, ${has} free).`
        : `The technician could not get to their next visit in time (${need} minutes' travel, ${has} free).`,
    );
  }
  return new AppError("slot_unavailable", clashMessage(result.clash_with));
}

/** How far around a visit a routing engine is asked about its neighbours (the object looks as far). */
const TRAVEL_REACH_MS = 12 * 3600_000;

/**
 * The travel rule a booking at `window` brings to the technician's object: the settings' rule,
 * and with a routing engine its times from and to the visits around (read from the object first).
 */
export async function bookingTravel(
  ctx: ServiceContext,
  technicianId: string,
  here: Place,
  window: { startsMs: number; endsMs: number },
): Promise<TravelRule | null> {
  const rule = travelRuleOf(ctx.settings);
  if (!rule || ctx.settings.travelRule !== "routing" || here.lat === null || here.lng === null) return rule;
  const near = await schedule(ctx, technicianId).between(
    window.startsMs - TRAVEL_REACH_MS,
    window.endsMs + TRAVEL_REACH_MS,
  );
  return travelRuleFor(ctx, here, near);
}

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
function technicianFreeOn(technicianId: string | SQL | Placeholder, date: string | Placeholder) {
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
  return dayOfRow(ctx, row, date);
}

/** Whether the technician may work that day, and their working day, from their day row (404 for no such technician). */
function dayOfRow(ctx: ServiceContext, row: { free: number | null; hours: string | null }, date: string) {
  if (row.free === null) throw new AppError("not_found", "No such technician.");
  return { blocked: !row.free, day: workingDay(ctx.settings, row.hours, date, dayBounds(ctx.settings, date)) };
}

/** Technicians' day rows (may they work that day, their hours) for a caller's batch: by ids, or by a subquery answering `value`. */
function technicianDayRows(ctx: ServiceContext, technicians: string[] | SQL, date: string) {
  const from = Array.isArray(technicians) ? sql`json_each(${JSON.stringify(technicians)}) j` : sql`(${technicians}) j`;
  return reads(
    ctx.db
      .select({
        id: sql<string>`j.value`,
        free: technicianFreeOn(sql`j.value`, date),
        hours: technicianHoursOf(sql`j.value`),
      })
      .from(from),
  );
}

type DayRow = ReturnType<typeof technicianDayRows> extends Reads<(infer R)[]> ? R : never;

/** Several technicians' days in one D1 read (or from rows read already) and one call to each object, for availability. */
async function technicianDays(ctx: ServiceContext, technicianIds: string[], date: string, read?: DayRow[]) {
  const rows = read ?? (await runReads(ctx.env.DB, technicianDayRows(ctx, technicianIds, date)));
  const byId = new Map(rows.map((r) => [r.id, r]));
  const bounds = dayBounds(ctx.settings, date);
  return Promise.all(
    technicianIds.map(async (id) => {
      const row = byId.get(id);
      if (!row || row.free === null) throw new AppError("not_found", "No such technician.");
      const day = workingDay(ctx.settings, row.hours, date, bounds);
      const blocked = !row.free;
      const bookings =
        blocked || day.intervals?.length === 0 ? [] : await schedule(ctx, id).between(bounds.fromMs, bounds.toMs);
      return { id, blocked, day, bookings };
    }),
  );
}

type TechnicianDay = Awaited<ReturnType<typeof technicianDays>>[number];

/** One technician's slots on a day they were read for, each hidden one with its reason. */
function slotsOfDay(
  ctx: ServiceContext,
  t: TechnicianDay,
  date: string,
  durationMinutes: number,
  options: { cap?: number; routine: boolean; travel: TravelRule | null; here: Place },
): { slots: DaySlot[]; day: WorkingDay } {
  const bounds = dayBounds(ctx.settings, date);
  const limit = options.routine
    ? routineLimitMs(ctx.settings, t.day, bounds, deploymentWindow(ctx, date), Date.now())
    : null;
  const visits = t.bookings.filter(
    (b) => !b.appointment_id.startsWith("tof_") && !b.appointment_id.startsWith("hld_") && b.starts_ms >= bounds.fromMs,
  ).length;
  const full = options.cap !== undefined && visits >= options.cap;
  return {
    slots: daySlots(ctx.settings, date, durationMinutes, t.bookings, {
      blocked: t.blocked ? "unavailable" : full ? "full" : false,
      working: t.day,
      routineRoomMs: limit === null ? null : limit - bookedMs(t.bookings, bounds),
      travel: { rule: options.travel, here: options.here },
    }),
    day: t.day,
  };
}

/** Slots of several technicians for a visit at `here`; with a routing engine, one table request for all. */
async function techniciansSlots(
  ctx: ServiceContext,
  technicianIds: string[],
  date: string,
  durationMinutes: number,
  options: { cap?: number; routine: boolean; here: Place; read?: DayRow[] },
) {
  const days = await technicianDays(ctx, technicianIds, date, options.read);
  const travel = await travelRuleFor(
    ctx,
    options.here,
    days.flatMap((d) => d.bookings),
  );
  return days.map((d) => ({
    technicianId: d.id,
    ...slotsOfDay(ctx, d, date, durationMinutes, { ...options, travel }),
  }));
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
function closedFields(results: { slots: DaySlot[]; day: WorkingDay }[]) {
  const none = { closed_reason: null, closed_code: null, closed_name: null };
  if (!results.length || results.some((r) => r.slots.some((s) => s.is_available))) return none;
  const first = results[0].day;
  if (!first.closedCode || results.some((r) => r.day.closedReason !== first.closedReason)) return none;
  return { closed_reason: first.closedReason, closed_code: first.closedCode, closed_name: first.closedName };
}

export interface HiddenBecause {
  technician_id: string;
  reason: HiddenReason;
  detail: string | null;
}

/**
 * The day's slots over several technicians: a slot is open when anyone is free then. With
 * `explain`, each closed slot lists every technician's reason (staff only: it names people).
 */
function mergeSlots(
  perTech: { technicianId: string; slots: DaySlot[] }[],
  base: DaySlot[],
  explain: boolean,
): { start_time: string; end_time: string; is_available: boolean; hidden_because?: HiddenBecause[] }[] {
  return base.map((slot, i) => {
    const open = perTech.some((t) => t.slots[i].is_available);
    const out = { start_time: slot.start_time, end_time: slot.end_time, is_available: open };
    if (!explain || open) return out;
    return {
      ...out,
      hidden_because: perTech.length
        ? perTech.map((t) => ({
            technician_id: t.technicianId,
            reason: t.slots[i].why as HiddenReason,
            detail: t.slots[i].detail,
          }))
        : [],
    };
  });
}

export async function technicianAvailability(
  ctx: UserContext,
  technicianId: string,
  date: string,
  duration?: number,
  explain = false,
) {
  await assertMaySeeSchedule(ctx, technicianId);
  assertBookableDate(ctx.settings, date);
  const durationMinutes = duration ?? ctx.settings.defaultAppointmentMinutes;
  // No ticket, so no place: the travel rule's buffer applies around every visit.
  const [result] = await techniciansSlots(ctx, [technicianId], date, durationMinutes, {
    routine: true,
    here: { lat: null, lng: null },
  });
  return {
    date,
    timezone: ctx.settings.timeZone,
    weekday: weekdayOf(date),
    duration_minutes: durationMinutes,
    technician_id: technicianId,
    slots: mergeSlots([result], result.slots, explain),
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
  explain = false,
  read?: DayRow[],
) {
  assertBookableDate(ctx.settings, date);
  const technicianIds = candidates.ids;
  const durationMinutes = duration ?? ticket.estimatedMinutes ?? ctx.settings.defaultAppointmentMinutes;
  // A pool offers nobody who is at the day's cap (the pool booking skips them too).
  const perTech = technicianIds.length
    ? await techniciansSlots(ctx, technicianIds, date, durationMinutes, {
        cap: candidates.pool ? ctx.settings.poolDailyCap : undefined,
        routine: !URGENT_PRIORITIES.includes(ticket.priority),
        here: { lat: ticket.lat, lng: ticket.lng },
        read,
      })
    : [];
  const base = perTech[0]?.slots ?? daySlots(ctx.settings, date, durationMinutes, [], { blocked: true });
  const slots = mergeSlots(perTech, base, explain);
  const windowMinutes = windowMinutesFor(ctx.settings, ticket.kind);
  return {
    date,
    timezone: ctx.settings.timeZone,
    weekday: weekdayOf(date),
    duration_minutes: durationMinutes,
    technician_id: technicianIds.length === 1 ? technicianIds[0] : null,
    slots,
    arrival_window_minutes: windowMinutes || null,
    windows: windowMinutes ? windowsOf(ctx.settings, slots, windowMinutes) : null,
    ...closedFields(perTech),
  };
}

/**
 * For each technician, why they could not take this ticket's visit at one start time (null: they
 * could): the same pass availability makes, so the explanation and the offer agree.
 */
export async function slotVerdicts(
  ctx: ServiceContext,
  ticket: TicketRow,
  technicianIds: string[],
  date: string,
  startTime: string,
  durationMinutes: number,
): Promise<Map<string, { why: HiddenReason | null; detail: string | null }>> {
  if (!technicianIds.length) return new Map();
  const perTech = await techniciansSlots(ctx, technicianIds, date, durationMinutes, {
    routine: !URGENT_PRIORITIES.includes(ticket.priority),
    here: { lat: ticket.lat, lng: ticket.lng },
  });
  const out = new Map<string, { why: HiddenReason | null; detail: string | null }>();
  for (const t of perTech) {
    const slot = t.slots.find((s) => s.start_time === withSeconds(startTime));
    if (slot) out.set(t.technicianId, { why: slot.why, detail: slot.detail });
  }
  return out;
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

/**
 * A ticket's slots for dispatch (`GET /v1/availability`): the ticket as the caller sees it, its
 * technicians and their day in one batch; a ticket nobody holds offers the pool's slots.
 */
export async function availabilityOfTicket(
  ctx: UserContext,
  query: { ticket_id: string; date: string; duration?: number; explain?: boolean },
) {
  assertBookableDate(ctx.settings, query.date);
  const assignees = sql`SELECT ${ticketAssignees.technicianId} AS value FROM ${ticketAssignees}
    WHERE ${ticketAssignees.ticketId} = ${query.ticket_id} ORDER BY ${ticketAssignees.assignedAt}`;
  const read = await runReads(
    ctx.env.DB,
    allReads({
      ticket: reads(
        ctx.db
          .select()
          .from(tickets)
          .where(and(eq(tickets.id, query.ticket_id), visibleTickets(ctx)))
          .limit(1),
      ),
      days: technicianDayRows(ctx, assignees, query.date),
      pool: technicianDayRows(ctx, eligibleTechniciansSql(query.ticket_id), query.date),
    }),
  );
  const ticket = read.ticket[0];
  if (!ticket) throw new AppError("not_found", "No such ticket.");
  const pool = !read.days.length;
  const days = pool ? read.pool : read.days;
  return ticketAvailability(
    ctx,
    ticket,
    { ids: days.map((d) => d.id), pool },
    query.date,
    query.duration,
    query.explain ?? false,
    days,
  );
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
  /** The arrival window the customer chose (the slot is an exact time inside it). */
  arrivalWindow?: { windowStartsAt: string; windowEndsAt: string };
  /** The start claimed for this booking in the technician's object, let go by its booking call. */
  claim?: StartClaim;
}

/**
 * What a booking must know from D1 before it asks the technician's object: whether the ticket
 * already has a live appointment, and whether the technician is free that day. Columns, so a
 * caller can read them with the ticket in the same round trip.
 */
export function bookingCheckColumns(
  ticketId: string | SQL | Placeholder,
  technicianId: string | SQL | Placeholder,
  date: string | Placeholder,
) {
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

/** For callers who see every ticket (dispatch, a burst of bookings): the same read, its SQL built once. */
const bookableForAll = builtOnce<"ticketId" | "technicianId" | "date">((p) => {
  const checks = bookingCheckColumns(p.ticketId, p.technicianId, p.date);
  return new QueryBuilder()
    .select({
      ...getTableColumns(tickets),
      live: checks.live.as("live"),
      technician_free: checks.technicianFree.as("technician_free"),
      technician_hours: checks.technicianHours.as("technician_hours"),
    })
    .from(tickets)
    .where(eq(tickets.id, p.ticketId));
});

/** A ticket the caller may see (or 404) with the booking checks, in one D1 round trip. */
async function findBookableTicket(ctx: UserContext, ticketId: string, technicianId: string, date: string) {
  const visible = visibleTickets(ctx);
  if (!visible) {
    const raw = await bookableForAll(ctx.env.DB, { ticketId, technicianId, date }).first<Record<string, unknown>>();
    if (!raw) throw new AppError("not_found", "No such ticket.");
    return {
      ticket: fromStored(tickets, raw),
      checks: {
        live: raw.live as number,
        technicianFree: raw.technician_free as number | null,
        technicianHours: raw.technician_hours as string | null,
      },
    };
  }
  const row = await ctx.db
    .select({ ticket: tickets, ...bookingCheckColumns(ticketId, technicianId, date) })
    .from(tickets)
    .where(and(eq(tickets.id, ticketId), visible))
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
  return (await bookAndRead(ctx, req, known(null))).row;
}

/** A booking whose answer is read at the end of its own batch (`readBack`), not in a round trip of its own. */
async function bookAndShow(ctx: ServiceContext, req: BookingRequest) {
  const { row, read } = await bookAndRead(ctx, req, shownWith(ctx, [req.ticket.id], [req.technicianId]));
  return presentWith([row], read)[0];
}

async function bookAndRead<T>(
  ctx: ServiceContext,
  req: BookingRequest,
  readBack: Reads<T>,
): Promise<{ row: AppointmentRow; read: T }> {
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
  const here = { lat: req.ticket.lat, lng: req.ticket.lng };
  const travel = await bookingTravel(ctx, req.technicianId, here, window);
  const claim = req.claim?.startsMs === window.startsMs ? req.claim : undefined;
  if (claim) claim.settled = true;
  const result = await schedule(ctx, req.technicianId).book(
    {
      appointment_id: id,
      ticket_id: req.ticket.id,
      starts_ms: window.startsMs,
      ends_ms: window.endsMs,
      ...here,
    },
    req.holdId ?? null,
    maxMs === null ? null : { ...bounds, maxMs },
    travel,
    claim?.token ?? null,
  );
  if (!result.ok) throw refusal(result);
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
    windowStartsAt: req.arrivalWindow?.windowStartsAt ?? null,
    windowEndsAt: req.arrivalWindow?.windowEndsAt ?? null,
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
    const { reads } = await changeTicket(ctx, {
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
      readBack: readBack.statements,
    });
    return { row, read: readBack.finish(reads) };
  } catch (err) {
    await schedule(ctx, req.technicianId).release(id);
    if (String((err as Error)?.message ?? err).includes("UNIQUE"))
      throw new AppError("slot_unavailable", CLASH_MESSAGE);
    throw err;
  }
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
    window_starts_at: row.windowStartsAt,
    window_ends_at: row.windowEndsAt,
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

interface RescheduleOptions {
  durationMinutes?: number;
  confirm?: boolean;
  comment?: string;
  /** The customer's new arrival window; a move without one promises the exact time. */
  arrivalWindow?: { windowStartsAt: string; windowEndsAt: string };
  /** The technician's day row on the new date, read by the caller with the visit. */
  dayRow?: { free: number | null; hours: string | null };
}

/** Frees the old slot and takes the new one atomically in the object, then updates D1. */
export async function reschedule(
  ctx: ServiceContext,
  appt: AppointmentRow,
  date: string,
  startTime: string,
  options: RescheduleOptions = {},
) {
  return (await rescheduleAndRead(ctx, appt, date, startTime, options, known(null))).row;
}

/** A move whose visit, and `also`, are read at the end of its change's batch. */
async function rescheduleAndRead<T>(
  ctx: ServiceContext,
  appt: AppointmentRow,
  date: string,
  startTime: string,
  options: RescheduleOptions,
  also: Reads<T>,
): Promise<{ row: AppointmentRow; read: T }> {
  if (!MOVABLE_STATUSES.includes(appt.status))
    throw new AppError("invalid_transition", `An appointment that is ${appt.status} cannot be moved.`);
  const duration = options.durationMinutes ?? appt.durationMinutes;
  const window = validateSlot(ctx.settings, date, startTime, duration);
  const { blocked, day } = options.dayRow
    ? dayOfRow(ctx, options.dayRow, date)
    : await technicianDay(ctx, appt.technicianId, date);
  if (blocked) throw new AppError("slot_unavailable", "The technician is not available that day.");
  if (!withinHours(day, window.startsMs, window.endsMs)) throw outsideHours(day);
  const stub = schedule(ctx, appt.technicianId);
  // The object keeps each visit's place; a routing engine needs it here too.
  const place =
    appt.lat !== null && appt.lng !== null
      ? { lat: appt.lat, lng: appt.lng }
      : ctx.settings.travelRule === "routing"
        ? await ticketPlace(ctx, appt)
        : { lat: null, lng: null };
  const result = await stub.reschedule(
    appt.id,
    window.startsMs,
    window.endsMs,
    await bookingTravel(ctx, appt.technicianId, place, window),
  );
  if (!result.ok) throw refusal(result);
  const now = nowIso();
  const startsAt = new Date(window.startsMs).toISOString();
  const answer = allReads({
    after: reads(ctx.db.select().from(appointments).where(eq(appointments.id, appt.id)).limit(1)),
    also,
  });
  try {
    const { reads: answered } = await changeTicket(ctx, {
      ticketId: appt.ticketId,
      // The appointment must still be where the caller saw it: a concurrent move or step is a 409 that writes nothing.
      expectAlso: {
        sql: "EXISTS (SELECT 1 FROM appointments WHERE id = ? AND status IN ('scheduled', 'confirmed') AND starts_at = ?)",
        params: [appt.id, appt.startsAt],
      },
      set: { scheduled_at: startsAt },
      statements: (guard) => [
        ctx.env.DB.prepare(
          `UPDATE appointments SET date = ?, start_time = ?, end_time = ?, starts_at = ?, ends_at = ?, duration_minutes = ?, window_starts_at = ?, window_ends_at = ?, status = ?, confirmed = ?, confirmed_at = ?, updated_at = ?
            WHERE id = ? AND ${guard.sql}`,
        ).bind(
          date,
          window.startTime,
          window.endTime,
          startsAt,
          new Date(window.endsMs).toISOString(),
          duration,
          options.arrivalWindow?.windowStartsAt ?? null,
          options.arrivalWindow?.windowEndsAt ?? null,
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
      readBack: answer.statements,
    });
    const { after, also: read } = answer.finish(answered);
    return { row: after[0]!, read };
  } catch (err) {
    await stub.reschedule(appt.id, Date.parse(appt.startsAt), Date.parse(appt.endsAt));
    if (String((err as Error)?.message ?? err).includes("UNIQUE"))
      throw new AppError("slot_unavailable", CLASH_MESSAGE);
    throw err;
  }
}

/** Where the ticket's visit is (its coordinates), for the travel rule; a visit that has its own place uses that. */
async function ticketPlace(ctx: ServiceContext, appt: AppointmentRow): Promise<Place> {
  const row = await ctx.db
    .select({ lat: tickets.lat, lng: tickets.lng })
    .from(tickets)
    .where(eq(tickets.id, appt.ticketId))
    .get();
  return { lat: row?.lat ?? null, lng: row?.lng ?? null };
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
  // Triage over every ticket needs no read of the ticket's people (the relation would say the same).
  if (ctx.actor.permissions.has("tickets:assign") && scopeOf(ctx) === "all") return;
  const { relation } = await relationTo(ctx, ticket);
  if (canTriage(relation)) return;
  throw new AppError("forbidden", "Only the appointment's technician or dispatch may change it.");
}

/** A step sent for a ticket (the phone's batch) must be of that ticket's visit. */
function assertVisitOf(appt: AppointmentRow, ticketId: string) {
  if (appt.ticketId !== ticketId)
    throw new AppError("validation_failed", "The appointment belongs to another ticket.", {
      errors: [{ path: "appointment_id", message: "Not this ticket's" }],
    });
}

/** A step of a visit; with `ofTicket`, refused before anything is written unless the visit is that ticket's. */
export async function stepAppointment(
  ctx: UserContext,
  id: string,
  step: AppointmentStep,
  input: { comment?: string; date?: string; start_time?: string },
  ofTicket?: string,
) {
  // One round trip reads the visit, its ticket, and what its answer shows (technician, feedback).
  // (Separate selects: in a batch, a join's same-named columns would overwrite each other.)
  const ofVisit = (column: "ticket_id" | "technician_id") =>
    sql`(SELECT a.${sql.raw(column)} FROM appointments a WHERE a.id = ${id})`;
  const [apptRows, ticketRows, techRows, feedbackRows, customerRows] = await ctx.db.batch([
    ctx.db.select().from(appointments).where(eq(appointments.id, id)).limit(1),
    ctx.db
      .select()
      .from(tickets)
      .where(and(eq(tickets.id, ofVisit("ticket_id")), await visibleTickets(ctx)))
      .limit(1),
    ctx.db
      .select({ id: users.id, first: users.firstName, last: users.lastName, username: users.username })
      .from(users)
      .where(eq(users.id, ofVisit("technician_id"))),
    ctx.db
      .select()
      .from(feedback)
      .where(eq(feedback.ticketId, ofVisit("ticket_id"))),
    // Completing resolves the ticket, for the customer to approve when they have an account.
    ctx.db
      .select({ userId: customers.userId })
      .from(customers)
      .where(eq(customers.id, sql`(SELECT t.customer_id FROM tickets t WHERE t.id = ${ofVisit("ticket_id")})`)),
  ]);
  const [appt, ticket] = [apptRows[0], ticketRows[0]];
  if (!appt || !ticket) throw new AppError("not_found", "No such appointment.");
  if (ofTicket !== undefined) assertVisitOf(appt, ofTicket);
  await assertMayManage(ctx, appt, ticket);
  if (step === "confirm" && input.date && input.start_time) {
    return present(ctx, [
      await reschedule(ctx, appt, input.date, input.start_time, { confirm: true, comment: input.comment }),
    ]).then((r) => r[0]);
  }
  const after = await takeStep(ctx, appt, step, input.comment, ticket, Boolean(customerRows[0]?.userId));
  return presentWith([after], { tickets: [ticket], technicians: techRows, feedback: feedbackRows })[0];
}

/** One step of the visit for whoever was allowed to take it (staff above, the customer's cancel on their link). */
export async function takeStep(
  ctx: ServiceContext,
  appt: AppointmentRow,
  step: AppointmentStep,
  comment?: string,
  knownTicket?: TicketRow,
  customerHasAccount?: boolean,
): Promise<AppointmentRow> {
  const rule = STEPS[step];
  // Starting the visit starts the work; completing it resolves the ticket, in the same change.
  const ticket =
    (step === "start" || step === "complete") && stepAllowed(step, appt.status) && appt.status !== rule.to
      ? (knownTicket ?? (await ctx.db.query.tickets.findFirst({ where: eq(tickets.id, appt.ticketId) })))
      : undefined;
  const { change, row } = await visitStep(ctx, appt, step, comment, ticket, customerHasAccount);
  if (!change) return row;
  const outcome = await changeTicket(ctx, change).catch(async (err) => {
    // Several confirmations at once: the first one confirms; the others find it done and change nothing.
    if (err instanceof AppError && err.code === "conflict") {
      const now = await ctx.db.query.appointments.findFirst({ where: eq(appointments.id, appt.id) });
      if (now?.status === rule.to && rule.to === "confirmed") return "already";
    }
    throw err;
  });
  if (step === "cancel") await schedule(ctx, appt.technicianId).release(appt.id);
  if (outcome === "already")
    return (await ctx.db.query.appointments.findFirst({ where: eq(appointments.id, appt.id) }))!;
  return row;
}

/**
 * A visit step as a ticket change (none when it changes nothing: confirming a confirmed visit),
 * and the visit's row as the change leaves it; 409 when the visit is not where the step starts.
 */
async function visitStep(
  ctx: ServiceContext,
  appt: AppointmentRow,
  step: AppointmentStep,
  comment: string | undefined,
  ticket: TicketRow | undefined,
  customerHasAccount?: boolean,
  calendar?: WorkingCalendar,
): Promise<{ change: TicketChange | null; row: AppointmentRow }> {
  const rule = STEPS[step];
  if (!stepAllowed(step, appt.status))
    throw new AppError("invalid_transition", `Cannot ${step} an appointment that is ${appt.status}.`);
  // A step that changes nothing (confirming a confirmed visit) writes no history and tells nobody again.
  if (appt.status === rule.to) return { change: null, row: appt };
  const now = nowIso();
  const work =
    ticket && (step === "start" || step === "complete")
      ? await visitStepChange(ctx, ticket, step, customerHasAccount, calendar)
      : null;
  const change: TicketChange = {
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
  };
  // The row as the change leaves it (no read back).
  const row: AppointmentRow = {
    ...appt,
    status: rule.to,
    [STEP_COLUMN[step]]: now,
    confirmed: rule.to === "confirmed" ? true : appt.confirmed,
    updatedAt: now,
  };
  return { change, row };
}

/** What a visit step taken offline reads, for the phone's action batch: the visit, its technician's name and its feedback. */
export function visitStepReads(ctx: UserContext, id: string) {
  const ofVisit = (column: "ticket_id" | "technician_id") =>
    sql`(SELECT a.${sql.raw(column)} FROM appointments a WHERE a.id = ${id})`;
  return allReads({
    visit: reads(ctx.db.select().from(appointments).where(eq(appointments.id, id)).limit(1)),
    technicians: reads(
      ctx.db
        .select({ id: users.id, first: users.firstName, last: users.lastName, username: users.username })
        .from(users)
        .where(eq(users.id, ofVisit("technician_id"))),
    ),
    feedback: reads(
      ctx.db
        .select()
        .from(feedback)
        .where(eq(feedback.ticketId, ofVisit("ticket_id"))),
    ),
  });
}

export type VisitStepBasis = Awaited<ReturnType<ReturnType<typeof visitStepReads>["finish"]>>;

/**
 * A visit step taken offline, decided from what the action batch read: refused as online (a visit
 * of another ticket, a caller who is neither its technician nor dispatch, a step the visit is not
 * ready for); else the change, the visit as it leaves it, and the answer. A cancel frees the
 * technician's time once the batch committed (`after`).
 */
export async function plannedVisitStep(
  ctx: UserContext,
  read: VisitStepBasis & { visit: AppointmentRow[] },
  input: { ticket: TicketRow; relation: Relation; approves: boolean; calendar: WorkingCalendar },
  step: AppointmentStep,
  comment: string | undefined,
) {
  const appt = read.visit[0];
  if (!appt) throw new AppError("not_found", "No such appointment.");
  assertVisitOf(appt, input.ticket.id);
  const dispatchesAll = ctx.actor.permissions.has("tickets:assign") && scopeOf(ctx) === "all";
  if (appt.technicianId !== ctx.actor.userId && !dispatchesAll && !canTriage(input.relation))
    throw new AppError("forbidden", "Only the appointment's technician or dispatch may change it.");
  const { change, row } = await visitStep(ctx, appt, step, comment, input.ticket, input.approves, input.calendar);
  return {
    change,
    row,
    answer: presentWith([row], { tickets: [input.ticket], technicians: read.technicians, feedback: read.feedback })[0],
    after:
      step === "cancel" && change
        ? async () => {
            await schedule(ctx, appt.technicianId).release(appt.id);
          }
        : undefined,
  };
}

/** The row field of each step's timestamp column. */
const STEP_COLUMN = {
  confirm: "confirmedAt",
  depart: "departedAt",
  arrive: "arrivedAt",
  start: "startedAt",
  complete: "completedAt",
  cancel: "cancelledAt",
} as const satisfies Record<AppointmentStep, keyof AppointmentRow>;

/**
 * A ticket that ends (cancelled or closed) takes its booked visit with it, in the same change: the
 * appointment is cancelled and the technician's time freed, so the slot is bookable again and the
 * customer's link offers nothing more.
 */
export function cancelVisitsOfEndingTicket(
  ctx: ServiceContext,
  ticketId: string,
  to: "cancelled" | "closed",
): Reads<TicketEndingPart | null> {
  const liveVisits = ctx.db
    .select({ id: appointments.id, status: appointments.status, technicianId: appointments.technicianId })
    .from(appointments)
    .where(and(eq(appointments.ticketId, ticketId), inList(appointments.status, STEPS.cancel.from)));
  return mapReads(reads(liveVisits), (live) => {
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
  });
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
  arrivalWindow?: BookingRequest["arrivalWindow"],
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
        arrivalWindow,
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
  // Dispatch that sees every ticket may book any of them with anyone: no need to load the ticket's people.
  const dispatchesAll = scopeOf(ctx) === "all" && ctx.actor.permissions.has("tickets:assign");
  if (!dispatchesAll) {
    const { ticket, checks } = await findBookableTicket(ctx, input.ticket_id, technicianId, input.date);
    const { relation } = await relationTo(ctx, ticket);
    const mayBook = canTriage(relation) || (relation.assigned && technicianId === ctx.actor.userId);
    if (!mayBook) throw new AppError("forbidden", "Only dispatch, or the assigned technician for themself, may book.");
    await assertTechniciansInReach(ctx, [technicianId], "technician_id");
    return bookAndShow(ctx, { ...bookingOf(input, technicianId), ticket, checks });
  }
  bookingsInFlight.set(technicianId, (bookingsInFlight.get(technicianId) ?? 0) + 1);
  let claim: StartClaim | null = null;
  try {
    claim = await claimContendedStart(ctx, technicianId, input);
    const { ticket, checks } = await findBookableTicket(ctx, input.ticket_id, technicianId, input.date);
    return await bookAndShow(ctx, { ...bookingOf(input, technicianId), ticket, checks, claim: claim ?? undefined });
  } finally {
    const left = (bookingsInFlight.get(technicianId) ?? 1) - 1;
    if (left) bookingsInFlight.set(technicianId, left);
    else bookingsInFlight.delete(technicianId);
    // Not let go (the object unreachable): its lease runs out and the next booking claims the start.
    if (claim && !claim.settled)
      await schedule(ctx, technicianId)
        .settle(claim.startsMs, claim.token)
        .catch(() => false);
  }
}

function bookingOf(
  input: { date: string; start_time: string; duration_minutes?: number; holdback_reason?: string },
  technicianId: string,
) {
  return {
    holdbackReason: input.holdback_reason,
    technicianId,
    date: input.date,
    startTime: input.start_time,
    durationMinutes: input.duration_minutes,
  };
}

/** Bookings of each technician this isolate is making for dispatch that sees every ticket. */
const bookingsInFlight = new Map<string, number>();

/** A start claimed in the technician's object; `book` lets go of it (`settled`), else the caller does. */
export interface StartClaim {
  startsMs: number;
  token: string;
  settled: boolean;
}

/**
 * When this isolate is already booking the same technician (a rush on their slots), the start is
 * claimed in the technician's object before D1 is read: a start already taken is refused there
 * at once, and of bookings racing for one free start only the first goes on to D1 while the
 * others wait for its outcome (refused at once if it booked). Only for callers who may book any
 * ticket with anyone, so the answer tells them nothing they may not see; an invalid slot is left
 * to the full checks, which answer it as before.
 */
async function claimContendedStart(
  ctx: UserContext,
  technicianId: string,
  input: { date: string; start_time: string; duration_minutes?: number },
): Promise<StartClaim | null> {
  if ((bookingsInFlight.get(technicianId) ?? 0) < 2) return null;
  let startsMs: number;
  try {
    startsMs = validateSlot(ctx.settings, input.date, input.start_time, input.duration_minutes ?? 1).startsMs;
  } catch {
    return null;
  }
  const token = crypto.randomUUID();
  const { taken } = await schedule(ctx, technicianId).claim(startsMs, token);
  if (taken) throw refusal({ ok: false, reason: "clash", clash_with: taken });
  return { startsMs, token, settled: false };
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
  // The visit, its ticket as the caller sees it and the technician's day on the new date, in one batch
  // (separate selects: a join's same-named columns would overwrite each other in a batch).
  const visit = await runReads(
    ctx.env.DB,
    allReads({
      appt: reads(ctx.db.select().from(appointments).where(eq(appointments.id, id)).limit(1)),
      ticket: reads(
        ctx.db
          .select()
          .from(tickets)
          .where(
            and(
              eq(tickets.id, sql`(SELECT a.ticket_id FROM appointments a WHERE a.id = ${id})`),
              await visibleTickets(ctx),
            ),
          )
          .limit(1),
      ),
      day: technicianDayRows(
        ctx,
        sql`SELECT a.technician_id AS value FROM appointments a WHERE a.id = ${id}`,
        input.date,
      ),
    }),
  );
  const [appt, ticket] = [visit.appt[0], visit.ticket[0]];
  if (!appt || !ticket) throw new AppError("not_found", "No such appointment.");
  await assertMayManage(ctx, appt, ticket);
  const { row, read } = await rescheduleAndRead(
    ctx,
    appt,
    input.date,
    input.start_time,
    { durationMinutes: input.duration_minutes, comment: input.comment, dayRow: visit.day[0] },
    shownWith(ctx, [appt.ticketId], [appt.technicianId]),
  );
  return presentWith([row], read)[0];
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
  const read = await runReads(
    ctx.env.DB,
    shownWith(
      ctx,
      rows.map((r) => r.ticketId),
      rows.map((r) => r.technicianId),
    ),
  );
  return presentWith(rows, read);
}

/** What appointments are shown with: their tickets' numbers, technicians' names and feedback, by ids or subqueries. */
function shownWith(ctx: ServiceContext, ticketIds: string[] | SQLWrapper, technicianIds: string[] | SQLWrapper) {
  return allReads({
    tickets: reads(
      ctx.db
        .select({ id: tickets.id, number: tickets.number, externalRef: tickets.externalRef })
        .from(tickets)
        .where(inList(tickets.id, ticketIds)),
    ),
    technicians: reads(
      ctx.db
        .select({ id: users.id, first: users.firstName, last: users.lastName, username: users.username })
        .from(users)
        .where(inList(users.id, technicianIds)),
    ),
    feedback: reads(ctx.db.select().from(feedback).where(inList(feedback.ticketId, ticketIds))),
  });
}

/** Appointments as the API shows them, from the rows that name their tickets, technicians and feedback. */
function presentWith(
  rows: AppointmentRow[],
  read: {
    tickets: { id: string; number: string; externalRef: string | null }[];
    technicians: { id: string; first: string; last: string; username: string }[];
    feedback: (typeof feedback.$inferSelect)[];
  },
) {
  const { tickets: ticketRows, technicians: techRows, feedback: feedbackRows } = read;
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
    arrival_window:
      r.windowStartsAt && r.windowEndsAt ? { starts_at: r.windowStartsAt, ends_at: r.windowEndsAt } : null,
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
  const visible = inList(
    appointments.ticketId,
    ctx.db.select({ id: tickets.id }).from(tickets).where(visibleTickets(ctx)),
  );
  const { rows, ...read } = await runReads(ctx.env.DB, appointmentsShown(ctx, and(eq(appointments.id, id), visible)));
  if (!rows.length) throw new AppError("not_found", "No such appointment.");
  return presentWith(rows, read)[0];
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
    supervisor_id?: string;
    technician_id?: string;
    technician_username?: string;
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
  if (query.technician_id) filters.push(eq(appointments.technicianId, query.technician_id));
  if (query.supervisor_id)
    filters.push(
      inList(
        appointments.technicianId,
        ctx.db
          .select({ id: technicianProfiles.userId })
          .from(technicianProfiles)
          .where(eq(technicianProfiles.supervisorId, query.supervisor_id)),
      ),
    );
  if (query.technician_username)
    filters.push(
      inList(
        appointments.technicianId,
        ctx.db.select({ id: users.id }).from(users).where(eq(users.username, query.technician_username)),
      ),
    );
  if (query.date_from) filters.push(gte(appointments.date, dayOf(query.date_from, ctx.settings.timeZone)));
  if (query.date_to) filters.push(lte(appointments.date, dayOf(query.date_to, ctx.settings.timeZone)));
  if (query.status) filters.push(eq(appointments.status, query.status));
  const { rows, ...read } = await runReads(
    ctx.env.DB,
    appointmentsShown(ctx, and(...filters), { orderBy: page.orderBy, limit: query.limit + 1 }),
  );
  const result = page.page(rows, query.limit, (r) => r.startsAt);
  return {
    data: presentWith(result.data, read),
    next_cursor: result.next_cursor,
    has_more: result.next_cursor !== null,
  };
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

/**
 * Appointments `where` selects (in `page` order, up to its limit) with what they are shown with —
 * their tickets' numbers, technicians' names and feedback — as reads for one batch.
 */
function appointmentsShown(ctx: ServiceContext, where: SQL | undefined, page?: { orderBy: SQL[]; limit: number }) {
  const rowsQuery = ctx.db.select().from(appointments).where(where);
  const idQuery = ctx.db.select({ id: appointments.id }).from(appointments).where(where);
  const ids = page ? idQuery.orderBy(...page.orderBy).limit(page.limit) : idQuery;
  const ofShown = (column: typeof appointments.ticketId | typeof appointments.technicianId) =>
    ctx.db.select({ id: column }).from(appointments).where(inList(appointments.id, ids));
  return mapReads(
    allReads({
      rows: reads(page ? rowsQuery.orderBy(...page.orderBy).limit(page.limit) : rowsQuery),
      shown: shownWith(ctx, ofShown(appointments.ticketId), ofShown(appointments.technicianId)),
    }),
    ({ rows, shown }) => ({ rows, ...shown }),
  );
}

/** Appointments by id, or of tickets, for a technician's sync: in the caller's batch, with their tickets' numbers, technicians and feedback. */
export function appointmentsForSync(ctx: ServiceContext, by: { ids?: string[]; ticketIds?: string[] }) {
  if (!(by.ids ?? by.ticketIds ?? []).length) return known([]);
  const where = by.ids ? inList(appointments.id, by.ids) : inList(appointments.ticketId, by.ticketIds ?? []);
  return mapReads(appointmentsShown(ctx, where), ({ rows, ...read }) => presentWith(rows, read));
}
