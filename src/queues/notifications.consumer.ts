import { createDb } from "../db/client";
import { sendToQueue } from "../lib/events";
import { notifications } from "../db/schema";
import { isLocal, settingsFrom, type Env } from "../lib/env";
import { newId, nowIso } from "../lib/ids";
import { planFanOut } from "../modules/notifications";
import { eventsHub } from "../lib/events-hub";
import { postWebhook, sendThroughProvider, type SendOutcome } from "../modules/notifications";
import { webhookTargetProblem } from "../modules/notifications";
import { isDomainEvent, isWebhook, type DomainEventMessage, type NotificationMessage, type QueueMessage, type WebhookMessage } from "../lib/messages";

export const DEAD_LETTER_QUEUE = "truckroll-notifications-dlq";
/** A claim older than this is from a consumer that died mid-send and may be taken over. */
const STALE_CLAIM_MS = 120_000;
/** Events whose realtime copy clients subscribe to (NTF-4). */
const REALTIME_EVENTS = new Set(["ticket.created", "ticket.assigned", "ticket.status_changed", "ticket.updated", "appointment.scheduled", "appointment.rescheduled"]);

/** Exponential backoff for transient failures: 30 s, 60 s, 120 s … capped at 1 h. */
export function backoffSeconds(attempts: number): number {
  return Math.min(3600, 30 * 2 ** Math.max(0, attempts - 1));
}

/** Event → in-app notifications, realtime pushes, and one queue message per recipient, channel and webhook. */
async function processEvent(env: Env, event: DomainEventMessage) {
  const plan = await planFanOut(env, event);
  const db = createDb(env.DB);
  if (plan.inApp.length) {
    // One statement per row: D1 binds at most 100 parameters per statement.
    const results = await db.batch(
      plan.inApp.map((n) =>
        db
          .insert(notifications)
          .values({ ...n, createdAt: event.occurred_at })
          .onConflictDoNothing()
          .returning({ id: notifications.id, userId: notifications.userId, title: notifications.title, type: notifications.type, ticketId: notifications.ticketId }),
      ) as [never, ...never[]],
    );
    const created = (results as { id: string; userId: string; title: string; type: string; ticketId: string | null }[][]).flat();
    for (const n of created) {
      await eventsHub(env).publish({ type: "notification.new", id: n.id, data: { id: n.id, type: n.type, title: n.title, ticket_id: n.ticketId } }, { userIds: [n.userId], scopeAll: false });
    }
  }
  if (plan.realtime && REALTIME_EVENTS.has(event.type)) {
    await eventsHub(env).publish({ type: event.type, id: event.id, data: { ticket_id: event.subject_id, ...event.data } }, plan.realtime);
  }
  await sendToQueue(env, plan.messages);
}

type Deliverable = NotificationMessage | WebhookMessage;

function describe(m: Deliverable) {
  return isWebhook(m)
    ? { channel: "webhook" as const, recipient: m.webhook_id, userId: null, eventType: m.event_type, eventId: m.id.split(":")[0] }
    : { channel: m.channel, recipient: m.recipient.address, userId: m.recipient.user_id ?? null, eventType: m.event, eventId: m.id.includes(":") ? m.id.split(":")[0] : null };
}

/**
 * Exactly one provider call per message id: the delivery row is claimed with a conditional
 * UPDATE (pending/retrying, or a stale claim), so a redelivered or concurrently delivered copy
 * finds it taken or already sent and stops.
 */
export async function deliver(env: Env, m: Deliverable): Promise<"sent" | "skipped" | "retry" | "failed"> {
  const now = nowIso();
  const meta = describe(m);
  await env.DB.prepare(
    `INSERT INTO deliveries (id, event_id, event_type, channel, recipient, user_id, status, attempts, message, created_at, updated_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', 0, ?7, ?8, ?8) ON CONFLICT(id) DO NOTHING`,
  )
    .bind(m.id, meta.eventId, meta.eventType, meta.channel, meta.recipient, meta.userId, JSON.stringify(m), now)
    .run();
  const claimed = await env.DB.prepare(
    `UPDATE deliveries SET status = 'sending', claimed_at = ?2, attempts = attempts + 1, updated_at = ?2
      WHERE id = ?1 AND (status IN ('pending', 'retrying') OR (status = 'sending' AND claimed_at < ?3))
      RETURNING attempts`,
  )
    .bind(m.id, now, new Date(Date.now() - STALE_CLAIM_MS).toISOString())
    .first<{ attempts: number }>();
  if (!claimed) return "skipped";

  let outcome: SendOutcome;
  if (isWebhook(m)) {
    const hook = await env.DB.prepare("SELECT url, secret, active FROM webhooks WHERE id = ?1").bind(m.webhook_id).first<{ url: string; secret: string; active: number }>();
    // Checked again at delivery: a target stored before the rule existed is refused, not called.
    const refused = hook?.active ? webhookTargetProblem(hook.url, { allowLocalDevelopment: isLocal(settingsFrom(env)) }) : null;
    outcome = !hook?.active
      ? { ok: false, transient: false, provider: "webhook", error: "webhook deleted or disabled" }
      : refused
        ? { ok: false, transient: false, provider: "webhook", error: `target refused: ${refused}` }
        : await postWebhook(hook.url, hook.secret, m.id, m.event_type, m.payload);
  } else {
    outcome = await sendThroughProvider(env, settingsFrom(env), m);
  }
  const status = outcome.ok ? "sent" : outcome.transient ? "retrying" : "failed";
  await env.DB.prepare(
    `UPDATE deliveries SET status = ?2, provider = ?3, provider_response = ?4, last_error = ?5, sent_at = ?6, updated_at = ?7 WHERE id = ?1`,
  )
    .bind(m.id, status, outcome.provider, outcome.ok ? outcome.response : outcome.response ?? null, outcome.ok ? null : outcome.error, outcome.ok ? nowIso() : null, nowIso())
    .run();
  return outcome.ok ? "sent" : outcome.transient ? "retry" : "failed";
}

export async function handleNotificationBatch(batch: MessageBatch<QueueMessage>, env: Env, _ctx: ExecutionContext) {
  if (batch.queue === DEAD_LETTER_QUEUE) {
    for (const msg of batch.messages) {
      const id = (msg.body as { id?: string })?.id ?? msg.id;
      // Kept, never dropped: the delivery row says dead, and the message itself is stored.
      await env.DB.batch([
        env.DB.prepare("UPDATE deliveries SET status = 'dead', updated_at = ?2 WHERE id = ?1").bind(id, nowIso()),
        env.DB.prepare("INSERT INTO dead_letters (id, queue, message_id, body, attempts, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)").bind(newId("dlq"), batch.queue, id, JSON.stringify(msg.body), msg.attempts, nowIso()),
      ]);
      console.error(JSON.stringify({ level: "error", msg: "message dead-lettered", message_id: id }));
      msg.ack();
    }
    return;
  }
  // Each message is acked or retried on its own: one failure never redelivers its neighbours.
  for (const msg of batch.messages) {
    try {
      if (isDomainEvent(msg.body)) {
        await processEvent(env, msg.body);
        msg.ack();
        continue;
      }
      const result = await deliver(env, msg.body);
      if (result === "retry") msg.retry({ delaySeconds: backoffSeconds(msg.attempts) });
      else msg.ack();
    } catch (err) {
      console.warn(JSON.stringify({ level: "warn", msg: "queue message failed", message_id: (msg.body as { id?: string })?.id, attempts: msg.attempts, error: String(err) }));
      msg.retry({ delaySeconds: backoffSeconds(msg.attempts) });
    }
  }
}

