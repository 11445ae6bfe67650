import { eq, sql } from "drizzle-orm";
import { QueryBuilder } from "drizzle-orm/sqlite-core";
import { fromStored } from "../../lib/archive";
import {
  calendars,
  FINISHED_STATUSES,
  slaPolicies,
  ticketSlaPeriods,
  tickets,
  UNFINISHED_STATUSES,
} from "../../db/schema";
import { commitChange, domainEvent } from "../../lib/change-batch";
import type { ServiceContext, UserContext } from "../../lib/context";
import { allReads, builtOnce, guardedInsert, inList, mapReads, reads, runReads, type Reads } from "../../lib/d1";
import { nowIso, randomToken } from "../../lib/ids";
import { ALWAYS_OPEN, type WorkingCalendar } from "../../lib/working-time";
import { workingCalendarOf } from "../calendars";
import { withVisibleTicket, type TicketRow } from "../access";
import { type ClockRow, planFor, recomputeClock, type SlaBasis, usedBetween, usedNow } from "./sla";
import { flagSlaAlerts } from "./sla-breaches";
import { guardedUpdate, historyRow } from "./tickets.repo";

type Db = ServiceContext["db"];

/** The reads a clock is computed from, as one batch: enabled policies, their calendars, the revision (SQL built once). */
const enabledPolicies = builtOnce(() =>
  new QueryBuilder().select().from(slaPolicies).where(eq(slaPolicies.enabled, true)),
);
const policyCalendars = builtOnce(() =>
  new QueryBuilder()
    .select()
    .from(calendars)
    .where(inList(calendars.id, sql`(SELECT calendar_id FROM sla_policies WHERE enabled = 1)`)),
);

export function slaBasisStatements(d1: D1Database): D1PreparedStatement[] {
  return [
    enabledPolicies(d1, {}),
    policyCalendars(d1, {}),
    d1.prepare("SELECT value FROM counters WHERE name = 'sla_revision'"),
  ];
}

/** The basis from the results of `slaBasisStatements`, in their order. */
export function basisOf([policies, cals, revision]: D1Result[]): SlaBasis {
  return {
    policies: (policies.results as Record<string, unknown>[]).map((row) => fromStored(slaPolicies, row)),
    calendars: new Map(
      (cals.results as Record<string, unknown>[]).map((row) => {
        const calendar = fromStored(calendars, row);
        return [calendar.id, workingCalendarOf(calendar)];
      }),
    ),
    revision: (revision.results[0] as { value: number } | undefined)?.value ?? 0,
  };
}

/** The basis as reads for a caller's batch. */
export function slaBasisReads(d1: D1Database): Reads<SlaBasis> {
  return { statements: slaBasisStatements(d1), finish: basisOf };
}

export async function readSlaBasis(db: Db): Promise<SlaBasis> {
  return basisOf(await db.$client.batch(slaBasisStatements(db.$client)));
}

/** The calendar a ticket's clock runs on: none named is 24×7 (no read). */
export async function clockCalendar(ctx: Pick<ServiceContext, "db">, calendarId: string | null) {
  if (!calendarId) return ALWAYS_OPEN;
  const row = await ctx.db.query.calendars.findFirst({ where: eq(calendars.id, calendarId) });
  return row ? workingCalendarOf(row) : ALWAYS_OPEN;
}

/** The calendar ticket `ticketId`'s clock runs on (as stored when the batch runs), for a caller's batch. */
export function clockCalendarReads(ctx: Pick<ServiceContext, "db">, ticketId: string): Reads<WorkingCalendar> {
  return mapReads(
    reads(
      ctx.db
        .select()
        .from(calendars)
        .where(eq(calendars.id, sql`(SELECT t.sla_calendar_id FROM tickets t WHERE t.id = ${ticketId})`))
        .limit(1),
    ),
    ([row]) => (row ? workingCalendarOf(row) : ALWAYS_OPEN),
  );
}

const UNFINISHED = `status IN (${UNFINISHED_STATUSES.map((s) => `'${s}'`).join(", ")})`;
/** Tickets recomputed per batch. */
const CHUNK = 25;

/**
 * After an SLA policy or a calendar changed (the revision went up): every open ticket computed
 * under an older revision is moved to the plan it gets now, keeping the working time it has used
 * (`recomputeClock`), with a history row, a ledger row and a `ticket.sla_changed` event each. Chunked;
 * each ticket's UPDATE is conditional on its old revision, so two runs at once never apply one twice.
 */
export async function recomputeSlaClocks(ctx: ServiceContext, now = nowIso()): Promise<number> {
  let recomputed = 0;
  for (let round = 0; round < 400; round++) {
    const basis = await readSlaBasis(ctx.db);
    if (!basis.revision) break;
    const rows = await ctx.db
      .select()
      .from(tickets)
      .where(sql`${sql.raw(UNFINISHED)} AND ${tickets.slaRevision} < ${basis.revision}`)
      .orderBy(tickets.slaRevision)
      .limit(CHUNK);
    if (!rows.length) break;
    const oldIds = [...new Set(rows.map((r) => r.slaCalendarId).filter((id): id is string => Boolean(id)))];
    const old = new Map(
      oldIds.length
        ? (await ctx.db.select().from(calendars).where(inList(calendars.id, oldIds))).map((c) => [
            c.id,
            workingCalendarOf(c),
          ])
        : [],
    );
    const token = `slr:${randomToken(12)}`;
    const db = ctx.env.DB;
    const statements: D1PreparedStatement[] = [];
    const events = [];
    const moved: typeof rows = [];
    const unchanged: string[] = [];
    for (const t of rows) {
      const plan = planFor(ctx.settings, basis, t);
      // A 24×7 clock whose plan is the same is untouched by any change: it only catches up with the revision.
      const same =
        !t.slaCalendarId &&
        !plan.calendarId &&
        plan.policyId === t.slaPolicyId &&
        (t.slaManual ||
          (plan.responseMinutes === t.slaResponseMinutes &&
            plan.resolutionMinutes === t.slaResolutionMinutes &&
            plan.warningPercent === t.slaWarningPercent));
      if (same) {
        unchanged.push(t.id);
        continue;
      }
      moved.push(t);
      const { set, periods } = recomputeClock(
        t,
        (t.slaCalendarId && old.get(t.slaCalendarId)) || ALWAYS_OPEN,
        t.slaManual ? { policyId: plan.policyId, calendarId: plan.calendarId, calendar: plan.calendar } : plan,
        basis.revision,
        now,
      );
      const guard = { sql: "EXISTS (SELECT 1 FROM tickets WHERE id = ? AND write_token = ?)", params: [t.id, token] };
      statements.push(
        guardedUpdate(db, t.id, { ...set, updated_at: now }, token, UNFINISHED_STATUSES, {
          sql: "sla_revision = ?",
          params: [t.slaRevision],
        }),
        ...periods.map((p) => guardedInsert(db, "ticket_sla_periods", { ...p }, guard)),
        guardedInsert(
          db,
          "ticket_history",
          historyRow(
            t.id,
            null,
            "sla_recomputed",
            t.resolutionDueAt,
            JSON.stringify({ response_due_at: set.response_due_at ?? null, resolution_due_at: set.resolution_due_at }),
            "The SLA policy or calendar changed; time already used is kept",
          ),
          guard,
        ),
      );
      events.push({
        event: domainEvent(
          {
            type: "ticket.sla_changed",
            data: Object.fromEntries(
              Object.entries(set).filter(([k, v]) => k.endsWith("_due_at") && typeof v === "string"),
            ),
          },
          t.id,
          null,
        ),
      });
    }
    if (unchanged.length)
      await db
        .prepare(
          "UPDATE tickets SET sla_revision = ?1 WHERE id IN (SELECT value FROM json_each(?2)) AND sla_revision < ?1",
        )
        .bind(basis.revision, JSON.stringify(unchanged))
        .run();
    if (moved.length)
      await commitChange(ctx, {
        statements,
        guard: { sql: "EXISTS (SELECT 1 FROM tickets g WHERE g.id = :subject AND g.write_token = ?)", params: [token] },
        changed: moved.map((t) => ({ table: tickets, id: t.id })),
        events,
      });
    recomputed += moved.length;
  }
  return recomputed;
}

/** The earliest warning or breach still to come for a running clock (null when none). */
export async function nextSlaDeadline(ctx: ServiceContext, nowMs: number): Promise<number | null> {
  const now = new Date(nowMs).toISOString();
  const live = `sla_paused_at IS NULL AND status NOT IN (${FINISHED_STATUSES.map((s) => `'${s}'`).join(", ")})`;
  const first = (col: string, flag: string, met: string) =>
    `(SELECT ${col} FROM tickets WHERE ${flag} IS NULL AND ${met} IS NULL AND ${col} > ?1 AND ${live} ORDER BY ${col} LIMIT 1)`;
  const row = await ctx.env.DB.prepare(
    `SELECT min(coalesce(${first("response_due_at", "response_breached_at", "responded_at")}, '~'),
       coalesce(${first("resolution_due_at", "resolution_breached_at", "resolved_at")}, '~'),
       coalesce(${first("response_warning_at", "response_warned_at", "responded_at")}, '~'),
       coalesce(${first("resolution_warning_at", "resolution_warned_at", "resolved_at")}, '~')) AS next`,
  )
    .bind(now)
    .first<{ next: string }>();
  return row && row.next !== "~" ? Date.parse(row.next) : null;
}

/** One run of the SLA clock: recompute behind the configuration, flag what is due, find the next deadline. */
export async function slaClockTick(ctx: ServiceContext, nowMs: number) {
  const recomputed = await recomputeSlaClocks(ctx, new Date(nowMs).toISOString());
  const { warned, breached } = await flagSlaAlerts(ctx, nowMs);
  return { recomputed, warned, breached, next: await nextSlaDeadline(ctx, nowMs) };
}

/** Working minutes a clock had used by `at`, from its ledger and its running stretch. */
export function usedBy(
  t: Pick<TicketRow, "slaClockFrom">,
  periods: { state: string; startedAt: string; endedAt: string; workingMinutes: number }[],
  calendar: WorkingCalendar,
  at: number,
): number {
  let used = 0;
  for (const p of periods) {
    if (p.state !== "running") continue;
    const from = Date.parse(p.startedAt);
    const to = Date.parse(p.endedAt);
    if (to <= at) used += p.workingMinutes;
    else if (from < at) used += usedBetween(calendar, from, at);
  }
  if (t.slaClockFrom && Date.parse(t.slaClockFrom) < at) used += usedBetween(calendar, Date.parse(t.slaClockFrom), at);
  return used;
}

export type { ClockRow };

/**
 * Why a ticket is (or will be) late: its policy and calendar, minutes used and left per target,
 * every stretch the clock ran or stood still, and the next deadline.
 */
/** What explains a ticket's SLA besides the ticket: its policy, its calendar and its clock's periods, as reads for one batch. */
function slaFactsReads(ctx: ServiceContext, ticketId: string) {
  const ofTicket = (column: typeof tickets.slaPolicyId | typeof tickets.slaCalendarId) =>
    sql`(SELECT ${column} FROM ${tickets} WHERE ${tickets.id} = ${ticketId})`;
  return allReads({
    policy: reads(
      ctx.db
        .select({ id: slaPolicies.id, name: slaPolicies.name })
        .from(slaPolicies)
        .where(eq(slaPolicies.id, ofTicket(tickets.slaPolicyId))),
    ),
    calendar: reads(
      ctx.db
        .select()
        .from(calendars)
        .where(eq(calendars.id, ofTicket(tickets.slaCalendarId))),
    ),
    periods: reads(
      ctx.db
        .select()
        .from(ticketSlaPeriods)
        .where(eq(ticketSlaPeriods.ticketId, ticketId))
        .orderBy(ticketSlaPeriods.startedAt, ticketSlaPeriods.id)
        .limit(500),
    ),
  });
}

type SlaFacts = ReturnType<typeof slaFactsReads> extends Reads<infer F> ? F : never;

export async function explainTicketSla(ctx: ServiceContext, t: TicketRow, nowMs = Date.now()) {
  return explainFrom(t, await runReads(ctx.env.DB, slaFactsReads(ctx, t.id)), nowMs);
}

function explainFrom(t: TicketRow, { policy, calendar, periods }: SlaFacts, nowMs: number) {
  const cal = calendar[0] ? workingCalendarOf(calendar[0]) : ALWAYS_OPEN;
  const used = usedNow(t, cal, nowMs);
  const clock: "running" | "paused" | "stopped" = t.slaClockFrom ? "running" : t.slaPausedAt ? "paused" : "stopped";
  const now = new Date(nowMs).toISOString();
  const target = (name: "response" | "resolution") => {
    const minutes = name === "response" ? t.slaResponseMinutes : t.slaResolutionMinutes;
    const metAt = name === "response" ? t.respondedAt : t.resolvedAt;
    const breachedAt = name === "response" ? t.responseBreachedAt : t.resolutionBreachedAt;
    const usedHere = metAt ? usedBy(t, periods, cal, Date.parse(metAt)) : used;
    return {
      target: name,
      minutes,
      used_minutes: Math.round(usedHere * 10) / 10,
      left_minutes: minutes === null ? null : Math.round((minutes - usedHere) * 10) / 10,
      due_at: name === "response" ? t.responseDueAt : t.resolutionDueAt,
      warning_at: name === "response" ? t.responseWarningAt : t.resolutionWarningAt,
      warned_at: name === "response" ? t.responseWarnedAt : t.resolutionWarnedAt,
      met_at: metAt,
      breached_at: breachedAt,
      status: metAt ? ("met" as const) : breachedAt ? ("breached" as const) : clock,
    };
  };
  const targets = [target("response"), target("resolution")];
  let next: { target: "response" | "resolution"; alert: "warning" | "breach"; at: string } | null = null;
  if (clock === "running")
    for (const s of targets) {
      if (s.met_at || s.breached_at) continue;
      const candidates: ["warning" | "breach", string | null][] = [
        ["warning", s.warned_at ? null : s.warning_at],
        ["breach", s.due_at],
      ];
      for (const [alert, at] of candidates)
        if (at && at > now && (!next || at < next.at)) next = { target: s.target, alert, at };
    }
  const open =
    clock === "running" && t.slaClockFrom
      ? [{ state: "running" as const, reason: "running", from: t.slaClockFrom }]
      : clock === "paused" && t.slaPausedAt
        ? [{ state: "paused" as const, reason: t.slaPauseReason ?? "on_hold", from: t.slaPausedAt }]
        : [];
  return {
    ticket_id: t.id,
    policy: policy[0] ?? null,
    calendar: calendar[0] ? { id: calendar[0].id, name: calendar[0].name, time_zone: calendar[0].timeZone } : null,
    targets_set_by_hand: t.slaManual,
    clock,
    pause_reason: t.slaPauseReason,
    used_minutes: Math.round(used * 10) / 10,
    targets,
    periods: [
      ...periods.map((p) => ({
        state: p.state,
        reason: p.reason,
        calendar_id: p.calendarId,
        started_at: p.startedAt,
        ended_at: p.endedAt,
        working_minutes: p.workingMinutes,
      })),
      ...open.map((o) => ({
        state: o.state,
        reason: o.reason,
        calendar_id: t.slaCalendarId,
        started_at: o.from,
        ended_at: null,
        working_minutes: Math.round(usedBetween(cal, Date.parse(o.from), nowMs) * 10) / 10,
      })),
    ],
    next_deadline: next,
  };
}

/** A ticket's SLA explained, the ticket and its facts in one round trip. */
export async function getTicketSlaExplained(ctx: UserContext, id: string) {
  const t = await withVisibleTicket(
    ctx,
    id,
    allReads({
      row: reads(ctx.db.select().from(tickets).where(eq(tickets.id, id)).limit(1)),
      facts: slaFactsReads(ctx, id),
    }),
  );
  return explainFrom(t.row[0], t.facts, Date.now());
}
