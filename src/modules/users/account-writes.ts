import { and, eq, sql, type SQL } from "drizzle-orm";
import { users } from "../../db/schema";
import type { ServiceContext } from "../../lib/context";
import { nowIso } from "../../lib/ids";

/**
 * The writes of the `users` table other modules need, as statements for their batches: sign-in
 * records the login, password verbs store the hash, devices keep the push token, companies and
 * technicians keep membership. The users module owns the table; nobody else names it in a write.
 */
type Ctx = Pick<ServiceContext, "db">;

/** A new password hash; `changed` marks a real change (sessions issued before it end elsewhere), not a silent rehash. */
export function setPasswordHashStatement(ctx: Ctx, userId: string, hash: string, changed: boolean) {
  const now = nowIso();
  return ctx.db
    .update(users)
    .set(changed ? { passwordHash: hash, passwordChangedAt: now, updatedAt: now } : { passwordHash: hash })
    .where(eq(users.id, userId));
}

export function recordLoginStatement(ctx: Ctx, userId: string, at: string) {
  return ctx.db.update(users).set({ lastLoginAt: at }).where(eq(users.id, userId));
}

export function setTwoFactorStatement(ctx: Ctx, userId: string, enabled: boolean) {
  return ctx.db.update(users).set({ twoFactorEnabled: enabled, updatedAt: nowIso() }).where(eq(users.id, userId));
}

/** The user's push token; with `onlyIfCurrent`, cleared only while it is still that token (a revoked device's). */
export function setPushTokenStatement(
  ctx: Ctx,
  userId: string,
  token: string | null,
  onlyIfCurrent?: string,
  /** A condition the caller's own rows must meet for the token to change (its batch decides). */
  guard?: SQL,
) {
  return ctx.db
    .update(users)
    .set({ pushToken: token })
    .where(
      and(
        eq(users.id, userId),
        onlyIfCurrent ? eq(users.pushToken, onlyIfCurrent) : undefined,
        guard ? and(sql`${users.pushToken} IS NOT ${token}`, guard) : undefined,
      ),
    );
}

export function setCompanyStatement(ctx: Ctx, userId: string, companyId: string | null) {
  return ctx.db.update(users).set({ companyId, updatedAt: nowIso() }).where(eq(users.id, userId));
}

/** Every member of a company leaves it (the company is being deleted). */
export function detachCompanyMembersStatement(ctx: Ctx, companyId: string) {
  return ctx.db.update(users).set({ companyId: null, updatedAt: nowIso() }).where(eq(users.companyId, companyId));
}
