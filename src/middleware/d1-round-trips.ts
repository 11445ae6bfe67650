/**
 * Counts a request's D1 round trips (each statement run, each batch) — outside production only,
 * for the round-trip budget test. Statements are the binding's own objects with counting
 * methods, so D1's batch still accepts them.
 */
export interface RoundTrips {
  count: number;
}

const RUNS = ["first", "all", "run", "raw"] as const;

function counted(statement: D1PreparedStatement, trips: RoundTrips): D1PreparedStatement {
  const target = statement as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const method of RUNS) {
    const original = target[method].bind(statement);
    target[method] = (...args: unknown[]) => {
      trips.count += 1;
      return original(...args);
    };
  }
  const bind = target.bind.bind(statement);
  target.bind = (...args: unknown[]) => counted(bind(...args) as D1PreparedStatement, trips);
  return statement;
}

export function countRoundTrips(db: D1Database, trips: RoundTrips): D1Database {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare") return (sql: string) => counted(target.prepare(sql), trips);
      if (prop === "batch") {
        return (statements: D1PreparedStatement[]) => {
          trips.count += 1;
          return target.batch(statements);
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
