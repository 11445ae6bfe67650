import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../lib/context";
import { z } from "@hono/zod-openapi";
import { hex } from "../lib/hmac";
import { AppError } from "../lib/problem";
import { createDb } from "../db/client";
import { markingWrites, type WriteMark } from "./idempotency-writes";

/** The header every create that a client may retry declares (a test holds every 201 route to it). */
export const idempotencyHeader = z.object({
  "idempotency-key": z
    .string()
    .optional()
    .openapi({
      param: { name: "idempotency-key", in: "header" },
      description: "Retry-safe: with the same key and body, the first response is replayed instead of acting twice",
    }),
});

const KEY_PATTERN = /^[\x21-\x7e]{8,255}$/;
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;

/** JSON with its object keys sorted at every level: the same document however its keys are ordered. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
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

/** How long a reservation without an answer and without a write holds its key against a retry. */
export const IDEMPOTENCY_LEASE_MS = 30_000;

/**
 * PLT-6. With an `Idempotency-Key` header, the first response is stored and replayed to retries
 * with the same key and body (`Idempotent-Replayed: true`); the same key with another body is 422.
 * Keys are per caller, method and path.
 *
 * Crashes: the key is reserved before the handler runs, and every write the handler makes stamps
 * the reservation as committed in that write's own batch (`markingWrites`). A reservation with no
 * answer and no stamp proves nothing was written: a retry within the lease gets 409 with
 * Retry-After, after it takes the key over and runs. A stamp without an answer (the worker died
 * after its write, before answering) is never run again: 409 `request_applied` says the request
 * took effect and its answer was lost. A request that fails before writing releases its key.
 */
export function idempotent() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const presented = c.req.header("idempotency-key");
    if (presented === undefined) return next();
    if (!KEY_PATTERN.test(presented)) {
      throw new AppError("validation_failed", "Idempotency-Key must be 8–255 visible ASCII characters.", {
        errors: [{ path: "idempotency-key", in: "header", message: "Invalid" }],
      });
    }
    const key = `${c.var.actor?.userId ?? "anonymous"}:${c.req.method}:${c.req.path}:${presented}`;
    // A clone, so the body stays unread for the route's own parsing (JSON or multipart alike).
    const requestHash = await requestFingerprint(c.req.raw.clone());
    const db = c.env.DB;
    const now = Date.now();
    const claim = await db
      .prepare(
        "INSERT INTO idempotency_keys (key, request_hash, created_at) VALUES (?1, ?2, ?3) ON CONFLICT(key) DO NOTHING",
      )
      .bind(key, requestHash, now)
      .run();
    if (!claim.meta.changes) {
      const row = await db
        .prepare(
          "SELECT request_hash, status, response_body, created_at, committed_at FROM idempotency_keys WHERE key = ?1",
        )
        .bind(key)
        .first<{
          request_hash: string;
          status: number | null;
          response_body: string | null;
          created_at: number;
          committed_at: number | null;
        }>();
      if (row && row.request_hash !== requestHash)
        throw new AppError(
          "idempotency_key_reused",
          "This Idempotency-Key was used with a different request body; use a new key for a new request.",
        );
      if (row && row.status !== null) {
        return new Response(row.response_body, {
          status: row.status,
          headers: {
            "content-type": "application/json",
            "idempotent-replayed": "true",
            "x-request-id": c.var.requestId,
          },
        });
      }
      if (row) {
        const leaseLeft = row.created_at + IDEMPOTENCY_LEASE_MS - now;
        if (leaseLeft > 0) {
          throw new AppError("conflict", "A request with this Idempotency-Key is still in progress.", {
            headers: { "retry-after": String(Math.max(1, Math.ceil(leaseLeft / 1000))) },
          });
        }
        if (row.committed_at !== null) {
          throw new AppError(
            "request_applied",
            "This request was applied, but its answer was lost when the server failed. Read the resource to see the result; do not send it again with a new key.",
          );
        }
        // Nothing was written under the old reservation: take it over (one taker wins).
        const taken = await db
          .prepare(
            "UPDATE idempotency_keys SET created_at = ?2 WHERE key = ?1 AND status IS NULL AND committed_at IS NULL AND created_at = ?3",
          )
          .bind(key, now, row.created_at)
          .run();
        if (!taken.meta.changes)
          throw new AppError("conflict", "A request with this Idempotency-Key is still in progress.", {
            headers: { "retry-after": "1" },
          });
      }
    }
    const mark: WriteMark = { marked: false };
    const marking = markingWrites(c.env.DB, key, mark);
    c.env = { ...c.env, DB: marking };
    c.set("db", createDb(marking));
    try {
      await next();
    } finally {
      c.env = { ...c.env, DB: db };
    }
    if ((c.res.status >= 200 && c.res.status < 300) || mark.marked) {
      // Once something was written, its answer is the key's answer, whatever it was.
      const body = await c.res.clone().text();
      await db
        .prepare("UPDATE idempotency_keys SET status = ?1, response_body = ?2 WHERE key = ?3")
        .bind(c.res.status, body, key)
        .run();
    } else {
      await db
        .prepare("DELETE FROM idempotency_keys WHERE key = ?1 AND status IS NULL AND committed_at IS NULL")
        .bind(key)
        .run();
    }
  });
}
