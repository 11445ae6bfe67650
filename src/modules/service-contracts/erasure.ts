import { type ErasureSubject, redactValues } from "../../lib/erasure";

/** An erased customer's contracts end (cancelled, no reminders), without their details in the notes. */
export function contractErasure(db: D1Database, s: ErasureSubject): D1PreparedStatement[] {
  return [
    db
      .prepare(
        "UPDATE service_contracts SET status = 'cancelled', updated_at = ?2 WHERE customer_id = ?1 AND status = 'active'",
      )
      .bind(s.customerId, s.now),
    ...redactValues(db, s, "service_contracts", ["name", "notes"], "customer_id = ?", [s.customerId]),
  ];
}
