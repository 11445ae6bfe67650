import { and, eq, ne, sql } from "drizzle-orm";
import { counterStatement } from "../../lib/counters";
import {
  assets,
  type ChecklistTemplateItem,
  customers,
  tickets,
  type TicketKind,
  type TicketPriority,
  type TicketStatus,
} from "../../db/schema";
import { templateForTicket } from "../templates";
import type { ServiceContext, UserContext } from "../../lib/context";
import { newId, nowIso, randomToken } from "../../lib/ids";
import { AppError } from "../../lib/problem";
import { addDays, addMonths, todayIn, zonedTimeToUtc } from "../../lib/time";
import { isInWarranty } from "../assets";
import { contractCharge } from "../service-contracts";
import { customerForUser, findCustomer } from "../customers";
import { clockMove, moveClock, newTicketClock, planFor, usedBetween, usedNow, dueColumns, recomputeClock } from "./sla";
import { basisOf, clockCalendar, clockCalendarReads, slaBasisReads, slaBasisStatements } from "./sla-clock";
import { allReads, known, mapReads, rawReads, reads, type Reads } from "../../lib/d1";
import type { WorkingCalendar } from "../../lib/working-time";
import { armSlaTimerSoon, earliest } from "../../lib/sla-timer";
import { FINISHED_STATUSES, type SlaPauseReason, ticketSlaPeriods } from "../../db/schema";
import { canTriage, findVisibleTicket, type TicketRow } from "../access";
import type { Columns } from "./tickets.repo";
import {
  changeTicket,
  checklistRows,
  type Guard,
  recordNewTicket,
  type HistoryEntry,
  type TicketChange,
} from "./change";
import { type TicketEndingPart, ticketEndingReads } from "../../contracts/ticket-endings";
import {
  MILESTONE_COLUMN,
  checkAction,
  resolvedStatus,
  RULES,
  type Relation,
  type TicketAction,
} from "./tickets.workflow";
import {
  getTicket,
  presentChanged,
  relationTo,
  seenTicket,
  type SeenPeople,
  ticketRowAfter,
  ticketsAsSeen,
  toTicketResponse,
} from "./tickets.present";

/** The next ticket number and the SLA basis, in one round trip. */
async function numberAndBasis(ctx: ServiceContext) {
  const d1 = ctx.env.DB;
  const [taken, ...basis] = await d1.batch([
    counterStatement(d1, "ticket_number", { first: 1 }),
    ...slaBasisStatements(d1),
  ]);
  const value = (taken.results[0] as { value: number } | undefined)?.value;
  if (!value) throw new Error("The ticket number counter answered nothing.");
  return { number: `TR-${String(value).padStart(6, "0")}`, basis: basisOf(basis) };
}

/** Wakes the SLA timer for the earliest alert a write set (after the answer; the cron checks anyway). */
export function armForColumns(ctx: ServiceContext, set: Columns) {
  const at = earliest(
    ...["response_due_at", "resolution_due_at", "response_warning_at", "resolution_warning_at"].map((c) => {
      const v = set[c];
      return typeof v === "string" ? v : null;
    }),
  );
  if (at !== null) armSlaTimerSoon(ctx.env, at, ctx.waitUntil);
}

/**
 * What a status change does to the SLA clock (TIME-2): pausing banks the running stretch, resuming
 * runs the unmet targets on with what is left, finishing stops the clock and reopening restarts it;
 * each stretch that ends becomes a ledger row. Reads the clock's calendar only when it has one.
 */
export async function slaMove(
  ctx: Pick<ServiceContext, "db">,
  ticket: TicketRow,
  to: TicketStatus,
  now: string,
  pauseReason?: SlaPauseReason,
  /** The clock's calendar when the caller read it already (`clockCalendarReads`). */
  knownCalendar?: WorkingCalendar,
): Promise<{ set: Columns; rows: { table: typeof ticketSlaPeriods; row: Columns }[] }> {
  const move = clockMove(ticket.status, to, FINISHED_STATUSES);
  if (!move) return { set: {}, rows: [] };
  const calendar = knownCalendar ?? (await clockCalendar(ctx, ticket.slaCalendarId));
  const met = {
    responded: Boolean(ticket.respondedAt) || ["opened", "assigned", "in_progress"].includes(to),
    resolved: false,
  };
  const { set, periods } = moveClock(ticket, move, now, calendar, pauseReason, met);
  return { set, rows: periods.map((row) => ({ table: ticketSlaPeriods, row: { ...row } })) };
}

// ---- create (WO-1, WO-9) ----

export interface TicketCreateInput {
  kind: TicketKind;
  priority: TicketPriority;
  title: string;
  description: string;
  project_name?: string;
  external_ref?: string;
  service_category?: "voice" | "internet" | "other";
  customer_id?: string;
  asset_id?: string;
  location?: { lat: number; lng: number; address?: string };
  address?: string;
  service_area?: string;
  required_skills: string[];
  preferred_at?: string;
  preferred_date?: string;
  preferred_time?: string;
  visit_type?: "onsite" | "carry_in" | "remote";
  scheduled_at?: string;
  estimated_minutes?: number;
  template_id?: string;
}

function invalid(path: string, message: string, detail = message): never {
  throw new AppError("validation_failed", detail, { errors: [{ path, message }] });
}

/**
 * WO-9 and PM-2: a service contract covering the card decides (its charge while the period has
 * included visits left, then paid); without one, free inside warranty when no free service was
 * booked in the previous interval.
 */
export async function decideServiceType(
  ctx: ServiceContext,
  asset: typeof assets.$inferSelect,
  serviceDate: string,
  exceptTicketId?: string,
): Promise<{ serviceType: "free" | "paid"; contractId: string | null }> {
  const byContract = await contractCharge(
    ctx,
    { customerId: asset.customerId, assetId: asset.id },
    serviceDate,
    exceptTicketId,
  );
  if (byContract) return byContract;
  if (!isInWarranty(asset, serviceDate)) return { serviceType: "paid", contractId: null };
  const since = addMonths(serviceDate, -ctx.settings.freeServiceIntervalMonths);
  const previous = await ctx.db
    .select({ id: tickets.id })
    .from(tickets)
    .where(
      and(
        eq(tickets.assetId, asset.id),
        eq(tickets.serviceType, "free"),
        ne(tickets.status, "cancelled"),
        exceptTicketId ? ne(tickets.id, exceptTicketId) : undefined,
        sql`substr(coalesce(${tickets.preferredAt}, ${tickets.createdAt}), 1, 10) > ${since}`,
      ),
    )
    .limit(1);
  return { serviceType: previous.length ? "paid" : "free", contractId: null };
}

/** A booking day must not be in the past nor beyond the booking window, in the deployment's zone. */
export function checkBookingDate(ctx: UserContext, date: string, path: string) {
  const today = todayIn(ctx.settings.timeZone);
  if (date < today) invalid(path, "Must not be in the past");
  if (date > addDays(today, ctx.settings.bookingWindowDays))
    invalid(path, `At most ${ctx.settings.bookingWindowDays} days ahead`);
}

export async function createTicket(ctx: UserContext, input: TicketCreateInput) {
  const isStaff = ctx.actor.permissions.has("customers:read");
  let customer: typeof customers.$inferSelect | null = null;
  if (!isStaff) {
    customer = await customerForUser(ctx, ctx.actor.userId);
    if (input.customer_id && input.customer_id !== customer.id)
      invalid("customer_id", "Customers raise tickets for themselves");
  } else if (input.customer_id) {
    customer = await findCustomer(ctx, input.customer_id).catch(() => invalid("customer_id", "No such customer"));
  }
  let asset: typeof assets.$inferSelect | undefined;
  if (input.asset_id) {
    asset = await ctx.db.query.assets.findFirst({
      where: and(eq(assets.id, input.asset_id), sql`${assets.deletedAt} IS NULL`),
    });
    if (!asset || (customer && asset.customerId !== customer.id))
      invalid("asset_id", "No such service card for this customer");
    if (!customer)
      customer = (await ctx.db.query.customers.findFirst({ where: eq(customers.id, asset.customerId) })) ?? null;
  }

  let charge: { serviceType: "free" | "paid"; contractId: string | null } | null = null;
  let preferredAt = input.preferred_at ?? null;
  if (input.kind === "service_booking") {
    if (!asset) invalid("asset_id", "A service booking needs a service card");
    const day = input.preferred_date ?? (input.preferred_at ? input.preferred_at.slice(0, 10) : undefined);
    if (!day) invalid("preferred_date", "A service booking needs a preferred date");
    checkBookingDate(ctx, day, input.preferred_date ? "preferred_date" : "preferred_at");
    if (input.preferred_time) {
      preferredAt = zonedTimeToUtc(day, input.preferred_time, ctx.settings.timeZone).toISOString();
      if (preferredAt < new Date().toISOString()) invalid("preferred_time", "Must not be in the past");
    }
    preferredAt ??= zonedTimeToUtc(day, "00:00", ctx.settings.timeZone).toISOString();
    charge = await decideServiceType(ctx, asset, day);
  } else if (input.preferred_date) {
    preferredAt ??= zonedTimeToUtc(
      input.preferred_date,
      input.preferred_time ?? "00:00",
      ctx.settings.timeZone,
    ).toISOString();
  }
  if (input.preferred_time && !input.preferred_date && !preferredAt)
    invalid("preferred_time", "Give preferred_date with preferred_time");

  if (
    input.external_ref &&
    (await ctx.db.query.tickets.findFirst({
      where: eq(tickets.externalRef, input.external_ref),
      columns: { id: true },
    }))
  ) {
    throw new AppError("conflict", "A ticket with this external reference exists.", {
      errors: [{ path: "external_ref", message: "Already in use" }],
    });
  }
  // A job template fills what the request leaves out, and gives the ticket its checklist.
  const template = input.template_id ? await templateForTicket(ctx, input.template_id) : null;
  if (template) {
    input = {
      ...input,
      estimated_minutes: input.estimated_minutes ?? template.estimated_minutes ?? undefined,
      service_category: input.service_category ?? template.service_category ?? undefined,
      required_skills: [...new Set([...template.required_skills, ...input.required_skills])],
    };
  }
  const now = nowIso();
  const id = newId("tkt");
  const { number, basis } = await numberAndBasis(ctx);
  const clock = newTicketClock(ctx.settings, basis, input, customer?.id ?? null, now);
  const row: Columns & { id: string } = {
    id,
    number,
    external_ref: input.external_ref ?? null,
    kind: input.kind,
    priority: input.priority,
    status: "new",
    title: input.title,
    description: input.description,
    project_name: input.project_name ?? null,
    customer_id: customer?.id ?? null,
    asset_id: asset?.id ?? null,
    created_by: ctx.actor.userId,
    service_area: input.service_area ?? customer?.serviceArea ?? asset?.region?.toLowerCase() ?? null,
    required_skills: JSON.stringify([...new Set(input.required_skills)]),
    lat: input.location?.lat ?? customer?.lat ?? null,
    lng: input.location?.lng ?? customer?.lng ?? null,
    address: input.location?.address ?? input.address ?? (customer?.address || asset?.address || null),
    preferred_at: preferredAt,
    preferred_time:
      input.preferred_time && (input.preferred_date || input.kind === "service_booking") ? input.preferred_time : null,
    visit_type: input.kind === "service_booking" ? (input.visit_type ?? "onsite") : (input.visit_type ?? null),
    scheduled_at: input.scheduled_at ?? null,
    estimated_minutes: input.estimated_minutes ?? null,
    service_type: charge?.serviceType ?? null,
    contract_id: charge?.contractId ?? null,
    service_category: input.service_category ?? null,
    template_id: template?.id ?? null,
    ...clock,
    write_token: randomToken(12),
    created_at: now,
    updated_at: now,
  };
  // The answer is read at the end of the write's own batch: the ticket as the caller now sees it.
  const shown = ticketsAsSeen(ctx, [id], { unassigned: true });
  let seen: ReturnType<typeof shown.finish> | undefined;
  await recordNewTicket(
    ctx,
    row,
    {
      type: "ticket.created",
      data: { number, kind: input.kind, priority: input.priority, customer_id: customer?.id ?? null },
    },
    template ? checklistRows(id, template.checklist, now) : [],
    undefined,
    { statements: shown.statements, take: (results) => (seen = shown.finish(results)) },
  );
  armForColumns(ctx, clock);
  const ticket = seen?.rows[0];
  if (!seen || !ticket) return getTicket(ctx, id);
  return toTicketResponse(ticket, seen.assignees.get(id) ?? [], seen.relations.get(id)!, seen.names);
}

/**
 * A ticket a maintenance plan raises (PM-1), as the system: the template's kind, estimate, skills
 * and checklist, for the plan's customer and card. `gate` carries the caller's rows that go first
 * in the same batch and the condition the ticket is written under (the plan's occurrence row being
 * this run's): answers whether this call wrote the ticket.
 */
export async function raisePlannedTicket(
  ctx: ServiceContext,
  input: {
    id: string;
    createdBy: string | null;
    customerId: string;
    assetId: string | null;
    priority: string;
    template: {
      id: string;
      kind: TicketKind;
      service_category: string | null;
      estimated_minutes: number | null;
      required_skills: string[];
      checklist: ChecklistTemplateItem[];
    };
    title: string;
    description: string;
    preferredAt: string;
  },
  gate: { statements: D1PreparedStatement[]; guard: Guard },
): Promise<boolean> {
  const [customer, { number, basis }, card] = await Promise.all([
    ctx.db.query.customers.findFirst({ where: eq(customers.id, input.customerId) }),
    numberAndBasis(ctx),
    input.assetId ? ctx.db.query.assets.findFirst({ where: eq(assets.id, input.assetId) }) : undefined,
  ]);
  // A planned visit to a card is charged like any booking of it: by its contract, else the warranty rule.
  const charge = card ? await decideServiceType(ctx, card, input.preferredAt.slice(0, 10)) : null;
  const now = nowIso();
  const priority = input.priority as TicketPriority;
  const clock = newTicketClock(
    ctx.settings,
    basis,
    { priority, kind: input.template.kind, service_category: input.template.service_category },
    input.customerId,
    now,
  );
  const row: Columns & { id: string } = {
    id: input.id,
    number,
    external_ref: null,
    kind: input.template.kind,
    priority,
    status: "new",
    title: input.title.slice(0, 200),
    description: input.description,
    project_name: null,
    customer_id: input.customerId,
    asset_id: input.assetId,
    created_by: input.createdBy ?? "system",
    service_area: customer?.serviceArea ?? null,
    required_skills: JSON.stringify(input.template.required_skills),
    lat: customer?.lat ?? null,
    lng: customer?.lng ?? null,
    address: customer?.address || null,
    preferred_at: input.preferredAt,
    preferred_time: null,
    visit_type: "onsite",
    scheduled_at: null,
    estimated_minutes: input.template.estimated_minutes,
    service_type: charge?.serviceType ?? null,
    contract_id: charge?.contractId ?? null,
    service_category: input.template.service_category,
    template_id: input.template.id,
    ...clock,
    write_token: randomToken(12),
    created_at: now,
    updated_at: now,
  };
  const won = await recordNewTicket(
    ctx,
    row,
    {
      type: "ticket.created",
      data: { number, kind: input.template.kind, priority, customer_id: input.customerId },
    },
    checklistRows(input.id, input.template.checklist, now),
    gate,
  );
  if (won) armForColumns(ctx, clock);
  return won;
}

// ---- edit ----

export function assertTriage(relation: Relation) {
  if (!canTriage(relation)) throw new AppError("forbidden", "Only dispatchers, supervisors and managers may do this.");
}

const EDITABLE: [keyof TicketRow, string][] = [
  ["title", "title"],
  ["description", "description"],
  ["projectName", "project_name"],
  ["priority", "priority"],
  ["kind", "kind"],
  ["serviceCategory", "service_category"],
  ["serviceArea", "service_area"],
  ["scheduledAt", "scheduled_at"],
  ["estimatedMinutes", "estimated_minutes"],
];

export async function updateTicket(
  ctx: UserContext,
  id: string,
  input: Partial<{
    title: string;
    description: string;
    project_name: string | null;
    priority: TicketPriority;
    kind: TicketKind;
    service_category: "voice" | "internet" | "other" | null;
    service_area: string | null;
    required_skills: string[];
    scheduled_at: string | null;
    estimated_minutes: number | null;
    location: { lat: number; lng: number; address?: string } | null;
  }>,
  options: { expectVersion?: number } = {},
) {
  // A new priority, kind or service may fall under another policy: its basis and the clock's calendar come with the ticket.
  const policyMayMove =
    input.priority !== undefined || input.kind !== undefined || input.service_category !== undefined;
  const { ticket, people, also } = await seenTicket(
    ctx,
    id,
    allReads({
      basis: policyMayMove ? slaBasisReads(ctx.env.DB) : known(null),
      calendar: policyMayMove ? clockCalendarReads(ctx, id) : known(null),
    }),
  );
  assertVersion(ticket, options.expectVersion);
  const { relation } = people;
  assertTriage(relation);
  if (["closed", "cancelled"].includes(ticket.status))
    throw new AppError("invalid_transition", `A ${ticket.status} ticket cannot be edited; reopen it first.`);
  const now = nowIso();
  const set: Columns = { updated_at: now };
  const history: HistoryEntry[] = [];
  for (const [prop, col] of EDITABLE) {
    const value = input[col as keyof typeof input];
    if (value === undefined) continue;
    const before = ticket[prop] as string | number | null;
    const after = (col === "scheduled_at" && value ? new Date(value as string).toISOString() : value) as
      | string
      | number
      | null;
    if (before === after) continue;
    set[col] = after;
    history.push({
      action: `${col}_changed`,
      from: before === null ? null : String(before),
      to: after === null ? null : String(after),
    });
  }
  if (input.required_skills) {
    set.required_skills = JSON.stringify([...new Set(input.required_skills)]);
    history.push({
      action: "required_skills_changed",
      from: JSON.stringify(ticket.requiredSkills),
      to: set.required_skills as string,
    });
  }
  if (input.location !== undefined) {
    set.lat = input.location?.lat ?? null;
    set.lng = input.location?.lng ?? null;
    set.address = input.location?.address ?? null;
    history.push({ action: "location_changed", from: ticket.address, to: (set.address as string) ?? null });
  }
  if (!history.length) return toTicketResponse(ticket, people.assignees, relation, people.names);
  // A new priority, kind or service may fall under another policy: the unmet targets move, the time used stays used.
  const rows: { table: typeof ticketSlaPeriods; row: Columns }[] = [];
  if (
    !ticket.slaManual &&
    !FINISHED_STATUSES.some((s) => s === ticket.status) &&
    ["priority", "kind", "service_category"].some((col) => col in set) &&
    also.basis &&
    also.calendar
  ) {
    const basis = also.basis;
    const plan = planFor(ctx.settings, basis, {
      priority: (set.priority as TicketPriority | undefined) ?? ticket.priority,
      kind: (set.kind as TicketKind | undefined) ?? ticket.kind,
      serviceCategory:
        set.service_category === undefined ? ticket.serviceCategory : (set.service_category as string | null),
      customerId: ticket.customerId,
    });
    if (
      plan.policyId !== ticket.slaPolicyId ||
      plan.responseMinutes !== ticket.slaResponseMinutes ||
      plan.resolutionMinutes !== ticket.slaResolutionMinutes
    ) {
      const moved = recomputeClock(ticket, also.calendar, plan, ticket.slaRevision, now);
      Object.assign(set, moved.set);
      rows.push(...moved.periods.map((row) => ({ table: ticketSlaPeriods, row: { ...row } })));
    }
  }
  const answer = await changeAndShow(
    ctx,
    {
      ticketId: id,
      expectStatus: [ticket.status],
      set,
      rows,
      history,
      events: [{ type: "ticket.updated", data: { changes: history.map((h) => h.action) } }],
      expectVersion: options.expectVersion,
    },
    people,
  );
  armForColumns(ctx, set);
  return answer;
}

// ---- workflow (WO-4, WO-12) ----

async function customerCanApprove(ctx: ServiceContext, ticket: TicketRow): Promise<boolean> {
  if (!ticket.customerId) return false;
  const c = await ctx.db.query.customers.findFirst({
    where: eq(customers.id, ticket.customerId),
    columns: { userId: true },
  });
  return Boolean(c?.userId);
}

/** The columns a move to `to` sets: status, its milestone, SLA response and pause bookkeeping. */
export function transitionColumns(
  ticket: TicketRow,
  action: TicketAction | "assign" | "complete",
  to: TicketStatus,
  now: string,
): Columns {
  const set: Columns = { status: to, updated_at: now };
  const milestone = MILESTONE_COLUMN[to];
  if (milestone && to !== ticket.status) set[milestone] = now;
  if (!ticket.respondedAt && ["opened", "assigned", "in_progress"].includes(to)) set.responded_at = now;
  if (action === "reject") set.resolved_at = null;
  if (action === "reopen")
    Object.assign(set, { resolved_at: null, closed_at: null, cancelled_at: null, signed_off_at: null });
  return set;
}

/**
 * The ticket's part of a visit step, to go into the same change as the appointment's: starting the
 * visit starts the work (an opened or assigned ticket goes in progress), completing the visit
 * resolves it (or sends it for the customer's approval), as the technician platform's appointment
 * flow does. Nothing when the ticket is not in a state the step moves on.
 */
export async function visitStepChange(
  ctx: ServiceContext,
  ticket: TicketRow,
  step: "start" | "complete",
  /** Whether the ticket's customer has an account (who approves the resolution), when the caller read it already. */
  customerHasAccount?: boolean,
  /** The clock's calendar, when the caller read it already. */
  knownCalendar?: WorkingCalendar,
): Promise<Pick<TicketChange, "expectStatus" | "set" | "rows" | "history" | "events"> | null> {
  const action: TicketAction = step === "start" ? "start" : "resolve";
  if (!RULES[action].from.includes(ticket.status)) return null;
  const to =
    action === "resolve"
      ? resolvedStatus(customerHasAccount ?? (await customerCanApprove(ctx, ticket)))
      : RULES[action].to;
  const now = nowIso();
  const clock = await slaMove(ctx, ticket, to, now, undefined, knownCalendar);
  return {
    expectStatus: [ticket.status],
    set: { ...transitionColumns(ticket, action, to, now), ...clock.set },
    rows: clock.rows,
    history: [
      { action, from: ticket.status, to, comment: step === "start" ? "The visit started" : "The visit was completed" },
    ],
    events: [
      {
        type: "ticket.status_changed",
        data: { action, from: ticket.status, to, number: ticket.number, via: "appointment" },
      },
    ],
  };
}

/** If-Match and offline actions: a stale version is a 412 before anything else is checked. */
export function assertVersion(ticket: Pick<TicketRow, "version">, expected: number | undefined) {
  if (expected !== undefined && ticket.version !== expected)
    throw new AppError(
      "precondition_failed",
      `The ticket is at version ${ticket.version}, not ${expected}; read it again.`,
    );
}

/**
 * A workflow step in three round trips with the session check: one batch reads the ticket as the
 * caller sees it, its people and what the step needs (the customer's account and the completed
 * visit for a resolution, the clock's calendar, the visits an ending cancels); one batch writes the
 * change and reads the ticket back for the answer.
 */
export async function transitionTicket(
  ctx: UserContext,
  id: string,
  action: TicketAction,
  comment?: string,
  options: { expectVersion?: number; pauseReason?: SlaPauseReason } = {},
) {
  const resolving = action === "resolve";
  const ending = RULES[action].to;
  const { ticket, people, also } = await seenTicket(
    ctx,
    id,
    allReads({
      approves: resolving ? customerHasAccountReads(ctx, id) : known(false),
      visitDone: resolving && ctx.settings.resolveNeedsVisit ? completedVisitReads(ctx, id) : known(true),
      calendar: clockCalendarReads(ctx, id),
      endings: ending === "cancelled" || ending === "closed" ? ticketEndingReads(ctx, id, ending) : known([]),
    }),
  );
  const { change, set } = await transitionChange(ctx, { ticket, people, ...also }, action, comment, options);
  const answer = await changeAndShow(ctx, change, people);
  for (const e of also.endings) await e.after();
  armForColumns(ctx, set);
  return answer;
}

/** What a workflow step decides from: the ticket, its people, and the facts its step reads with it. */
export interface StepBasis {
  ticket: TicketRow;
  people: SeenPeople;
  /** The customer has an account (a resolution waits for their approval). */
  approves: boolean;
  /** A visit was completed (or the deployment does not ask for one). */
  visitDone: boolean;
  calendar: WorkingCalendar;
  endings: TicketEndingPart[];
}

/** A workflow step as a change, refused (4xx) when the caller may not take it from where the ticket is. */
export async function transitionChange(
  ctx: UserContext,
  basis: StepBasis,
  action: TicketAction,
  comment: string | undefined,
  options: { expectVersion?: number; pauseReason?: SlaPauseReason },
): Promise<{ change: TicketChange; set: Columns }> {
  const { ticket, people, endings } = basis;
  assertVersion(ticket, options.expectVersion);
  const verdict = checkAction(action, ticket.status, people.relation);
  if (verdict === "forbidden") throw new AppError("forbidden", `You may not ${action} this ticket.`);
  if (verdict === "invalid")
    throw new AppError("invalid_transition", `Cannot ${action} a ticket that is ${ticket.status}.`);
  if (action === "resolve" && !basis.visitDone) {
    throw new AppError(
      "invalid_transition",
      "This deployment resolves work by completing its visit: complete the ticket's appointment.",
    );
  }
  const to = action === "resolve" ? resolvedStatus(basis.approves) : RULES[action].to;
  const now = nowIso();
  const clock = await slaMove(ctx, ticket, to, now, options.pauseReason, basis.calendar);
  const set = {
    ...transitionColumns(ticket, action, to, now),
    ...clock.set,
    ...(to === "cancelled" && endings.length ? { scheduled_at: null } : {}),
  };
  return {
    set,
    change: {
      ticketId: ticket.id,
      expectStatus: [ticket.status],
      set,
      rows: clock.rows,
      statements: endings.length ? (guard) => endings.flatMap((e) => e.statements(guard)) : undefined,
      history: [{ action, from: ticket.status, to, comment }, ...endings.flatMap((e) => e.history)],
      events: [
        { type: "ticket.status_changed", data: { action, from: ticket.status, to, number: ticket.number } },
        ...endings.flatMap((e) => e.events),
      ],
      changed: endings.flatMap((e) => e.changed),
      expectVersion: options.expectVersion,
    },
  };
}

/**
 * Commits a change of a ticket whose people it leaves alone, and answers the ticket as it now
 * stands: read at the end of the change's own batch, shown with the people read before it.
 */
export async function changeAndShow(ctx: UserContext, change: TicketChange, people: SeenPeople) {
  const after = ticketRowAfter(ctx, change.ticketId);
  const { reads } = await changeTicket(ctx, { ...change, readBack: [after.statement] });
  const row = after.row(reads[0]);
  if (!row) return getTicket(ctx, change.ticketId);
  return toTicketResponse(row, people.assignees, people.relation, people.names);
}

/** Whether the ticket's customer has an account (who approves a resolution), for the step's batch. */
export function customerHasAccountReads(ctx: ServiceContext, ticketId: string): Reads<boolean> {
  return mapReads(
    reads(
      ctx.db
        .select({ userId: customers.userId })
        .from(customers)
        .where(eq(customers.id, sql`(SELECT t.customer_id FROM tickets t WHERE t.id = ${ticketId})`))
        .limit(1),
    ),
    ([row]) => Boolean(row?.userId),
  );
}

/** A completed appointment exists for the ticket (read directly: the scheduling module builds on this one). */
export function completedVisitReads(ctx: ServiceContext, ticketId: string): Reads<boolean> {
  return mapReads(
    rawReads(
      ctx.env.DB.prepare(
        "SELECT 1 AS done FROM appointments WHERE ticket_id = ?1 AND status = 'completed' LIMIT 1",
      ).bind(ticketId),
    ),
    (rows) => rows.length > 0,
  );
}

// ---- SLA (WO-6) ----

export async function setSla(
  ctx: UserContext,
  id: string,
  input: { response_due_at?: string; resolution_due_at?: string; estimated_resolution_at?: string },
) {
  const { ticket, people, also: calendar } = await seenTicket(ctx, id, clockCalendarReads(ctx, id));
  const now = nowIso();
  const nowMs = Date.parse(now);
  const set: Columns = { updated_at: now };
  const iso = (v: string) => new Date(v).toISOString();
  // A target set by hand becomes the clock's target in working minutes: used so far plus the working time until it.
  const used = usedNow(ticket, calendar, nowMs);
  const minutesUntil = (due: string) => {
    const ms = Date.parse(due);
    return Math.max(
      1,
      Math.round(ms >= nowMs ? used + usedBetween(calendar, nowMs, ms) : used - usedBetween(calendar, ms, nowMs)),
    );
  };
  const clock = {
    calendar,
    warningPercent: ticket.slaWarningPercent,
    responseMinutes: null as number | null,
    resolutionMinutes: null as number | null,
  };
  if (input.response_due_at) {
    set.response_due_at = iso(input.response_due_at);
    clock.responseMinutes = set.sla_response_minutes = minutesUntil(set.response_due_at);
    // A target moved into the future is no longer breached.
    if (set.response_due_at > now) set.response_breached_at = null;
    set.response_warned_at = null;
  }
  if (input.resolution_due_at) {
    set.resolution_due_at = iso(input.resolution_due_at);
    clock.resolutionMinutes = set.sla_resolution_minutes = minutesUntil(set.resolution_due_at);
    if (set.resolution_due_at > now) set.resolution_breached_at = null;
    set.resolution_warned_at = null;
  }
  if (input.response_due_at || input.resolution_due_at) {
    set.sla_manual = 1;
    const warnings = dueColumns(clock, used, nowMs, { responded: Boolean(ticket.respondedAt), resolved: false });
    // The warning comes at its share of the hand-set target, and never after the target itself.
    for (const target of ["response", "resolution"] as const) {
      const due = set[`${target}_due_at`];
      const warning = warnings[`${target}_warning_at`] ?? null;
      if (typeof due === "string") set[`${target}_warning_at`] = warning && warning < due ? warning : due;
    }
  }
  if (input.estimated_resolution_at) set.estimated_resolution_at = iso(input.estimated_resolution_at);
  const summary = JSON.stringify(
    Object.fromEntries(
      Object.entries(set).filter(([k]) => k.endsWith("_at") && k !== "updated_at" && !k.includes("warn")),
    ),
  );
  const answer = await changeAndShow(
    ctx,
    {
      ticketId: id,
      set,
      history: [{ action: "sla_set", from: ticket.resolutionDueAt, to: summary }],
      events: [
        {
          type: "ticket.sla_changed",
          data: Object.fromEntries(
            Object.entries(set).filter(
              ([k]) => k.endsWith("_due_at") || k.endsWith("_breached_at") || k.endsWith("resolution_at"),
            ),
          ),
        },
      ],
    },
    people,
  );
  armForColumns(ctx, set);
  return answer;
}

// ---- service bookings (WO-9) ----

export async function rescheduleBooking(ctx: UserContext, id: string, preferredDate: string, comment?: string) {
  const ticket = await findVisibleTicket(ctx, id);
  const people = await relationTo(ctx, ticket);
  const { relation } = people;
  if (!relation.own && !canTriage(relation))
    throw new AppError("forbidden", "Only the customer or dispatch may reschedule.");
  if (ticket.kind !== "service_booking" || !ticket.assetId)
    throw new AppError("invalid_transition", "Only service bookings are rescheduled this way.");
  if (!["new", "opened", "assigned"].includes(ticket.status))
    throw new AppError("invalid_transition", "Work has started; the booking can no longer be moved.");
  checkBookingDate(ctx, preferredDate, "preferred_date");
  const asset = await ctx.db.query.assets.findFirst({ where: eq(assets.id, ticket.assetId) });
  const charge = asset
    ? await decideServiceType(ctx, asset, preferredDate, id)
    : { serviceType: ticket.serviceType, contractId: ticket.contractId };
  const serviceType = charge.serviceType;
  const preferredAt = zonedTimeToUtc(preferredDate, "00:00", ctx.settings.timeZone).toISOString();
  await changeTicket(ctx, {
    ticketId: id,
    expectStatus: [ticket.status],
    set: { preferred_at: preferredAt, service_type: serviceType, contract_id: charge.contractId },
    history: [{ action: "rescheduled", from: ticket.preferredAt, to: preferredAt, comment }],
    events: [{ type: "ticket.rescheduled", data: { preferred_at: preferredAt, service_type: serviceType } }],
  });
  return presentChanged(ctx, id, people);
}
