/**
 * The latency model of a far edge location: every D1 round trip (a statement run, a batch) waits
 * `ms` before it goes, as if the primary were that far away. Only the benchmark's entry point
 * (`bench/worker.ts`, with `BENCH_D1_DELAY_MS`) uses it; sessions opened on the binding are delayed too.
 */
const RUNS = ["first", "all", "run", "raw"] as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function delayedStatement(statement: D1PreparedStatement, ms: number): D1PreparedStatement {
  const target = statement as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const method of RUNS) {
    const original = target[method].bind(statement);
    target[method] = async (...args: unknown[]) => {
      await sleep(ms);
      return original(...args);
    };
  }
  const bind = target.bind.bind(statement);
  target.bind = (...args: unknown[]) => delayedStatement(bind(...args) as D1PreparedStatement, ms);
  return statement;
}

export function delayedD1<T extends object>(db: T, ms: number): T {
  return new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop) as unknown;
      if (prop === "prepare")
        return (sql: string) => delayedStatement((value as (s: string) => D1PreparedStatement).call(target, sql), ms);
      if (prop === "batch")
        return async (statements: D1PreparedStatement[]) => {
          await sleep(ms);
          return (value as (s: D1PreparedStatement[]) => Promise<unknown>).call(target, statements);
        };
      if (prop === "withSession")
        return (...args: unknown[]) => delayedD1((value as (...a: unknown[]) => object).apply(target, args), ms);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
