// Re-identification (your own email and phone): proof of the current password, verification of the
// new address before it counts, and a message to the old one with a way back.
import { accessEnds } from "../../lib/identity";
import { and, eq, gt, isNull } from "drizzle-orm";
import { contactChanges, users, type UserRow } from "../../db/schema";
import type { ServiceContext, UserContext } from "../../lib/context";
import { enqueueEmail, enqueueSms } from "../../lib/enqueue";
import { sha256 } from "../../lib/hmac";
import { newId, nowIso, randomToken } from "../../lib/ids";
import { verifyPassword } from "../../lib/passwords";
import { AppError } from "../../lib/problem";
import { consumeRateLimits } from "../../lib/rate-limit";

export const VERIFY_TTL_MS = 24 * 3600_000;
export const UNDO_TTL_MS = 7 * 24 * 3600_000;
type Kind = "email" | "phone";
type ChangeRow = typeof contactChanges.$inferSelect;

/** A stolen session must not re-identify the account: changing the email or phone needs the current password. */
export async function assertCurrentPassword(ctx: UserContext, user: UserRow, password: string | undefined) {
  if (!password) {
    throw new AppError("validation_failed", "Changing your email or phone needs your current password.", {
      errors: [{ path: "current_password", message: "Required to change email or phone" }],
    });
  }
  await consumeRateLimits(ctx, [
    { bucket: "password-check:account", subject: `user:${user.id}`, limit: 10, windowSeconds: 900 },
  ]);
  if (!(await verifyPassword(password, user.passwordHash)))
    throw new AppError("forbidden", "The current password is wrong.", {
      errors: [{ path: "current_password", message: "Wrong password" }],
    });
}

async function send(ctx: ServiceContext, kind: Kind, address: string, userId: string, subject: string, body: string) {
  if (kind === "email") await enqueueEmail(ctx, { event: "auth.contact_change", userId, to: address, subject, body });
  else await enqueueSms(ctx, { event: "auth.contact_change", to: address, body });
}

/**
 * A new address waits for verification: a link goes to it, the account keeps the old one (for
 * sign-in, resets and codes) until the link is used. An earlier unverified request of the same
 * kind is replaced. Removing a phone needs no verification; the old phone is told at once.
 */
export async function requestContactChange(ctx: UserContext, user: UserRow, kind: Kind, value: string | null) {
  const now = nowIso();
  const oldValue = kind === "email" ? user.email || null : user.phone;
  await ctx.db
    .delete(contactChanges)
    .where(and(eq(contactChanges.userId, user.id), eq(contactChanges.kind, kind), isNull(contactChanges.verifiedAt)));
  if (value === null) {
    const undo = randomToken(32);
    await ctx.db.batch([
      ctx.db.update(users).set({ phone: null, updatedAt: now }).where(eq(users.id, user.id)),
      ctx.db.insert(contactChanges).values({
        id: newId("cch"),
        userId: user.id,
        kind,
        oldValue,
        newValue: null,
        verifiedAt: now,
        undoHash: await sha256(undo),
        undoExpiresAt: new Date(Date.now() + UNDO_TTL_MS).toISOString(),
        createdAt: now,
      }),
    ]);
    if (oldValue) await tellOldAddress(ctx, kind, oldValue, user.id, null, undo);
    return;
  }
  const token = randomToken(32);
  await ctx.db.insert(contactChanges).values({
    id: newId("cch"),
    userId: user.id,
    kind,
    oldValue,
    newValue: value,
    verifyHash: await sha256(token),
    verifyExpiresAt: new Date(Date.now() + VERIFY_TTL_MS).toISOString(),
    createdAt: now,
  });
  const link = `${ctx.settings.publicBaseUrl}/verify-contact?token=${encodeURIComponent(token)}`;
  await send(
    ctx,
    kind,
    value,
    user.id,
    "Confirm your new truckroll " + (kind === "email" ? "email address" : "phone number"),
    `Use this link within 24 hours to make this your truckroll ${kind === "email" ? "email address" : "phone number"}: ${link}\nVerification token: ${token}\nIf you did not ask for this, ignore this message.`,
  );
}

async function tellOldAddress(
  ctx: ServiceContext,
  kind: Kind,
  oldValue: string,
  userId: string,
  newValue: string | null,
  undoToken: string,
) {
  const link = `${ctx.settings.publicBaseUrl}/undo-contact?token=${encodeURIComponent(undoToken)}`;
  const what = kind === "email" ? "email address" : "phone number";
  const change = newValue ? `was changed to ${newValue}` : "was removed";
  await send(
    ctx,
    kind,
    oldValue,
    userId,
    `Your truckroll ${what} ${change}`,
    `The ${what} of your truckroll account ${change}. If this was not you, undo it within 7 days (this also signs everyone out): ${link}\nUndo token: ${undoToken}`,
  );
}

/** The pending (unverified) changes of the caller, for their profile. */
export async function pendingContactChanges(ctx: ServiceContext, userId: string) {
  const rows = await ctx.db
    .select({ kind: contactChanges.kind, value: contactChanges.newValue, expiresAt: contactChanges.verifyExpiresAt })
    .from(contactChanges)
    .where(
      and(
        eq(contactChanges.userId, userId),
        isNull(contactChanges.verifiedAt),
        gt(contactChanges.verifyExpiresAt, nowIso()),
      ),
    );
  return rows.map((r) => ({ kind: r.kind, value: r.value!, expires_at: r.expiresAt! }));
}

async function byToken(
  ctx: ServiceContext,
  column: "verifyHash" | "undoHash",
  token: string,
): Promise<ChangeRow | undefined> {
  if (!/^[A-Za-z0-9_-]{20,200}$/.test(token)) return undefined;
  return ctx.db.query.contactChanges.findFirst({ where: eq(contactChanges[column], await sha256(token)) });
}

/** The link sent to the new address: the change takes effect, and the old address is told how to undo it. */
export async function verifyContactChange(ctx: ServiceContext, token: string) {
  await consumeRateLimits(ctx, [
    { bucket: "contact-verify:ip", subject: ctx.clientIp, limit: 30, windowSeconds: 3600 },
  ]);
  const row = await byToken(ctx, "verifyHash", token);
  if (!row || row.verifiedAt || !row.verifyExpiresAt || row.verifyExpiresAt <= nowIso())
    throw new AppError("invalid_token", "The verification link is invalid, expired or already used.");
  const now = nowIso();
  const column = row.kind === "email" ? users.email : users.phone;
  const clash = await ctx.db.query.users.findFirst({ where: eq(column, row.newValue!), columns: { id: true } });
  if (clash && clash.id !== row.userId)
    throw new AppError(
      "conflict",
      `That ${row.kind === "email" ? "email address" : "phone number"} belongs to another account now.`,
    );
  const undo = randomToken(32);
  const db = ctx.env.DB;
  const [claimed] = await db.batch([
    db
      .prepare(
        "UPDATE contact_changes SET verified_at = ?2, undo_hash = ?3, undo_expires_at = ?4 WHERE id = ?1 AND verified_at IS NULL",
      )
      .bind(row.id, now, await sha256(undo), new Date(Date.now() + UNDO_TTL_MS).toISOString()),
    db
      .prepare(
        `UPDATE users SET ${row.kind === "email" ? "email" : "phone"} = ?2, updated_at = ?3 WHERE id = ?1 AND EXISTS (SELECT 1 FROM contact_changes WHERE id = ?4 AND verified_at = ?3)`,
      )
      .bind(row.userId, row.newValue, now, row.id),
  ]);
  if (!claimed.meta.changes)
    throw new AppError("invalid_token", "The verification link is invalid, expired or already used.");
  if (row.oldValue) await tellOldAddress(ctx, row.kind, row.oldValue, row.userId, row.newValue, undo);
  return { message: `Your ${row.kind === "email" ? "email address" : "phone number"} is changed.` };
}

/**
 * The link sent to the old address: the old address comes back, every session ends, and reset
 * links sent meanwhile stop working (they may have gone to whoever made the change).
 */
export async function undoContactChange(ctx: ServiceContext, token: string) {
  await consumeRateLimits(ctx, [{ bucket: "contact-undo:ip", subject: ctx.clientIp, limit: 30, windowSeconds: 3600 }]);
  const row = await byToken(ctx, "undoHash", token);
  if (!row || row.undoneAt || !row.undoExpiresAt || row.undoExpiresAt <= nowIso())
    throw new AppError("invalid_token", "The undo link is invalid, expired or already used.");
  const now = nowIso();
  const db = ctx.env.DB;
  const undone = {
    sql: "EXISTS (SELECT 1 FROM contact_changes WHERE id = ? AND undone_at = ?)",
    params: [row.id, now],
  };
  const results = await db.batch([
    db.prepare("UPDATE contact_changes SET undone_at = ?2 WHERE id = ?1 AND undone_at IS NULL").bind(row.id, now),
    db
      .prepare(
        `UPDATE users SET ${row.kind === "email" ? "email" : "phone"} = ?2, updated_at = ?3 WHERE id = ?1 AND EXISTS (SELECT 1 FROM contact_changes WHERE id = ?4 AND undone_at = ?3)`,
      )
      .bind(row.userId, row.oldValue, now, row.id),
    // Only if this undo won: every session ends, and a reset link sent to the address being undone dies with it.
    accessEnds().endSessions(db, row.userId, "contact_change_undone", { guard: undone }),
    accessEnds().voidResetLinks(db, row.userId, undone),
  ]);
  if (!results[0].meta.changes)
    throw new AppError("invalid_token", "The undo link is invalid, expired or already used.");
  return {
    message:
      "The change is undone and every session has ended. Sign in again, and change your password if someone else knows it.",
  };
}
