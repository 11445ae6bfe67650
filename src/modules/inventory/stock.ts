// The ledger and its balances (INV-2): one way to move stock, as statements of one D1 batch.
import type { MovementKind } from "../../db/schema";
import { newId, nowIso } from "../../lib/ids";
import { domainEvent, type RecordedEvent } from "../../lib/change-batch";
import { AppError } from "../../lib/problem";

/** Locations that count what entered or left the business; only they may go below zero. */
export const OUTSIDE = ["supplier", "adjustment", "written_off"] as const;
export const WAREHOUSE = "warehouse";
export const QUARANTINE = "quarantine";
export const vanOf = (technicianId: string) => `van:${technicianId}`;
/** The technician whose van a location names (`van:<id>`), or null. */
export function vanTechnician(location: string): string | null {
  const [kind, id] = location.split(":");
  return kind === "van" && id ? id : null;
}
export const premisesOf = (customerId: string) => `customer:${customerId}`;

export interface Movement {
  itemId: string;
  kind: MovementKind;
  quantity: number;
  from: string;
  to: string;
  serials?: string[];
  ticketId?: string | null;
  assignmentId?: string | null;
  actorId: string | null;
  reason?: string | null;
}

/** Far beyond any stock: subtracting it makes a balance negative, so its CHECK fails the whole batch. */
const POISON = 1_000_000_000;

/** `AND`ed into every statement's WHERE (anonymous `?` placeholders): a movement that belongs to another change writes only if that change won. */
export interface Guard {
  sql: string;
  params: unknown[];
}
const ALWAYS: Guard = { sql: "1 = 1", params: [] };

/**
 * The statements of one movement: the ledger row, both balances, and each serial's location. A
 * balance that would go below zero, or serials that are not all at the source, make a CHECK fail
 * and the batch write nothing — under any concurrency, because D1 runs a batch as one transaction.
 */
export function movementStatements(
  db: D1Database,
  m: Movement,
  guard: Guard = ALWAYS,
): { id: string; statements: D1PreparedStatement[] } {
  const now = nowIso();
  const id = newId("mov");
  const serials = m.serials ?? [];
  const g = guard.sql;
  const statements = [
    // SQLite checks an upsert's CHECK on the row it would insert, so the source row is ensured at
    // zero first and then decremented: the UPDATE is what the never-negative CHECK judges.
    db
      .prepare(
        `INSERT INTO stock_balances (item_id, location, quantity, updated_at) SELECT ?1, ?2, 0, ?3 WHERE ${g} ON CONFLICT (item_id, location) DO NOTHING`,
      )
      .bind(m.itemId, m.from, now, ...guard.params),
    db
      .prepare(
        `UPDATE stock_balances SET quantity = quantity - ?3, updated_at = ?4 WHERE item_id = ?1 AND location = ?2 AND ${g}`,
      )
      .bind(m.itemId, m.from, m.quantity, now, ...guard.params),
    db
      .prepare(
        `INSERT INTO stock_balances (item_id, location, quantity, updated_at) SELECT ?1, ?2, ?3, ?4 WHERE ${g}
         ON CONFLICT (item_id, location) DO UPDATE SET quantity = quantity + ?3, updated_at = ?4`,
      )
      .bind(m.itemId, m.to, m.quantity, now, ...guard.params),
    db
      .prepare(
        `INSERT INTO stock_movements (id, item_id, kind, quantity, from_location, to_location, ticket_id, assignment_id, serials, actor_id, reason, created_at)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12 WHERE ${g}`,
      )
      .bind(
        id,
        m.itemId,
        m.kind,
        m.quantity,
        m.from,
        m.to,
        m.ticketId ?? null,
        m.assignmentId ?? null,
        JSON.stringify(serials),
        m.actorId,
        m.reason ?? null,
        now,
        ...guard.params,
      ),
  ];
  if (serials.length) {
    if ((OUTSIDE as readonly string[]).includes(m.from)) {
      // New serials: the primary key refuses one that is already known.
      for (const serial of serials) {
        statements.push(
          db
            .prepare(
              `INSERT INTO stock_serials (item_id, serial, location, updated_at) SELECT ?1, ?2, ?3, ?4 WHERE ${g}`,
            )
            .bind(m.itemId, serial, m.to, now, ...guard.params),
        );
      }
    } else {
      // Every serial must be at the source, or the source's balance is poisoned and the batch fails.
      statements.push(
        db
          .prepare(
            `UPDATE stock_balances SET quantity = quantity - CASE WHEN
               (SELECT count(*) FROM stock_serials WHERE item_id = ?1 AND location = ?2 AND serial IN (SELECT value FROM json_each(?3))) = ?4
             THEN 0 ELSE ${POISON} END
             WHERE item_id = ?1 AND location = ?2 AND ${g}`,
          )
          .bind(m.itemId, m.from, JSON.stringify(serials), serials.length, ...guard.params),
        db
          .prepare(
            `UPDATE stock_serials SET location = ?3, updated_at = ?4 WHERE item_id = ?1 AND location = ?2 AND serial IN (SELECT value FROM json_each(?5)) AND ${g}`,
          )
          .bind(m.itemId, m.from, m.to, now, JSON.stringify(serials), ...guard.params),
      );
    }
  }
  return { id, statements };
}

/** An item's warehouse stock and reorder level, as read before a batch that moves it. */
export interface WarehouseLevel {
  itemId: string;
  sku: string;
  name: string;
  minLevel: number;
  quantity: number;
}

/**
 * The `inventory.low_stock` events a batch may raise: one per item it moves out of the warehouse,
 * each written (and published) only if the batch takes that item's warehouse stock from at or
 * above its minimum to below it. `quantity` is what the movement leaves, as planned from the
 * stock read before it.
 */
export function lowStockEvents(
  levels: ReadonlyMap<string, WarehouseLevel>,
  movements: Movement[],
  workId: string,
  actorId: string | null,
): RecordedEvent[] {
  return [...warehouseOutflow(movements)].flatMap(([itemId, out]) => {
    const level = levels.get(itemId);
    if (!level || level.minLevel <= 0) return [];
    const data = { sku: level.sku, name: level.name, quantity: level.quantity - out, min_level: level.minLevel };
    return [
      {
        event: domainEvent({ type: "inventory.low_stock", data }, itemId, actorId, `evt_low_${workId}_${itemId}`),
        when: {
          sql: `EXISTS (SELECT 1 FROM inventory_items i JOIN stock_balances b ON b.item_id = i.id AND b.location = 'warehouse'
                 WHERE i.id = ? AND b.quantity < i.min_level AND b.quantity + ? >= i.min_level)`,
          params: [itemId, out],
        },
      },
    ];
  });
}

/** Units each item leaves the warehouse with, net, over a set of movements (positive: out). */
export function warehouseOutflow(movements: Movement[]): Map<string, number> {
  const net = new Map<string, number>();
  for (const m of movements) {
    if (m.from === WAREHOUSE) net.set(m.itemId, (net.get(m.itemId) ?? 0) + m.quantity);
    if (m.to === WAREHOUSE) net.set(m.itemId, (net.get(m.itemId) ?? 0) - m.quantity);
  }
  return new Map([...net].filter(([, out]) => out > 0));
}

/** A stock failure of a batch (a CHECK, a known serial) as the 409 it stands for; anything else unchanged. */
export function stockProblem(err: unknown): unknown {
  const message = String((err as Error)?.message ?? err);
  if (message.includes("stock_balances_never_negative") || message.includes("CHECK constraint failed")) {
    return new AppError(
      "insufficient_stock",
      "Not enough stock at the source location (or the serial numbers given are not there); nothing was moved.",
    );
  }
  if (message.includes("UNIQUE constraint failed: stock_serials")) {
    return new AppError("conflict", "A serial number given is already in stock.", {
      errors: [{ path: "serials", message: "Already known" }],
    });
  }
  return err;
}

/** Runs a batch of stock statements; a failed CHECK or a known serial becomes a 409 that wrote nothing. */
export async function runStockBatch(db: D1Database, statements: D1PreparedStatement[]) {
  try {
    return await db.batch(statements);
  } catch (err) {
    throw stockProblem(err);
  }
}
