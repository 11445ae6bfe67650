import type { ServiceContext } from "../../lib/context";
import { commitChange, domainEvent } from "../../lib/change-batch";
import { addDays, zonedTimeToUtc } from "../../lib/time";

/** A visit of a cancelled or closed ticket is not reminded (cancelling a ticket leaves its appointment row as it was). */
const TICKET_OPEN =
  "NOT EXISTS (SELECT 1 FROM tickets t WHERE t.id = appointments.ticket_id AND t.status IN ('cancelled', 'closed'))";

/**
 * SCH-7: two reminders per booked visit (scheduled or confirmed): the evening before at
 * REMINDER_EVENING_TIME, and REMINDER_LEAD_MINUTES before it. Each is claimed by a conditional
 * UPDATE of its own `…_sent_at IS NULL` column, so a second or retried run sends nothing again;
 * looking at every visit still ahead catches up after missed runs. The evening reminder is skipped
 * for a visit booked after that evening began, and once the lead reminder is due (no two at once).
 * Event ids derive from the appointment, so a redelivered event fans out to the same delivery ids.
 */
export async function sendAppointmentReminders(ctx: ServiceContext, scheduledTime: number) {
  const db = ctx.env.DB;
  const now = new Date(scheduledTime).toISOString();
  const horizon = new Date(scheduledTime + ctx.settings.reminderLeadMinutes * 60_000).toISOString();
  type Due = {
    id: string;
    ticket_id: string;
    technician_id: string;
    date: string;
    start_time: string;
    timezone: string;
  };
  const soon = await db
    .prepare(
      `UPDATE appointments SET reminder_sent_at = ?1
      WHERE status IN ('scheduled', 'confirmed') AND reminder_sent_at IS NULL AND starts_at > ?1 AND starts_at <= ?2 AND ${TICKET_OPEN}
      RETURNING id, ticket_id, technician_id, date, start_time, timezone`,
    )
    .bind(now, horizon)
    .all<Due>();
  const evening: Due[] = [];
  if (ctx.settings.reminderEveningTime) {
    // Candidates start within the next two days, beyond the lead window; the evening is local to each visit's zone.
    const candidates = await db
      .prepare(
        `SELECT id, ticket_id, technician_id, date, start_time, timezone, created_at FROM appointments
        WHERE status IN ('scheduled', 'confirmed') AND evening_reminder_sent_at IS NULL AND reminder_sent_at IS NULL AND starts_at > ?1 AND starts_at <= ?2 AND ${TICKET_OPEN}`,
      )
      .bind(horizon, new Date(scheduledTime + 2 * 24 * 3600_000).toISOString())
      .all<Due & { created_at: string }>();
    const due = candidates.results.filter((a) => {
      const eveningBefore = zonedTimeToUtc(
        addDays(a.date, -1),
        ctx.settings.reminderEveningTime,
        a.timezone,
      ).toISOString();
      return eveningBefore <= now && a.created_at < eveningBefore;
    });
    const claims = due.map((a) =>
      db
        .prepare(
          "UPDATE appointments SET evening_reminder_sent_at = ?1 WHERE id = ?2 AND evening_reminder_sent_at IS NULL RETURNING id",
        )
        .bind(now, a.id),
    );
    const claimed = claims.length ? await db.batch<{ id: string }>(claims) : [];
    claimed.forEach((r, i) => r.results.length && evening.push(due[i]));
  }
  const event = (a: Due, reminder: "evening" | "soon") => ({
    ...domainEvent(
      {
        type: "appointment.reminder",
        data: {
          appointment_id: a.id,
          technician_id: a.technician_id,
          reminder,
          when: `${a.date} ${a.start_time} (${a.timezone})`,
        },
      },
      a.ticket_id,
      null,
      reminder === "soon" ? `evt_reminder_${a.id}` : `evt_reminder_evening_${a.id}`,
    ),
    occurred_at: now,
  });
  const events = [...soon.results.map((a) => event(a, "soon")), ...evening.map((a) => event(a, "evening"))];
  if (events.length) await commitChange(ctx, { statements: [], events: events.map((e) => ({ event: e })) });
  return { reminded: events.length };
}

/** Links past expiry are revoked, so they read as revoked everywhere without comparing clocks. */
export async function revokeExpiredLinks(ctx: ServiceContext, scheduledTime: number) {
  const now = new Date(scheduledTime).toISOString();
  const result = await ctx.env.DB.prepare(
    "UPDATE appointment_links SET revoked_at = ?1 WHERE revoked_at IS NULL AND expires_at <= ?1",
  )
    .bind(now)
    .run();
  return result.meta.changes ?? 0;
}
