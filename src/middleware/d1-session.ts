import { createMiddleware } from "hono/factory";
import { createDb } from "../db/client";
import type { AppEnv } from "../lib/context";
import { AppError } from "../lib/problem";
import { countRoundTrips, type RoundTrips } from "./d1-round-trips";

export const BOOKMARK_HEADER = "x-d1-bookmark";
export const ROUND_TRIPS_HEADER = "x-d1-round-trips";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const BOOKMARK = /^[A-Za-z0-9._:-]{1,256}$/;

/**
 * One D1 session per request (read replication). A read-only request starts on any replica; a
 * request that may write starts on the primary; a client that sends back the `X-D1-Bookmark` of an
 * earlier response starts no earlier than that point, so it reads its own writes. Every query of
 * the request — drizzle and raw statements alike — runs in the session, so its reads never go
 * back in time, and the answer carries the session's latest bookmark.
 */
export function d1Session() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const presented = c.req.header(BOOKMARK_HEADER);
    if (presented !== undefined && !BOOKMARK.test(presented)) {
      throw new AppError("validation_failed", `${BOOKMARK_HEADER} must be a bookmark from an earlier response.`, {
        errors: [{ path: BOOKMARK_HEADER, in: "header", message: "Not a bookmark" }],
      });
    }
    const session = c.env.DB.withSession(
      presented ?? (SAFE_METHODS.has(c.req.method) ? "first-unconstrained" : "first-primary"),
    );
    // Outside production, each answer says how many D1 round trips it took (the round-trip budget test).
    const trips: RoundTrips | null = c.get("settings").countD1RoundTrips ? { count: 0 } : null;
    let db = session as unknown as D1Database;
    if (!SAFE_METHODS.has(c.req.method)) {
      const writes = { wrote: false };
      c.set("d1Writes", writes);
      db = noticeWrites(db, writes);
    }
    // The session has D1's prepare and batch: everything below reads the binding from here.
    c.env = { ...c.env, DB: trips ? countRoundTrips(db, trips) : db };
    c.set("db", createDb(c.env.DB));
    try {
      await next();
    } finally {
      // An answer that read nothing hands back the bookmark it was given, so a client never loses its place.
      const bookmark = session.getBookmark() ?? presented;
      if (bookmark) c.res.headers.set(BOOKMARK_HEADER, bookmark);
      if (trips) c.res.headers.set(ROUND_TRIPS_HEADER, String(trips.count));
    }
  });
}

/** Statements that only read; anything else prepared (INSERT, UPDATE, DELETE, a WITH …) counts as a write. */
const READ_ONLY = /^\s*select\s/i;

/**
 * Notes whether the request prepared a statement that may write: a request that only read cannot
 * have revoked a session or changed a user, so it need not empty the session cache when it ends.
 */
function noticeWrites(db: D1Database, writes: { wrote: boolean }): D1Database {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare")
        return (sql: string) => {
          if (!writes.wrote && !READ_ONLY.test(sql)) writes.wrote = true;
          return target.prepare(sql);
        };
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
