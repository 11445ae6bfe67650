import type { ServiceContext } from "../../lib/context";
import { AppError } from "../../lib/problem";

/**
 * Sign-in throttling (OWASP Authentication Cheat Sheet): only failures count; they slow the next
 * attempt down progressively instead of locking the account, so nobody who knows a username can
 * lock its owner out, and an integration that signs in often never throttles itself.
 *
 * Three counters, each forgotten once WINDOW passes without a new failure on it:
 * - account and client address: FREE.accountClient failures free, then each attempt from that client
 *   waits 2^(n − free) seconds after the last failure (1 s, 2 s, 4 s …, at most MAX_DELAY). A successful
 *   sign-in from that client clears it.
 * - account, from any client: FREE.account free, then the same doubling. It slows a distributed guesser;
 *   the owner is at most MAX_DELAY away from trying again, and a password reset (by email or phone)
 *   clears every counter of the account at once.
 * - client address, across accounts: FREE.client free, then the same doubling (password spraying).
 * While a wait runs, the attempt is refused with 429 and Retry-After before the password is checked.
 */
export const SIGN_IN_THROTTLE = {
  windowMs: 15 * 60_000,
  free: { accountClient: 5, account: 20, client: 100 },
  maxDelaySeconds: 300,
};

type Keys = { account: string; accountClient: string; client: string };

function keysFor(accountSubject: string, clientIp: string): Keys {
  return {
    account: `account:${accountSubject}`,
    accountClient: `account-client:${accountSubject}|${clientIp.toLowerCase()}`,
    client: `client:${clientIp.toLowerCase()}`,
  };
}

function delaySeconds(failures: number, free: number) {
  if (failures < free) return 0;
  return Math.min(2 ** (failures - free), SIGN_IN_THROTTLE.maxDelaySeconds);
}

/** 429 with Retry-After while any of the three counters asks the caller to wait; says whether this client has failures on the account. */
export async function assertSignInAllowed(
  ctx: Pick<ServiceContext, "env" | "settings">,
  accountSubject: string,
  clientIp: string,
): Promise<{ clientHasFailures: boolean }> {
  const keys = keysFor(accountSubject, clientIp);
  const now = Date.now();
  const { results } = await ctx.env.DB.prepare(
    "SELECT key, failures, last_failure_at FROM sign_in_failures WHERE key IN (?1, ?2, ?3) AND expires_at > ?4",
  )
    .bind(keys.account, keys.accountClient, keys.client, now)
    .all<{ key: string; failures: number; last_failure_at: number }>();
  const scale = ctx.settings.rateLimitScale;
  const free = (n: number) => Math.max(1, Math.floor(n * scale));
  let wait = 0;
  for (const row of results) {
    const threshold =
      row.key === keys.account
        ? free(SIGN_IN_THROTTLE.free.account)
        : row.key === keys.client
          ? free(SIGN_IN_THROTTLE.free.client)
          : free(SIGN_IN_THROTTLE.free.accountClient);
    const until = row.last_failure_at + delaySeconds(row.failures, threshold) * 1000;
    if (until > now) wait = Math.max(wait, Math.ceil((until - now) / 1000));
  }
  if (wait > 0) {
    throw new AppError(
      "rate_limited",
      "Too many failed sign-ins. Wait a moment and try again, or reset your password.",
      { headers: { "retry-after": String(wait) } },
    );
  }
  return { clientHasFailures: results.some((r) => r.key === keys.accountClient) };
}

/** One failure on all three counters, in one batch. */
export async function recordSignInFailure(ctx: Pick<ServiceContext, "env">, accountSubject: string, clientIp: string) {
  const keys = keysFor(accountSubject, clientIp);
  const now = Date.now();
  const expires = now + SIGN_IN_THROTTLE.windowMs;
  const upsert = (key: string) =>
    ctx.env.DB.prepare(
      `INSERT INTO sign_in_failures (key, failures, last_failure_at, expires_at) VALUES (?1, 1, ?2, ?3)
       ON CONFLICT(key) DO UPDATE SET failures = CASE WHEN expires_at <= ?2 THEN 1 ELSE failures + 1 END, last_failure_at = ?2, expires_at = ?3`,
    ).bind(key, now, expires);
  await ctx.env.DB.batch([upsert(keys.account), upsert(keys.accountClient), upsert(keys.client)]);
}

/** A successful sign-in clears this client's count on the account (not the account's, not the client's overall). */
export function clearClientFailuresStatement(
  ctx: Pick<ServiceContext, "env">,
  accountSubject: string,
  clientIp: string,
) {
  return ctx.env.DB.prepare("DELETE FROM sign_in_failures WHERE key = ?1").bind(
    keysFor(accountSubject, clientIp).accountClient,
  );
}

/** The owner proved themselves another way (a password reset): every counter of the account goes. */
export function clearAccountFailuresStatement(ctx: Pick<ServiceContext, "env">, accountSubject: string) {
  // A range instead of LIKE: keys may be longer than D1's 50-byte LIKE pattern.
  const prefix = `account-client:${accountSubject}|`;
  return ctx.env.DB.prepare("DELETE FROM sign_in_failures WHERE key = ?1 OR (key >= ?2 AND key < ?3)").bind(
    `account:${accountSubject}`,
    prefix,
    `${prefix.slice(0, -1)}}`,
  );
}
