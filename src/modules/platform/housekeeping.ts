import type { ServiceContext } from "../../lib/context";
import { IDEMPOTENCY_TTL_MS } from "../../middleware/idempotency";

/**
 * Runs a scheduled job at most once per scheduled time: the platform may deliver a trigger twice,
 * and a job already finished for this time is skipped. A job that failed is not recorded, so the
 * next run tries it again.
 */
export async function runOnce(ctx: ServiceContext, job: string, scheduledTime: number, run: () => Promise<unknown>) {
  const db = ctx.env.DB;
  const done = await db
    .prepare("SELECT 1 FROM cron_runs WHERE job = ?1 AND scheduled_time = ?2")
    .bind(job, scheduledTime)
    .first();
  if (done) return { skipped: true as const };
  const result = await run();
  await db
    .prepare("INSERT OR IGNORE INTO cron_runs (job, scheduled_time, finished_at) VALUES (?1, ?2, ?3)")
    .bind(job, scheduledTime, new Date().toISOString())
    .run();
  return { skipped: false as const, result };
}

/** Rate-limit windows that ended, idempotency keys over a day old, and the run log after a week. Deleting the deleted is a no-op. */
export async function deletePlatformLeftovers(ctx: ServiceContext, scheduledTime: number) {
  const db = ctx.env.DB;
  const results = await db.batch([
    db.prepare("DELETE FROM rate_limits WHERE expires_at <= ?1").bind(scheduledTime),
    db.prepare("DELETE FROM idempotency_keys WHERE created_at <= ?1").bind(scheduledTime - IDEMPOTENCY_TTL_MS),
    db.prepare("DELETE FROM cron_runs WHERE scheduled_time <= ?1").bind(scheduledTime - 7 * 24 * 3600 * 1000),
  ]);
  return results.reduce((n, r) => n + (r.meta.changes ?? 0), 0);
}
