import { and, asc, eq, lte } from "drizzle-orm";
import { maintenancePlans } from "../../db/schema";
import type { ServiceContext } from "../../lib/context";
import { newId, nowIso } from "../../lib/ids";
import { addDays, dateIn } from "../../lib/time";
import { templateForTicket } from "../templates";
import { raisePlannedTicket } from "../tickets";
import { sendPlannedVisitLink } from "../scheduling";
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
  const totals = { plans: 0, raised: 0, skipped: 0, linked: 0 };
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
      totals.linked += r.linked;
    }
    const last = fresh[fresh.length - 1];
    after = `${last.nextRaiseAt}|${last.id}`;
    if (due.length < CHUNK) break;
  }
  totals.linked += await sendPendingLinks(ctx, scheduledTime);
  return totals;
}

/**
 * The booking link of a raised visit, sent after its ticket's batch (a link is written through the
 * ticket): the occurrence says `pending` from that batch on and `sent` after, so a worker that died
 * in between leaves it pending and the next run sends it (at least once; a newer link replaces an
 * older one). The customer books a day from the occurrence's date to the end of its window.
 */
async function sendLink(ctx: ServiceContext, o: { id: string; ticketId: string; date: string; windowDays: number }) {
  const today = dateIn(ctx.settings.timeZone, new Date());
  const from = o.date > today ? o.date : today;
  await sendPlannedVisitLink(ctx, o.ticketId, { from, to: addDays(o.date, o.windowDays - 1) });
  const r = await ctx.env.DB.prepare(
    "UPDATE maintenance_occurrences SET link_state = 'sent' WHERE id = ? AND link_state = 'pending'",
  )
    .bind(o.id)
    .run();
  return r.meta.changes ? 1 : 0;
}

/** Links left pending by a run that stopped after raising (older than a few minutes: not a run in progress). */
async function sendPendingLinks(ctx: ServiceContext, scheduledTime: number) {
  const before = new Date(scheduledTime - 5 * 60_000).toISOString();
  const { results } = await ctx.env.DB.prepare(
    `SELECT o.id, o.ticket_id, o.due_at, p.booking_window_days, p.time_zone
       FROM maintenance_occurrences o JOIN maintenance_plans p ON p.id = o.plan_id
      WHERE o.link_state = 'pending' AND o.created_at < ?1 ORDER BY o.created_at LIMIT 50`,
  )
    .bind(before)
    .all<{ id: string; ticket_id: string; due_at: string; booking_window_days: number; time_zone: string }>();
  let sent = 0;
  for (const o of results)
    sent += await sendLink(ctx, {
      id: o.id,
      ticketId: o.ticket_id,
      date: dateIn(o.time_zone, new Date(o.due_at)),
      windowDays: o.booking_window_days,
    }).catch(() => 0);
  return sent;
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
  const out = { raised: 0, skipped: 0, linked: 0 };
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
      `INSERT INTO maintenance_occurrences (id, plan_id, occurrence_date, due_at, status, ticket_id, moved_from, reason, link_state, created_at)
       VALUES (?1, ?2, ?3, ?4, 'raised', ?5, ?6, NULL, ?8, ?7) ON CONFLICT (plan_id, occurrence_date) DO NOTHING`,
    ).bind(
      row.id,
      plan.id,
      date,
      row.due_at,
      ticketId,
      row.moved_from,
      row.created_at,
      plan.sendBookingLink ? "pending" : null,
    );
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
    if (won) {
      out.raised++;
      if (plan.sendBookingLink)
        // A link that fails now stays pending for the next run; the other plans go on.
        out.linked += await sendLink(ctx, {
          id: row.id,
          ticketId,
          date: landed.date,
          windowDays: plan.bookingWindowDays,
        }).catch(() => 0);
    }
  }
  // The pointer moves past what was handled (a concurrent run that moved it already wins).
  const last = dates[dates.length - 1];
  if (last) {
    const pointer = pointerFrom(plan, addDays(last, 1));
    await ctx.env.DB.prepare(
      `UPDATE maintenance_plans SET next_date = ?1, next_raise_at = ?2, next_due_at = ?6, status = CASE WHEN ?1 IS NULL THEN 'ended' ELSE status END, updated_at = ?3
        WHERE id = ?4 AND next_date = ?5`,
    )
      .bind(pointer.nextDate, pointer.nextRaiseAt, nowIso(), plan.id, plan.nextDate, pointer.nextDueAt)
      .run();
  }
  return out;
}
