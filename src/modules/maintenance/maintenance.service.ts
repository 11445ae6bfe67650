import type { z } from "@hono/zod-openapi";
import { dayOf } from "../../lib/query-dialect";
import { and, eq, gte, isNull, lte, type SQL, sql } from "drizzle-orm";
import { assets, calendars, customers, jobTemplates, maintenanceOccurrences, maintenancePlans } from "../../db/schema";
import { commitAudited, commitChange } from "../../lib/change-batch";
import type { ServiceContext, UserContext } from "../../lib/context";
import { newId, nowIso } from "../../lib/ids";
import { keyset } from "../../lib/pagination";
import { AppError } from "../../lib/problem";
import { addDays, todayIn } from "../../lib/time";
import type { WorkingCalendar } from "../../lib/working-time";
import { workingCalendarOf } from "../calendars";
import { visibleCustomers } from "../access";
import { templateForTicket } from "../templates";
import type { PlanCreateSchema, PlanUpdateSchema } from "./maintenance.schemas";
import {
  applyHolidayRule,
  nextOccurrence,
  occurrenceInstant,
  occurrencesBetween,
  parseRule,
  type Recurrence,
  RuleError,
} from "./recurrence";

export type PlanRow = typeof maintenancePlans.$inferSelect;

export function toPlanResponse(r: PlanRow) {
  return {
    id: r.id,
    name: r.name,
    customer_id: r.customerId,
    asset_id: r.assetId,
    template_id: r.templateId,
    rrule: r.rrule,
    time_zone: r.timeZone,
    start_date: r.startDate,
    start_time: r.startTime,
    end_date: r.endDate,
    count: r.count,
    lead_days: r.leadDays,
    holiday_rule: r.holidayRule,
    calendar_id: r.calendarId,
    priority: r.priority,
    send_booking_link: r.sendBookingLink,
    booking_window_days: r.bookingWindowDays,
    status: r.status,
    next_date: r.nextDate,
    next_raise_at: r.nextRaiseAt,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}

export const recurrenceOf = (r: PlanRow): Recurrence => ({
  rrule: r.rrule,
  timeZone: r.timeZone,
  startDate: r.startDate,
  startTime: r.startTime,
  endDate: r.endDate,
  count: r.count,
});

/** The next occurrence on or after `fromDate` and when its ticket is raised; nulls when the rule has ended. */
export function pointerFrom(r: PlanRow, fromDate: string) {
  const next = nextOccurrence(recurrenceOf(r), fromDate < r.startDate ? r.startDate : fromDate);
  const due = next ? occurrenceInstant(recurrenceOf(r), next) : null;
  return {
    nextDate: next,
    nextRaiseAt: due ? new Date(Date.parse(due) - r.leadDays * 86_400_000).toISOString() : null,
    nextDueAt: due,
  };
}

function ruleProblem(err: unknown): never {
  if (err instanceof RuleError)
    throw new AppError("validation_failed", "The recurrence rule is not usable.", {
      errors: [{ path: "rrule", message: err.message }],
    });
  throw err;
}

/** A plan is seen by whoever sees its customer (one read). */
async function findPlan(ctx: UserContext, id: string) {
  const row = await ctx.db.query.maintenancePlans.findFirst({
    where: and(eq(maintenancePlans.id, id), await visibleCustomers(ctx, maintenancePlans.customerId)),
  });
  if (!row) throw new AppError("not_found", "No such maintenance plan.");
  return row;
}

async function assertCalendar(ctx: ServiceContext, id: string | null | undefined) {
  if (!id) return;
  const row = await ctx.db.query.calendars.findFirst({ where: eq(calendars.id, id), columns: { id: true } });
  if (!row)
    throw new AppError("validation_failed", "No such calendar.", {
      errors: [{ path: "calendar_id", message: "No such calendar" }],
    });
}

export async function listMaintenancePlans(
  ctx: UserContext,
  query: {
    customer_id?: string;
    asset_id?: string;
    status?: PlanRow["status"];
    due_from?: string;
    due_to?: string;
    limit: number;
    cursor?: string;
  },
) {
  const page = keyset({
    order: "-created_at",
    column: maintenancePlans.createdAt,
    idColumn: maintenancePlans.id,
    cursor: query.cursor,
  });
  const filters: (SQL | undefined)[] = [page.where, await visibleCustomers(ctx, maintenancePlans.customerId)];
  if (query.customer_id) filters.push(eq(maintenancePlans.customerId, query.customer_id));
  if (query.asset_id) filters.push(eq(maintenancePlans.assetId, query.asset_id));
  if (query.status) filters.push(eq(maintenancePlans.status, query.status));
  if (query.due_from) filters.push(gte(maintenancePlans.nextDate, dayOf(query.due_from, ctx.settings.timeZone)));
  if (query.due_to) filters.push(lte(maintenancePlans.nextDate, dayOf(query.due_to, ctx.settings.timeZone)));
  const rows = await ctx.db
    .select()
    .from(maintenancePlans)
    .where(and(...filters))
    .orderBy(...page.orderBy)
    .limit(query.limit + 1);
  const result = page.page(rows, query.limit, (r) => r.createdAt);
  return {
    data: result.data.map(toPlanResponse),
    next_cursor: result.next_cursor,
    has_more: result.next_cursor !== null,
  };
}

export async function getMaintenancePlan(ctx: UserContext, id: string) {
  return toPlanResponse(await findPlan(ctx, id));
}

const invalid = (path: string, message: string): never => {
  throw new AppError("validation_failed", `${message}.`, { errors: [{ path, message }] });
};

export async function createMaintenancePlan(ctx: UserContext, input: z.output<typeof PlanCreateSchema>) {
  try {
    parseRule(input.rrule);
  } catch (err) {
    ruleProblem(err);
  }
  // Every id the request names, checked in one round trip: the customer (as the caller sees them), the card, the template, the calendar.
  const [found, cards, templates, cals] = await ctx.db.batch([
    ctx.db
      .select({ id: customers.id })
      .from(customers)
      .where(and(eq(customers.id, input.customer_id), isNull(customers.deletedAt), await visibleCustomers(ctx))),
    ctx.db
      .select({ customerId: assets.customerId, deletedAt: assets.deletedAt })
      .from(assets)
      .where(eq(assets.id, input.asset_id ?? "")),
    ctx.db.select({ active: jobTemplates.active }).from(jobTemplates).where(eq(jobTemplates.id, input.template_id)),
    ctx.db
      .select({ id: calendars.id })
      .from(calendars)
      .where(eq(calendars.id, input.calendar_id ?? "")),
  ]);
  const customer = found[0] ?? invalid("customer_id", "No such customer");
  if (input.asset_id && (cards[0]?.customerId !== customer.id || cards[0]?.deletedAt))
    invalid("asset_id", "No such service card for this customer");
  if (!templates[0]?.active) invalid("template_id", templates[0] ? "The template is retired" : "No such job template");
  if (input.calendar_id && !cals[0]) invalid("calendar_id", "No such calendar");
  const now = nowIso();
  const row: PlanRow = {
    id: newId("mpl"),
    name: input.name,
    customerId: customer.id,
    assetId: input.asset_id ?? null,
    templateId: input.template_id,
    rrule: input.rrule.replace(/^RRULE:/i, ""),
    timeZone: input.time_zone ?? ctx.settings.timeZone,
    startDate: input.start_date,
    startTime: input.start_time,
    endDate: input.end_date ?? null,
    count: input.count ?? null,
    leadDays: input.lead_days,
    holidayRule: input.holiday_rule,
    calendarId: input.calendar_id ?? null,
    priority: input.priority,
    sendBookingLink: input.send_booking_link,
    bookingWindowDays: input.booking_window_days,
    status: "active",
    nextDate: null,
    nextRaiseAt: null,
    nextDueAt: null,
    createdBy: ctx.actor.userId,
    createdAt: now,
    updatedAt: now,
  };
  // Occurrences before today are history, not work.
  Object.assign(row, pointerFrom(row, todayIn(row.timeZone)));
  if (!row.nextDate)
    throw new AppError("validation_failed", "The rule has no occurrence from today on.", {
      errors: [{ path: "rrule", message: "No occurrence from today on (check start_date, end_date and count)" }],
    });
  await commitAudited(ctx, [ctx.db.insert(maintenancePlans).values(row)], {
    action: "maintenance_plan.created",
    targetType: "maintenance_plan",
    targetId: row.id,
    after: toPlanResponse(row),
  });
  return toPlanResponse(row);
}

export async function updateMaintenancePlan(ctx: UserContext, id: string, input: z.output<typeof PlanUpdateSchema>) {
  const before = await findPlan(ctx, id);
  if (before.status === "ended") throw new AppError("invalid_transition", "The plan has ended.");
  if (input.rrule !== undefined) {
    try {
      parseRule(input.rrule);
    } catch (err) {
      ruleProblem(err);
    }
  }
  await Promise.all([
    input.template_id ? templateForTicket(ctx, input.template_id) : undefined,
    assertCalendar(ctx, input.calendar_id),
  ]);
  const next: PlanRow = {
    ...before,
    name: input.name ?? before.name,
    templateId: input.template_id ?? before.templateId,
    rrule: input.rrule?.replace(/^RRULE:/i, "") ?? before.rrule,
    startTime: input.start_time ?? before.startTime,
    endDate: input.end_date !== undefined ? input.end_date : before.endDate,
    count: input.count !== undefined ? input.count : before.count,
    leadDays: input.lead_days ?? before.leadDays,
    holidayRule: input.holiday_rule ?? before.holidayRule,
    calendarId: input.calendar_id !== undefined ? input.calendar_id : before.calendarId,
    priority: input.priority ?? before.priority,
    sendBookingLink: input.send_booking_link ?? before.sendBookingLink,
    bookingWindowDays: input.booking_window_days ?? before.bookingWindowDays,
    updatedAt: nowIso(),
  };
  if (next.endDate && next.count)
    throw new AppError("validation_failed", "Give end_date or count, not both.", {
      errors: [{ path: "count", message: "Give end_date or count, not both" }],
    });
  // Future occurrences only: from the first one not yet handled (and not before today).
  const today = todayIn(next.timeZone);
  const from = before.nextDate && before.nextDate > today ? before.nextDate : today;
  if (before.status === "active") Object.assign(next, pointerFrom(next, from));
  const update = ctx.env.DB.prepare(
    `UPDATE maintenance_plans SET name = ?1, template_id = ?2, rrule = ?3, start_time = ?4, end_date = ?5, count = ?6, lead_days = ?7,
       holiday_rule = ?8, calendar_id = ?9, priority = ?10, next_date = ?11, next_raise_at = ?12, updated_at = ?13,
       next_due_at = ?16, send_booking_link = ?17, booking_window_days = ?18
     WHERE id = ?14 AND updated_at = ?15`,
  ).bind(
    next.name,
    next.templateId,
    next.rrule,
    next.startTime,
    next.endDate,
    next.count,
    next.leadDays,
    next.holidayRule,
    next.calendarId,
    next.priority,
    next.nextDate,
    next.nextRaiseAt,
    next.updatedAt,
    id,
    before.updatedAt,
    next.nextDueAt,
    next.sendBookingLink ? 1 : 0,
    next.bookingWindowDays,
  );
  await commitPlanChange(ctx, update, next, {
    action: "maintenance_plan.updated",
    before: toPlanResponse(before),
    after: toPlanResponse(next),
  });
  return toPlanResponse(next);
}

export async function setPlanStatus(ctx: UserContext, id: string, verb: "pause" | "resume" | "end") {
  const before = await findPlan(ctx, id);
  const allowed = { pause: ["active"], resume: ["paused"], end: ["active", "paused"] }[verb];
  if (!allowed.includes(before.status))
    throw new AppError("invalid_transition", `Cannot ${verb} a plan that is ${before.status}.`);
  const status = verb === "pause" ? "paused" : verb === "resume" ? "active" : "ended";
  // Resuming starts again from today: what fell due while paused is not raised.
  const pointer =
    verb === "resume"
      ? pointerFrom(before, todayIn(before.timeZone))
      : verb === "end"
        ? { nextDate: null, nextRaiseAt: null, nextDueAt: null }
        : { nextDate: before.nextDate, nextRaiseAt: before.nextRaiseAt, nextDueAt: before.nextDueAt };
  const updatedAt = nowIso();
  const next: PlanRow = { ...before, status, ...pointer, updatedAt };
  const update = ctx.env.DB.prepare(
    "UPDATE maintenance_plans SET status = ?1, next_date = ?2, next_raise_at = ?3, next_due_at = ?7, updated_at = ?4 WHERE id = ?5 AND status = ?6",
  ).bind(status, pointer.nextDate, pointer.nextRaiseAt, updatedAt, id, before.status, pointer.nextDueAt);
  await commitPlanChange(ctx, update, next, {
    action: `maintenance_plan.${verb === "end" ? "ended" : `${verb}d`}`,
    before: { status: before.status },
    after: { status },
  });
  return toPlanResponse(next);
}

/** A conditional plan write and its audit entry in one batch; the entry only if the write won. */
async function commitPlanChange(
  ctx: UserContext,
  update: D1PreparedStatement,
  next: PlanRow,
  audit: { action: string; before: unknown; after: unknown },
) {
  const { won } = await commitChange(
    ctx,
    {
      statements: [update],
      guard: {
        sql: "EXISTS (SELECT 1 FROM maintenance_plans WHERE id = ? AND updated_at = ?)",
        params: [next.id, next.updatedAt],
      },
      audit: [{ ...audit, targetType: "maintenance_plan", targetId: next.id }],
    },
    (results) => Boolean(results[0]?.meta.changes),
  );
  if (!won) throw new AppError("conflict", "The plan changed meanwhile; read it again.");
}

/** The plan's calendar for closed days: its own, else the deployment's default (none: every day is open). */
const calendarQuery = (ctx: ServiceContext, plan: PlanRow) =>
  ctx.db
    .select()
    .from(calendars)
    .where(plan.calendarId ? eq(calendars.id, plan.calendarId) : eq(calendars.isDefault, true))
    .limit(1);

const calendarOf = (rows: (typeof calendars.$inferSelect)[]): WorkingCalendar | null =>
  rows[0] ? workingCalendarOf(rows[0]) : null;

export async function calendarFor(ctx: ServiceContext, plan: PlanRow): Promise<WorkingCalendar | null> {
  return calendarOf(await calendarQuery(ctx, plan));
}

export async function listMaintenanceOccurrences(
  ctx: UserContext,
  id: string,
  query: { limit: number; cursor?: string } = { limit: 50 },
) {
  const page = keyset({
    order: "-occurrence_date",
    column: maintenanceOccurrences.occurrenceDate,
    idColumn: maintenanceOccurrences.id,
    cursor: query.cursor,
  });
  // The plan (as the caller sees it), what it handled and its calendar, in one round trip.
  const [plans, recorded, calendarRows] = await ctx.db.batch([
    ctx.db
      .select()
      .from(maintenancePlans)
      .where(and(eq(maintenancePlans.id, id), await visibleCustomers(ctx, maintenancePlans.customerId))),
    ctx.db
      .select()
      .from(maintenanceOccurrences)
      .where(and(eq(maintenanceOccurrences.planId, id), page.where))
      .orderBy(...page.orderBy)
      .limit(query.limit + 1),
    ctx.db
      .select()
      .from(calendars)
      .where(
        sql`${calendars.id} = coalesce((SELECT calendar_id FROM maintenance_plans WHERE id = ${id}), (SELECT id FROM calendars WHERE is_default = 1))`,
      )
      .limit(1),
  ]);
  const plan = plans[0];
  if (!plan) throw new AppError("not_found", "No such maintenance plan.");
  const calendar = calendarOf(calendarRows);
  const rec = recurrenceOf(plan);
  const handled = page.page(recorded, query.limit, (r) => r.occurrenceDate);
  const known = new Set(recorded.map((r) => r.occurrenceDate));
  const upcoming =
    !query.cursor && plan.status === "active" && plan.nextDate
      ? occurrencesBetween(rec, plan.nextDate, `${Number(plan.nextDate.slice(0, 4)) + 10}${plan.nextDate.slice(4)}`, 10)
          .filter((d) => !known.has(d))
          .map((d) => {
            const landed = applyHolidayRule(calendar, plan.holidayRule, d);
            return {
              date: d,
              due_at: landed ? occurrenceInstant(rec, landed.date) : null,
              status: "upcoming" as const,
              ticket_id: null,
              link_sent: null,
              moved_from: landed?.moved ? d : null,
              reason: landed ? null : "falls on a closed day (holiday rule: skip)",
            };
          })
      : [];
  return {
    plan_id: id,
    next_cursor: handled.next_cursor,
    has_more: handled.next_cursor !== null,
    data: [
      ...handled.data.reverse().map((r) => ({
        date: r.occurrenceDate,
        due_at: r.status === "skipped" ? null : r.dueAt,
        status: r.status,
        ticket_id: r.ticketId,
        link_sent: r.linkState === null ? null : r.linkState === "sent",
        moved_from: r.movedFrom,
        reason: r.reason,
      })),
      ...upcoming,
    ],
  };
}

export async function skipMaintenanceOccurrence(ctx: UserContext, id: string, date: string, reason: string) {
  const plan = await findPlan(ctx, id);
  const rec = recurrenceOf(plan);
  if (!occurrencesBetween(rec, date, date, 1).length)
    throw new AppError("not_found", "The plan has no occurrence on that date.");
  const row = {
    id: newId("mocc"),
    planId: id,
    occurrenceDate: date,
    dueAt: occurrenceInstant(rec, date),
    status: "skipped" as const,
    ticketId: null,
    movedFrom: null,
    reason,
    linkState: null,
    createdAt: nowIso(),
  };
  const inserted = await ctx.db.insert(maintenanceOccurrences).values(row).onConflictDoNothing().returning();
  if (!inserted.length) {
    const existing = await ctx.db.query.maintenanceOccurrences.findFirst({
      where: and(eq(maintenanceOccurrences.planId, id), eq(maintenanceOccurrences.occurrenceDate, date)),
    });
    if (existing?.status === "raised")
      throw new AppError("conflict", "That occurrence's ticket is raised already; cancel the ticket instead.");
  }
  // Skipping the next one moves the plan's pointer past it.
  if (plan.nextDate === date) {
    const pointer = pointerFrom(plan, addDays(date, 1));
    await ctx.env.DB.prepare(
      "UPDATE maintenance_plans SET next_date = ?1, next_raise_at = ?2, next_due_at = ?6, updated_at = ?3 WHERE id = ?4 AND next_date = ?5",
    )
      .bind(pointer.nextDate, pointer.nextRaiseAt, nowIso(), id, date, pointer.nextDueAt)
      .run();
  }
  return {
    date,
    due_at: null,
    status: "skipped" as const,
    ticket_id: null,
    link_sent: null,
    moved_from: null,
    reason,
  };
}
