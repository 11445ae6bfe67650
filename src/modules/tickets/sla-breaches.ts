import { FINISHED_STATUSES, type TicketPriority, tickets } from "../../db/schema";
import { commitChange, domainEvent } from "../../lib/change-batch";
import type { ServiceContext } from "../../lib/context";
import { randomToken } from "../../lib/ids";

type Target = "response" | "resolution";

const MET_COLUMN: Record<Target, string> = { response: "responded_at", resolution: "resolved_at" };

/** Tickets flagged per batch; a run keeps going until none is left. */
const CHUNK = 200;

type Alert = "warning" | "breach";

const ALERT_COLUMNS: Record<Alert, (t: Target) => { at: string; flag: string }> = {
  warning: (t) => ({ at: `${t}_warning_at`, flag: `${t}_warned_at` }),
  breach: (t) => ({ at: `${t}_due_at`, flag: `${t}_breached_at` }),
};

/**
 * WO-6 and TIME-2 alerts. For each target and each alert (the warning share of the target, then the
 * breach), the tickets whose time has come are read, then one batch flags them (`… WHERE <flag> IS
 * NULL AND <time> <= now`, stamping a write token) and records, per ticket that was flagged, its
 * history row, its `sla.warning` or `sla.breached` event, its change-log entry and its report facts:
 * the owners' rows are guarded on each ticket carrying the token, so a ticket answered meanwhile gets
 * none. Flagging only unflagged rows makes a second run for the same time (the SLA timer's alarm and
 * the cron at once) a no-op; comparing with `<= now` catches up after missed runs. Paused and
 * finished tickets are skipped. Event ids are derived from ticket, target and the alert's time, so
 * a replay is recognised and a second alert (after the target was moved) is an event of its own.
 */
export async function flagSlaAlerts(ctx: ServiceContext, scheduledTime: number) {
  const { env } = ctx;
  const now = new Date(scheduledTime).toISOString();
  const counts: Record<Alert, number> = { warning: 0, breach: 0 };
  for (const alert of ["warning", "breach"] as Alert[])
    for (const target of ["response", "resolution"] as Target[]) {
      const { at, flag } = ALERT_COLUMNS[alert](target);
      const due = `${target}_due_at`;
      const overdue = `${flag} IS NULL AND ${MET_COLUMN[target]} IS NULL AND ${at} IS NOT NULL AND ${at} <= ?1
      AND ${target}_breached_at IS NULL AND sla_paused_at IS NULL
      AND status NOT IN (${FINISHED_STATUSES.map((st) => `'${st}'`).join(", ")})`;
      for (;;) {
        const { results: found } = await env.DB.prepare(
          `SELECT id, number, priority, ${due} AS due, ${at} AS at FROM tickets WHERE ${overdue} ORDER BY ${at} LIMIT ${CHUNK}`,
        )
          .bind(now)
          .all<{ id: string; number: string; priority: TicketPriority; due: string; at: string }>();
        if (!found.length) break;
        const token = `sla:${randomToken(12)}`;
        const action = alert === "breach" ? "sla_breached" : "sla_warning";
        const { results } = await commitChange(ctx, {
          statements: [
            env.DB.prepare(
              `UPDATE tickets SET ${flag} = ?1, write_token = ?2, version = version + 1
              WHERE id IN (SELECT value FROM json_each(?3)) AND ${overdue}`,
            ).bind(now, token, JSON.stringify(found.map((t) => t.id))),
            env.DB.prepare(
              `INSERT INTO ticket_history (id, ticket_id, actor_id, action, from_value, to_value, comment, internal, created_at)
             SELECT 'hst_' || ?4 || '_' || ?3 || '_' || id || '_' || ?2, id, NULL, ?4, ${at}, ?3, NULL, 0, ?1 FROM tickets WHERE write_token = ?2`,
            ).bind(now, token, target, action),
          ],
          guard: {
            sql: "EXISTS (SELECT 1 FROM tickets g WHERE g.id = :subject AND g.write_token = ?)",
            params: [token],
          },
          changed: found.map((t) => ({ table: tickets, id: t.id })),
          events: found.map((t) => ({
            event: {
              ...domainEvent(
                alert === "breach"
                  ? { type: "sla.breached", data: { target, number: t.number, priority: t.priority, due_at: t.due } }
                  : {
                      type: "sla.warning",
                      data: { target, number: t.number, priority: t.priority, due_at: t.due, warning_at: t.at },
                    },
                t.id,
                null,
                alert === "breach"
                  ? `evt_sla_${target}_${t.id}_${Date.parse(t.due)}`
                  : `evt_slw_${target}_${t.id}_${Date.parse(t.at)}`,
              ),
              occurred_at: now,
            },
          })),
        });
        counts[alert] += results[0]?.meta.changes ?? 0;
        if (found.length < CHUNK) break;
      }
    }
  return { warned: counts.warning, breached: counts.breach };
}

/** The breach check alone, as the tests and older callers know it. */
export async function flagSlaBreaches(ctx: ServiceContext, scheduledTime: number) {
  return { breached: (await flagSlaAlerts(ctx, scheduledTime)).breached };
}
