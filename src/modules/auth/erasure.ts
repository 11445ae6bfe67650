import type { ErasureSubject } from "../../lib/erasure";

/** Every session of the account ended (with where it signed in from), one-time codes and lockout counters gone. */
export function authErasure(db: D1Database, s: ErasureSubject): D1PreparedStatement[] {
  const out: D1PreparedStatement[] = s.values.map((v) =>
    db.prepare("DELETE FROM sign_in_failures WHERE instr(key, ?) > 0").bind(v),
  );
  if (!s.userId) return out;
  return [
    ...out,
    db
      .prepare("DELETE FROM refresh_tokens WHERE session_id IN (SELECT id FROM sessions WHERE user_id = ?)")
      .bind(s.userId),
    db
      .prepare(
        "UPDATE sessions SET revoked_at = coalesce(revoked_at, ?2), revoke_reason = coalesce(revoke_reason, 'erased'), user_agent = NULL, ip_address = NULL WHERE user_id = ?1",
      )
      .bind(s.userId, s.now),
    db.prepare("DELETE FROM otp_codes WHERE user_id = ?").bind(s.userId),
    db.prepare("DELETE FROM password_reset_tokens WHERE user_id = ?").bind(s.userId),
  ];
}
