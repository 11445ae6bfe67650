import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv, ActorContext, ServiceContext } from "./context";
import { AppError, fieldErrors } from "./problem";

/** Every module's router: validation failures become one problem+json shape. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw new AppError("validation_failed", `The ${result.target} did not pass validation.`, {
          errors: fieldErrors(result.error.issues, result.target === "json" || result.target === "form" ? undefined : result.target),
        });
      }
    },
  });
}

export function serviceContext(c: Context<AppEnv>): ServiceContext {
  return {
    db: c.get("db"),
    env: c.env,
    settings: c.get("settings"),
    requestId: c.get("requestId"),
    clientIp: clientIp(c),
    waitUntil: (p) => {
      try {
        c.executionCtx.waitUntil(p);
      } catch {
        void p;
      }
    },
  };
}

export function actorContext(c: Context<AppEnv>): ActorContext {
  return { ...serviceContext(c), actor: c.get("actor") };
}

export function clientIp(c: Context<AppEnv>): string {
  return c.req.header("cf-connecting-ip") ?? "127.0.0.1";
}
