import { and, asc, eq, lte } from "drizzle-orm";
import { maintenancePlans } from "../../db/schema";
import type { ServiceContext } from "../../lib/context";
import { newId, nowIso } from "../../lib/ids";
import { addDays, dateIn } from "../../lib/time";
import { templateForTicket } from "../templates";
import { raisePlannedTicket } from "../tickets";
import { calendarFor, type PlanRow, pointerFrom, recurrenceOf } from "./maintenance.service";
import { applyHolidayRule, occurrenceInstant, occurrencesBetween } from "./recurrence";

/** Plans per read, reads per run, occurrences per plan per run: a run stays well inside a Worker's limits. */
const CHUNK = 25;
const ROUNDS = 40;
const PER_PLAN = 50;

/**
 * PM-1's generator (cron): every active plan whose next ticket is due to be raised raises one
 * ticket per occurrence inside its lead time. Each occurrence is a row keyed by (plan, date),
 * written in the same batch as its ticket, and the ticket is written only if that row is this
 * run's: a second run at once, a redelivery or a restart raises nothing twice. A run that did not
 * happen (a missed day) is caught up by the next, since the plan's pointer only moves forward
 * after its occurrences are handled.
 */
export async function generateMaintenance(ctx: ServiceContext, scheduledTime: number) {
  const now = new Date(scheduledTime).toISOString();
  const totals = { plans: 0, raised: 0, skipped: 0 };
  let after = "";
  // Plans share templates and calendars: each is read once per run.
  const cache: RunCache = { templates: new Map(), calendars: new Map() };
  for (let round = 0; round < ROUNDS; round++) {
    const due = await ctx.db
      .select()
      .from(maintenancePlans)
      .where(and(eq(maintenancePlans.status, "active"), lte(maintenancePlans.nextRaiseAt, now)))
      .orderBy(asc(maintenancePlans.nextRaiseAt), asc(maintenancePlans.id))
      .limit(CHUNK);
    const fresh = due.filter((p) => `${p.nextRaiseAt}|${p.id}` > after);
    if (!fresh.length) break;
    for (const plan of fresh) {
      const r = await advancePlan(ctx, plan, scheduledTime, cache);
      totals.plans++;
      totals.raised += r.raised;
      totals.skipped += r.skipped;
    }
    const last = fresh[fresh.length - 1];
    after = `${last.nextRaiseAt}|${last.id}`;
    if (due.length < CHUNK) break;
  }
  return totals;
}

interface RunCache {
  templates: Map<string, Promise<Awaited<ReturnType<typeof templateForTicket>> | null>>;
  calendars: Map<string, Promise<Awaited<ReturnType<typeof calendarFor>>>>;
}

function cached<T>(map: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  let hit = map.get(key);
  if (!hit) {
    hit = load();
    map.set(key, hit);
  }
  return hit;
}

async function advancePlan(ctx: ServiceContext, plan: PlanRow, nowMs: number, cache: RunCache) {
  const rec = recurrenceOf(plan);
  const out = { raised: 0, skipped: 0 };
  if (!plan.nextDate) return out;
  const horizon = dateIn(plan.timeZone, new Date(nowMs + plan.leadDays * 86_400_000));
  const dates = occurrencesBetween(rec, plan.nextDate, horizon, PER_PLAN);
  const [calendar, template] = await Promise.all([
    cached(cache.calendars, plan.calendarId ?? "(default)", () => calendarFor(ctx, plan)),
    cached(cache.templates, plan.templateId, () => templateForTicket(ctx, plan.templateId).catch(() => null)),
  ]);
  for (const date of dates) {
    const landed = applyHolidayRule(calendar, plan.holidayRule, date);
    const row = {
      id: newId("mocc"),
      plan_id: plan.id,
      occurrence_date: date,
      due_at: occurrenceInstant(rec, landed?.date ?? date),
      status: landed && template ? "raised" : "skipped",
      ticket_id: null as string | null,
      moved_from: landed?.moved ? date : null,
      reason: !landed ? "falls on a closed day (holiday rule: skip)" : !template ? "the job template is retired" : null,
      created_at: nowIso(),
    };
    if (!landed || !template) {
      const r = await ctx.env.DB.prepare(
        `INSERT INTO maintenance_occurrences (id, plan_id, occurrence_date, due_at, status, ticket_id, moved_from, reason, created_at)
         VALUES (?1, ?2, ?3, ?4, 'skipped', NULL, ?5, ?6, ?7) ON CONFLICT (plan_id, occurrence_date) DO NOTHING`,
      )
        .bind(row.id, plan.id, date, row.due_at, row.moved_from, row.reason, row.created_at)
        .run();
      out.skipped += r.meta.changes ? 1 : 0;
      continue;
    }
    const ticketId = newId("tkt");
    // The occurrence first; the ticket only if this run's occurrence row is the one that exists.
    const claim = ctx.env.DB.prepare(
      `INSERT INTO maintenance_occurrences (id, plan_id, occurrence_date, due_at, status, ticket_id, moved_from, reason, created_at)
       VALUES (?1, ?2, ?3, ?4, 'raised', ?5, ?6, NULL, ?7) ON CONFLICT (plan_id, occurrence_date) DO NOTHING`,
    ).bind(row.id, plan.id, date, row.due_at, ticketId, row.moved_from, row.created_at);
    const won = await raisePlannedTicket(
      ctx,
      {
        id: ticketId,
        createdBy: plan.createdBy,
        customerId: plan.customerId,
        assetId: plan.assetId,
        priority: plan.priority,
        template,
        title: `${plan.name} (${landed.moved ? `${landed.date}, moved from ${date}` : date})`,
        description: `Planned maintenance visit from the plan "${plan.name}", due ${landed.date} at ${plan.startTime} (${plan.timeZone}).`,
        preferredAt: row.due_at,
      },
      {
        statements: [claim],
        guard: { sql: "EXISTS (SELECT 1 FROM maintenance_occurrences WHERE id = ?)", params: [row.id] },
      },
    );
    if (won) out.raised++;
  }
  // The pointer moves past what was handled (a concurrent run that moved it already wins).
  const last = dates[dates.length - 1];
  if (last) {
    const pointer = pointerFrom(plan, addDays(last, 1));
    await ctx.env.DB.prepare(
      `UPDATE maintenance_plans SET next_date = ?1, next_raise_at = ?2, status = CASE WHEN ?1 IS NULL THEN 'ended' ELSE status END, updated_at = ?3
        WHERE id = ?4 AND next_date = ?5`,
    )
      .bind(pointer.nextDate, pointer.nextRaiseAt, nowIso(), plan.id, plan.nextDate)
      .run();
  }
  return out;
}
