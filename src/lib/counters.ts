/**
 * Named sequences (the `counters` table): ticket and incident numbers, round-robin positions.
 * Taking a value is one atomic statement, so two callers never get the same one. The first take
 * of a name answers `first`; each later take adds `step`.
 */
export async function takeCounter(db: D1Database, name: string, options: { first: number; step?: number }) {
  const row = await db
    .prepare(
      "INSERT INTO counters (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET value = value + ?3 RETURNING value",
    )
    .bind(name, options.first, options.step ?? 1)
    .first<{ value: number }>();
  if (!row) throw new Error(`The counter ${name} answered nothing.`);
  return row.value;
}

/** A counter's current value without taking one (undefined before its first take). */
export async function peekCounter(db: D1Database, name: string) {
  const row = await db.prepare("SELECT value FROM counters WHERE name = ?1").bind(name).first<{ value: number }>();
  return row?.value;
}

/** Taking a value as a statement, to go into a batch with the change it counts. */
export function counterStatement(db: D1Database, name: string, options: { first: number; step?: number }) {
  return db
    .prepare(
      "INSERT INTO counters (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET value = value + ?3 RETURNING value",
    )
    .bind(name, options.first, options.step ?? 1);
}

/** The SLA configuration's revision: every change to a policy or calendar takes the next one. */
export const bumpSlaRevision = (db: D1Database) => counterStatement(db, "sla_revision", { first: 1 });

/** Raises a counter to at least `value` (never lowers it): a high-water mark such as a log's retention floor. */
export async function raiseCounter(db: D1Database, name: string, value: number) {
  await db
    .prepare(
      "INSERT INTO counters (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)",
    )
    .bind(name, value)
    .run();
}
