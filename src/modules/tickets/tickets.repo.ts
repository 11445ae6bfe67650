import { guardedInsert as insertIfGuarded, type Guard } from "../../lib/d1";
import { newId, nowIso } from "../../lib/ids";

/**
 * Raw D1 statements for ticket writes. D1 has no interactive transactions, so a change is one
 * batch: a conditional UPDATE that stamps a fresh `write_token`, followed by statements guarded on
 * that token (`WHERE EXISTS … write_token = ?`). If the UPDATE matched nothing (the ticket moved
 * on), none of the others writes either. Only `change.ts` builds these.
 */
export type Columns = Record<string, string | number | null>;

/** A further condition for the ticket UPDATE, with `?` placeholders. */
export interface Condition {
  sql: string;
  params: (string | number | null)[];
}

export function guardedUpdate(
  db: D1Database,
  ticketId: string,
  set: Columns,
  token: string,
  expectedStatuses?: readonly string[],
  also?: Condition,
) {
  const entries = Object.entries({ ...set, write_token: token });
  const assignments = entries.map(([col], i) => `${col} = ?${i + 1}`).join(", ");
  const params: (string | number | null)[] = entries.map(([, v]) => v);
  let where = `id = ?${params.length + 1}`;
  params.push(ticketId);
  if (expectedStatuses?.length) {
    where += ` AND status IN (${expectedStatuses.map((_, i) => `?${params.length + 1 + i}`).join(", ")})`;
    params.push(...expectedStatuses);
  }
  if (also) {
    let k = 0;
    where += ` AND (${also.sql.replace(/\?/g, () => `?${params.length + 1 + k++}`)})`;
    params.push(...also.params);
  }
  return db.prepare(`UPDATE tickets SET ${assignments}, version = version + 1 WHERE ${where}`).bind(...params);
}

/** Holds only if the ticket still carries this change's write token (its guarded UPDATE won). */
export function tokenGuard(ticketId: string, token: string): Guard {
  return { sql: "EXISTS (SELECT 1 FROM tickets WHERE id = ? AND write_token = ?)", params: [ticketId, token] };
}

export function guardedInsert(db: D1Database, table: string, row: Columns, ticketId: string, token: string) {
  return insertIfGuarded(db, table, row, tokenGuard(ticketId, token));
}

export function plainInsert(db: D1Database, table: string, row: Columns) {
  const cols = Object.keys(row);
  return db
    .prepare(`INSERT INTO ${table} (${cols.join(", ")}) VALUES (${cols.map((_, i) => `?${i + 1}`).join(", ")})`)
    .bind(...Object.values(row));
}

export function historyRow(
  ticketId: string,
  actorId: string | null,
  action: string,
  from: string | null,
  to: string | null,
  comment?: string | null,
  internal = false,
): Columns {
  return {
    id: newId("hst"),
    ticket_id: ticketId,
    actor_id: actorId,
    action,
    from_value: from,
    to_value: to,
    comment: comment ?? null,
    internal: internal ? 1 : 0,
    created_at: nowIso(),
  };
}
