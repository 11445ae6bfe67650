import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../lib/context";
import { createDb } from "../db/client";
import { settingsFrom } from "../lib/env";
import { redactPath, writeLog } from "../lib/log";

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{8,64}$/;

/**
 * Request id (kept from the caller when it looks sane), one structured log line per request,
 * and the per-request db/settings handles every handler reads from the context.
 */
export function requestContext() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const started = Date.now();
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    c.set("requestId", requestId);
    c.set("db", createDb(c.env.DB));
    c.set("settings", settingsFrom(c.env));
    try {
      await next();
    } finally {
      c.res.headers.set("x-request-id", requestId);
      const actor = c.var.actor;
      writeLog(c.get("settings").logLevel, c.res.status >= 500 ? "error" : "info", {
        msg: "request",
        request_id: requestId,
        method: c.req.method,
        path: redactPath(c.req.path),
        status: c.res.status,
        duration_ms: Date.now() - started,
        user_id: actor?.userId,
        ip: c.req.header("cf-connecting-ip"),
      });
    }
  });
}
