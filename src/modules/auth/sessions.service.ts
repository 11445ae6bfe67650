// Sessions: sign-in, refresh with rotation, logout, registration, token introspection (IAM-1…5, IAM-8).
import { and, eq, isNull } from "drizzle-orm";
import { refreshTokens, sessions, users } from "../../db/schema";
import type { UserContext, ServiceContext } from "../../lib/context";
import { constantTimeEqual, sha256 } from "../../lib/hmac";
import { newId, nowIso, randomToken } from "../../lib/ids";
import { decoyHash, hashPassword, needsRehash, verifyPassword } from "../../lib/passwords";
import { AppError } from "../../lib/problem";
import { consumeRateLimits } from "../../lib/rate-limit";
import { STAFF_ROLES } from "../../contracts/permissions";
import { accessById, applicationAccess } from "../applications";
import { customerForUser } from "../customers";
import { findUser, insertUser, setPasswordHashStatement, toUserResponse } from "../users";
import { signToken, verifyToken } from "../../lib/tokens";
import {
  FIFTEEN_MINUTES,
  HOUR,
  OTP_TTL_SECONDS,
  accountSubject,
  assertCanSignIn,
  findByIdentifier,
  issueTokens,
  startSession,
  type IssuedTokens,
  type TokenDelivery,
} from "./session-tokens";
import { checkOtp, issueOtp } from "./one-time-codes.service";
import { assertSignInAllowed, clearClientFailuresStatement, recordSignInFailure } from "./sign-in-throttle";

// ---- IAM-1 login, IAM-7 second step ----

export async function login(
  ctx: ServiceContext,
  input: {
    identifier: string;
    password: string;
    token_delivery: TokenDelivery;
    application?: string;
    remember_me?: boolean;
  },
  userAgent?: string,
): Promise<IssuedTokens | { mfa_required: true; mfa_token: string; expires_in: number }> {
  const user = await findByIdentifier(ctx, input.identifier);
  const subject = accountSubject(ctx, user, input.identifier);
  const { clientHasFailures } = await assertSignInAllowed(ctx, subject, ctx.clientIp);
  // Verify against a decoy when the account does not exist, so timing does not reveal it.
  const ok = await verifyPassword(input.password, user?.passwordHash ?? (await decoyHash()));
  if (!user || !ok) {
    await recordSignInFailure(ctx, subject, ctx.clientIp);
    throw new AppError("invalid_credentials", "The identifier or password is wrong.");
  }
  if (clientHasFailures) await clearClientFailuresStatement(ctx, subject, ctx.clientIp).run();
  assertCanSignIn(user);
  // Before the second factor: a user without a role there is told at once, and no code is sent.
  const application = input.application ? await applicationAccess(ctx, input.application, user.id) : undefined;
  if (needsRehash(user.passwordHash)) {
    const upgraded = await hashPassword(input.password);
    await setPasswordHashStatement(ctx, user.id, upgraded, false);
  }
  if (user.twoFactorEnabled) {
    const otpId = await issueOtp(ctx, user, "login");
    const mfaToken = await signToken(
      ctx.settings,
      "mfa",
      { sub: user.id, sid: otpId, jti: newId("mfa"), ...(input.remember_me ? { remember: true } : {}) },
      OTP_TTL_SECONDS,
    );
    return { mfa_required: true, mfa_token: mfaToken, expires_in: OTP_TTL_SECONDS };
  }
  return startSession(ctx, user, input.token_delivery, userAgent, application, input.remember_me);
}

export async function verifyLoginOtp(
  ctx: ServiceContext,
  input: { mfa_token: string; code: string; token_delivery: TokenDelivery; application?: string },
  userAgent?: string,
): Promise<IssuedTokens> {
  const claims = await verifyToken(ctx.settings, "mfa", input.mfa_token);
  await consumeRateLimits(ctx, [
    { bucket: "otp:ip", subject: ctx.clientIp, limit: 50, windowSeconds: FIFTEEN_MINUTES },
  ]);
  await checkOtp(ctx, claims.sub, "login", input.code, claims.sid);
  const user = await findUser(ctx, claims.sub);
  assertCanSignIn(user);
  const application = input.application ? await applicationAccess(ctx, input.application, user.id) : undefined;
  // "Remember me" was asked at the first step and travels in the second step's token.
  return startSession(ctx, user, input.token_delivery, userAgent, application, claims.remember === true);
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
  // The session and its user in one read (the user is only used once the session has proved good).
  const [[session], [user]] = await ctx.db.batch([
    ctx.db.select().from(sessions).where(eq(sessions.id, claims.sid)).limit(1),
    ctx.db
      .select()
      .from(users)
      .where(and(eq(users.id, claims.sub), isNull(users.deletedAt)))
      .limit(1),
  ]);
  if (!session || session.userId !== claims.sub)
    throw new AppError("invalid_token", "The session has ended. Sign in again.");
  if (
    csrf &&
    (!csrf.presented || !session.csrfHash || !constantTimeEqual(await sha256(csrf.presented), session.csrfHash))
  ) {
    throw new AppError("csrf_failed", "Cookie-mode refresh must send the X-CSRF-Token header.");
  }
  // Only one presenter of a refresh token can win this conditional update.
  const rotated = await ctx.db
    .update(refreshTokens)
    .set({ rotatedAt: now })
    .where(
      and(eq(refreshTokens.jti, claims.jti), eq(refreshTokens.sessionId, claims.sid), isNull(refreshTokens.rotatedAt)),
    )
    .returning({ jti: refreshTokens.jti });
  if (!rotated.length) {
    // A rotated (or unknown) token came back: treat it as stolen and end the whole family.
    await ctx.db
      .update(sessions)
      .set({ revokedAt: now, revokeReason: "refresh_token_reuse" })
      .where(and(eq(sessions.id, claims.sid), isNull(sessions.revokedAt)));
    throw new AppError("invalid_token", "The refresh token was already used; the session has been ended.");
  }
  if (session.revokedAt || session.expiresAt <= now)
    throw new AppError("invalid_token", "The session has ended. Sign in again.");
  if (!user || user.status !== "active") throw new AppError("invalid_token", "The account is not active.");
  // Roles in an application are read again: a removed grant stops the session at its next refresh.
  const application = session.applicationId ? await accessById(ctx, session.applicationId, user.id) : undefined;
  const csrfToken = delivery === "cookie" ? randomToken(24) : undefined;
  const left = Math.max(1, Math.floor((Date.parse(session.expiresAt) - Date.now()) / 1000));
  const { tokens, refreshRow } = await issueTokens(ctx, user, session.id, delivery, csrfToken, application, left);
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
  input: {
    name?: string;
    username?: string;
    email?: string;
    phone?: string;
    password: string;
    first_name?: string;
    last_name?: string;
    region?: string;
    address?: string;
    account_type: string;
  },
  userAgent?: string,
) {
  await consumeRateLimits(ctx, [{ bucket: "register:ip", subject: ctx.clientIp, limit: 10, windowSeconds: HOUR }]);
  const isStaff = (STAFF_ROLES as string[]).includes(input.account_type);
  const [first, ...rest] = (input.name ?? "").split(/\s+/).filter(Boolean);
  const firstName = input.first_name ?? first ?? "";
  const lastName = input.last_name ?? rest.join(" ");
  const username =
    input.username ??
    (await freeUsername(
      ctx,
      [firstName, lastName].filter(Boolean).join(".") || (input.phone ?? "").replace(/\D/g, ""),
    ));
  const user = await insertUser(ctx, {
    ...input,
    username,
    first_name: firstName,
    last_name: lastName,
    role: input.account_type,
    status: isStaff ? "pending" : "active",
  });
  if (isStaff) return { user: toUserResponse(user), requires_approval: true };
  // A customer's login comes with the customer record their tickets and service cards hang off, and is signed in at once.
  await customerForUser(ctx, user.id);
  const tokens = await startSession(ctx, user, "body", userAgent);
  return {
    user: tokens.user,
    requires_approval: false,
    access_token: tokens.access_token,
    refresh_token: tokens.refresh_token,
    token_type: tokens.token_type,
    expires_in: tokens.expires_in,
  };
}

/** A username made from the name (or phone digits): the plain form when free, else with a short number. */
async function freeUsername(ctx: ServiceContext, base: string): Promise<string> {
  const stem = base
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "")
    .replace(/^[._-]+/, "")
    .slice(0, 30)
    .padEnd(3, "0");
  for (const candidate of [
    stem,
    ...Array.from({ length: 4 }, () => `${stem}-${crypto.getRandomValues(new Uint32Array(1))[0]! % 100_000}`),
  ]) {
    if (!(await ctx.db.query.users.findFirst({ where: eq(users.username, candidate), columns: { id: true } })))
      return candidate;
  }
  return `${stem}-${newId("u").slice(-8).toLowerCase()}`;
}

// ---- IAM-8 ----

/**
 * What the token is good for. `application` (another application's key) asks whether the token was
 * issued for that application: one issued for another, or for truckroll itself, is 403.
 */
export function describeToken(ctx: UserContext, application?: string) {
  if (application && ctx.actor.application?.key !== application) {
    throw new AppError("application_denied", `This token was not issued for ${application}; sign in to it.`);
  }
  return {
    valid: true as const,
    user_id: ctx.actor.userId,
    session_id: ctx.actor.sessionId,
    role: ctx.actor.role,
    permissions: [...ctx.actor.permissions].sort(),
    expires_at: new Date(ctx.actor.tokenExpiresAt * 1000).toISOString(),
    application: ctx.actor.application ?? null,
  };
}
