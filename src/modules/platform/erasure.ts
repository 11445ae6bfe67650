import type { ErasureSubject } from "../../lib/erasure";

/** Remembered answers (idempotency) of the account's requests, and any that repeat the customer's details. */
export function platformErasure(db: D1Database, s: ErasureSubject): D1PreparedStatement[] {
  return [
    ...(s.userId
      ? [db.prepare("DELETE FROM idempotency_keys WHERE key >= ?1 AND key < ?2").bind(`${s.userId}:`, `${s.userId};`)]
      : []),
    ...s.values.map((v) => db.prepare("DELETE FROM idempotency_keys WHERE instr(response_body, ?) > 0").bind(v)),
  ];
}
