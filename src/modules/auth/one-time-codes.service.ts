// One-time codes by email or SMS: sign-in without a password, the second step, turning 2FA on and off (IAM-7).
import { and, eq, isNull, lt } from "drizzle-orm";
import { otpCodes, type OtpPurpose } from "../../db/schema";
import type { UserContext, ServiceContext } from "../../lib/context";
import { hmacSha256, sixDigitCode } from "../../lib/hmac";
import { checkCode } from "../../lib/one-time-codes";
import { newId, nowIso } from "../../lib/ids";
import { AppError } from "../../lib/problem";
import { consumeRateLimits } from "../../lib/rate-limit";
import { enqueueAccountMessage } from "../../lib/enqueue";
import { findUser, setTwoFactorStatement, type UserRow } from "../users";
import { signToken, verifyToken } from "../../lib/tokens";
import { FIFTEEN_MINUTES, OTP_TTL_SECONDS, OTP_MAX_ATTEMPTS, accountSubject } from "./session-tokens";

// ---- IAM-7 one-time codes ----

async function otpHash(ctx: ServiceContext, otpId: string, code: string) {
  return hmacSha256(ctx.settings.hmacSecret, `${otpId}:${code}`);
}

/** Creates a code, voids older unused ones for the same purpose, and emails it. Returns its id. */
export async function issueOtp(ctx: ServiceContext, user: UserRow, purpose: OtpPurpose): Promise<string> {
  await consumeRateLimits(ctx, [
    { bucket: `otp-send:${purpose}`, subject: accountSubject(ctx, user, ""), limit: 5, windowSeconds: FIFTEEN_MINUTES },
  ]);
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
  await enqueueAccountMessage(ctx, user, {
    event: "auth.otp_requested",
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
  await consumeRateLimits(ctx, [
    {
      bucket: "otp-check:account",
      subject: accountSubject(ctx, { id: userId }, ""),
      limit: 10,
      windowSeconds: FIFTEEN_MINUTES,
    },
  ]);
  const now = nowIso();
  const otp = await ctx.db.query.otpCodes.findFirst({
    where: and(
      eq(otpCodes.userId, userId),
      eq(otpCodes.purpose, purpose),
      isNull(otpCodes.consumedAt),
      ...(otpId ? [eq(otpCodes.id, otpId)] : []),
    ),
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

/** `signedIn`: the caller's user row as the request's session check read it (no read of its own). */
export async function requestOtp(
  ctx: ServiceContext,
  input: { mfa_token?: string; purpose?: "enable_2fa" | "disable_2fa" },
  signedIn?: UserRow,
) {
  if (input.mfa_token) {
    const claims = await verifyToken(ctx.settings, "mfa", input.mfa_token);
    const user = await findUser(ctx, claims.sub);
    const otpId = await issueOtp(ctx, user, "login");
    const mfaToken = await signToken(
      ctx.settings,
      "mfa",
      { sub: user.id, sid: otpId, jti: newId("mfa") },
      OTP_TTL_SECONDS,
    );
    return { message: "A new code has been sent.", mfa_token: mfaToken };
  }
  if (ctx.actor.kind !== "user")
    throw new AppError("unauthorized", "Sign in, or give the mfa_token from the login step.");
  const user = signedIn?.id === ctx.actor.userId ? signedIn : await findUser(ctx, ctx.actor.userId);
  const purpose = input.purpose ?? (user.twoFactorEnabled ? "disable_2fa" : "enable_2fa");
  await issueOtp(ctx, user, purpose);
  return { message: "A code has been sent to your email address." };
}

/** `signedIn`: the caller's user row as the request's session check read it (no read of its own). */
export async function setTwoFactor(ctx: UserContext, enabled: boolean, code: string, signedIn?: UserRow) {
  const user = signedIn?.id === ctx.actor.userId ? signedIn : await findUser(ctx, ctx.actor.userId);
  if (user.twoFactorEnabled === enabled)
    throw new AppError("conflict", `Two-factor authentication is already ${enabled ? "on" : "off"}.`);
  await checkOtp(ctx, user.id, enabled ? "enable_2fa" : "disable_2fa", code);
  await setTwoFactorStatement(ctx, user.id, enabled);
  return { two_factor_enabled: enabled };
}
