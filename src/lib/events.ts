import type { Env } from "./env";
import type { QueueMessage } from "./messages";

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
