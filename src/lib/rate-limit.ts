import { sql } from "drizzle-orm";
import { rateLimits } from "../db/schema";
import type { ServiceContext } from "./context";
import { AppError } from "./problem";

export interface RateRule {
  /** What is counted, e.g. `login:id`. */
  bucket: string;
  /** Who is counted: an identifier or a client address. */
  subject: string;
  limit: number;
  windowSeconds: number;
}

/**
 * Counts one hit against each rule with a single atomic UPSERT per rule (D1 has one writer, so
 * the counters are exact, unlike the approximate Rate Limiting binding). Throws 429 with
 * Retry-After when any rule is over its limit. Either way the answer carries the IETF draft's
 * `RateLimit-Policy` (every rule: quota `q` per window `w` seconds) and `RateLimit` (the rule
 * closest to its limit: `r` requests remaining, reset in `t` seconds).
 */
export async function consumeRateLimits(
  ctx: Pick<ServiceContext, "env" | "settings" | "header">,
  rules: RateRule[],
): Promise<void> {
  const nowMs = Date.now();
  const results = await ctx.env.DB.batch<RateCount>(
    rules.map((rule) => {
      const { key, expiresAt } = counterOf(rule, nowMs);
      return ctx.env.DB.prepare(COUNT_SQL).bind(key, expiresAt);
    }),
  );
  applyRateLimits(
    ctx,
    rules,
    results.map((r) => r.results[0]),
    nowMs,
  );
}

type RateCount = { count: number; expires_at: number };

const COUNT_SQL = `INSERT INTO rate_limits (key, count, expires_at) VALUES (?1, 1, ?2)
       ON CONFLICT(key) DO UPDATE SET count = count + 1
       RETURNING count, expires_at`;

function counterOf(rule: RateRule, nowMs: number) {
  const windowMs = rule.windowSeconds * 1000;
  const windowStart = Math.floor(nowMs / windowMs) * windowMs;
  return { key: `${rule.bucket}:${rule.subject.toLowerCase()}:${windowStart}`, expiresAt: windowStart + windowMs };
}

/**
 * The counting queries alone, for a caller that sends them at the head of its own batch (one round
 * trip for the count and the reads); `applyRateLimits` then judges their rows.
 */
export function rateLimitQueries(ctx: Pick<ServiceContext, "db">, rules: RateRule[], nowMs: number) {
  return rules.map((rule) => {
    const { key, expiresAt } = counterOf(rule, nowMs);
    return ctx.db
      .insert(rateLimits)
      .values({ key, count: 1, expiresAt })
      .onConflictDoUpdate({ target: rateLimits.key, set: { count: sql`${rateLimits.count} + 1` } })
      .returning({ count: rateLimits.count, expires_at: rateLimits.expiresAt });
  });
}

/** Throws 429 when a rule is over its limit; sets the RateLimit headers either way. */
export function applyRateLimits(
  ctx: Pick<ServiceContext, "settings" | "header">,
  rules: RateRule[],
  counted: (RateCount | undefined)[],
  nowMs: number,
): void {
  let retryAfter = 0;
  let closest: { name: string; remaining: number; reset: number } | null = null;
  const policies: string[] = [];
  counted.forEach((row, i) => {
    const limit = Math.max(1, Math.floor(rules[i].limit * ctx.settings.rateLimitScale));
    const name = rules[i].bucket.replace(/[^a-z0-9_-]/gi, "_");
    policies.push(`"${name}";q=${limit};w=${rules[i].windowSeconds}`);
    if (!row) return;
    const reset = Math.max(1, Math.ceil((row.expires_at - nowMs) / 1000));
    const remaining = Math.max(0, limit - row.count);
    if (!closest || remaining < closest.remaining) closest = { name, remaining, reset };
    if (row.count > limit) retryAfter = Math.max(retryAfter, reset);
  });
  const headers: Record<string, string> = { "ratelimit-policy": policies.join(", ") };
  const c = closest as { name: string; remaining: number; reset: number } | null;
  if (c) headers.ratelimit = `"${c.name}";r=${c.remaining};t=${c.reset}`;
  if (retryAfter > 0) {
    throw new AppError("rate_limited", "Too many attempts. Try again later.", {
      headers: { ...headers, "retry-after": String(retryAfter) },
    });
  }
  for (const [name, value] of Object.entries(headers)) ctx.header?.(name, value);
}
