/**
 * The D1 binding an idempotent request writes through: every batch (or single statement) that
 * writes a record also stamps the request's Idempotency-Key row as committed, in the same batch.
 * So a key whose request died shows, by itself, whether anything was written: no stamp, nothing
 * was (the key can be taken over after its lease); a stamp, the write happened (never run again).
 * Throttle counters and the key table itself are bookkeeping, not the request's write.
 */
const WRITE = /^\s*(insert|update|delete|replace)\b|^\s*with\b[\s\S]*\b(insert|update|delete)\b/i;
const BOOKKEEPING = /\b(rate_limits|sign_in_failures|idempotency_keys)\b/i;

export interface WriteMark {
  marked: boolean;
}

export function markingWrites(db: D1Database, key: string, mark: WriteMark): D1Database {
  const writes = new WeakSet<D1PreparedStatement>();
  const stamp = () =>
    db
      .prepare("UPDATE idempotency_keys SET committed_at = coalesce(committed_at, ?2) WHERE key = ?1")
      .bind(key, Date.now());
  const tag = (statement: D1PreparedStatement, write: boolean): D1PreparedStatement => {
    if (!write) return statement;
    writes.add(statement);
    const target = statement as unknown as Record<string, (...args: unknown[]) => unknown>;
    const bind = target.bind.bind(statement);
    target.bind = (...args: unknown[]) => tag(bind(...args) as D1PreparedStatement, true);
    // A single write runs as a batch with the stamp: one round trip, as before.
    const together = async () => {
      const [result] = await db.batch([statement, stamp()]);
      mark.marked = true;
      return result;
    };
    target.run = () => together();
    target.all = () => together();
    target.first = async (column?: unknown) => {
      const row = ((await together()).results as Record<string, unknown>[])[0] ?? null;
      return row && typeof column === "string" ? row[column] : row;
    };
    target.raw = async (options?: unknown) => {
      const rows = (await together()).results as Record<string, unknown>[];
      const arrays = rows.map((r) => Object.values(r));
      return (options as { columnNames?: boolean } | undefined)?.columnNames
        ? [rows[0] ? Object.keys(rows[0]) : [], ...arrays]
        : arrays;
    };
    return statement;
  };
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare")
        return (sql: string) => tag(target.prepare(sql), WRITE.test(sql) && !BOOKKEEPING.test(sql));
      if (prop === "batch") {
        return async (statements: D1PreparedStatement[]) => {
          if (!statements.some((s) => writes.has(s))) return target.batch(statements);
          const results = await target.batch([...statements, stamp()]);
          mark.marked = true;
          return results.slice(0, statements.length);
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
