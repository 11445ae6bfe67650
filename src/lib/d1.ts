import {
  fillPlaceholders,
  inArray,
  notInArray,
  type Placeholder,
  sql,
  type Column,
  type SQL,
  type SQLWrapper,
} from "drizzle-orm";
import { SQLiteAsyncDialect, type SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Db } from "../db/client";

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

/**
 * Reads several modules contribute to one D1 batch (one round trip), each answered through its own
 * mapping. A module offers `Reads` where its caller gathers reads whose ids are already known; the
 * caller runs them together with `runReads`, with writes after them in the same batch if it has any.
 */
export interface Reads<T> {
  statements: D1PreparedStatement[];
  finish(results: D1Result[]): T;
}

/** A drizzle select as `Reads` of its mapped rows. */
export function reads<T>(query: PromiseLike<T>): Reads<T> {
  const { statement, map } = readInBatch(query);
  return { statements: [statement], finish: ([result]) => map(result) };
}

const dialect = new SQLiteAsyncDialect();

/** A drizzle `sql` template as a D1 statement. */
export function sqlStatement(db: D1Database, query: SQL): D1PreparedStatement {
  const { sql: text, params } = dialect.sqlToQuery(query);
  return db.prepare(text).bind(...params);
}

/**
 * A query whose SQL never changes, built by drizzle once per isolate: building a large select
 * costs more CPU than running it (a booking spent 13 % of its CPU there), so the text is kept and
 * each call binds its values (`sql.placeholder(name)` in the query) on the caller's own D1.
 */
export function builtOnce<Names extends string>(
  build: (placeholders: Record<Names, Placeholder>) => { toSQL(): { sql: string; params: unknown[] } },
) {
  let built: { sql: string; params: unknown[] } | undefined;
  const placeholders = new Proxy({} as Record<Names, Placeholder>, {
    get: (_, name) => sql.placeholder(String(name)),
  });
  return (db: D1Database, values: Record<Names, unknown>): D1PreparedStatement => {
    built ??= build(placeholders).toSQL();
    return db.prepare(built.sql).bind(...fillPlaceholders(built.params, values));
  };
}

/** A raw statement as `Reads` of its rows. */
export function rawReads<Row>(statement: D1PreparedStatement): Reads<Row[]> {
  return { statements: [statement], finish: ([result]) => (result.results ?? []) as Row[] };
}

/** Writes placed among the reads (their results are the D1 results, for `meta.changes`). */
export function writes(statements: D1PreparedStatement[]): Reads<D1Result[]> {
  return { statements, finish: (results) => results };
}

/** What needs no read at all (an empty id list), in the same shape. */
export function known<T>(value: T): Reads<T> {
  return { statements: [], finish: () => value };
}

export function mapReads<T, U>(source: Reads<T>, f: (value: T) => U): Reads<U> {
  return { statements: source.statements, finish: (results) => f(source.finish(results)) };
}

type ReadValues<T extends Record<string, Reads<unknown>>> = { [K in keyof T]: T[K] extends Reads<infer V> ? V : never };

/** Several `Reads` as one, answered by name. */
export function allReads<T extends Record<string, Reads<unknown>>>(parts: T): Reads<ReadValues<T>> {
  const entries = Object.entries(parts);
  return {
    statements: entries.flatMap(([, r]) => r.statements),
    finish(results) {
      const out: Record<string, unknown> = {};
      let at = 0;
      for (const [name, r] of entries) {
        out[name] = r.finish(results.slice(at, at + r.statements.length));
        at += r.statements.length;
      }
      return out as ReadValues<T>;
    },
  };
}

/** A list of `Reads` as one, answered in the same order. */
export function listReads<T>(list: Reads<T>[]): Reads<T[]> {
  return {
    statements: list.flatMap((r) => r.statements),
    finish(results) {
      let at = 0;
      return list.map((r) => {
        const value = r.finish(results.slice(at, at + r.statements.length));
        at += r.statements.length;
        return value;
      });
    },
  };
}

/** Runs `source` as one batch (no round trip when it reads nothing), `writes` after its reads in the same batch. */
export async function runReads<T>(db: D1Database, source: Reads<T>, writes: D1PreparedStatement[] = []): Promise<T> {
  const statements = [...source.statements, ...writes];
  if (!statements.length) return source.finish([]);
  const results = await db.batch(statements);
  return source.finish(results.slice(0, source.statements.length));
}

/**
 * A row about to be edited and the row (if any) already holding the unique name it is to take, in
 * one round trip: `found` when `row` matches, `holder` the id of the first row matching `clash`
 * (no clash asked: null). The caller refuses a holder other than the row itself.
 */
export async function rowAndClash(
  db: Pick<Db, "select" | "batch">,
  table: SQLiteTable,
  idColumn: Column,
  row: SQL | undefined,
  clash: SQL | undefined,
): Promise<{ found: boolean; holder: string | null }> {
  const idOf = () => db.select({ id: sql<string>`${idColumn}` }).from(table);
  const [found, held] = await db.batch([
    idOf().where(row).limit(1),
    idOf()
      .where(clash ?? sql`0`)
      .limit(1),
  ]);
  return { found: found.length > 0, holder: held[0]?.id ?? null };
}
