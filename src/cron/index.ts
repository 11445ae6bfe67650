import type { Env } from "../lib/env";
import { cleanupExpired } from "./cleanup";
import { flagSlaBreaches } from "./sla-breaches";
import { sendAppointmentReminders } from "./reminders";

export const CRON_FREQUENT = "*/5 * * * *";
export const CRON_DAILY = "0 3 * * *";

/** One entry per schedule in wrangler.toml. Each job is idempotent for a given scheduledTime and catches up. */
const JOBS: Record<string, ((env: Env, scheduledTime: number) => Promise<unknown>)[]> = {
  [CRON_FREQUENT]: [flagSlaBreaches, sendAppointmentReminders],
  [CRON_DAILY]: [cleanupExpired],
};

export async function runScheduled(controller: ScheduledController, env: Env, _ctx: ExecutionContext) {
  const jobs = JOBS[controller.cron] ?? [];
  for (const job of jobs) {
    const result = await job(env, controller.scheduledTime);
    console.log(JSON.stringify({ level: "info", msg: "cron job done", cron: controller.cron, job: job.name, result }));
  }
}
