/**
 * Deletes old rows of one table in bounded chunks (never one long statement): each round deletes
 * at most `chunk` rows picked by `where` in index order, and the job stops when a round deletes
 * fewer, or after `maxRounds` (the next day's run goes on). A retention verb of the module that
 * owns the table states which rows may go; this only does the deleting.
 */
export async function deleteInChunks(
  db: D1Database,
  options: { table: string; key?: string; where: string; params: unknown[]; chunk: number; maxRounds?: number },
) {
  const key = options.key ?? "rowid";
  const maxRounds = options.maxRounds ?? 200;
  let deleted = 0;
  let rounds = 0;
  while (rounds < maxRounds) {
    const r = await db
      .prepare(
        `DELETE FROM ${options.table} WHERE ${key} IN (SELECT ${key} FROM ${options.table} WHERE ${options.where} LIMIT ?)`,
      )
      .bind(...options.params, options.chunk)
      .run();
    rounds++;
    const n = r.meta.changes ?? 0;
    deleted += n;
    if (n < options.chunk) break;
  }
  return { deleted, rounds };
}

/** The instant `days` before `scheduledTime`. */
export const daysBefore = (scheduledTime: number, days: number) =>
  new Date(scheduledTime - days * 86_400_000).toISOString();
