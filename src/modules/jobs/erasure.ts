import type { ErasureSubject } from "../../lib/erasure";

/** Earlier data exports of the customer: their files go (after the batch), the job rows say so. */
export async function jobErasure(db: D1Database, s: ErasureSubject) {
  const { results } = await db
    .prepare(
      "SELECT id, result_key FROM jobs WHERE kind = 'customer_export' AND json_extract(params, '$.customer_id') = ? AND result_key IS NOT NULL",
    )
    .bind(s.customerId)
    .all<{ id: string; result_key: string }>();
  return {
    statements: results.map((r) =>
      db
        .prepare(
          "UPDATE jobs SET result_key = NULL, result_filename = NULL, result_bytes = NULL, error = ?2 WHERE id = ?1",
        )
        .bind(r.id, `The customer's data was erased ${s.now.slice(0, 10)}; the file is gone.`),
    ),
    prefixes: results.map((r) => r.result_key),
  };
}
