// Passwords: forgotten-password reset, change, and re-checking the current one (IAM-6).
import { and, eq, gt, isNull } from "drizzle-orm";
import { passwordResetTokens, users } from "../../db/schema";
import type { UserContext, ServiceContext } from "../../lib/context";
import { sha256 } from "../../lib/hmac";
import { newId, nowIso, randomToken } from "../../lib/ids";
import { hashPassword, verifyPassword } from "../../lib/passwords";
import { AppError } from "../../lib/problem";
import { applyRateLimits, consumeRateLimits, rateLimitQueries } from "../../lib/rate-limit";
import { enqueueAccountMessage } from "../../lib/enqueue";
import { setPasswordHashStatement } from "../users";
import { endSessionsQuery } from "./session-ends";
import { FIFTEEN_MINUTES, HOUR, RESET_TTL_SECONDS, accountSubject, findByIdentifier } from "./session-tokens";
import { clearAccountFailuresStatement } from "./sign-in-throttle";

// ---- IAM-6 passwords ----

export const FORGOT_PASSWORD_MESSAGE = "If an account matches, a reset link has been sent to its email address.";

export async function forgotPassword(ctx: ServiceContext, identifier: string) {
  const user = await findByIdentifier(ctx, identifier);
  await consumeRateLimits(ctx, [
    { bucket: "forgot:account", subject: accountSubject(ctx, user, identifier), limit: 5, windowSeconds: HOUR },
    { bucket: "forgot:ip", subject: ctx.clientIp, limit: 20, windowSeconds: HOUR },
  ]);
  if (!user || user.status !== "active") return { message: FORGOT_PASSWORD_MESSAGE };
  const token = randomToken(32);
  const now = new Date();
  await ctx.db.insert(passwordResetTokens).values({
    id: newId("prt"),
    userId: user.id,
    tokenHash: await sha256(token),
    expiresAt: new Date(now.getTime() + RESET_TTL_SECONDS * 1000).toISOString(),
    createdAt: now.toISOString(),
  });
  const link = `${ctx.settings.publicBaseUrl}/reset-password?token=${encodeURIComponent(token)}`;
  await enqueueAccountMessage(ctx, user, {
    event: "auth.password_reset_requested",
    subject: "Reset your truckroll password",
    body: `Use this link within 30 minutes to choose a new password: ${link}\nReset token: ${token}\nIf you did not ask for this, ignore this email.`,
  });
  return { message: FORGOT_PASSWORD_MESSAGE };
}

export async function resetPassword(ctx: ServiceContext, token: string, newPassword: string) {
  await consumeRateLimits(ctx, [{ bucket: "reset:ip", subject: ctx.clientIp, limit: 20, windowSeconds: HOUR }]);
  const now = nowIso();
  const claimed = await ctx.db
    .update(passwordResetTokens)
    .set({ usedAt: now })
    .where(
      and(
        eq(passwordResetTokens.tokenHash, await sha256(token)),
        isNull(passwordResetTokens.usedAt),
        gt(passwordResetTokens.expiresAt, now),
      ),
    )
    .returning({ userId: passwordResetTokens.userId });
  if (!claimed.length) throw new AppError("invalid_token", "The reset token is invalid, expired or already used.");
  const userId = claimed[0].userId;
  await ctx.db.batch([
    setPasswordHashStatement(ctx, userId, await hashPassword(newPassword), true),
    endSessionsQuery(ctx, userId, "password_reset"),
    // Any other outstanding reset links for this user die with this one.
    ctx.db
      .update(passwordResetTokens)
      .set({ usedAt: now })
      .where(and(eq(passwordResetTokens.userId, userId), isNull(passwordResetTokens.usedAt))),
  ]);
  // The owner proved themselves by email or phone: failed sign-ins no longer slow the account.
  await clearAccountFailuresStatement(ctx, accountSubject(ctx, { id: userId }, "")).run();
  return { message: "Password changed. Sign in with the new password." };
}

async function checkCurrentPassword(ctx: UserContext, password: string): Promise<boolean> {
  const rules = [
    {
      bucket: "password-check:account",
      subject: accountSubject(ctx, { id: ctx.actor.userId }, ""),
      limit: 10,
      windowSeconds: FIFTEEN_MINUTES,
    },
  ];
  // The attempt is counted and the stored hash read in one batch; the count is judged first.
  const nowMs = Date.now();
  const [counted, [user]] = await ctx.db.batch([
    rateLimitQueries(ctx, rules, nowMs)[0],
    ctx.db
      .select({ passwordHash: users.passwordHash })
      .from(users)
      .where(and(eq(users.id, ctx.actor.userId), isNull(users.deletedAt)))
      .limit(1),
  ]);
  applyRateLimits(ctx, rules, counted, nowMs);
  if (!user) throw new AppError("not_found", "No such user.");
  return verifyPassword(password, user.passwordHash);
}

export async function changePassword(ctx: UserContext, oldPassword: string, newPassword: string) {
  if (!(await checkCurrentPassword(ctx, oldPassword))) {
    throw new AppError("invalid_credentials", "The current password is wrong.", {
      errors: [{ path: "old_password", message: "Wrong password" }],
    });
  }
  const now = nowIso();
  await ctx.db.batch([
    setPasswordHashStatement(ctx, ctx.actor.userId, await hashPassword(newPassword), true),
    // Other devices must sign in again; this session continues.
    endSessionsQuery(ctx, ctx.actor.userId, "password_changed", ctx.actor.sessionId),
  ]);
  return { message: "Password changed." };
}

export async function verifyCurrentPassword(ctx: UserContext, password: string) {
  return { valid: await checkCurrentPassword(ctx, password) };
}
