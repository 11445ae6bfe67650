import "./owners";
import "./identity";
import { createApp } from "./app";
import type { Env } from "./lib/env";
import { handleNotificationBatch } from "./queues/notifications.consumer";
import { handleJobBatch, JOBS_QUEUE } from "./queues/jobs.consumer";
import type { JobMessage, QueueMessage } from "./lib/messages";
import { runScheduled } from "./cron";

const app = createApp();

export default {
  fetch: (request: Request, env: Env, ctx: ExecutionContext) => app.fetch(request, env, ctx),
  queue: (batch: MessageBatch<QueueMessage | JobMessage>, env: Env, ctx: ExecutionContext) =>
    batch.queue === JOBS_QUEUE
      ? handleJobBatch(batch as MessageBatch<JobMessage>, env, ctx)
      : handleNotificationBatch(batch as MessageBatch<QueueMessage>, env, ctx),
  scheduled: (controller: ScheduledController, env: Env, ctx: ExecutionContext) => runScheduled(controller, env, ctx),
} satisfies ExportedHandler<Env, QueueMessage | JobMessage>;

export { TechnicianSchedule } from "./durable-objects/technician-schedule";
export { EventsHub } from "./durable-objects/events-hub";
export { VlanAllocator } from "./durable-objects/vlan-allocator";
export { SlaTimer } from "./durable-objects/sla-timer";
export { ElementManagerSimulator } from "./durable-objects/element-manager-simulator";
