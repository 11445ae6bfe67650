import { inArray, notInArray, sql, type Column, type SQL, type SQLWrapper } from "drizzle-orm";

/** D1 refuses a statement with more than this many bound parameters. */
export const MAX_BOUND_PARAMETERS = 100;

/** Up to this many values are bound one by one (the planner sees the literal list); longer lists travel as one JSON parameter. */
const INLINE_VALUES = 20;

type ListValue = string | number;

/**
 * `column IN (…)` for a list of any length, or for a subquery. A long list is bound as a single
 * JSON array and expanded by `json_each`, so no statement ever nears D1's parameter limit; SQLite
 * still answers it from the column's index. Every `IN` in the code goes through here.
 */
export function inList(column: Column | SQL.Aliased | SQL, values: readonly ListValue[] | SQLWrapper): SQL {
  if (!Array.isArray(values)) return inArray(column as Column, values as SQLWrapper);
  const list = [...new Set(values as readonly ListValue[])];
  if (!list.length) return sql`0`;
  if (list.length <= INLINE_VALUES) return inArray(column as Column, list);
  return sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(list)}))`;
}

/** `column NOT IN (…)`, with the same rules as `inList`. */
export function notInList(column: Column | SQL.Aliased | SQL, values: readonly ListValue[] | SQLWrapper): SQL {
  if (!Array.isArray(values)) return notInArray(column as Column, values as SQLWrapper);
  const list = [...new Set(values as readonly ListValue[])];
  if (!list.length) return sql`1`;
  if (list.length <= INLINE_VALUES) return notInArray(column as Column, list);
  return sql`${column} NOT IN (SELECT value FROM json_each(${JSON.stringify(list)}))`;
}

/** Splits rows so that a multi-row statement binding `parametersPerRow` each stays within D1's limit. */
export function chunkRows<T>(rows: readonly T[], parametersPerRow: number): T[][] {
  const size = Math.max(1, Math.floor(MAX_BOUND_PARAMETERS / parametersPerRow));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}
