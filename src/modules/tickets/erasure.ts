import { CUSTOMER_TICKETS, type ErasureSubject, redactValues } from "../../lib/erasure";
import { newId } from "../../lib/ids";

/**
 * The customer's tickets stay (the record of work, the reports), without where and what they
 * wrote: the address and position go, what the customer wrote themselves (titles, descriptions,
 * comments) is replaced, and their personal strings are cut out of staff's text and the history.
 * Each ticket gets a history entry saying it was erased. Their uploads' attachments go.
 */
export function ticketErasure(db: D1Database, s: ErasureSubject, ticketIds: string[]): D1PreparedStatement[] {
  const mine = `ticket_id IN (${CUSTOMER_TICKETS})`;
  return [
    db
      .prepare(
        `UPDATE tickets SET address = NULL, lat = NULL, lng = NULL,
           title = CASE WHEN created_by = ?2 THEN 'Erased' ELSE title END,
           description = CASE WHEN created_by = ?2 THEN ?3 ELSE description END,
           version = version + 1, updated_at = ?4
         WHERE customer_id = ?1`,
      )
      .bind(s.customerId, s.userId ?? "", s.marker, s.now),
    ...redactValues(db, s, "tickets", ["title", "description"], "customer_id = ?", [s.customerId]),
    db
      .prepare(`UPDATE ticket_comments SET body = ?1 WHERE author_id = ?2 AND ${mine.replace("?", "?3")}`)
      .bind(s.marker, s.userId ?? "", s.customerId),
    ...redactValues(db, s, "ticket_comments", ["body"], mine, [s.customerId]),
    // The history's copy of what they wrote (a comment's text, a reason they gave).
    db
      .prepare(
        `UPDATE ticket_history SET comment = ?1 WHERE actor_id = ?2 AND comment IS NOT NULL AND ${mine.replace("?", "?3")}`,
      )
      .bind(s.marker, s.userId ?? "", s.customerId),
    ...redactValues(db, s, "ticket_history", ["comment", "from_value", "to_value"], mine, [s.customerId]),
    db.prepare("DELETE FROM ticket_attachments WHERE uploaded_by = ?").bind(s.userId ?? ""),
    ...ticketIds.map((id) =>
      db
        .prepare(
          "INSERT INTO ticket_history (id, ticket_id, actor_id, action, comment, internal, created_at) VALUES (?1, ?2, NULL, 'customer_erased', ?3, 0, ?4)",
        )
        .bind(newId("hst"), id, `Customer data ${s.marker.slice(1, -1)}`, s.now),
    ),
  ];
}
