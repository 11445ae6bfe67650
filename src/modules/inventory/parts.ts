// Parts fitted during work (INV-3): drawn from the technician's van when it holds them, else from
// the warehouse, in the same batch as the work log that records them.
import { and, eq, isNull } from "drizzle-orm";
import { inventoryItems, stockBalances } from "../../db/schema";
import type { ServiceContext } from "../../lib/context";
import { inList } from "../../lib/d1";
import { AppError } from "../../lib/problem";
import {
  eventFromRow,
  lowStockStatement,
  movementStatements,
  premisesOf,
  vanOf,
  warehouseOutflow,
  WAREHOUSE,
  type EventRow,
  type Guard,
  type Movement,
} from "./stock";
import { publishEvents } from "../../lib/events";

export interface FittedPart {
  code: string;
  quantity: number;
}

/**
 * The movements that take a work log's parts out of stock. `code` is the item's SKU; an unknown or
 * retired SKU, or a serialised item (whose serials a work log does not carry), is refused with a
 * 400 naming the part. Where the stock comes from is decided here; whether it is still there when
 * the batch runs is decided by the balances' CHECK.
 */
export async function planFittedParts(
  ctx: ServiceContext,
  input: { technicianId: string; ticketId: string; customerId: string | null; parts: FittedPart[] },
): Promise<Movement[]> {
  if (!input.parts.length) return [];
  const codes = [...new Set(input.parts.map((p) => p.code))];
  const items = await ctx.db
    .select()
    .from(inventoryItems)
    .where(and(inList(inventoryItems.sku, codes), isNull(inventoryItems.retiredAt)));
  const bySku = new Map(items.map((i) => [i.sku, i]));
  input.parts.forEach((p, i) => {
    const item = bySku.get(p.code);
    if (!item)
      throw new AppError("validation_failed", `No item with SKU ${p.code} is stocked.`, {
        errors: [{ path: `parts.${i}.code`, message: "Unknown SKU" }],
      });
    if (item.serialised)
      throw new AppError("validation_failed", `${p.code} is serialised: fit it by issuing it with its serial number.`, {
        errors: [{ path: `parts.${i}.code`, message: "Serialised item" }],
      });
  });
  const van = vanOf(input.technicianId);
  const held = items.length
    ? await ctx.db
        .select()
        .from(stockBalances)
        .where(
          and(
            inList(
              stockBalances.itemId,
              items.map((i) => i.id),
            ),
            eq(stockBalances.location, van),
          ),
        )
    : [];
  const inVan = new Map(held.map((b) => [b.itemId, b.quantity]));
  const needed = new Map<string, number>();
  for (const p of input.parts) needed.set(p.code, (needed.get(p.code) ?? 0) + p.quantity);
  return [...needed].map(([code, quantity]) => {
    const item = bySku.get(code)!;
    return {
      itemId: item.id,
      kind: "consume" as const,
      quantity,
      from: (inVan.get(item.id) ?? 0) >= quantity ? van : WAREHOUSE,
      to: input.customerId ? premisesOf(input.customerId) : "written_off",
      ticketId: input.ticketId,
      actorId: input.technicianId,
      reason: "fitted on the job",
    };
  });
}

/** The event ids a fitting's low-stock rows get: known before the batch, so they can be read after it. */
function lowStockIds(movements: Movement[], workId: string) {
  return [...warehouseOutflow(movements)].map(([itemId, out]) => ({
    eventId: `evt_low_${workId}_${itemId}`,
    itemId,
    out,
  }));
}

/** The planned movements as statements of another change's batch, each written only if that change wins, with their low-stock event rows. */
export function fittedPartsStatements(
  db: D1Database,
  movements: Movement[],
  workId: string,
  guard: Guard,
): D1PreparedStatement[] {
  return [
    ...movements.flatMap((m) => movementStatements(db, m, guard).statements),
    ...lowStockIds(movements, workId).map((e) =>
      lowStockStatement(db, { ...e, actorId: movements[0]?.actorId ?? null }, guard),
    ),
  ];
}

/** After the change committed: publishes the low-stock events its fitted parts raised. */
export async function publishFittedPartsEvents(ctx: ServiceContext, movements: Movement[], workId: string) {
  const ids = lowStockIds(movements, workId).map((e) => e.eventId);
  if (!ids.length) return;
  const { results } = await ctx.env.DB.prepare(
    "SELECT id, type, subject_id, actor_id, data, created_at FROM domain_events WHERE id IN (SELECT value FROM json_each(?1))",
  )
    .bind(JSON.stringify(ids))
    .all<EventRow>();
  await publishEvents(ctx.env, results.map(eventFromRow), ctx.waitUntil);
}
