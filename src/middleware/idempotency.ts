import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../lib/context";
import { z } from "@hono/zod-openapi";
import { hex } from "../lib/hmac";
import { AppError } from "../lib/problem";

/** The header every create that a client may retry declares (a test holds every 201 route to it). */
export const idempotencyHeader = z.object({
  "idempotency-key": z
    .string()
    .optional()
    .openapi({ param: { name: "idempotency-key", in: "header" }, description: "Retry-safe: with the same key and body, the first response is replayed instead of acting twice" }),
});

const KEY_PATTERN = /^[\x21-\x7e]{8,255}$/;
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;

/** JSON with its object keys sorted at every level: the same document however its keys are ordered. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value);
}

/** A JSON body is compared as a document (key order and whitespace do not count); any other body byte for byte. */
async function requestFingerprint(request: Request) {
  const bytes = await request.arrayBuffer();
  let material: BufferSource = bytes;
  if ((request.headers.get("content-type") ?? "").toLowerCase().startsWith("application/json")) {
    try {
      material = new TextEncoder().encode(canonicalJson(JSON.parse(new TextDecoder().decode(bytes))));
    } catch {
      /* not JSON after all: the route refuses it; compare the bytes */
    }
  }
  return hex(await crypto.subtle.digest("SHA-256", material));
}

/**
 * PLT-6. With an `Idempotency-Key` header, the first successful response is stored and replayed
 * to retries with the same key and body (`Idempotent-Replayed: true`); the same key with another
 * body is 422; a retry while the first is still running is 409. Keys are per caller, method and
 * path. Failed attempts release the key so the client can retry.
 */
export function idempotent() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const presented = c.req.header("idempotency-key");
    if (presented === undefined) return next();
    if (!KEY_PATTERN.test(presented)) {
      throw new AppError("validation_failed", "Idempotency-Key must be 8–255 visible ASCII characters.", { errors: [{ path: "header.idempotency-key", message: "Invalid" }] });
    }
    const key = `${c.var.actor?.userId ?? "anonymous"}:${c.req.method}:${c.req.path}:${presented}`;
    // A clone, so the body stays unread for the route's own parsing (JSON or multipart alike).
    const requestHash = await requestFingerprint(c.req.raw.clone());
    const db = c.env.DB;
    const now = Date.now();
    const claim = await db
      .prepare("INSERT INTO idempotency_keys (key, request_hash, created_at) VALUES (?1, ?2, ?3) ON CONFLICT(key) DO NOTHING")
      .bind(key, requestHash, now)
      .run();
    if (!claim.meta.changes) {
      const row = await db.prepare("SELECT request_hash, status, response_body, created_at FROM idempotency_keys WHERE key = ?1").bind(key).first<{ request_hash: string; status: number | null; response_body: string | null; created_at: number }>();
      if (row && row.request_hash !== requestHash) throw new AppError("unprocessable", "This Idempotency-Key was used with a different request body.");
      if (row && row.status === null) throw new AppError("conflict", "A request with this Idempotency-Key is still in progress.");
      if (row) {
        return new Response(row.response_body, {
          status: row.status!,
          headers: { "content-type": "application/json", "idempotent-replayed": "true", "x-request-id": c.var.requestId },
        });
      }
    }
    await next();
    if (c.res.status >= 200 && c.res.status < 300) {
      const body = await c.res.clone().text();
      await db.prepare("UPDATE idempotency_keys SET status = ?1, response_body = ?2 WHERE key = ?3").bind(c.res.status, body, key).run();
    } else {
      await db.prepare("DELETE FROM idempotency_keys WHERE key = ?1 AND status IS NULL").bind(key).run();
    }
  });
}
