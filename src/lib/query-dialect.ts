import { z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./context";
import { addDays, dateIn, zonedTimeToUtc } from "./time";

/**
 * One dialect for query parameters: people and groups are filtered by `<noun>_id`, lists sort with
 * `order`. The names used before (`technician`, `supervisor`, `ordering`) stay for one version as
 * deprecated aliases: documented as such, folded into the new name before validation, and answered
 * with a `Deprecation` header (RFC 9745: the moment they were deprecated).
 */
export const DEPRECATED_AT = Math.floor(Date.UTC(2026, 11, 6) / 1000);

/** The alias's entry in the document (the value is never read: the middleware renamed it). */
export function deprecatedAlias(name: string, replacement: string) {
  return z
    .string()
    .max(64)
    .optional()
    .openapi({
      param: { name, in: "query", deprecated: true },
      description: `Deprecated: use \`${replacement}\` (the same filter; answered with a \`Deprecation\` header; removed in the next version)`,
    });
}

/** Renames each alias in the query to its replacement (the new name wins when both are given) and marks the answer deprecated. */
export function deprecatedQuery(aliases: Record<string, string>): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const url = new URL(c.req.url);
    let used = false;
    for (const [old, replacement] of Object.entries(aliases)) {
      if (!url.searchParams.has(old)) continue;
      used = true;
      const values = url.searchParams.getAll(old);
      url.searchParams.delete(old);
      if (!url.searchParams.has(replacement)) for (const v of values) url.searchParams.append(replacement, v);
    }
    if (used) {
      c.req.raw = new Request(url, c.req.raw);
      c.header("Deprecation", `@${DEPRECATED_AT}`);
    }
    await next();
  };
}

/**
 * A date filter: a calendar date (`2026-12-01`, the whole day in the deployment's time zone) or
 * an instant (RFC 3339 with offset). Bounds are turned into instants by `startOf` / `endOf`.
 */
export function dateOrInstant(name: string, description: string) {
  return z
    .union([z.iso.date(), z.iso.datetime({ offset: true })])
    .optional()
    .openapi({
      param: { name, in: "query" },
      description: `${description}: a date (YYYY-MM-DD, the whole day in the deployment's time zone) or a date-time with offset (RFC 3339)`,
    });
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** The first instant a lower bound admits (a date: its midnight in `timeZone`). */
export function startOf(value: string, timeZone: string): string {
  return DATE_ONLY.test(value) ? zonedTimeToUtc(value, "00:00", timeZone).toISOString() : new Date(value).toISOString();
}

/** The last instant an upper bound admits, inclusive (a date: the last millisecond of that day in `timeZone`). */
export function endOf(value: string, timeZone: string): string {
  return DATE_ONLY.test(value)
    ? new Date(zonedTimeToUtc(addDays(value, 1), "00:00", timeZone).getTime() - 1).toISOString()
    : new Date(value).toISOString();
}

/** The calendar day a date filter names in `timeZone` (a date as given; a date-time: its local day). */
export function dayOf(value: string, timeZone: string): string {
  return DATE_ONLY.test(value) ? value : dateIn(timeZone, new Date(value));
}

/** The first instant an exclusive upper bound leaves out (a date: the next midnight, so the day is included). */
export function endBefore(value: string, timeZone: string): string {
  return DATE_ONLY.test(value)
    ? zonedTimeToUtc(addDays(value, 1), "00:00", timeZone).toISOString()
    : new Date(value).toISOString();
}
