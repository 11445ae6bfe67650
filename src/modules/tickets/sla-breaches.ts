import type { ServiceContext } from "../../lib/context";
import { publishEvents } from "../../lib/events";
import { FINISHED_STATUSES } from "../../db/schema";
import { randomToken } from "../../lib/ids";
import type { DomainEventMessage } from "../../lib/messages";
import { ticketStatsByWriteTokenStatements } from "./ticket-stats";

type Target = "response" | "resolution";

const MET_COLUMN: Record<Target, string> = { response: "responded_at", resolution: "resolved_at" };

/**
 * WO-6 breach detection. For each target, one batch flags every overdue ticket
 * (`… WHERE <target>_breached_at IS NULL AND <target>_due_at <= now`) and, guarded on the same
 * write token, writes its history row and its `sla.breached` event. Flagging only unflagged rows
 * makes a second run for the same time a no-op; comparing with `<= now` catches up after missed
 * runs. Paused (on hold) and finished tickets are skipped. Event ids are derived from ticket and
 * target, so consumers can de-duplicate a replay. The one ticket write outside changeTicket: it
 * changes every breached ticket in one statement instead of one batch per ticket.
 */
export async function flagSlaBreaches(ctx: ServiceContext, scheduledTime: number) {
  const { env } = ctx;
  const now = new Date(scheduledTime).toISOString();
  const events: DomainEventMessage[] = [];
  for (const target of ["response", "resolution"] as Target[]) {
    const token = `sla:${randomToken(12)}`;
    const breached = `${target}_breached_at`;
    const due = `${target}_due_at`;
    const [flagged] = await env.DB.batch<{ id: string; number: string; priority: string; due: string }>([
      env.DB.prepare(
        `UPDATE tickets SET ${breached} = ?1, write_token = ?2, version = version + 1
          WHERE ${breached} IS NULL AND ${MET_COLUMN[target]} IS NULL AND ${due} IS NOT NULL AND ${due} <= ?1
            AND sla_paused_at IS NULL AND status NOT IN (${FINISHED_STATUSES.map((st) => `'${st}'`).join(", ")})
          RETURNING id, number, priority, ${due} AS due`,
      ).bind(now, token),
      env.DB.prepare(
        `INSERT INTO ticket_history (id, ticket_id, actor_id, action, from_value, to_value, comment, internal, created_at)
         SELECT 'hst_sla_' || ?3 || '_' || id, id, NULL, 'sla_breached', ${due}, ?3, NULL, 0, ?1 FROM tickets WHERE write_token = ?2`,
      ).bind(now, token, target),
      env.DB.prepare(
        `INSERT OR IGNORE INTO domain_events (id, type, subject_id, actor_id, data, created_at)
         SELECT 'evt_sla_' || ?3 || '_' || id, 'sla.breached', id, NULL,
                json_object('target', ?3, 'number', number, 'priority', priority, 'due_at', ${due}), ?1
           FROM tickets WHERE write_token = ?2`,
      ).bind(now, token, target),
      // Phones holding the ticket see the breach in their next delta (as after any other change).
      env.DB.prepare(
        `INSERT INTO sync_changes (scope, entity, entity_id, op, created_at)
         SELECT 't:' || id, 'ticket', id, 'upsert', ?1 FROM tickets WHERE write_token = ?2`,
      ).bind(now, token),
      // A resolution breach makes the ticket overdue in the reports.
      ...(target === "resolution" ? ticketStatsByWriteTokenStatements(env.DB, ctx.settings.timeZone, token) : []),
    ]);
    for (const row of flagged.results) {
      events.push({
        kind: "event",
        id: `evt_sla_${target}_${row.id}`,
        type: "sla.breached",
        subject_id: row.id,
        actor_id: null,
        data: { target, number: row.number, priority: row.priority, due_at: row.due },
        occurred_at: now,
      });
    }
  }
  await publishEvents(env, events);
  return { breached: events.length };
}
