import { and, eq, gt, isNull, lt } from "drizzle-orm";
import { otpCodes, passwordResetTokens, refreshTokens, sessions, users, type OtpPurpose } from "../../db/schema";
import type { UserContext, ServiceContext } from "../../lib/context";
import { hmacSha256, constantTimeEqual, sha256, sixDigitCode } from "../../lib/hmac";
import { CODE_MAX_ATTEMPTS, checkCode } from "../../lib/one-time-codes";
import { newId, nowIso, randomToken } from "../../lib/ids";
import { decoyHash, hashPassword, needsRehash, verifyPassword } from "../../lib/passwords";
import { looksLikePhone, toE164 } from "../../lib/phone";
import { AppError } from "../../lib/problem";
import { consumeRateLimits } from "../../lib/rate-limit";
import { enqueueEmail } from "../../lib/enqueue";
import { STAFF_ROLES } from "../../lib/permissions";
import { customerForUser } from "../customers";
import { findUser, insertUser, revokeAllSessionsStatement, toUserResponse, type UserRow } from "../users";
import { signToken, verifyToken } from "../../lib/tokens";

const FIFTEEN_MINUTES = 15 * 60;
const HOUR = 60 * 60;
export const OTP_TTL_SECONDS = 10 * 60;
export const OTP_MAX_ATTEMPTS = CODE_MAX_ATTEMPTS;
export const RESET_TTL_SECONDS = 30 * 60;

export type TokenDelivery = "body" | "cookie";

export interface IssuedTokens {
  access_token: string;
  refresh_token: string;
  token_type: "Bearer";
  expires_in: number;
  refresh_expires_in: number;
  csrf_token?: string;
  user: ReturnType<typeof toUserResponse>;
}

// ---- identifiers ----

/** A username, email or phone in any common format → the column and normalised value to look up. */
export function parseIdentifier(raw: string, defaultRegion: string): { column: "email" | "phone" | "username"; value: string } {
  const trimmed = raw.trim();
  if (trimmed.includes("@")) return { column: "email", value: trimmed.toLowerCase() };
  if (looksLikePhone(trimmed)) {
    const e164 = toE164(trimmed, defaultRegion);
    if (e164) return { column: "phone", value: e164 };
  }
  return { column: "username", value: trimmed.toLowerCase() };
}

async function findByIdentifier(ctx: ServiceContext, raw: string): Promise<UserRow | undefined> {
  const { column, value } = parseIdentifier(raw, ctx.settings.defaultPhoneRegion);
  return ctx.db.query.users.findFirst({ where: and(eq(users[column], value), isNull(users.deletedAt)) });
}

/**
 * What a per-account throttle counts against: the account however it was named (username, email,
 * or its phone in any spelling), and an unknown identifier by its normalised form. Every
 * credential check keyed on an account uses this, so respelling the name buys no extra guesses.
 */
export function accountSubject(ctx: ServiceContext, user: Pick<UserRow, "id"> | undefined, raw: string): string {
  if (user) return `user:${user.id}`;
  const { column, value } = parseIdentifier(raw, ctx.settings.defaultPhoneRegion);
  return `${column}:${value}`;
}

// ---- sessions and tokens ----

async function issueTokens(ctx: ServiceContext, user: UserRow, sessionId: string, delivery: TokenDelivery, csrfToken?: string): Promise<{ tokens: IssuedTokens; refreshRow: typeof refreshTokens.$inferInsert }> {
  const { accessTokenTtlSeconds, refreshTokenTtlSeconds } = ctx.settings;
  const jti = newId("rtk");
  const now = new Date();
  const [accessToken, refreshToken] = await Promise.all([
    signToken(ctx.settings, "access", { sub: user.id, sid: sessionId, jti: newId("atk"), role: user.role }, accessTokenTtlSeconds),
    signToken(ctx.settings, "refresh", { sub: user.id, sid: sessionId, jti }, refreshTokenTtlSeconds),
  ]);
  return {
    tokens: {
      access_token: accessToken,
      refresh_token: refreshToken,
      token_type: "Bearer",
      expires_in: accessTokenTtlSeconds,
      refresh_expires_in: refreshTokenTtlSeconds,
      ...(delivery === "cookie" && csrfToken ? { csrf_token: csrfToken } : {}),
      user: toUserResponse(user),
    },
    refreshRow: {
      jti,
      sessionId,
      issuedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + refreshTokenTtlSeconds * 1000).toISOString(),
    },
  };
}

/** A new login: one session (the refresh family) and its first refresh token, written together. */
export async function startSession(ctx: ServiceContext, user: UserRow, delivery: TokenDelivery, userAgent?: string): Promise<IssuedTokens> {
  const sessionId = newId("ses");
  const csrfToken = delivery === "cookie" ? randomToken(24) : undefined;
  const { tokens, refreshRow } = await issueTokens(ctx, user, sessionId, delivery, csrfToken);
  const now = nowIso();
  const statements = [
    ctx.db.insert(sessions).values({
      id: sessionId,
      userId: user.id,
      via: delivery === "cookie" ? "cookie" : "bearer",
      csrfHash: csrfToken ? await sha256(csrfToken) : null,
      userAgent: userAgent?.slice(0, 255) ?? null,
      ipAddress: ctx.clientIp,
      createdAt: now,
      lastUsedAt: now,
      expiresAt: refreshRow.expiresAt,
    }),
    ctx.db.insert(refreshTokens).values(refreshRow),
    ctx.db.update(users).set({ lastLoginAt: now }).where(eq(users.id, user.id)),
  ] as const;
  await ctx.db.batch(statements);
  tokens.user.last_login_at = now;
  return tokens;
}

function assertCanSignIn(user: UserRow) {
  if (user.status === "pending") throw new AppError("account_inactive", "The account is waiting for approval.");
  if (user.status !== "active") throw new AppError("account_inactive", "The account is not active.");
}

// ---- IAM-1 login, IAM-7 second step ----

export async function login(
  ctx: ServiceContext,
  input: { identifier: string; password: string; token_delivery: TokenDelivery },
  userAgent?: string,
): Promise<IssuedTokens | { mfa_required: true; mfa_token: string; expires_in: number }> {
  const user = await findByIdentifier(ctx, input.identifier);
  await consumeRateLimits(ctx, [
    { bucket: "login:account", subject: accountSubject(ctx, user, input.identifier), limit: 10, windowSeconds: FIFTEEN_MINUTES },
    { bucket: "login:ip", subject: ctx.clientIp, limit: 100, windowSeconds: FIFTEEN_MINUTES },
  ]);
  // Verify against a decoy when the account does not exist, so timing does not reveal it.
  const ok = await verifyPassword(input.password, user?.passwordHash ?? (await decoyHash()));
  if (!user || !ok) throw new AppError("invalid_credentials", "The identifier or password is wrong.");
  assertCanSignIn(user);
  if (needsRehash(user.passwordHash)) {
    const upgraded = await hashPassword(input.password);
    await ctx.db.update(users).set({ passwordHash: upgraded }).where(eq(users.id, user.id));
  }
  if (user.twoFactorEnabled) {
    const otpId = await issueOtp(ctx, user, "login");
    const mfaToken = await signToken(ctx.settings, "mfa", { sub: user.id, sid: otpId, jti: newId("mfa") }, OTP_TTL_SECONDS);
    return { mfa_required: true, mfa_token: mfaToken, expires_in: OTP_TTL_SECONDS };
  }
  return startSession(ctx, user, input.token_delivery, userAgent);
}

export async function verifyLoginOtp(
  ctx: ServiceContext,
  input: { mfa_token: string; code: string; token_delivery: TokenDelivery },
  userAgent?: string,
): Promise<IssuedTokens> {
  const claims = await verifyToken(ctx.settings, "mfa", input.mfa_token);
  await consumeRateLimits(ctx, [{ bucket: "otp:ip", subject: ctx.clientIp, limit: 50, windowSeconds: FIFTEEN_MINUTES }]);
  await checkOtp(ctx, claims.sub, "login", input.code, claims.sid);
  const user = await findUser(ctx, claims.sub);
  assertCanSignIn(user);
  return startSession(ctx, user, input.token_delivery, userAgent);
}

// ---- IAM-2 refresh with rotation and reuse detection ----

export async function refresh(
  ctx: ServiceContext,
  refreshToken: string,
  delivery: TokenDelivery,
  /** Cookie mode: the X-CSRF-Token header, which must match the session's. */
  csrf?: { presented: string | undefined },
): Promise<IssuedTokens> {
  const claims = await verifyToken(ctx.settings, "refresh", refreshToken);
  const now = nowIso();
  const session = await ctx.db.query.sessions.findFirst({ where: eq(sessions.id, claims.sid) });
  if (!session || session.userId !== claims.sub) throw new AppError("invalid_token", "The session has ended. Sign in again.");
  if (csrf && (!csrf.presented || !session.csrfHash || !constantTimeEqual(await sha256(csrf.presented), session.csrfHash))) {
    throw new AppError("csrf_failed", "Cookie-mode refresh must send the X-CSRF-Token header.");
  }
  // Only one presenter of a refresh token can win this conditional update.
  const rotated = await ctx.db
    .update(refreshTokens)
    .set({ rotatedAt: now })
    .where(and(eq(refreshTokens.jti, claims.jti), eq(refreshTokens.sessionId, claims.sid), isNull(refreshTokens.rotatedAt)))
    .returning({ jti: refreshTokens.jti });
  if (!rotated.length) {
    // A rotated (or unknown) token came back: treat it as stolen and end the whole family.
    await ctx.db
      .update(sessions)
      .set({ revokedAt: now, revokeReason: "refresh_token_reuse" })
      .where(and(eq(sessions.id, claims.sid), isNull(sessions.revokedAt)));
    throw new AppError("invalid_token", "The refresh token was already used; the session has been ended.");
  }
  if (session.revokedAt || session.expiresAt <= now) throw new AppError("invalid_token", "The session has ended. Sign in again.");
  const user = await findUser(ctx, claims.sub).catch(() => null);
  if (!user || user.status !== "active") throw new AppError("invalid_token", "The account is not active.");
  const csrfToken = delivery === "cookie" ? randomToken(24) : undefined;
  const { tokens, refreshRow } = await issueTokens(ctx, user, session.id, delivery, csrfToken);
  // A refresh token never outlives its session: the family ends when the login's lifetime does.
  refreshRow.expiresAt = session.expiresAt;
  await ctx.db.batch([
    ctx.db.insert(refreshTokens).values(refreshRow),
    ctx.db
      .update(sessions)
      .set({ lastUsedAt: now, ...(csrfToken ? { csrfHash: await sha256(csrfToken), via: "cookie" as const } : {}) })
      .where(eq(sessions.id, session.id)),
  ]);
  return tokens;
}

// ---- IAM-3 logout ----

export async function logout(ctx: UserContext) {
  await ctx.db
    .update(sessions)
    .set({ revokedAt: nowIso(), revokeReason: "logout" })
    .where(and(eq(sessions.id, ctx.actor.sessionId), isNull(sessions.revokedAt)));
}

/** Logout by refresh token, for clients whose access token has already expired. */
export async function logoutByRefreshToken(ctx: ServiceContext, refreshToken: string) {
  const claims = await verifyToken(ctx.settings, "refresh", refreshToken);
  await ctx.db
    .update(sessions)
    .set({ revokedAt: nowIso(), revokeReason: "logout" })
    .where(and(eq(sessions.id, claims.sid), isNull(sessions.revokedAt)));
}

// ---- IAM-5 registration ----

export async function register(
  ctx: ServiceContext,
  input: { username: string; email: string; phone?: string; password: string; first_name: string; last_name: string; account_type: string },
) {
  await consumeRateLimits(ctx, [{ bucket: "register:ip", subject: ctx.clientIp, limit: 10, windowSeconds: HOUR }]);
  const isStaff = (STAFF_ROLES as string[]).includes(input.account_type);
  const user = await insertUser(ctx, { ...input, role: input.account_type, status: isStaff ? "pending" : "active" });
  // A customer's login comes with the customer record their tickets and service cards hang off.
  if (!isStaff) await customerForUser(ctx, user.id);
  return { user: toUserResponse(user), requires_approval: isStaff };
}

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
  await enqueueEmail(ctx, {
    event: "auth.password_reset_requested",
    userId: user.id,
    to: user.email,
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
    .where(and(eq(passwordResetTokens.tokenHash, await sha256(token)), isNull(passwordResetTokens.usedAt), gt(passwordResetTokens.expiresAt, now)))
    .returning({ userId: passwordResetTokens.userId });
  if (!claimed.length) throw new AppError("invalid_token", "The reset token is invalid, expired or already used.");
  const userId = claimed[0].userId;
  await ctx.db.batch([
    ctx.db.update(users).set({ passwordHash: await hashPassword(newPassword), passwordChangedAt: now, updatedAt: now }).where(eq(users.id, userId)),
    revokeAllSessionsStatement(ctx, userId, "password_reset"),
    // Any other outstanding reset links for this user die with this one.
    ctx.db.update(passwordResetTokens).set({ usedAt: now }).where(and(eq(passwordResetTokens.userId, userId), isNull(passwordResetTokens.usedAt))),
  ]);
  return { message: "Password changed. Sign in with the new password." };
}

async function checkCurrentPassword(ctx: UserContext, password: string): Promise<boolean> {
  await consumeRateLimits(ctx, [{ bucket: "password-check:account", subject: accountSubject(ctx, { id: ctx.actor.userId }, ""), limit: 10, windowSeconds: FIFTEEN_MINUTES }]);
  const user = await findUser(ctx, ctx.actor.userId);
  return verifyPassword(password, user.passwordHash);
}

export async function changePassword(ctx: UserContext, oldPassword: string, newPassword: string) {
  if (!(await checkCurrentPassword(ctx, oldPassword))) {
    throw new AppError("invalid_credentials", "The current password is wrong.", { errors: [{ path: "old_password", message: "Wrong password" }] });
  }
  const now = nowIso();
  await ctx.db.batch([
    ctx.db.update(users).set({ passwordHash: await hashPassword(newPassword), passwordChangedAt: now, updatedAt: now }).where(eq(users.id, ctx.actor.userId)),
    // Other devices must sign in again; this session continues.
    revokeAllSessionsStatement(ctx, ctx.actor.userId, "password_changed", ctx.actor.sessionId),
  ]);
  return { message: "Password changed." };
}

export async function verifyCurrentPassword(ctx: UserContext, password: string) {
  return { valid: await checkCurrentPassword(ctx, password) };
}

// ---- IAM-7 one-time codes ----

async function otpHash(ctx: ServiceContext, otpId: string, code: string) {
  return hmacSha256(ctx.settings.hmacSecret, `${otpId}:${code}`);
}

/** Creates a code, voids older unused ones for the same purpose, and emails it. Returns its id. */
export async function issueOtp(ctx: ServiceContext, user: UserRow, purpose: OtpPurpose): Promise<string> {
  await consumeRateLimits(ctx, [{ bucket: `otp-send:${purpose}`, subject: accountSubject(ctx, user, ""), limit: 5, windowSeconds: FIFTEEN_MINUTES }]);
  const id = newId("otp");
  const code = sixDigitCode();
  const now = new Date();
  await ctx.db.batch([
    ctx.db
      .update(otpCodes)
      .set({ consumedAt: now.toISOString() })
      .where(and(eq(otpCodes.userId, user.id), eq(otpCodes.purpose, purpose), isNull(otpCodes.consumedAt))),
    ctx.db.insert(otpCodes).values({
      id,
      userId: user.id,
      purpose,
      codeHash: await otpHash(ctx, id, code),
      expiresAt: new Date(now.getTime() + OTP_TTL_SECONDS * 1000).toISOString(),
      createdAt: now.toISOString(),
    }),
  ]);
  await enqueueEmail(ctx, {
    event: "auth.otp_requested",
    userId: user.id,
    to: user.email,
    subject: "Your truckroll verification code",
    body: `Your verification code is ${code}. It expires in 10 minutes. Never share it.`,
  });
  return id;
}

/**
 * Checks a code for the newest live challenge (or the one named) by the shared one-time-code rule;
 * a right code is consumed exactly once.
 */
export async function checkOtp(ctx: ServiceContext, userId: string, purpose: OtpPurpose, code: string, otpId?: string) {
  // Each code allows a few tries; this bounds the guesses per account across re-sent codes.
  await consumeRateLimits(ctx, [{ bucket: "otp-check:account", subject: accountSubject(ctx, { id: userId }, ""), limit: 10, windowSeconds: FIFTEEN_MINUTES }]);
  const now = nowIso();
  const otp = await ctx.db.query.otpCodes.findFirst({
    where: and(eq(otpCodes.userId, userId), eq(otpCodes.purpose, purpose), isNull(otpCodes.consumedAt), ...(otpId ? [eq(otpCodes.id, otpId)] : [])),
    orderBy: (t, { desc }) => [desc(t.createdAt)],
  });
  const valid = await checkCode(ctx.env.DB, "otp_codes", otp, (row) => otpHash(ctx, row.id, code), now);
  const consumed = await ctx.db
    .update(otpCodes)
    .set({ consumedAt: now })
    .where(and(eq(otpCodes.id, valid.id), isNull(otpCodes.consumedAt), lt(otpCodes.attempts, OTP_MAX_ATTEMPTS)))
    .returning({ id: otpCodes.id });
  if (!consumed.length) throw new AppError("invalid_code", "The code was already used.");
}

export async function requestOtp(ctx: ServiceContext & { actor?: UserContext["actor"] }, input: { mfa_token?: string; purpose?: "enable_2fa" | "disable_2fa" }) {
  if (input.mfa_token) {
    const claims = await verifyToken(ctx.settings, "mfa", input.mfa_token);
    const user = await findUser(ctx, claims.sub);
    const otpId = await issueOtp(ctx, user, "login");
    const mfaToken = await signToken(ctx.settings, "mfa", { sub: user.id, sid: otpId, jti: newId("mfa") }, OTP_TTL_SECONDS);
    return { message: "A new code has been sent.", mfa_token: mfaToken };
  }
  if (!ctx.actor) throw new AppError("unauthorized", "Sign in, or give the mfa_token from the login step.");
  const user = await findUser(ctx, ctx.actor.userId);
  const purpose = input.purpose ?? (user.twoFactorEnabled ? "disable_2fa" : "enable_2fa");
  await issueOtp(ctx, user, purpose);
  return { message: "A code has been sent to your email address." };
}

export async function setTwoFactor(ctx: UserContext, enabled: boolean, code: string) {
  const user = await findUser(ctx, ctx.actor.userId);
  if (user.twoFactorEnabled === enabled) throw new AppError("conflict", `Two-factor authentication is already ${enabled ? "on" : "off"}.`);
  await checkOtp(ctx, user.id, enabled ? "enable_2fa" : "disable_2fa", code);
  await ctx.db.update(users).set({ twoFactorEnabled: enabled, updatedAt: nowIso() }).where(eq(users.id, user.id));
  return { two_factor_enabled: enabled };
}

// ---- IAM-8 ----

export function describeToken(ctx: UserContext) {
  return {
    valid: true as const,
    user_id: ctx.actor.userId,
    session_id: ctx.actor.sessionId,
    role: ctx.actor.role,
    permissions: [...ctx.actor.permissions].sort(),
    expires_at: new Date(ctx.actor.tokenExpiresAt * 1000).toISOString(),
  };
}
