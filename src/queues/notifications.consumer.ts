import { systemContext } from "../lib/context";
import type { Env } from "../lib/env";
import { writeLog } from "../lib/log";
import { isDomainEvent, type QueueMessage } from "../lib/messages";
import { planNextService } from "../modules/maintenance";
import { DEAD_LETTER_QUEUE, backoffSeconds, deliver, fanOutEvent, keepDeadLetter } from "../modules/notifications";

export { DEAD_LETTER_QUEUE, backoffSeconds };

/** Parse, call the notifications verb, ack or retry — each message on its own, so one failure never redelivers its neighbours. */
export async function handleNotificationBatch(batch: MessageBatch<QueueMessage>, env: Env, ctx: ExecutionContext) {
  const system = systemContext(env, `queue:${batch.queue}`, (p) => ctx.waitUntil(p));
  for (const msg of batch.messages) {
    const messageId = (msg.body as { id?: string })?.id ?? msg.id;
    try {
      if (batch.queue === DEAD_LETTER_QUEUE) {
        await keepDeadLetter(system, { queue: batch.queue, messageId, body: msg.body, attempts: msg.attempts });
        writeLog(system.settings.logLevel, "error", { msg: "message dead-lettered", message_id: messageId });
        msg.ack();
        continue;
      }
      if (isDomainEvent(msg.body)) {
        await fanOutEvent(system, msg.body);
        // A work log's next service date plans the card's next visit (idempotent: keyed by the work log).
        await planNextService(system, msg.body);
        msg.ack();
        continue;
      }
      const result = await deliver(system, msg.body);
      if (result === "retry") msg.retry({ delaySeconds: backoffSeconds(msg.attempts) });
      else msg.ack();
    } catch (err) {
      writeLog(system.settings.logLevel, "warn", {
        msg: "queue message failed",
        message_id: messageId,
        attempts: msg.attempts,
        error: String(err),
      });
      msg.retry({ delaySeconds: backoffSeconds(msg.attempts) });
    }
  }
}
