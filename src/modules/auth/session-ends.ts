import { and, eq, isNull, sql } from "drizzle-orm";
import { sessions } from "../../db/schema";
import type { ServiceContext } from "../../lib/context";
import { numbered } from "../../lib/d1";
import { nowIso } from "../../lib/ids";
import type { AccessEnds } from "../../lib/identity";

/** Ends a user's sessions (all but one, optionally): access tokens stop at the next check, refresh tokens at once. */
export function endSessionsQuery(
  ctx: Pick<ServiceContext, "db">,
  userId: string,
  reason: string,
  exceptSessionId?: string,
) {
  const conditions = [eq(sessions.userId, userId), isNull(sessions.revokedAt)];
  if (exceptSessionId) conditions.push(sql`${sessions.id} <> ${exceptSessionId}`);
  return ctx.db
    .update(sessions)
    .set({ revokedAt: nowIso(), revokeReason: reason })
    .where(and(...conditions));
}

/** Ends one session (a revoked device's). */
export function endSessionQuery(ctx: Pick<ServiceContext, "db">, sessionId: string, reason: string) {
  return ctx.db
    .update(sessions)
    .set({ revokedAt: nowIso(), revokeReason: reason })
    .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)));
}

/** The same for other modules' batches, through `lib/identity.ts` (the users module cannot import this one). */
export const accessEnds: AccessEnds = {
  endSessions(db, userId, reason, options = {}) {
    const guard = options.guard ? ` AND ${numbered(options.guard.sql, 5)}` : "";
    return db
      .prepare(
        `UPDATE sessions SET revoked_at = ?2, revoke_reason = ?3
          WHERE user_id = ?1 AND revoked_at IS NULL AND (?4 IS NULL OR id <> ?4)${guard}`,
      )
      .bind(userId, nowIso(), reason, options.except ?? null, ...(options.guard?.params ?? []));
  },
  voidResetLinks(db, userId, guard) {
    const where = guard ? ` AND ${numbered(guard.sql, 3)}` : "";
    return db
      .prepare(`UPDATE password_reset_tokens SET used_at = ?2 WHERE user_id = ?1 AND used_at IS NULL${where}`)
      .bind(userId, nowIso(), ...(guard?.params ?? []));
  },
};
