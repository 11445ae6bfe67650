import { and, eq, gte, lt, lte, sql } from "drizzle-orm";
import {
  assets,
  customers,
  maintenanceOccurrences,
  maintenancePlans,
  tickets,
  UNFINISHED_STATUSES,
} from "../../db/schema";
import type { UserContext } from "../../lib/context";
import { inList } from "../../lib/d1";
import { keyset } from "../../lib/pagination";
import { addDays, addMonths, todayIn, zonedTimeToUtc } from "../../lib/time";
import { visibleCustomers, visibleTickets } from "../access";
import { periodOf } from "./reports.service";

/**
 * Service cards a free service may be booked for in a month: in warranty on some day of the month,
 * and no free service booked in the interval before (the booking flow's own rule: one free service
 * per `FREE_SERVICE_INTERVAL_MONTHS` inside the warranty). Customers as the caller may see them.
 */
export async function warrantyEligible(ctx: UserContext, q: { month?: string; limit: number; cursor?: string }) {
  const month = q.month ?? todayIn(ctx.settings.timeZone).slice(0, 7);
  const first = `${month}-01`;
  const last = addDays(addMonths(first, 1), -1);
  const interval = ctx.settings.freeServiceIntervalMonths;
  const page = keyset({ order: "warranty_end", column: assets.warrantyEnd, idColumn: assets.id, cursor: q.cursor });
  const lastFree = sql<string | null>`(SELECT max(substr(coalesce(t.preferred_at, t.created_at), 1, 10)) FROM tickets t
      WHERE t.asset_id = ${assets.id} AND t.service_type = 'free' AND t.status <> 'cancelled')`;
  const rows = await ctx.db
    .select({
      id: assets.id,
      customerId: assets.customerId,
      customerName: customers.fullName,
      phone: customers.phone,
      model: assets.model,
      serial: assets.serialNumber,
      start: assets.warrantyStart,
      end: assets.warrantyEnd,
      lastFree,
    })
    .from(assets)
    .innerJoin(customers, eq(customers.id, assets.customerId))
    .where(
      and(
        gte(assets.warrantyEnd, first),
        lte(assets.warrantyStart, last),
        sql`${assets.deletedAt} IS NULL AND ${customers.deletedAt} IS NULL`,
        // Free again once the interval since the last free service has passed, at the latest on the month's last day.
        sql`coalesce(${lastFree}, '0000-00-00') <= min(${addMonths(last, -interval)}, date(${assets.warrantyEnd}, ${`-${interval} months`}))`,
        await visibleCustomers(ctx, assets.customerId),
        page.where,
      ),
    )
    .orderBy(...page.orderBy)
    .limit(q.limit + 1);
  const result = page.page(rows, q.limit, (r) => r.end!);
  return {
    month,
    interval_months: interval,
    data: result.data.map((r) => {
      const freeAgain = r.lastFree ? addMonths(r.lastFree, interval) : first;
      const from = [first, r.start!, freeAgain].sort().at(-1)!;
      return {
        asset_id: r.id,
        customer_id: r.customerId,
        customer_name: r.customerName,
        phone: r.phone,
        model: r.model,
        serial_number: r.serial,
        warranty_start: r.start!,
        warranty_end: r.end!,
        last_free_service: r.lastFree,
        eligible_from: from,
      };
    }),
    next_cursor: result.next_cursor,
    has_more: result.next_cursor !== null,
  };
}

const dueAt = sql<string>`coalesce(${tickets.scheduledAt}, ${tickets.preferredAt})`;

type UpcomingQuery = { from?: string; to?: string; limit: number; cursor?: string };

/**
 * The queries of the upcoming-services report (exported so a test can EXPLAIN them), each read
 * from its own index and cut at the page: service bookings to do; visits raised by maintenance
 * plans (of other kinds) to do; and each active plan's next occurrence not raised yet.
 */
export async function buildUpcomingQuery(ctx: UserContext, q: UpcomingQuery) {
  const today = todayIn(ctx.settings.timeZone);
  const period =
    q.from || q.to ? periodOf(ctx, q) : { from: today, to: addDays(today, 29), time_zone: ctx.settings.timeZone };
  const start = zonedTimeToUtc(period.from, "00:00", period.time_zone).toISOString();
  const end = zonedTimeToUtc(addDays(period.to, 1), "00:00", period.time_zone).toISOString();
  const page = keyset({ order: "due_at", column: dueAt, idColumn: tickets.id, cursor: q.cursor });
  const planPage = keyset({
    order: "due_at",
    column: maintenancePlans.nextDueAt,
    idColumn: maintenancePlans.id,
    cursor: q.cursor,
  });
  const visible = await visibleTickets(ctx);
  const columns = {
    id: tickets.id,
    number: tickets.number,
    title: tickets.title,
    status: tickets.status,
    customerId: tickets.customerId,
    assetId: tickets.assetId,
    serviceType: tickets.serviceType,
    scheduledAt: tickets.scheduledAt,
    dueAt,
  };
  const statement = ctx.db
    .select({ ...columns, planId: sql<string | null>`NULL` })
    .from(tickets)
    .where(
      and(
        sql`${tickets.kind} = 'service_booking'`,
        sql`${dueAt} >= ${start} AND ${dueAt} < ${end}`,
        inList(tickets.status, UNFINISHED_STATUSES),
        visible,
        page.where,
      ),
    )
    .orderBy(...page.orderBy)
    .limit(q.limit + 1);
  const raised = ctx.db
    .select({ ...columns, planId: maintenanceOccurrences.planId })
    .from(maintenanceOccurrences)
    .innerJoin(tickets, eq(tickets.id, maintenanceOccurrences.ticketId))
    .where(
      and(
        gte(maintenanceOccurrences.dueAt, start),
        lt(maintenanceOccurrences.dueAt, end),
        sql`${tickets.kind} <> 'service_booking'`,
        sql`${dueAt} >= ${start} AND ${dueAt} < ${end}`,
        inList(tickets.status, UNFINISHED_STATUSES),
        visible,
        page.where,
      ),
    )
    .orderBy(...page.orderBy)
    .limit(q.limit + 1);
  const planned = ctx.db
    .select({
      id: maintenancePlans.id,
      name: maintenancePlans.name,
      customerId: maintenancePlans.customerId,
      assetId: maintenancePlans.assetId,
      dueAt: sql<string>`${maintenancePlans.nextDueAt}`,
    })
    .from(maintenancePlans)
    .where(
      and(
        eq(maintenancePlans.status, "active"),
        gte(maintenancePlans.nextDueAt, start),
        lt(maintenancePlans.nextDueAt, end),
        await visibleCustomers(ctx, maintenancePlans.customerId),
        planPage.where,
      ),
    )
    .orderBy(...planPage.orderBy)
    .limit(q.limit + 1);
  return { statement, raised, planned, page, period };
}

/**
 * Service visits still to do whose scheduled (else preferred) time falls in the period, soonest
 * first: service bookings, visits raised by maintenance plans, and plans' next occurrences whose
 * ticket is not raised yet (all three read in one round trip and merged).
 */
export async function upcomingServices(ctx: UserContext, q: UpcomingQuery) {
  const { statement, raised, planned, page, period } = await buildUpcomingQuery(ctx, q);
  const [bookings, fromPlans, plans] = await ctx.db.batch([statement, raised, planned]);
  const rows = [
    ...[...bookings, ...fromPlans].map((r) => ({
      id: r.id,
      dueAt: r.dueAt,
      row: {
        ticket_id: r.id as string | null,
        plan_id: r.planId,
        number: r.number as string | null,
        title: r.title,
        status: r.status as (typeof r)["status"] | null,
        customer_id: r.customerId,
        asset_id: r.assetId,
        service_type: r.serviceType,
        due_at: r.dueAt,
        basis: r.scheduledAt ? ("scheduled" as const) : ("preferred" as const),
        source: r.planId ? ("plan" as const) : ("booking" as const),
      },
    })),
    ...plans.map((p) => ({
      id: p.id,
      dueAt: p.dueAt,
      row: {
        ticket_id: null,
        plan_id: p.id,
        number: null,
        title: p.name,
        status: null,
        customer_id: p.customerId,
        asset_id: p.assetId,
        service_type: null,
        due_at: p.dueAt,
        basis: "planned" as const,
        source: "plan" as const,
      },
    })),
  ].sort((a, b) => (a.dueAt === b.dueAt ? (a.id < b.id ? -1 : 1) : a.dueAt < b.dueAt ? -1 : 1));
  const result = page.page(rows, q.limit, (r) => r.dueAt);
  return {
    period,
    data: result.data.map((r) => r.row),
    next_cursor: result.next_cursor,
    has_more: result.next_cursor !== null,
  };
}
