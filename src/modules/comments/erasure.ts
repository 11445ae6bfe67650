import { type ErasureSubject, redactValues } from "../../lib/erasure";

/** Staff comments about the customer keep their place, not the customer's details. */
export function commentErasure(db: D1Database, s: ErasureSubject): D1PreparedStatement[] {
  return [
    db.prepare("UPDATE object_comments SET body = ?1 WHERE author_id = ?2").bind(s.marker, s.userId ?? ""),
    ...redactValues(db, s, "object_comments", ["body"], "1", []),
  ];
}
