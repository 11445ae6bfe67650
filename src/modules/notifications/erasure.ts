import { type ErasureSubject, redactValues } from "../../lib/erasure";
import { eventErasure } from "./outbox";

/**
 * The account's notifications are deleted; the delivery log keeps that a message went (its
 * channel, status, time) but not to whom or what it said; events lose the phone a link went to
 * and any personal string; the development outbox forgets them.
 */
export function notificationErasure(db: D1Database, s: ErasureSubject): D1PreparedStatement[] {
  const values = JSON.stringify(s.values);
  return [
    db.prepare("DELETE FROM notifications WHERE user_id = ?").bind(s.userId ?? ""),
    db
      .prepare(
        `UPDATE deliveries SET recipient = '[erased]', message = '{}', provider_response = NULL, last_error = NULL
          WHERE user_id = ?1 OR recipient IN (SELECT value FROM json_each(?2))`,
      )
      .bind(s.userId ?? "", values),
    ...eventErasure(db, s),
    // Staff's notifications and messages about the customer's tickets repeat their titles.
    ...redactValues(db, s, "notifications", ["title", "body"], "created_at >= ?", [s.since]),
    ...redactValues(db, s, "deliveries", ["message"], "created_at >= ?", [s.since]),
    db.prepare("DELETE FROM dev_outbox WHERE recipient IN (SELECT value FROM json_each(?1))").bind(values),
    ...redactValues(db, s, "dev_outbox", ["body", "subject"], "created_at >= ?", [s.since]),
  ];
}
