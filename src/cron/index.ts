import type { Env } from "../lib/env";
import { cleanupExpired } from "./cleanup";
import { sendAppointmentReminders } from "./reminders";
import { flagSlaBreaches } from "./sla-breaches";

export const CRON_FREQUENT = "*/5 * * * *";
export const CRON_DAILY = "0 3 * * *";

type Job = (env: Env, scheduledTime: number) => Promise<unknown>;

/** One entry per schedule in wrangler.toml. Each job is idempotent on its own and catches up after missed runs. */
const JOBS: Record<string, Job[]> = {
  [CRON_FREQUENT]: [flagSlaBreaches, sendAppointmentReminders],
  [CRON_DAILY]: [cleanupExpired],
};

/**
 * Runs the jobs of a schedule. A job that already finished for this scheduledTime (the platform
 * may deliver a trigger twice) is skipped outright; a job that failed is not recorded, so the
 * next run tries it again.
 */
export async function runScheduled(controller: ScheduledController, env: Env, _ctx: ExecutionContext) {
  for (const job of JOBS[controller.cron] ?? []) {
    const done = await env.DB.prepare("SELECT 1 FROM cron_runs WHERE job = ?1 AND scheduled_time = ?2").bind(job.name, controller.scheduledTime).first();
    if (done) continue;
    const result = await job(env, controller.scheduledTime);
    await env.DB.prepare("INSERT OR IGNORE INTO cron_runs (job, scheduled_time, finished_at) VALUES (?1, ?2, ?3)").bind(job.name, controller.scheduledTime, new Date().toISOString()).run();
    console.log(JSON.stringify({ level: "info", msg: "cron job done", cron: controller.cron, job: job.name, result }));
  }
}
