import { FINISHED_STATUSES, type TicketPriority, tickets } from "../../db/schema";
import { commitChange, domainEvent } from "../../lib/change-batch";
import type { ServiceContext } from "../../lib/context";
import { randomToken } from "../../lib/ids";

type Target = "response" | "resolution";

const MET_COLUMN: Record<Target, string> = { response: "responded_at", resolution: "resolved_at" };

/** Tickets flagged per batch; a run keeps going until none is left. */
const CHUNK = 200;

/**
 * WO-6 breach detection. For each target, the overdue tickets are read, then one batch flags them
 * (`… WHERE <target>_breached_at IS NULL AND <target>_due_at <= now`, stamping a write token) and
 * records, per ticket that was flagged, its history row, its `sla.breached` event, its change-log
 * entry and its report facts: the owners' rows are guarded on each ticket carrying the token, so
 * a ticket answered meanwhile gets none. Flagging only unflagged rows makes a second run for the
 * same time a no-op; comparing with `<= now` catches up after missed runs. Paused (on hold) and
 * finished tickets are skipped. Event ids are derived from ticket, target and the missed due time,
 * so a replay is recognised and a second breach (after the target was moved) is an event of its own.
 */
export async function flagSlaBreaches(ctx: ServiceContext, scheduledTime: number) {
  const { env } = ctx;
  const now = new Date(scheduledTime).toISOString();
  let breached = 0;
  for (const target of ["response", "resolution"] as Target[]) {
    const flag = `${target}_breached_at`;
    const due = `${target}_due_at`;
    const overdue = `${flag} IS NULL AND ${MET_COLUMN[target]} IS NULL AND ${due} IS NOT NULL AND ${due} <= ?1
      AND sla_paused_at IS NULL AND status NOT IN (${FINISHED_STATUSES.map((st) => `'${st}'`).join(", ")})`;
    for (;;) {
      const { results: found } = await env.DB.prepare(
        `SELECT id, number, priority, ${due} AS due FROM tickets WHERE ${overdue} ORDER BY ${due} LIMIT ${CHUNK}`,
      )
        .bind(now)
        .all<{ id: string; number: string; priority: TicketPriority; due: string }>();
      if (!found.length) break;
      const token = `sla:${randomToken(12)}`;
      const { results } = await commitChange(ctx, {
        statements: [
          env.DB.prepare(
            `UPDATE tickets SET ${flag} = ?1, write_token = ?2, version = version + 1
              WHERE id IN (SELECT value FROM json_each(?3)) AND ${overdue}`,
          ).bind(now, token, JSON.stringify(found.map((t) => t.id))),
          env.DB.prepare(
            `INSERT INTO ticket_history (id, ticket_id, actor_id, action, from_value, to_value, comment, internal, created_at)
             SELECT 'hst_sla_' || ?3 || '_' || id || '_' || ?2, id, NULL, 'sla_breached', ${due}, ?3, NULL, 0, ?1 FROM tickets WHERE write_token = ?2`,
          ).bind(now, token, target),
        ],
        guard: { sql: "EXISTS (SELECT 1 FROM tickets g WHERE g.id = :subject AND g.write_token = ?)", params: [token] },
        changed: found.map((t) => ({ table: tickets, id: t.id })),
        events: found.map((t) => ({
          event: {
            ...domainEvent(
              { type: "sla.breached", data: { target, number: t.number, priority: t.priority, due_at: t.due } },
              t.id,
              null,
              `evt_sla_${target}_${t.id}_${Date.parse(t.due)}`,
            ),
            occurred_at: now,
          },
        })),
      });
      breached += results[0]?.meta.changes ?? 0;
      if (found.length < CHUNK) break;
    }
  }
  return { breached };
}
