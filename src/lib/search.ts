import { z } from "@hono/zod-openapi";
import { or, sql, type AnyColumn, type SQL } from "drizzle-orm";

export const SEARCH_MAX_LENGTH = 100;

/**
 * The `q` query parameter of every list with free-text search: one limit and one meaning,
 * stated in the OpenAPI document.
 */
export function searchParam(what: string) {
  return z
    .string()
    .trim()
    .max(SEARCH_MAX_LENGTH)
    .optional()
    .openapi({
      param: { name: "q", in: "query" },
      description: `Search ${what}: case-insensitive substring match, at most ${SEARCH_MAX_LENGTH} characters; every character (also % and _) matches itself.`,
    });
}

/**
 * Rows where any of the columns contains the text. `instr` instead of LIKE: D1 refuses LIKE
 * patterns over 50 bytes, and a literal substring needs no escaping of % and _. Neither form can
 * use an index; lists bound the scan with their keyset page and other filters.
 */
export function containsText(columns: AnyColumn[], text: string | undefined): SQL | undefined {
  const needle = text?.trim().toLowerCase();
  if (!needle) return undefined;
  return or(...columns.map((column) => sql`instr(lower(${column}), ${needle}) > 0`));
}
