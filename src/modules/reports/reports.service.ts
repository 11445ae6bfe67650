import { TICKET_PRIORITIES, TICKET_STATUSES, UNFINISHED_STATUSES } from "../../db/schema";
import type { UserContext } from "../../lib/context";
import { nowIso } from "../../lib/ids";
import { AppError } from "../../lib/problem";
import { dayOf } from "../../lib/query-dialect";
import { addDays, todayIn } from "../../lib/time";
import { SUMS } from "./aggregates";
import { addSums, figures, lowestPerformer, trends, ZERO, type Figures, type Sums } from "./metrics";
import { MAX_PERIOD_DAYS } from "./reports.schemas";

// ---- periods and scope ----

export interface Period {
  from: string;
  to: string;
  time_zone: string;
}

const daysBetween = (from: string, to: string) =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;

/** The requested period in the deployment's calendar (default: the 30 days ending today; `from` alone: from then until today). */
export function periodOf(ctx: UserContext, q: { from?: string; to?: string }): Period {
  const zone = ctx.settings.timeZone;
  const to = q.to ? dayOf(q.to, zone) : todayIn(zone);
  const from = q.from ? dayOf(q.from, zone) : addDays(to, -29);
  if (daysBetween(from, to) > MAX_PERIOD_DAYS) {
    throw new AppError("validation_failed", `A report covers at most ${MAX_PERIOD_DAYS} days.`, {
      errors: [{ path: "from", in: "query", message: `At most ${MAX_PERIOD_DAYS} days before \`to\`` }],
    });
  }
  return { from, to, time_zone: ctx.settings.timeZone };
}

/** The period of the same length just before. */
export function previousPeriod(p: Period): Period {
  const n = daysBetween(p.from, p.to);
  return { from: addDays(p.from, -n), to: addDays(p.from, -1), time_zone: p.time_zone };
}

/** Whose figures the caller may see: every team, or their own (supervisors). */
export type ReportScope = { kind: "all"; teamId: string | null } | { kind: "team"; teamId: string };

export function reportScope(ctx: UserContext, teamId?: string): ReportScope {
  const perms = ctx.actor.permissions;
  if (perms.has("tickets:scope_all")) return { kind: "all", teamId: teamId ?? null };
  if (perms.has("tickets:scope_team")) {
    if (teamId && teamId !== ctx.actor.userId) throw new AppError("forbidden", "You can report on your own team only.");
    return { kind: "team", teamId: ctx.actor.userId };
  }
  throw new AppError("forbidden", "Reports need a team or company-wide view.");
}

// ---- reading the aggregates ----

const SUM_COLUMNS = SUMS.map((c) => `coalesce(sum(${c}), 0) AS ${c}`).join(", ");
const UNFINISHED = `(${UNFINISHED_STATUSES.map((st) => `'${st}'`).join(", ")})`;

/** `AND team_id = ?n` when the scope names a team. */
function teamFilter(scope: ReportScope, n: number): { sql: string; params: string[] } {
  return scope.teamId ? { sql: ` AND team_id = ?${n}`, params: [scope.teamId] } : { sql: "", params: [] };
}

function ticketSums(db: D1Database, scope: ReportScope, from: string, to: string) {
  const team = teamFilter(scope, 3);
  return db
    .prepare(`SELECT ${SUM_COLUMNS} FROM report_daily WHERE technician_id = '' AND day BETWEEN ?1 AND ?2${team.sql}`)
    .bind(from, to, ...team.params);
}

function technicianSums(db: D1Database, technicianId: string, from: string, to: string) {
  return db
    .prepare(`SELECT ${SUM_COLUMNS} FROM report_daily WHERE technician_id = ?3 AND day BETWEEN ?1 AND ?2`)
    .bind(from, to, technicianId);
}

const toSums = (row: Record<string, unknown> | object | undefined): Sums => addSums(ZERO, (row ?? {}) as Partial<Sums>);

interface TechnicianRow {
  technician_id: string;
  display_name: string;
  team_id: string | null;
  figures: Figures;
  pending: number;
  overdue: number;
}

/** A technician's name as reports show it (`u` is their user row). */
const DISPLAY_NAME = "coalesce(nullif(trim(u.first_name || ' ' || u.last_name), ''), u.username)";

/** Who a report covers: ?1 from, ?2 to, ?3 the team or the one technician; `filter` and `params` for the other statements. */
function membersOf(scope: ReportScope, only?: string) {
  const filter = only !== undefined ? "p.user_id = ?3" : scope.teamId ? "p.supervisor_id = ?3" : "1";
  return {
    filter,
    members: `SELECT p.user_id FROM technician_profiles p WHERE ${filter}`,
    params: only !== undefined ? [only] : scope.teamId ? [scope.teamId] : [],
  };
}

/** The technicians a scope covers (a team: its current members), with their names. */
function peopleStatement(db: D1Database, scope: ReportScope, period: Period, only?: string) {
  const { filter, params } = membersOf(scope, only);
  return db
    .prepare(
      `SELECT p.user_id AS id, p.supervisor_id AS team_id, ${DISPLAY_NAME} AS display_name
       FROM technician_profiles p JOIN users u ON u.id = p.user_id
      WHERE u.deleted_at IS NULL AND ${filter} AND ?1 <= ?2 ORDER BY p.user_id`,
    )
    .bind(period.from, period.to, ...params);
}

/**
 * The technicians the scope covers (a team: its current members), with their figures for the
 * period and their open work now; `also`, the report's statements that do not depend on them, go
 * in the same batch and are answered beside.
 */
async function technicianFigures(
  ctx: UserContext,
  scope: ReportScope,
  period: Period,
  only?: string,
  also: D1PreparedStatement[] = [],
): Promise<{ technicians: TechnicianRow[]; also: D1Result<Record<string, number | string | null>>[] }> {
  const db = ctx.env.DB;
  const { members, params } = membersOf(scope, only);
  const [people, sums, open, ...rest] = await db.batch<Record<string, number | string | null>>([
    peopleStatement(db, scope, period, only),
    db
      .prepare(
        `SELECT technician_id, ${SUM_COLUMNS} FROM report_daily
        WHERE technician_id IN (${members}) AND day BETWEEN ?1 AND ?2 GROUP BY technician_id`,
      )
      .bind(period.from, period.to, ...params),
    db
      .prepare(
        `SELECT technician_id, coalesce(sum(tickets), 0) AS pending, coalesce(sum(overdue), 0) AS overdue FROM report_current
        WHERE technician_id IN (${members}) AND status IN ${UNFINISHED} AND ?1 <= ?2 GROUP BY technician_id`,
      )
      .bind(period.from, period.to, ...params),
    ...also,
  ]);
  const sumsBy = new Map(sums.results.map((r) => [String(r.technician_id), toSums(r)]));
  const openBy = new Map(open.results.map((r) => [String(r.technician_id), r]));
  const technicians = people.results.map((t) => {
    const id = String(t.id);
    return {
      technician_id: id,
      display_name: String(t.display_name),
      team_id: t.team_id === null ? null : String(t.team_id),
      figures: figures(sumsBy.get(id) ?? ZERO),
      pending: Number(openBy.get(id)?.pending ?? 0),
      overdue: Number(openBy.get(id)?.overdue ?? 0),
    };
  });
  return { technicians, also: rest };
}

// ---- dashboard (RPT-1) ----

/**
 * The dashboard's leading technicians — those with work completed in the period or open now, by
 * tickets completed, then id — ranked in SQL on the one column that orders them, so only their
 * rows are summed in full: adding every technician's thirteen sums over the period was two thirds
 * of the dashboard's D1 time once every technician has a row for every day.
 */
function topTechniciansStatement(db: D1Database, scope: ReportScope, period: Period, limit: number) {
  const { filter, members, params } = membersOf(scope);
  const sums = SUMS.map((c) => `coalesce(sum(r.${c}), 0) AS ${c}`).join(", ");
  return db
    .prepare(
      `WITH done AS (SELECT technician_id, sum(completed) AS completed FROM report_daily
                      WHERE technician_id IN (${members}) AND day BETWEEN ?1 AND ?2 GROUP BY technician_id),
            open AS (SELECT technician_id, coalesce(sum(tickets), 0) AS pending, coalesce(sum(overdue), 0) AS overdue
                       FROM report_current WHERE technician_id IN (${members}) AND status IN ${UNFINISHED} GROUP BY technician_id),
            top AS (SELECT p.user_id AS id, p.supervisor_id AS team_id,
                           ${DISPLAY_NAME} AS display_name,
                           coalesce(o.pending, 0) AS pending, coalesce(o.overdue, 0) AS overdue
                      FROM technician_profiles p JOIN users u ON u.id = p.user_id
                      LEFT JOIN done d ON d.technician_id = p.user_id LEFT JOIN open o ON o.technician_id = p.user_id
                     WHERE u.deleted_at IS NULL AND ${filter} AND (coalesce(d.completed, 0) > 0 OR coalesce(o.pending, 0) > 0)
                     ORDER BY coalesce(d.completed, 0) DESC, p.user_id LIMIT ${limit})
       SELECT top.id, top.team_id, top.display_name, top.pending, top.overdue, ${sums}
         FROM top LEFT JOIN report_daily r ON r.technician_id = top.id AND r.day BETWEEN ?1 AND ?2
        GROUP BY top.id`,
    )
    .bind(period.from, period.to, ...params);
}

export async function dashboard(ctx: UserContext, q: { from?: string; to?: string; team_id?: string }) {
  const scope = reportScope(ctx, q.team_id);
  const period = periodOf(ctx, q);
  const today = todayIn(ctx.settings.timeZone);
  const db = ctx.env.DB;
  const team3 = teamFilter(scope, 3);
  const team1 = teamFilter(scope, 1);
  // The technicians' figures ride in the same batch: one round trip for the whole dashboard.
  const [periodSums, todaySums, perDay, current, active, top] = await db.batch<Record<string, number | string | null>>([
    ticketSums(db, scope, period.from, period.to),
    ticketSums(db, scope, today, today),
    db
      .prepare(`SELECT day, coalesce(sum(created), 0) AS created, coalesce(sum(completed), 0) AS resolved FROM report_daily
                 WHERE technician_id = '' AND day BETWEEN ?1 AND ?2${team3.sql} GROUP BY day`)
      .bind(period.from, period.to, ...team3.params),
    db
      .prepare(`SELECT status, priority, coalesce(sum(tickets), 0) AS tickets, coalesce(sum(overdue), 0) AS overdue FROM report_current
                 WHERE technician_id = ''${team1.sql} GROUP BY status, priority`)
      .bind(...team1.params),
    db
      .prepare(
        `SELECT count(*) AS n FROM technician_profiles p
         JOIN users u ON u.id = p.user_id AND u.status = 'active' AND u.deleted_at IS NULL
         JOIN attendance a ON a.user_id = p.user_id AND a.date = ?1 AND a.status = 'present'
        WHERE p.is_available = 1${scope.teamId ? " AND p.supervisor_id = ?2" : ""}
          AND EXISTS (SELECT 1 FROM report_current c WHERE c.technician_id = p.user_id AND c.status IN ${UNFINISHED} AND c.tickets > 0)`,
      )
      .bind(today, ...(scope.teamId ? [scope.teamId] : [])),
    topTechniciansStatement(db, scope, period, 10),
  ]);
  const byDay = new Map(perDay.results.map((r) => [String(r.day), r]));
  const trend: { day: string; created: number; resolved: number }[] = [];
  for (let d = period.from; d <= period.to; d = addDays(d, 1))
    trend.push({ day: d, created: Number(byDay.get(d)?.created ?? 0), resolved: Number(byDay.get(d)?.resolved ?? 0) });
  const statusCounts = new Map<string, number>();
  const priorityCounts = new Map<string, number>();
  let pending = 0;
  let overdue = 0;
  for (const r of current.results) {
    const n = Number(r.tickets);
    statusCounts.set(String(r.status), (statusCounts.get(String(r.status)) ?? 0) + n);
    if ((UNFINISHED_STATUSES as readonly string[]).includes(String(r.status))) {
      pending += n;
      overdue += Number(r.overdue);
      priorityCounts.set(String(r.priority), (priorityCounts.get(String(r.priority)) ?? 0) + n);
    }
  }
  const technicians = top.results
    .map(
      (t): TechnicianRow => ({
        technician_id: String(t.id),
        display_name: String(t.display_name),
        team_id: t.team_id === null ? null : String(t.team_id),
        figures: figures(toSums(t)),
        pending: Number(t.pending),
        overdue: Number(t.overdue),
      }),
    )
    .sort((a, b) => b.figures.resolved - a.figures.resolved || a.technician_id.localeCompare(b.technician_id));
  return {
    period,
    summary: {
      figures: figures(toSums(periodSums.results[0])),
      pending,
      overdue,
      completed_today: toSums(todaySums.results[0]).completed,
      active_technicians: Number(active.results[0]?.n ?? 0),
    },
    charts: {
      by_status: TICKET_STATUSES.map((status) => ({ status, tickets: statusCounts.get(status) ?? 0 })),
      by_priority: TICKET_PRIORITIES.map((priority) => ({ priority, tickets: priorityCounts.get(priority) ?? 0 })),
      completion_trend: trend,
      technicians,
    },
    generated_at: nowIso(),
  };
}

// ---- technician performance (FW-5) ----

const LOWEST_RULE = (min: number) =>
  `Among technicians with at least ${min} tickets created in the period: the lowest completion rate; ties go to the lower on-time rate, then the longer average completion time.`;

export async function teamReport(
  ctx: UserContext,
  q: { from?: string; to?: string; team_id?: string; technician_id?: string; min_tickets: number },
) {
  const scope = reportScope(ctx, q.team_id);
  const period = periodOf(ctx, q);
  const previous = previousPeriod(period);
  const db = ctx.env.DB;
  // The summary's sums ride in the technicians' batch; for a technician outside the scope they are not answered.
  const {
    technicians,
    also: [now, before],
  } = await technicianFigures(
    ctx,
    scope,
    period,
    undefined,
    q.technician_id
      ? [
          technicianSums(db, q.technician_id, period.from, period.to),
          technicianSums(db, q.technician_id, previous.from, previous.to),
        ]
      : [ticketSums(db, scope, period.from, period.to), ticketSums(db, scope, previous.from, previous.to)],
  );
  if (q.technician_id && !technicians.some((t) => t.technician_id === q.technician_id))
    throw new AppError("not_found", "No such technician in your reports.");
  const current = figures(toSums(now.results[0]));
  const prior = figures(toSums(before.results[0]));
  return {
    period,
    previous_period: previous,
    summary: {
      technician_id: q.technician_id ?? null,
      figures: current,
      previous: prior,
      trends: trends(current, prior),
    },
    technicians,
    lowest_performer: lowestPerformer(technicians, q.min_tickets),
    lowest_performer_rule: LOWEST_RULE(q.min_tickets),
    generated_at: nowIso(),
  };
}

/** One technician's performance: the technician themselves, their supervisor, or a company-wide reader; anyone else gets 404. */
export async function technicianPerformance(ctx: UserContext, technicianId: string, q: { from?: string; to?: string }) {
  const period = periodOf(ctx, q);
  const previous = previousPeriod(period);
  const self = ctx.actor.userId === technicianId;
  let scope: ReportScope = { kind: "all", teamId: null };
  if (!self) {
    if (!ctx.actor.permissions.has("reports:read")) throw new AppError("not_found", "No such technician.");
    scope = reportScope(ctx);
  }
  const db = ctx.env.DB;
  const {
    technicians: [row],
    also: [before, monthly],
  } = await technicianFigures(ctx, self ? { kind: "all", teamId: null } : scope, period, technicianId, [
    technicianSums(db, technicianId, previous.from, previous.to),
    db
      .prepare(
        `SELECT substr(day, 1, 7) AS month, ${SUM_COLUMNS} FROM report_daily WHERE technician_id = ?3 AND day BETWEEN ?1 AND ?2 GROUP BY month ORDER BY month`,
      )
      .bind(period.from, period.to, technicianId),
  ]);
  if (!row || (!self && scope.teamId && row.team_id !== scope.teamId))
    throw new AppError("not_found", "No such technician.");
  const prior = figures(toSums(before.results[0]));
  const byMonth = new Map(monthly.results.map((r) => [String(r.month), toSums(r)]));
  const months: { month: string; figures: Figures }[] = [];
  for (let m = period.from.slice(0, 7); m <= period.to.slice(0, 7); m = addDays(`${m}-28`, 7).slice(0, 7))
    months.push({ month: m, figures: figures(byMonth.get(m) ?? ZERO) });
  return {
    period,
    technician: row,
    previous: prior,
    trends: trends(row.figures, prior),
    monthly: months,
    generated_at: nowIso(),
  };
}

// ---- period reports (RPT-3) ----

const BUCKET: Record<"day" | "week" | "month" | "year", string> = {
  day: "day",
  week: "date(day, '-' || ((CAST(strftime('%w', day) AS INTEGER) + 6) % 7) || ' days')",
  month: "substr(day, 1, 7)",
  year: "substr(day, 1, 4)",
};

export async function periodReport(
  ctx: UserContext,
  q: {
    from?: string;
    to?: string;
    team_id?: string;
    granularity: "day" | "week" | "month" | "year";
    technician_id?: string;
    by: "period" | "technician";
  },
) {
  const scope = reportScope(ctx, q.team_id);
  const period = periodOf(ctx, q);
  const db = ctx.env.DB;
  const named = q.by === "technician" || q.technician_id !== undefined;
  const bucket = BUCKET[q.granularity];
  let statement: D1PreparedStatement;
  if (q.technician_id) {
    statement = db
      .prepare(
        `SELECT ${bucket} AS period, technician_id, ${SUM_COLUMNS} FROM report_daily WHERE technician_id = ?3 AND day BETWEEN ?1 AND ?2 GROUP BY 1 ORDER BY 1`,
      )
      .bind(period.from, period.to, q.technician_id);
  } else if (q.by === "technician") {
    const { filter, params } = membersOf(scope);
    statement = db
      .prepare(
        `SELECT ${bucket} AS period, technician_id, ${SUM_COLUMNS} FROM report_daily
          WHERE technician_id IN (SELECT p.user_id FROM technician_profiles p JOIN users u ON u.id = p.user_id WHERE u.deleted_at IS NULL AND ${filter})
            AND day BETWEEN ?1 AND ?2 GROUP BY 1, 2 ORDER BY 1, 2`,
      )
      .bind(period.from, period.to, ...params);
  } else {
    const team = teamFilter(scope, 3);
    statement = db
      .prepare(
        `SELECT ${bucket} AS period, NULL AS technician_id, ${SUM_COLUMNS} FROM report_daily WHERE technician_id = '' AND day BETWEEN ?1 AND ?2${team.sql} GROUP BY 1 ORDER BY 1`,
      )
      .bind(period.from, period.to, ...team.params);
  }
  // One batch: who the report names, its rows, and (by technician) the totals that count a shared ticket once.
  const byTechnician = q.by === "technician" && !q.technician_id;
  const [people, result, all] = await db.batch<Record<string, number | string | null>>([
    named ? peopleStatement(db, scope, period) : db.prepare("SELECT 1 WHERE 0"),
    statement,
    ...(byTechnician ? [ticketSums(db, scope, period.from, period.to)] : []),
  ]);
  const technicians = people.results as { id: string; display_name: string }[];
  if (q.technician_id && !technicians.some((t) => t.id === q.technician_id))
    throw new AppError("not_found", "No such technician in your reports.");
  const names = new Map(technicians.map((t) => [t.id, t.display_name]));
  let total = ZERO;
  const rows = result.results.map((r) => {
    const sums = toSums(r as Record<string, unknown>);
    if (!byTechnician) total = addSums(total, sums);
    const technicianId = r.technician_id === null ? null : String(r.technician_id);
    return {
      period: String(r.period),
      technician_id: technicianId,
      display_name: technicianId ? (names.get(technicianId) ?? null) : null,
      figures: figures(sums),
    };
  });
  // By technician, a ticket with two technicians appears under each: the totals count it once.
  if (byTechnician) total = toSums(all.results[0] as Record<string, unknown>);
  return { period, granularity: q.granularity, rows, totals: figures(total), generated_at: nowIso() };
}
