// Delivery (NTF-1…3, PLT-7): an event becomes in-app notifications, realtime pushes and one queue
// message per recipient, channel and webhook; each message is then sent exactly once per id.
import { notifications } from "../../db/schema";
import { commitChange } from "../../lib/change-batch";
import type { ServiceContext } from "../../lib/context";
import { isLocal } from "../../lib/env";
import { sendToQueue } from "../../lib/events";
import { eventsHub } from "../../lib/events-hub";
import { newId, nowIso } from "../../lib/ids";
import { isWebhook, type DomainEventMessage, type NotificationMessage, type WebhookMessage } from "../../lib/messages";
import { planFanOut } from "./fanout";
import { postWebhook, sendThroughProvider, type SendOutcome } from "./providers";
import { outboundTargetProblem } from "../../lib/outbound-targets";

export const DEAD_LETTER_QUEUE = "truckroll-notifications-dlq";
/** A claim older than this is from a consumer that died mid-send and may be taken over. */
const STALE_CLAIM_MS = 120_000;
/** Events whose realtime copy clients subscribe to (NTF-4). */
const REALTIME_EVENTS = new Set([
  "ticket.created",
  "ticket.assigned",
  "ticket.status_changed",
  "ticket.updated",
  "appointment.scheduled",
  "appointment.rescheduled",
]);

/** Exponential backoff for transient failures: 30 s, 60 s, 120 s … capped at 1 h. */
export function backoffSeconds(attempts: number): number {
  return Math.min(3600, 30 * 2 ** Math.max(0, attempts - 1));
}

/**
 * Event → in-app notifications, realtime pushes, and one queue message per recipient, channel and
 * webhook. Ids derive from the event, so a redelivered event inserts and enqueues nothing new
 * that has not been sent already (delivery claims each message id once).
 */
export async function fanOutEvent(ctx: ServiceContext, event: DomainEventMessage) {
  const plan = await planFanOut(ctx, event);
  const { env } = ctx;
  if (plan.inApp.length) {
    // One statement per row: D1 binds at most 100 parameters per statement. Each new notification
    // is logged for its user's phone in the same batch, once (ids derive from the event).
    const { results } = await commitChange(ctx, {
      statements: plan.inApp.map((n) =>
        env.DB.prepare(
          `INSERT INTO notifications (id, user_id, type, title, body, ticket_id, data, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
           ON CONFLICT DO NOTHING RETURNING id, user_id AS userId, title, type, ticket_id AS ticketId`,
        ).bind(n.id, n.userId, n.type, n.title, n.body, n.ticketId, JSON.stringify(n.data), event.occurred_at),
      ),
      // A redelivered event logs nothing twice: an entry is written only for a notification not logged yet.
      guard: {
        sql: "NOT EXISTS (SELECT 1 FROM sync_changes WHERE entity = 'notification' AND entity_id = :subject)",
        params: [],
      },
      changed: plan.inApp.map((n) => ({ table: notifications, id: n.id, of: n.userId })),
    });
    const created = results
      .slice(0, plan.inApp.length)
      .flatMap(
        (r) => r.results as { id: string; userId: string; title: string; type: string; ticketId: string | null }[],
      );
    for (const n of created) {
      await eventsHub(env).publish(
        { type: "notification.new", id: n.id, data: { id: n.id, type: n.type, title: n.title, ticket_id: n.ticketId } },
        { userIds: [n.userId], scopeAll: false },
      );
    }
  }
  if (plan.realtime && REALTIME_EVENTS.has(event.type)) {
    await eventsHub(env).publish(
      { type: event.type, id: event.id, data: { ticket_id: event.subject_id, ...event.data } },
      plan.realtime,
    );
  }
  // A message held back (quiet hours) is a delivery row from the start: it is visible in the log as
  // held, and the overdue sweep sends it again if the delayed queue message never arrives. A message
  // about a visit replaces the ones still held about the same visit on the same address (they are
  // marked superseded in the same batch); one with nothing true left to tell is only logged.
  const rows = plan.messages.filter((m) => m.delaySeconds || m.silenced || coalesceKeyOf(m.body));
  if (rows.length) {
    const now = Date.now();
    const stamp = new Date(now).toISOString();
    const statements: D1PreparedStatement[] = [];
    for (const m of rows) {
      const body = m.body as Deliverable;
      const meta = describe(body);
      const key = coalesceKeyOf(body);
      if (key && !m.silenced)
        statements.push(
          env.DB.prepare(
            `UPDATE deliveries SET status = 'superseded', last_error = ?3, updated_at = ?4
             WHERE coalesce_key = ?1 AND status = 'held' AND id != ?2 AND coalesce(json_extract(message, '$.event_at'), '') <= ?5`,
          ).bind(
            key,
            body.id,
            `Replaced by a newer message (${meta.eventType}).`,
            stamp,
            (body as NotificationMessage).event_at ?? "",
          ),
        );
      const status = m.silenced ? "superseded" : m.delaySeconds ? "held" : "pending";
      statements.push(
        env.DB.prepare(
          `INSERT INTO deliveries (id, event_id, event_type, channel, recipient, user_id, status, attempts, message, next_attempt_at, coalesce_key, last_error, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8, ?9, ?10, ?11, ?12, ?12) ON CONFLICT(id) DO NOTHING`,
        ).bind(
          body.id,
          meta.eventId,
          meta.eventType,
          meta.channel,
          meta.recipient,
          meta.userId,
          status,
          JSON.stringify(body),
          m.silenced ? null : new Date(now + (m.delaySeconds ?? 0) * 1000).toISOString(),
          key,
          m.silenced ?? null,
          stamp,
        ),
      );
    }
    await env.DB.batch(statements);
  }
  await sendToQueue(
    env,
    plan.messages.filter((m) => !m.silenced),
  );
}

function coalesceKeyOf(m: NotificationMessage | WebhookMessage): string | null {
  return !isWebhook(m) && m.coalesce_key ? m.coalesce_key : null;
}

/** How long past its due time a delivery may be before the sweep assumes its queue message was lost. */
export const OVERDUE_GRACE_MS = 10 * 60_000;

/**
 * Deliveries whose queue message never came back (a crash after the claim, a lost local queue, a
 * held text whose delayed message vanished): pending, retrying or claimed rows past their next
 * attempt by OVERDUE_GRACE_MS go back on the queue with their stored message. Each is pushed forward
 * first (a conditional UPDATE), so two overlapping sweeps send it once; delivery claims each
 * message id once, so a late original changes nothing.
 */
export async function redeliverOverdue(ctx: ServiceContext, scheduledTime: number) {
  const db = ctx.env.DB;
  const before = new Date(scheduledTime - OVERDUE_GRACE_MS).toISOString();
  const { results } = await db
    .prepare(
      "SELECT id, message, next_attempt_at FROM deliveries WHERE status IN ('pending', 'held', 'retrying', 'sending') AND next_attempt_at < ?1 ORDER BY next_attempt_at LIMIT 100",
    )
    .bind(before)
    .all<{ id: string; message: string; next_attempt_at: string }>();
  let resent = 0;
  for (const row of results) {
    const moved = await db
      .prepare("UPDATE deliveries SET next_attempt_at = ?2 WHERE id = ?1 AND next_attempt_at = ?3")
      .bind(row.id, new Date(scheduledTime + OVERDUE_GRACE_MS).toISOString(), row.next_attempt_at)
      .run();
    if (!moved.meta.changes) continue;
    await sendToQueue(ctx.env, [{ body: JSON.parse(row.message) }]);
    resent += 1;
  }
  return { resent };
}

type Deliverable = NotificationMessage | WebhookMessage;

function describe(m: Deliverable) {
  return isWebhook(m)
    ? {
        channel: "webhook" as const,
        recipient: m.webhook_id,
        userId: null,
        eventType: m.event_type,
        eventId: m.id.split(":")[0],
      }
    : {
        channel: m.channel,
        recipient: m.recipient.address,
        userId: m.recipient.user_id ?? null,
        eventType: m.event,
        eventId: m.id.includes(":") ? m.id.split(":")[0] : null,
      };
}

export type DeliveryResult = "sent" | "skipped" | "retry" | "failed";

/**
 * Exactly one provider call per message id: the delivery row is claimed with a conditional
 * UPDATE (pending/retrying, or a stale claim), so a redelivered or concurrently delivered copy
 * finds it taken or already sent and stops.
 */
export async function deliver(ctx: ServiceContext, m: Deliverable): Promise<DeliveryResult> {
  const db = ctx.env.DB;
  const now = nowIso();
  const meta = describe(m);
  await db
    .prepare(
      `INSERT INTO deliveries (id, event_id, event_type, channel, recipient, user_id, status, attempts, message, next_attempt_at, coalesce_key, created_at, updated_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', 0, ?7, ?8, ?9, ?8, ?8) ON CONFLICT(id) DO NOTHING`,
    )
    .bind(
      m.id,
      meta.eventId,
      meta.eventType,
      meta.channel,
      meta.recipient,
      meta.userId,
      JSON.stringify(m),
      now,
      coalesceKeyOf(m),
    )
    .run();
  const claimed = await db
    .prepare(
      `UPDATE deliveries SET status = 'sending', claimed_at = ?2, attempts = attempts + 1, updated_at = ?2, next_attempt_at = ?4
      WHERE id = ?1 AND (status IN ('pending', 'retrying') OR (status = 'held' AND next_attempt_at <= ?5) OR (status = 'sending' AND claimed_at < ?3))
      RETURNING attempts`,
    )
    .bind(
      m.id,
      now,
      new Date(Date.now() - STALE_CLAIM_MS).toISOString(),
      new Date(Date.now() + STALE_CLAIM_MS).toISOString(),
      // A held text goes out once quiet hours are over (a minute's slack for the queue's clock); one
      // that comes early waits for the overdue sweep.
      new Date(Date.now() + 60_000).toISOString(),
    )
    .first<{ attempts: number }>();
  if (!claimed) return "skipped";

  let outcome: SendOutcome;
  if (isWebhook(m)) {
    const hook = await db
      .prepare("SELECT url, secret, active FROM webhooks WHERE id = ?1")
      .bind(m.webhook_id)
      .first<{ url: string; secret: string; active: number }>();
    // Checked again at delivery: a target stored before the rule existed is refused, not called.
    const refused = hook?.active
      ? outboundTargetProblem(hook.url, { allowLocalDevelopment: isLocal(ctx.settings) })
      : null;
    outcome = !hook?.active
      ? { ok: false, transient: false, provider: "webhook", error: "webhook deleted or disabled" }
      : refused
        ? { ok: false, transient: false, provider: "webhook", error: `target refused: ${refused}` }
        : await postWebhook(hook.url, hook.secret, m.id, m.event_type, m.payload);
  } else {
    outcome = await sendThroughProvider(ctx.env, ctx.settings, m);
  }
  const status = outcome.ok ? "sent" : outcome.transient ? "retrying" : "failed";
  const nextAttempt =
    status === "retrying" ? new Date(Date.now() + backoffSeconds(claimed.attempts) * 1000).toISOString() : null;
  await db
    .prepare(
      `UPDATE deliveries SET status = ?2, provider = ?3, provider_response = ?4, last_error = ?5, sent_at = ?6, updated_at = ?7, next_attempt_at = ?8 WHERE id = ?1`,
    )
    .bind(
      m.id,
      status,
      outcome.provider,
      outcome.ok ? outcome.response : (outcome.response ?? null),
      outcome.ok ? null : outcome.error,
      outcome.ok ? nowIso() : null,
      nowIso(),
      nextAttempt,
    )
    .run();
  return outcome.ok ? "sent" : outcome.transient ? "retry" : "failed";
}

/** Kept, never dropped: the delivery row says dead, and the message itself is stored. */
export async function keepDeadLetter(
  ctx: ServiceContext,
  letter: { queue: string; messageId: string; body: unknown; attempts: number },
) {
  const db = ctx.env.DB;
  await db.batch([
    db.prepare("UPDATE deliveries SET status = 'dead', updated_at = ?2 WHERE id = ?1").bind(letter.messageId, nowIso()),
    db
      .prepare(
        "INSERT INTO dead_letters (id, queue, message_id, body, attempts, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
      )
      .bind(newId("dlq"), letter.queue, letter.messageId, JSON.stringify(letter.body), letter.attempts, nowIso()),
  ]);
}
