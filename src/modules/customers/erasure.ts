import type { ErasureSubject } from "../../lib/erasure";

/** The customer record: personal fields emptied, the record kept (deleted) for the tickets that name it. */
export function customerErasure(db: D1Database, s: ErasureSubject): D1PreparedStatement[] {
  return [
    db
      .prepare(
        `UPDATE customers SET full_name = 'Erased customer', phone = NULL, email = NULL, whatsapp = NULL, national_id = NULL,
           account_number = NULL, address = '', lat = NULL, lng = NULL, user_id = NULL, message_channels = '[]',
           deleted_at = coalesce(deleted_at, ?2), updated_at = ?2 WHERE id = ?1`,
      )
      .bind(s.customerId, s.now),
  ];
}
