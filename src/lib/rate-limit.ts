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
 * Retry-After when any rule is over its limit.
 */
export async function consumeRateLimits(
  ctx: Pick<ServiceContext, "env" | "settings">,
  rules: RateRule[],
): Promise<void> {
  const nowMs = Date.now();
  const statements = rules.map((rule) => {
    const windowMs = rule.windowSeconds * 1000;
    const windowStart = Math.floor(nowMs / windowMs) * windowMs;
    const key = `${rule.bucket}:${rule.subject.toLowerCase()}:${windowStart}`;
    return ctx.env.DB.prepare(
      `INSERT INTO rate_limits (key, count, expires_at) VALUES (?1, 1, ?2)
       ON CONFLICT(key) DO UPDATE SET count = count + 1
       RETURNING count, expires_at`,
    ).bind(key, windowStart + windowMs);
  });
  const results = await ctx.env.DB.batch<{ count: number; expires_at: number }>(statements);
  let retryAfter = 0;
  results.forEach((result, i) => {
    const row = result.results[0];
    const limit = Math.max(1, Math.floor(rules[i].limit * ctx.settings.rateLimitScale));
    if (row && row.count > limit) retryAfter = Math.max(retryAfter, Math.ceil((row.expires_at - nowMs) / 1000));
  });
  if (retryAfter > 0) {
    throw new AppError("rate_limited", "Too many attempts. Try again later.", {
      headers: { "retry-after": String(Math.max(1, retryAfter)) },
    });
  }
}
