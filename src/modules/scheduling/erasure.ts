import { CUSTOMER_TICKETS, type ErasureSubject } from "../../lib/erasure";

/** Visits keep their times and technicians, not where they were; links are revoked and forget the phone; feedback loses its words. */
export function schedulingErasure(db: D1Database, s: ErasureSubject): D1PreparedStatement[] {
  const mine = `ticket_id IN (${CUSTOMER_TICKETS})`;
  return [
    db.prepare(`UPDATE appointments SET address = NULL, lat = NULL, lng = NULL WHERE ${mine}`).bind(s.customerId),
    db
      .prepare(
        `UPDATE appointment_links SET sent_to = NULL, revoked_at = coalesce(revoked_at, ?2) WHERE ${mine.replace("?", "?1")}`,
      )
      .bind(s.customerId, s.now),
    db.prepare(`UPDATE feedback SET comment = NULL, extended = NULL WHERE ${mine}`).bind(s.customerId),
  ];
}
