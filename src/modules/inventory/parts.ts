// Parts fitted during work (INV-3): drawn from the technician's van when it holds them, else from
// the warehouse, in the same batch as the work log that records them.
import { and, isNull } from "drizzle-orm";
import { inventoryItems, stockBalances } from "../../db/schema";
import type { ServiceContext } from "../../lib/context";
import { allReads, inList, known, mapReads, reads, runReads, type Reads } from "../../lib/d1";
import { AppError } from "../../lib/problem";
import type { RecordedEvent } from "../../lib/change-batch";
import {
  lowStockEvents,
  movementStatements,
  premisesOf,
  vanOf,
  WAREHOUSE,
  type Guard,
  type Movement,
  type WarehouseLevel,
} from "./stock";

export interface FittedPart {
  code?: string;
  name?: string;
  quantity: number;
  source?: "stock" | "unstocked" | "customer_supplied";
}

/**
 * The movements that take a work log's stocked parts out of stock (parts not stocked or supplied by
 * the customer are only recorded). `code` is the item's SKU; an unknown or retired SKU, or a
 * serialised item (whose serials a work log does not carry), is refused with a 400 naming the
 * part, and a part neither the van nor the warehouse holds enough of with a 409 naming it and what
 * each holds. Whether the stock is still there when the batch runs is decided by the balances' CHECK.
 */
export async function planFittedParts(
  ctx: ServiceContext,
  input: { technicianId: string; ticketId: string; customerId: string | null; parts: FittedPart[] },
): Promise<FittedParts> {
  return (await runReads(ctx.env.DB, fittedPartsReads(ctx, input)))(input.customerId);
}

/**
 * `planFittedParts` as reads for a caller's batch (the items and the stock that holds them): what
 * they answer plans the movements when called, once the caller has checked its own refusals
 * first, for the customer whose premises the parts go to.
 */
export function fittedPartsReads(
  ctx: ServiceContext,
  input: { technicianId: string; ticketId: string; parts: FittedPart[] },
): Reads<(customerId: string | null) => FittedParts> {
  const stocked = input.parts
    .map((part, index) => ({ ...part, index }))
    .filter((p): p is FittedPart & { code: string; index: number } => (p.source ?? "stock") === "stock" && !!p.code);
  if (!stocked.length) return known(() => ({ movements: [], levels: new Map() }));
  const codes = [...new Set(stocked.map((p) => p.code))];
  const listed = and(inList(inventoryItems.sku, codes), isNull(inventoryItems.retiredAt));
  const van = vanOf(input.technicianId);
  return mapReads(
    allReads({
      items: reads(ctx.db.select().from(inventoryItems).where(listed)),
      held: reads(
        ctx.db
          .select()
          .from(stockBalances)
          .where(
            and(
              inList(stockBalances.itemId, ctx.db.select({ id: inventoryItems.id }).from(inventoryItems).where(listed)),
              inList(stockBalances.location, [van, WAREHOUSE]),
            ),
          ),
      ),
    }),
    ({ items, held }) =>
      (customerId) =>
        planFrom({ ...input, customerId }, stocked, van, items, held),
  );
}

function planFrom(
  input: { technicianId: string; ticketId: string; customerId: string | null },
  stocked: (FittedPart & { code: string; index: number })[],
  van: string,
  items: (typeof inventoryItems.$inferSelect)[],
  held: (typeof stockBalances.$inferSelect)[],
): FittedParts {
  const bySku = new Map(items.map((i) => [i.sku, i]));
  for (const p of stocked) {
    const item = bySku.get(p.code);
    if (!item)
      throw new AppError(
        "validation_failed",
        `No item with SKU ${p.code} is stocked; record it with source "unstocked" (or "customer_supplied").`,
        { errors: [{ path: `parts.${p.index}.code`, message: `Unknown SKU ${p.code}` }] },
      );
    if (item.serialised)
      throw new AppError("validation_failed", `${p.code} is serialised: fit it by issuing it with its serial number.`, {
        errors: [{ path: `parts.${p.index}.code`, message: "Serialised item" }],
      });
  }
  const inVan = new Map(held.filter((b) => b.location === van).map((b) => [b.itemId, b.quantity]));
  const levels = new Map<string, WarehouseLevel>(
    items.map((i) => [
      i.id,
      {
        itemId: i.id,
        sku: i.sku,
        name: i.name,
        minLevel: i.minLevel,
        quantity: held.find((b) => b.itemId === i.id && b.location === WAREHOUSE)?.quantity ?? 0,
      },
    ]),
  );
  const needed = new Map<string, number>();
  for (const p of stocked) needed.set(p.code, (needed.get(p.code) ?? 0) + p.quantity);
  for (const [code, quantity] of needed) {
    const item = bySku.get(code)!;
    const vanHolds = inVan.get(item.id) ?? 0;
    const warehouseHolds = levels.get(item.id)?.quantity ?? 0;
    if (vanHolds < quantity && warehouseHolds < quantity) {
      const index = stocked.find((p) => p.code === code)!.index;
      throw new AppError(
        "insufficient_stock",
        `Not enough ${code} (${item.name}): ${quantity} needed, ${vanHolds} in the van, ${warehouseHolds} in the warehouse. Nothing was recorded; if the customer provided the part, record it with source "customer_supplied".`,
        { errors: [{ path: `parts.${index}.quantity`, message: `${quantity} ${code} needed, not in stock` }] },
      );
    }
  }
  const movements = [...needed].map(([code, quantity]) => {
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
  return { movements, levels };
}

/** A work log's fitted parts: the movements, and the warehouse levels read with them (for low-stock events). */
export interface FittedParts {
  movements: Movement[];
  levels: ReadonlyMap<string, WarehouseLevel>;
}

/** The planned movements as statements of another change's batch, each written only if that change wins. */
export function fittedPartsStatements(db: D1Database, fitted: FittedParts, guard: Guard): D1PreparedStatement[] {
  return fitted.movements.flatMap((m) => movementStatements(db, m, guard).statements);
}

/** The low-stock events the fitting may raise, recorded with the change (written only if it crosses the minimum). */
export function fittedPartsEvents(fitted: FittedParts, workId: string): RecordedEvent[] {
  return lowStockEvents(fitted.levels, fitted.movements, workId, fitted.movements[0]?.actorId ?? null);
}
