import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv, UserContext, ServiceContext } from "./context";
import { AppError, fieldErrors, type FieldLocation } from "./problem";

const LOCATIONS: Record<string, FieldLocation> = {
  json: "body",
  form: "body",
  query: "query",
  header: "header",
  param: "path",
  cookie: "cookie",
};

/** Every module's router: validation failures become one problem+json shape. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw new AppError("validation_failed", `The ${result.target} did not pass validation.`, {
          errors: fieldErrors(result.error.issues, { in: LOCATIONS[result.target] }),
        });
      }
    },
  });
}

/** The context of a route that may be called without signing in: the caller is anonymous, or the user when signed in. */
export function serviceContext(c: Context<AppEnv>): ServiceContext {
  return {
    actor: c.get("actor") ?? { kind: "anonymous" },
    db: c.get("db"),
    env: c.env,
    settings: c.get("settings"),
    requestId: c.get("requestId"),
    clientIp: clientIp(c),
    header: (name, value) => c.header(name, value),
    waitUntil: (p) => {
      try {
        c.executionCtx.waitUntil(p);
      } catch {
        void p;
      }
    },
  };
}

/** The context of a route behind `requires()`/`requiresSignIn()`: the auth middleware has set the user. */
export function userContext(c: Context<AppEnv>): UserContext {
  const actor = c.get("actor");
  if (!actor) throw new AppError("unauthorized", "Authentication is required.");
  return { ...serviceContext(c), actor };
}

export function clientIp(c: Context<AppEnv>): string {
  return c.req.header("cf-connecting-ip") ?? "127.0.0.1";
}

/**
 * The validated JSON body of a route whose body is optional: Hono types `valid("json")` only for
 * routes whose body is required, so the one cast for all of them lives here.
 */
export function optionalJson<T>(c: Context<AppEnv>): T | undefined {
  return (c.req as unknown as { valid: (target: "json") => T | undefined }).valid("json");
}
