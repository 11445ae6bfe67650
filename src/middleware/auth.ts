import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../lib/context";
import { AppError } from "../lib/problem";
import { constantTimeEqual, sha256 } from "../lib/hmac";
import { verifyToken } from "../lib/tokens";
import { ACCESS_COOKIE, CSRF_HEADER } from "../lib/cookies";
import type { Permission } from "../contracts/permissions";
import { AUTHENTICATED } from "../lib/openapi";
import { clientIp, serviceContext } from "../lib/create-router";
import { callers } from "../lib/identity";
import { BOOKMARK_HEADER } from "./d1-session";
import {
  cachedSession,
  forgetAllSessions,
  rememberSession,
  sessionCacheGeneration,
  sharedLiveCheck,
} from "./session-cache";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Accepts a Bearer token or the access cookie, then checks the live session: every write does,
 * reads may reuse this isolate's check for a few seconds (session-cache.ts) unless the route asks
 * for `live`. Cookie-authenticated unsafe requests must echo the session's CSRF token in
 * X-CSRF-Token.
 */
export function authenticate(options: { optional?: boolean; live?: boolean; applications?: boolean } = {}) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header("authorization");
    if (options.optional && !header && !getCookie(c, ACCESS_COOKIE)) return next();
    let token: string | undefined;
    let via: "bearer" | "cookie" = "bearer";
    if (header) {
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      if (!m) throw new AppError("unauthorized", "Use the Bearer scheme: Authorization: Bearer <access token>.");
      token = m[1];
    } else {
      token = getCookie(c, ACCESS_COOKIE);
      via = "cookie";
    }
    if (!token) throw new AppError("unauthorized", "Authentication is required.");

    const settings = c.get("settings");
    // An API key: its own check every time (no session, no cache), then the route's permission check as for anyone.
    const directory = callers();
    if (via === "bearer" && token.startsWith(directory.apiKeyPrefix)) {
      const key = await directory.byApiKey(c.env, settings, token, clientIp(c), serviceContext(c).waitUntil);
      c.set("actor", key.actor);
      c.set("currentUser", key.user);
      return next();
    }
    const safe = SAFE_METHODS.has(c.req.method);
    const cacheMs = options.live ? 0 : settings.sessionCacheSeconds * 1000;
    if (safe && cacheMs > 0) {
      const hit = cachedSession(token, Date.now(), cacheMs);
      if (hit) {
        c.set("actor", { ...hit.actor, via });
        c.set("currentUser", { ...hit.user });
        return next();
      }
    }
    const generation = sessionCacheGeneration();

    const claims = await verifyToken(settings, "access", token, { applications: options.applications });
    // A token exchanged for an API key (client credentials): self-contained, no session to read.
    if (claims.sid.startsWith("key:")) {
      const key = directory.byExchangedKey({ ...claims, keyId: claims.sid.slice(4) });
      c.set("actor", key.actor);
      c.set("currentUser", key.user);
      return next();
    }
    const check = () => directory.bySession(c.env.DB, claims.sid, claims.sub);
    // A write without a bookmark reads the primary: one such check of this token may serve a burst of writes.
    const { caller, problem } =
      !safe && c.req.header(BOOKMARK_HEADER) === undefined ? await sharedLiveCheck(token, check) : await check();
    // A live check that finds the session ended tells this isolate its cached checks may be stale.
    if (problem === "inactive" || !caller) forgetAllSessions();
    if (problem === "inactive") throw new AppError("invalid_token", "The account is not active.");
    if (!caller) throw new AppError("invalid_token", "The session has ended. Sign in again.");

    if (via === "cookie" && !safe) {
      const presented = c.req.header(CSRF_HEADER);
      if (!presented || !caller.csrfHash || !constantTimeEqual(await sha256(presented), caller.csrfHash)) {
        throw new AppError(
          "csrf_failed",
          `Cookie-authenticated requests that change state must send the ${CSRF_HEADER} header.`,
        );
      }
    }

    const { via: _via, ...fromSession } = caller.actor;
    const actor = {
      ...fromSession,
      tokenExpiresAt: claims.exp,
      ...(claims.azp ? { application: { key: claims.azp, roles: claims.app_roles ?? [] } } : {}),
    };
    const user = { ...caller.user };
    if (safe && cacheMs > 0)
      rememberSession(
        token,
        { actor, user: { ...user }, sessionExpiresAt: caller.sessionExpiresAt, checkedAtMs: Date.now() },
        generation,
      );
    c.set("actor", { ...actor, via });
    c.set("currentUser", user);
    await next();
  });
}

/**
 * Any request that may change state and prepared a statement that writes empties this isolate's
 * session cache when it ends, so a logout, reset, deactivation or profile edit is seen by the very
 * next read (see session-cache.ts).
 */
export function forgetSessionsAfterWrites() {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();
    try {
      await next();
    } finally {
      // Not after a request that only read (a refusal before any write): it changed no session.
      if (c.get("d1Writes")?.wrote ?? true) forgetAllSessions();
    }
  });
}

/** Route-level declaration of the permission a route needs; runs after `authenticate`. */
export function requirePermission(...needed: Permission[]) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const actor = c.get("actor");
    const missing = needed.filter((p) => !actor.permissions.has(p));
    if (missing.length) throw new AppError("forbidden", `This requires the ${missing.join(", ")} permission.`);
    await next();
  });
}

/**
 * Spread into a createRoute: states the security schemes, runs authentication and the permission
 * check, and records the permission as `x-permission` so the shared security suite (which reads
 * /openapi.json) tests every route's denials without a line per route.
 */
export function requires(permission: Permission, ...extra: MiddlewareHandler<AppEnv>[]) {
  return {
    security: AUTHENTICATED,
    middleware: [authenticate(), requirePermission(permission), ...extra],
    "x-permission": permission,
  };
}

/**
 * Any signed-in user; what they may touch is decided by the service. `live` skips the session
 * cache, for routes whose answer *is* the session's state (token validation).
 */
export function requiresSignIn(options: { live?: boolean; applications?: boolean } = {}) {
  return { security: AUTHENTICATED, middleware: [authenticate(options)], "x-permission": "authenticated" };
}

/** Either signed in or carrying another credential in the body (logout by refresh token, OTP resend). */
export function optionalSignIn(options: { applications?: boolean } = {}) {
  return {
    security: [...AUTHENTICATED, {}],
    middleware: [authenticate({ optional: true, ...options })],
    "x-permission": "optional",
  };
}
