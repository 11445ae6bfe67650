import type { ServiceContext } from "../../lib/context";

/** How long an ended session (and its refresh tokens) is kept for the audit trail. */
const ENDED_SESSION_RETENTION_MS = 30 * 24 * 3600 * 1000;

/** One-time codes and reset tokens past expiry, and sessions that ended over 30 days ago with their refresh tokens. */
export async function deleteEndedCredentials(ctx: ServiceContext, scheduledTime: number) {
  const db = ctx.env.DB;
  const now = new Date(scheduledTime).toISOString();
  const retention = new Date(scheduledTime - ENDED_SESSION_RETENTION_MS).toISOString();
  const results = await db.batch([
    db.prepare("DELETE FROM otp_codes WHERE expires_at <= ?1").bind(now),
    db.prepare("DELETE FROM password_reset_tokens WHERE expires_at <= ?1").bind(now),
    db.prepare("DELETE FROM sign_in_failures WHERE expires_at <= ?1").bind(scheduledTime),
    db
      .prepare(
        `DELETE FROM refresh_tokens WHERE session_id IN
           (SELECT id FROM sessions WHERE expires_at <= ?1 OR (revoked_at IS NOT NULL AND revoked_at <= ?1))`,
      )
      .bind(retention),
    db
      .prepare("DELETE FROM sessions WHERE expires_at <= ?1 OR (revoked_at IS NOT NULL AND revoked_at <= ?1)")
      .bind(retention),
  ]);
  return results.reduce((n, r) => n + (r.meta.changes ?? 0), 0);
}
