import type { ErasureSubject } from "../../lib/erasure";

/** The account's uploads: their rows in the batch, their files once it committed. */
export async function uploadErasure(db: D1Database, s: ErasureSubject) {
  if (!s.userId) return { statements: [], keys: [] as string[] };
  const { results } = await db
    .prepare("SELECT object_key FROM uploads WHERE uploaded_by = ?")
    .bind(s.userId)
    .all<{ object_key: string }>();
  return {
    statements: [db.prepare("DELETE FROM uploads WHERE uploaded_by = ?").bind(s.userId)],
    keys: results.map((r) => r.object_key),
  };
}
