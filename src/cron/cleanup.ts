import type { Env } from "../lib/env";
import { IDEMPOTENCY_TTL_MS } from "../middleware/idempotency";

/**
 * Deletes what can no longer be used: rate-limit windows that ended, idempotency keys over a day
 * old, one-time codes and reset
 * tokens past expiry, and sessions (with their refresh tokens) that ended over 30 days ago.
 * Deleting the already-deleted changes nothing, so a second run in a row is a no-op.
 */
export async function cleanupExpired(env: Env, scheduledTime: number) {
  const now = new Date(scheduledTime).toISOString();
  const retention = new Date(scheduledTime - 30 * 24 * 3600 * 1000).toISOString();
  const db = env.DB;
  const results = await db.batch([
    db.prepare("DELETE FROM rate_limits WHERE expires_at <= ?1").bind(scheduledTime),
    db.prepare("DELETE FROM idempotency_keys WHERE created_at <= ?1").bind(scheduledTime - IDEMPOTENCY_TTL_MS),
    db.prepare("DELETE FROM cron_runs WHERE scheduled_time <= ?1").bind(scheduledTime - 7 * 24 * 3600 * 1000),
    db.prepare("UPDATE appointment_links SET revoked_at = ?1 WHERE revoked_at IS NULL AND expires_at <= ?1").bind(now),
    db.prepare("DELETE FROM otp_codes WHERE expires_at <= ?1").bind(now),
    db.prepare("DELETE FROM password_reset_tokens WHERE expires_at <= ?1").bind(now),
    db
      .prepare(
        `DELETE FROM refresh_tokens WHERE session_id IN
           (SELECT id FROM sessions WHERE expires_at <= ?1 OR (revoked_at IS NOT NULL AND revoked_at <= ?1))`,
      )
      .bind(retention),
    db.prepare("DELETE FROM sessions WHERE expires_at <= ?1 OR (revoked_at IS NOT NULL AND revoked_at <= ?1)").bind(retention),
  ]);
  return { deleted: results.reduce((n, r) => n + (r.meta.changes ?? 0), 0) };
}
