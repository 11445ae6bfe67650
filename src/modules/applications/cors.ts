import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../../lib/context";
import type { Env } from "../../lib/env";

/** Request headers a browser application may send, and response headers it may read. */
const ALLOWED_HEADERS = [
  "authorization",
  "content-type",
  "idempotency-key",
  "x-csrf-token",
  "x-d1-bookmark",
  "if-match",
];
/** Every header the document declares a client may read (browsers hide the others from scripts). */
const EXPOSED_HEADERS = [
  "x-request-id",
  "retry-after",
  "x-d1-bookmark",
  "x-d1-round-trips",
  "content-disposition",
  "etag",
  "idempotent-replayed",
  "deprecation",
  "ratelimit",
  "ratelimit-policy",
];
const CACHE_MS = 60_000;

let cached: { origins: Set<string>; at: number } | null = null;

/** Registering or changing an application empties this isolate's copy at once (other isolates: within a minute). */
export function forgetAllowedOrigins() {
  cached = null;
}

async function allowedOrigins(env: Env): Promise<Set<string>> {
  if (cached && Date.now() - cached.at < CACHE_MS) return cached.origins;
  const rows = await env.DB.prepare("SELECT allowed_origins FROM applications WHERE active = 1").all<{
    allowed_origins: string;
  }>();
  const origins = new Set(rows.results.flatMap((r) => JSON.parse(r.allowed_origins) as string[]));
  cached = { origins, at: Date.now() };
  return origins;
}

/**
 * CORS for the registered applications' web pages: a request from an origin an active application
 * lists may read the answer (bearer tokens only: cookies stay SameSite=Strict, so no credentials
 * mode); a preflight from it is answered here. Other origins get no CORS headers, so browsers keep
 * the answers from their pages.
 */
export function applicationCors() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const origin = c.req.header("origin");
    if (!origin || !(await allowedOrigins(c.env)).has(origin)) return next();
    if (c.req.method === "OPTIONS" && c.req.header("access-control-request-method")) {
      return c.body(null, 204, {
        "access-control-allow-origin": origin,
        "access-control-allow-methods": "GET, POST, PUT, PATCH, DELETE",
        "access-control-allow-headers": ALLOWED_HEADERS.join(", "),
        "access-control-max-age": "600",
        vary: "Origin",
      });
    }
    await next();
    c.res.headers.set("access-control-allow-origin", origin);
    c.res.headers.set("access-control-expose-headers", EXPOSED_HEADERS.join(", "));
    c.res.headers.append("vary", "Origin");
  });
}
