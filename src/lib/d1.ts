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

/** A condition `AND`ed into a statement's WHERE (anonymous `?` placeholders): the statement writes only while it holds. */
export interface Guard {
  sql: string;
  params: (string | number)[];
}

type Cell = string | number | null;

/** Numbers a guard's anonymous `?` placeholders from `from` on, to follow a statement's own `?1…?n`. */
export function numbered(sql: string, from: number): string {
  let k = 0;
  return sql.replace(/\?(?!\d)/g, () => `?${from + k++}`);
}

/** `INSERT … SELECT … WHERE <guard>`: nothing is inserted unless the guard holds. */
export function guardedInsert(db: D1Database, table: string, row: Record<string, Cell>, guard: Guard) {
  const cols = Object.keys(row);
  const values = Object.values(row);
  return db
    .prepare(
      `INSERT INTO ${table} (${cols.join(", ")}) SELECT ${cols.map((_, i) => `?${i + 1}`).join(", ")} WHERE ${numbered(guard.sql, cols.length + 1)}`,
    )
    .bind(...values, ...guard.params);
}

/** `UPDATE … SET … WHERE id = ? AND <guard>`. */
export function guardedUpdate(db: D1Database, table: string, id: string, set: Record<string, Cell>, guard: Guard) {
  const entries = Object.entries(set);
  const assignments = entries.map(([col], i) => `${col} = ?${i + 1}`).join(", ");
  return db
    .prepare(
      `UPDATE ${table} SET ${assignments} WHERE id = ?${entries.length + 1} AND ${numbered(guard.sql, entries.length + 2)}`,
    )
    .bind(...entries.map(([, v]) => v), id, ...guard.params);
}

/**
 * A drizzle read as a D1 statement for another batch (a write's, so the answer comes from it), with
 * drizzle's own mapping of its result — what drizzle's \`db.batch\` does with each query. In a batch
 * D1 answers rows as objects, so a select must not join tables whose selected columns share a name.
 */
export function readInBatch<T>(query: PromiseLike<T>): {
  statement: D1PreparedStatement;
  map: (result: D1Result) => T;
} {
  // Drizzle's select has no typed \`_prepare\`; its batch calls the same method.
  const prepare: () => BatchPrepared = Reflect.get(query, "_prepare");
  const prepared = prepare.call(query);
  return {
    statement: prepared.stmt.bind(...prepared.getQuery().params),
    map: (result) => prepared.mapResult(result, true) as T,
  };
}

interface BatchPrepared {
  stmt: D1PreparedStatement;
  getQuery(): { params: unknown[] };
  mapResult(result: D1Result, isFromBatch: boolean): unknown;
}
