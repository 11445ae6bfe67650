import type { Env } from "./env";
import { newId, nowIso } from "./ids";
import type { DomainEventMessage, QueueMessage } from "./messages";

/**
 * Domain events: their shape, their `domain_events` row, and the one way they are published.
 * An event's row is written in the same D1 batch as the change it describes (see the tickets
 * module's `changeTicket`); it is published only after that batch commits.
 */
export function domainEvent(
  type: string,
  subjectId: string,
  actorId: string | null,
  data: Record<string, unknown>,
): DomainEventMessage {
  return {
    kind: "event",
    id: newId("evt"),
    type,
    subject_id: subjectId,
    actor_id: actorId,
    data,
    occurred_at: nowIso(),
  };
}

export function eventRow(event: DomainEventMessage): Record<string, string | null> {
  return {
    id: event.id,
    type: event.type,
    subject_id: event.subject_id,
    actor_id: event.actor_id,
    data: JSON.stringify(event.data),
    created_at: event.occurred_at,
  };
}

/** Queues accept at most 100 messages per sendBatch. */
const QUEUE_BATCH = 100;

/** Sends queue messages in batches of 100; awaited, so a failed send fails the caller (nothing silent). */
export async function sendToQueue(
  env: Pick<Env, "NOTIFICATIONS">,
  messages: { body: QueueMessage; delaySeconds?: number }[],
) {
  for (let i = 0; i < messages.length; i += QUEUE_BATCH) {
    await env.NOTIFICATIONS.sendBatch(
      messages
        .slice(i, i + QUEUE_BATCH)
        .map((m) => ({ body: m.body, contentType: "json" as const, delaySeconds: m.delaySeconds })),
    );
  }
}

/**
 * Publishes committed events to the notifications queue, where fan-out, webhooks and realtime
 * start, then marks them published. The event rows were written in the change's batch (the
 * outbox); a worker that dies before this line leaves them unpublished, and the relay
 * (`relayUnpublishedEvents`, every 5 minutes) sends them. A crash between the send and the mark
 * sends an event twice: every consumer keys its work by the event id (one delivery per event,
 * recipient and channel), so the second copy changes nothing.
 */
export async function publishEvents(
  env: Pick<Env, "NOTIFICATIONS" | "DB">,
  events: DomainEventMessage[],
  waitUntil?: (p: Promise<unknown>) => void,
) {
  if (!events.length) return;
  await sendToQueue(
    env,
    events.map((body) => ({ body })),
  );
  const ids = events.map((e) => e.id);
  if (!waitUntil) return markPublished(env, ids);
  // Off the request's path: started after the answer is on its way (a later task), finished under
  // waitUntil. Should the isolate stop first, the relay republishes and consumers ignore the copy.
  waitUntil(
    new Promise((resolve) => setTimeout(resolve, 0)).then(() => markPublished(env, ids)).catch(() => undefined),
  );
}

async function markPublished(env: Pick<Env, "DB">, ids: string[]) {
  const now = nowIso();
  for (let i = 0; i < ids.length; i += 90) {
    const chunk = ids.slice(i, i + 90);
    await env.DB.prepare(
      `UPDATE domain_events SET published_at = ?1 WHERE published_at IS NULL AND id IN (${chunk.map((_, j) => `?${j + 2}`).join(", ")})`,
    )
      .bind(now, ...chunk)
      .run();
  }
}

/** Events committed at least this long ago and still unpublished were left by a worker that died. */
export const RELAY_GRACE_MS = 60_000;

/** The outbox relay: publishes committed, unpublished events, oldest first, in bounded chunks. */
export async function relayUnpublishedEvents(
  env: Pick<Env, "NOTIFICATIONS" | "DB">,
  scheduledTime: number,
  limit = 500,
) {
  const before = new Date(scheduledTime - RELAY_GRACE_MS).toISOString();
  const { results } = await env.DB.prepare(
    "SELECT id, type, subject_id, actor_id, data, created_at FROM domain_events WHERE published_at IS NULL AND created_at < ?1 ORDER BY created_at LIMIT ?2",
  )
    .bind(before, limit)
    .all<{ id: string; type: string; subject_id: string; actor_id: string | null; data: string; created_at: string }>();
  const events: DomainEventMessage[] = results.map((r) => ({
    kind: "event",
    id: r.id,
    type: r.type,
    subject_id: r.subject_id,
    actor_id: r.actor_id,
    data: JSON.parse(r.data),
    occurred_at: r.created_at,
  }));
  await publishEvents(env, events);
  return { published: events.length };
}
