import { createApp } from "./app";
import type { Env } from "./lib/env";
import { handleNotificationBatch } from "./queues/notifications.consumer";
import type { QueueMessage } from "./lib/messages";
import { runScheduled } from "./cron";

const app = createApp();

export default {
  fetch: (request: Request, env: Env, ctx: ExecutionContext) => app.fetch(request, env, ctx),
  queue: (batch: MessageBatch<QueueMessage>, env: Env, ctx: ExecutionContext) => handleNotificationBatch(batch, env, ctx),
  scheduled: (controller: ScheduledController, env: Env, ctx: ExecutionContext) => runScheduled(controller, env, ctx),
} satisfies ExportedHandler<Env, QueueMessage>;

export { TechnicianSchedule } from "./durable-objects/technician-schedule";
export { EventsHub } from "./durable-objects/events-hub";
