// What every way of signing in shares: finding the account, and starting a session with its tokens.
import { and, eq, isNull } from "drizzle-orm";
import { refreshTokens, sessions, users } from "../../db/schema";
import type { ServiceContext } from "../../lib/context";
import { sha256 } from "../../lib/hmac";
import { CODE_MAX_ATTEMPTS } from "../../lib/one-time-codes";
import { newId, nowIso, randomToken } from "../../lib/ids";
import { looksLikePhone, toE164 } from "../../lib/phone";
import { AppError } from "../../lib/problem";
import { recordLoginStatement, toUserResponse, type UserRow } from "../users";
import { signToken } from "../../lib/tokens";

export const FIFTEEN_MINUTES = 15 * 60;
export const HOUR = 60 * 60;
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
  application?: { key: string; roles: string[] };
  user: ReturnType<typeof toUserResponse>;
}

// ---- identifiers ----

/** A username, email or phone in any common format → the column and normalised value to look up. */
export function parseIdentifier(
  raw: string,
  defaultRegion: string,
): { column: "email" | "phone" | "username"; value: string } {
  const trimmed = raw.trim();
  if (trimmed.includes("@")) return { column: "email", value: trimmed.toLowerCase() };
  if (looksLikePhone(trimmed)) {
    const e164 = toE164(trimmed, defaultRegion);
    if (e164) return { column: "phone", value: e164 };
  }
  return { column: "username", value: trimmed.toLowerCase() };
}

export async function findByIdentifier(ctx: ServiceContext, raw: string): Promise<UserRow | undefined> {
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

/** The application a session signs in to, and the user's roles there. */
export interface ApplicationAccess {
  id: string;
  key: string;
  roles: string[];
}

export async function issueTokens(
  ctx: ServiceContext,
  user: UserRow,
  sessionId: string,
  delivery: TokenDelivery,
  csrfToken?: string,
  application?: ApplicationAccess,
  /** How long the session has left: the refresh token lives as long, never longer. */
  refreshTokenTtlSeconds = ctx.settings.refreshTokenTtlSeconds,
): Promise<{ tokens: IssuedTokens; refreshRow: typeof refreshTokens.$inferInsert }> {
  const { accessTokenTtlSeconds } = ctx.settings;
  const jti = newId("rtk");
  const now = new Date();
  const forApplication = application ? { azp: application.key, app_roles: application.roles } : {};
  const [accessToken, refreshToken] = await Promise.all([
    signToken(
      ctx.settings,
      "access",
      { sub: user.id, sid: sessionId, jti: newId("atk"), role: user.role, ...forApplication },
      accessTokenTtlSeconds,
    ),
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
      ...(application ? { application: { key: application.key, roles: application.roles } } : {}),
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
export async function startSession(
  ctx: ServiceContext,
  user: UserRow,
  delivery: TokenDelivery,
  userAgent?: string,
  application?: ApplicationAccess,
  rememberMe = false,
): Promise<IssuedTokens> {
  const sessionId = newId("ses");
  const csrfToken = delivery === "cookie" ? randomToken(24) : undefined;
  const lifetime = rememberMe
    ? Math.max(ctx.settings.rememberMeTtlSeconds, ctx.settings.refreshTokenTtlSeconds)
    : ctx.settings.refreshTokenTtlSeconds;
  const { tokens, refreshRow } = await issueTokens(ctx, user, sessionId, delivery, csrfToken, application, lifetime);
  const now = nowIso();
  const statements = [
    ctx.db.insert(sessions).values({
      id: sessionId,
      userId: user.id,
      via: delivery === "cookie" ? "cookie" : "bearer",
      applicationId: application?.id ?? null,
      csrfHash: csrfToken ? await sha256(csrfToken) : null,
      userAgent: userAgent?.slice(0, 255) ?? null,
      ipAddress: ctx.clientIp,
      createdAt: now,
      lastUsedAt: now,
      expiresAt: refreshRow.expiresAt,
    }),
    ctx.db.insert(refreshTokens).values(refreshRow),
    recordLoginStatement(ctx, user.id, now),
  ] as const;
  await ctx.db.batch(statements);
  tokens.user.last_login_at = now;
  return tokens;
}

export function assertCanSignIn(user: UserRow) {
  if (user.status === "pending") throw new AppError("account_inactive", "The account is waiting for approval.");
  if (user.status !== "active") throw new AppError("account_inactive", "The account is not active.");
}
