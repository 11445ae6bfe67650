import { createDb } from "../db/client";
import { deadLetters, devOutbox } from "../db/schema";
import { isLocal, settingsFrom, type Env } from "../lib/env";
import { newId, nowIso } from "../lib/ids";
import { isDomainEvent, type NotificationMessage, type QueueMessage } from "./messages";

export const DEAD_LETTER_QUEUE = "truckroll-notifications-dlq";

/** Exponential backoff for transient failures: 30 s, 60 s, 120 s … capped at 1 h. */
export function backoffSeconds(attempts: number): number {
  return Math.min(3600, 30 * 2 ** Math.max(0, attempts - 1));
}

class NoProviderConfigured extends Error {}

/**
 * Until the delivery adapters land, local development writes every message to the development
 * outbox; elsewhere there is no provider yet, so messages retry and end in the dead-letter queue
 * (kept, never dropped). Outbox rows are keyed by message id, so a redelivery writes nothing twice.
 */
async function deliver(env: Env, message: NotificationMessage): Promise<void> {
  if (!isLocal(settingsFrom(env))) throw new NoProviderConfigured(`no ${message.channel} provider configured`);
  await createDb(env.DB)
    .insert(devOutbox)
    .values({
      id: message.id,
      channel: message.channel,
      recipient: message.recipient.address.toLowerCase(),
      subject: message.subject ?? null,
      body: message.body,
      eventType: message.event,
      createdAt: nowIso(),
    })
    .onConflictDoNothing();
}

export async function handleNotificationBatch(batch: MessageBatch<QueueMessage>, env: Env, _ctx: ExecutionContext) {
  if (batch.queue === DEAD_LETTER_QUEUE) {
    for (const msg of batch.messages) {
      await createDb(env.DB)
        .insert(deadLetters)
        .values({ id: newId("dlq"), queue: batch.queue, messageId: msg.body?.id ?? msg.id, body: msg.body, attempts: msg.attempts, createdAt: nowIso() })
        .onConflictDoNothing();
      console.error(JSON.stringify({ level: "error", msg: "notification dead-lettered", message_id: msg.body?.id ?? msg.id, event: isDomainEvent(msg.body) ? msg.body.type : msg.body?.event }));
      msg.ack();
    }
    return;
  }
  // Each message is acked or retried on its own: one failure never redelivers its neighbours.
  for (const msg of batch.messages) {
    if (isDomainEvent(msg.body)) {
      // Domain events are already stored in domain_events with the change that raised them;
      // fanning them out into messages per recipient is the delivery work's job.
      msg.ack();
      continue;
    }
    try {
      await deliver(env, msg.body);
      msg.ack();
    } catch (err) {
      console.warn(JSON.stringify({ level: "warn", msg: "notification delivery failed", message_id: msg.body?.id, attempts: msg.attempts, error: String(err) }));
      msg.retry({ delaySeconds: backoffSeconds(msg.attempts) });
    }
  }
}
