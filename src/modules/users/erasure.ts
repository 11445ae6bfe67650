import type { ErasureSubject } from "../../lib/erasure";

/** The customer's account: anonymised and closed for good (no sign-in), its contact changes gone. */
export function userErasure(db: D1Database, s: ErasureSubject): D1PreparedStatement[] {
  if (!s.userId) return [];
  return [
    db
      .prepare(
        `UPDATE users SET username = 'erased-' || id, email = 'erased-' || id || '@erased.invalid', phone = NULL, whatsapp = NULL, avatar_upload_id = NULL, first_name = 'Erased', last_name = '',
           address = NULL, push_token = NULL, password_hash = '!', status = 'deactivated', deleted_at = coalesce(deleted_at, ?2), updated_at = ?2
         WHERE id = ?1`,
      )
      .bind(s.userId, s.now),
    db.prepare("DELETE FROM contact_changes WHERE user_id = ?").bind(s.userId),
  ];
}
