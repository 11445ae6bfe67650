import { feedback, ticketAssignees, tickets } from "../../db/schema";
import type { DerivedOwner } from "../../lib/change-batch";
import { zoneOffsetsJson } from "../../lib/time";

/**
 * Report aggregates, kept in step with every ticket change by their owner below (see
 * docs/reports.md for every definition).
 *
 * Each refresh recomputes the facts of some tickets from their rows and moves the aggregates by
 * the difference: subtract what the old facts contributed, rewrite the facts, add what the new
 * ones contribute. Applying a refresh twice is therefore harmless, and it needs nothing from the
 * change that caused it, so it rides at the end of every ticket change's batch.
 *
 * Technicians' rows carry no priority (''): no per-technician report splits by it, and a 30-day
 * team report then sums days × technicians rows, not five times as many.
 */

/** The per-day sums of report_daily. */
export const SUMS = [
  "created",
  "created_done",
  "created_cancelled",
  "completed",
  "resolve_seconds",
  "on_time",
  "on_time_of",
  "first_time_fixed",
  "rated",
  "rating_sum",
  "nps_count",
  "promoters",
  "detractors",
] as const;

const ZONE = `zone(s, m) AS (SELECT value->>0, value->>1 FROM json_each(?1))`;
const BY_IDS = `SELECT value FROM json_each(?2)`;
const BY_WRITE_TOKEN = `SELECT id FROM tickets WHERE write_token = ?2`;
const localDay = (column: string) =>
  `(SELECT date(${column}, z.m || ' minutes') FROM zone z WHERE z.s <= ${column} ORDER BY z.s DESC LIMIT 1)`;

const DONE = `('resolved', 'waiting_approval', 'closed')`;
const UNFINISHED = `('new', 'opened', 'assigned', 'in_progress', 'on_hold')`;

/** Every fact of the picked tickets, computed from the tickets, their assignees, history, visits and feedback. */
const insertFacts = (picked: string) => `
WITH ${ZONE}, picked(id) AS (${picked}),
base AS (
  SELECT t.id, t.priority, t.status, t.created_at, t.resolved_at,
    CASE WHEN t.status IN ${UNFINISHED} AND t.resolution_breached_at IS NOT NULL THEN 1 ELSE 0 END AS overdue,
    coalesce(t.team_supervisor_id,
      (SELECT p.supervisor_id FROM ticket_assignees a JOIN technician_profiles p ON p.user_id = a.technician_id
        WHERE a.ticket_id = t.id ORDER BY a.assigned_at, a.technician_id LIMIT 1), '') AS team_id,
    CASE WHEN t.status IN ${DONE} AND t.resolved_at IS NOT NULL THEN 1 ELSE 0 END AS done,
    max(0, CAST(round((julianday(t.resolved_at) - julianday(t.created_at)) * 86400) AS INTEGER) - t.sla_paused_seconds) AS net_seconds,
    CASE WHEN t.resolution_due_at IS NULL THEN NULL WHEN t.resolved_at <= t.resolution_due_at THEN 1 ELSE 0 END AS on_time,
    CASE WHEN EXISTS (SELECT 1 FROM ticket_history h WHERE h.ticket_id = t.id
                        AND (h.action = 'reject' OR (h.action = 'reopen' AND h.from_value IN ${DONE})))
           OR (SELECT count(*) FROM ticket_history h WHERE h.ticket_id = t.id AND h.action IN ('start', 'resume')) > 1
         THEN 0 ELSE 1 END AS first_time_fix,
    coalesce(
      (SELECT f.service_rating FROM feedback f WHERE f.ticket_id = t.id AND f.service_rating IS NOT NULL ORDER BY f.created_at DESC, f.id DESC LIMIT 1),
      (SELECT f.customer_satisfaction FROM feedback f WHERE f.ticket_id = t.id AND f.customer_satisfaction IS NOT NULL ORDER BY f.created_at DESC, f.id DESC LIMIT 1)) AS rating,
    (SELECT f.net_promoter_score FROM feedback f WHERE f.ticket_id = t.id AND f.net_promoter_score IS NOT NULL ORDER BY f.created_at DESC, f.id DESC LIMIT 1) AS nps
  FROM tickets t WHERE t.id IN (SELECT id FROM picked)
),
facts AS (
  SELECT b.*, ${localDay("b.created_at")} AS created_day,
    CASE WHEN b.done = 1 THEN ${localDay("b.resolved_at")} END AS resolved_day
  FROM base b
)
INSERT INTO report_ticket_facts (ticket_id, technician_id, team_id, priority, status, overdue, created_day, resolved_day, resolve_seconds, on_time, first_time_fix, rating, nps)
SELECT f.id, '', f.team_id, f.priority, f.status, f.overdue, f.created_day, f.resolved_day,
  CASE WHEN f.done = 1 THEN f.net_seconds END, CASE WHEN f.done = 1 THEN f.on_time END, CASE WHEN f.done = 1 THEN f.first_time_fix END,
  CASE WHEN f.done = 1 THEN f.rating END, CASE WHEN f.done = 1 THEN f.nps END
FROM facts f
UNION ALL
SELECT f.id, a.technician_id, coalesce(p.supervisor_id, ''), '', f.status, f.overdue, f.created_day, f.resolved_day,
  CASE WHEN f.done = 1 THEN f.net_seconds END, CASE WHEN f.done = 1 THEN f.on_time END, CASE WHEN f.done = 1 THEN f.first_time_fix END,
  CASE WHEN f.done = 1 THEN f.rating END, CASE WHEN f.done = 1 THEN f.nps END
FROM facts f JOIN ticket_assignees a ON a.ticket_id = f.id LEFT JOIN technician_profiles p ON p.user_id = a.technician_id`;

/** What the picked tickets' facts add to (sign +1) or take from (-1) the per-day sums. */
const moveDaily = (picked: string, sign: 1 | -1) => `
WITH picked(id) AS (${picked}),
parts AS (
  SELECT created_day AS day, technician_id, team_id, priority, 1 AS created, resolved_day IS NOT NULL AS created_done, status = 'cancelled' AS created_cancelled,
    0 AS completed, 0 AS resolve_seconds, 0 AS on_time, 0 AS on_time_of, 0 AS first_time_fixed, 0 AS rated, 0 AS rating_sum, 0 AS nps_count, 0 AS promoters, 0 AS detractors
  FROM report_ticket_facts WHERE ticket_id IN (SELECT id FROM picked)
  UNION ALL
  SELECT resolved_day, technician_id, team_id, priority, 0, 0, 0, 1, resolve_seconds, coalesce(on_time, 0), on_time IS NOT NULL,
    coalesce(first_time_fix, 0), rating IS NOT NULL, coalesce(rating, 0), nps IS NOT NULL, coalesce(nps >= 9, 0), coalesce(nps <= 6, 0)
  FROM report_ticket_facts WHERE ticket_id IN (SELECT id FROM picked) AND resolved_day IS NOT NULL
)
INSERT INTO report_daily (day, technician_id, team_id, priority, ${SUMS.join(", ")})
SELECT day, technician_id, team_id, priority, ${SUMS.map((c) => `${sign} * sum(${c})`).join(", ")}
FROM parts WHERE true GROUP BY day, technician_id, team_id, priority
ON CONFLICT (technician_id, day, team_id, priority) DO UPDATE SET ${SUMS.map((c) => `${c} = ${c} + excluded.${c}`).join(", ")}`;

const moveCurrent = (picked: string, sign: 1 | -1) => `
WITH picked(id) AS (${picked})
INSERT INTO report_current (technician_id, team_id, status, priority, tickets, overdue)
SELECT technician_id, team_id, status, priority, ${sign} * count(*), ${sign} * sum(overdue) FROM report_ticket_facts
WHERE ticket_id IN (SELECT id FROM picked) GROUP BY technician_id, team_id, status, priority
ON CONFLICT (technician_id, team_id, status, priority) DO UPDATE SET tickets = tickets + excluded.tickets, overdue = overdue + excluded.overdue`;

const deleteFacts = (picked: string) =>
  `WITH picked(id) AS (${picked}) DELETE FROM report_ticket_facts WHERE ticket_id IN (SELECT id FROM picked)`;

/** The SQL of one refresh, in order; `?1` binds the zone's offsets, `?2` the ticket ids (JSON). Also run by the benchmark's seeding. */
const refreshSql = (picked: string) => [
  moveDaily(picked, -1),
  moveCurrent(picked, -1),
  deleteFacts(picked),
  insertFacts(picked),
  moveDaily(picked, 1),
  moveCurrent(picked, 1),
];
export const REFRESH_SQL = refreshSql(BY_IDS);
const REFRESH_BY_TOKEN_SQL = refreshSql(BY_WRITE_TOKEN);

/** Every ticket at once, `?1` binding the zone's offsets: for seeding local and benchmark data, not for a Worker request. */
export const REFRESH_ALL_SQL = refreshSql("SELECT id FROM tickets");

/**
 * Empties the aggregates before a rebuild, except what archived tickets contribute: their rows
 * left the database, so their facts (kept) cannot be recomputed and are summed back as they are.
 */
export const CLEAR_SQL = [
  "DELETE FROM report_daily",
  "DELETE FROM report_current",
  "DELETE FROM report_ticket_facts WHERE ticket_id IN (SELECT id FROM tickets)",
  moveDaily("SELECT DISTINCT ticket_id FROM report_ticket_facts", 1),
  moveCurrent("SELECT DISTINCT ticket_id FROM report_ticket_facts", 1),
] as const;

/** Statements that bring the aggregates up to date for these tickets; append them to the batch that changed the tickets. */
export function ticketStatsStatements(
  db: D1Database,
  timeZone: string,
  ticketIds: readonly string[],
): D1PreparedStatement[] {
  if (!ticketIds.length) return [];
  const zone = zoneOffsetsJson(timeZone);
  const ids = JSON.stringify([...new Set(ticketIds)]);
  return bindRefresh(db, REFRESH_SQL, zone, ids);
}

function bindRefresh(db: D1Database, texts: readonly string[], zone: string, picked: string) {
  return texts.map((text) =>
    text.includes("?1") ? db.prepare(text).bind(zone, picked) : db.prepare(text.replaceAll("?2", "?1")).bind(picked),
  );
}

/**
 * The aggregates' owner: every change that touches a ticket, its assignees or its feedback
 * refreshes those tickets' facts in the change's batch. A refresh is harmless when the change lost
 * its race (it recomputes from the rows as they are), so it needs no guard.
 */
export const reportAggregatesOwner: DerivedOwner = {
  module: "reports",
  tables: ["report_ticket_facts", "report_daily", "report_current"],
  statements(db, ctx, change) {
    const ids = (change.changed ?? []).flatMap((row) =>
      row.table === tickets
        ? [row.id]
        : (row.table === ticketAssignees || row.table === feedback) && row.of
          ? [row.of]
          : [],
    );
    return ticketStatsStatements(db, ctx.settings.timeZone, ids);
  },
};
