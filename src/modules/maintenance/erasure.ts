import { type ErasureSubject, redactValues } from "../../lib/erasure";

/** An erased customer gets no more planned visits. */
export function maintenanceErasure(db: D1Database, s: ErasureSubject): D1PreparedStatement[] {
  return [
    db
      .prepare(
        "UPDATE maintenance_plans SET status = 'ended', next_date = NULL, next_raise_at = NULL, next_due_at = NULL, updated_at = ?2 WHERE customer_id = ?1 AND status <> 'ended'",
      )
      .bind(s.customerId, s.now),
    ...redactValues(db, s, "maintenance_plans", ["name"], "customer_id = ?", [s.customerId]),
  ];
}
