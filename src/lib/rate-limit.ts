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
  let closest: { name: string; remaining: number; reset: number } | null = null;
  const policies: string[] = [];
  results.forEach((result, i) => {
    const row = result.results[0];
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
