import type { Env } from "./env";
import { newId, nowIso } from "./ids";
import type { DomainEventMessage, QueueMessage } from "./messages";

/**
 * Domain events: their shape, their `domain_events` row, and the one way they are published.
 * An event's row is written in the same D1 batch as the change it describes (see the tickets
 * module's `changeTicket`); it is published only after that batch commits.
 */
export function domainEvent(type: string, subjectId: string, actorId: string | null, data: Record<string, unknown>): DomainEventMessage {
  return { kind: "event", id: newId("evt"), type, subject_id: subjectId, actor_id: actorId, data, occurred_at: nowIso() };
}

export function eventRow(event: DomainEventMessage): Record<string, string | null> {
  return { id: event.id, type: event.type, subject_id: event.subject_id, actor_id: event.actor_id, data: JSON.stringify(event.data), created_at: event.occurred_at };
}

/** Queues accept at most 100 messages per sendBatch. */
const QUEUE_BATCH = 100;

/** Sends queue messages in batches of 100; awaited, so a failed send fails the caller (nothing silent). */
export async function sendToQueue(env: Pick<Env, "NOTIFICATIONS">, messages: { body: QueueMessage; delaySeconds?: number }[]) {
  for (let i = 0; i < messages.length; i += QUEUE_BATCH) {
    await env.NOTIFICATIONS.sendBatch(messages.slice(i, i + QUEUE_BATCH).map((m) => ({ body: m.body, contentType: "json" as const, delaySeconds: m.delaySeconds })));
  }
}

/** Publishes committed events to the notifications queue, where fan-out, webhooks and realtime start. */
export async function publishEvents(env: Pick<Env, "NOTIFICATIONS">, events: DomainEventMessage[]) {
  await sendToQueue(env, events.map((body) => ({ body })));
}
