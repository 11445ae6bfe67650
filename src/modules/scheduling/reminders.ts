import type { ServiceContext } from "../../lib/context";
import { publishEvents } from "../../lib/events";
import type { DomainEventMessage } from "../../lib/messages";

/**
 * SCH-7: one reminder per confirmed visit, REMINDER_LEAD_MINUTES before it. Flagging
 * `reminder_sent_at IS NULL` makes a second run (or a retried one) send nothing again; looking at
 * every visit that starts between now and now + lead catches up after missed runs, and visits
 * already past are not reminded. The event id is derived from the appointment, so a redelivered
 * event fans out to the same delivery ids and is never sent twice.
 */
export async function sendAppointmentReminders(ctx: ServiceContext, scheduledTime: number) {
  const db = ctx.env.DB;
  const now = new Date(scheduledTime).toISOString();
  const horizon = new Date(scheduledTime + ctx.settings.reminderLeadMinutes * 60_000).toISOString();
  const due = await db.prepare(
    `UPDATE appointments SET reminder_sent_at = ?1
      WHERE status = 'confirmed' AND reminder_sent_at IS NULL AND starts_at > ?1 AND starts_at <= ?2
      RETURNING id, ticket_id, technician_id, date, start_time, timezone`,
  )
    .bind(now, horizon)
    .all<{ id: string; ticket_id: string; technician_id: string; date: string; start_time: string; timezone: string }>();
  const events: DomainEventMessage[] = due.results.map((a) => ({
    kind: "event",
    id: `evt_reminder_${a.id}`,
    type: "appointment.reminder",
    subject_id: a.ticket_id,
    actor_id: null,
    data: { appointment_id: a.id, technician_id: a.technician_id, when: `${a.date} ${a.start_time} (${a.timezone})` },
    occurred_at: now,
  }));
  if (events.length) {
    await db.batch(
      events.map((e) =>
        db.prepare("INSERT OR IGNORE INTO domain_events (id, type, subject_id, actor_id, data, created_at) VALUES (?1, ?2, ?3, NULL, ?4, ?5)").bind(e.id, e.type, e.subject_id, JSON.stringify(e.data), e.occurred_at),
      ),
    );
    await publishEvents(ctx.env, events);
  }
  return { reminded: events.length };
}

/** Links past expiry are revoked, so they read as revoked everywhere without comparing clocks. */
export async function revokeExpiredLinks(ctx: ServiceContext, scheduledTime: number) {
  const now = new Date(scheduledTime).toISOString();
  const result = await ctx.env.DB.prepare("UPDATE appointment_links SET revoked_at = ?1 WHERE revoked_at IS NULL AND expires_at <= ?1").bind(now).run();
  return result.meta.changes ?? 0;
}
