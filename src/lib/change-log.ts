import type { SyncEntity, SyncOp } from "../db/schema";
import { numbered, type Guard } from "./d1";
import { nowIso } from "./ids";

/** One entry of the mobile change log (see `sync_changes`): whose sync it is for, and what changed. */
export interface SyncChange {
  scope: `${"t" | "c" | "a" | "u"}:${string}`;
  entity: SyncEntity;
  id: string;
  op?: SyncOp;
}

/**
 * The statement that appends changes to the log, for the batch that makes them: with a guard it
 * writes only if the batch's change won. One statement and one JSON parameter for any number of
 * changes, in the order given (their sequence numbers follow it).
 */
export function changeLogStatement(db: D1Database, changes: SyncChange[], guard?: Guard): D1PreparedStatement[] {
  if (!changes.length) return [];
  const rows = JSON.stringify(changes.map((c) => [c.scope, c.entity, c.id, c.op ?? "upsert"]));
  const where = guard ? ` WHERE ${numbered(guard.sql, 3)}` : "";
  return [
    db
      .prepare(
        `INSERT INTO sync_changes (scope, entity, entity_id, op, created_at)
         SELECT value->>0, value->>1, value->>2, value->>3, ?2 FROM json_each(?1)${where} ORDER BY key`,
      )
      .bind(rows, nowIso(), ...(guard?.params ?? [])),
  ];
}

/** The same entries as rows for a drizzle insert into `syncChanges`, for batches written with drizzle. */
export function changeLogRows(changes: SyncChange[]) {
  const now = nowIso();
  return changes.map((c) => ({
    scope: c.scope,
    entity: c.entity,
    entityId: c.id,
    op: c.op ?? ("upsert" as const),
    createdAt: now,
  }));
}
