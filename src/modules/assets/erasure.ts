import type { ErasureSubject } from "../../lib/erasure";

/** Service cards keep the appliance (model, serial, warranty); where it stands goes. */
export function assetErasure(db: D1Database, s: ErasureSubject): D1PreparedStatement[] {
  return [
    db
      .prepare(
        "UPDATE assets SET address = '', city = NULL, postal_code = NULL, updated_at = ?2 WHERE customer_id = ?1",
      )
      .bind(s.customerId, s.now),
  ];
}
