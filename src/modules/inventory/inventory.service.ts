import { and, asc, eq, getTableColumns, gte, isNull, lte, ne, or, sql, type SQL } from "drizzle-orm";
import {
  equipmentAssignments,
  inventoryItems,
  stockBalances,
  stockMovements,
  stockSerials,
  users,
  type AssignmentStatus,
  type MovementKind,
} from "../../db/schema";
import { type ChangedRow, commitChange } from "../../lib/change-batch";
import type { UserContext } from "../../lib/context";
import { inList, known, mapReads, readInBatch, reads, rowAndClash } from "../../lib/d1";
import { newId, nowIso } from "../../lib/ids";
import { keyset } from "../../lib/pagination";
import { csvLines, type CsvCell } from "../../lib/csv";
import { AppError } from "../../lib/problem";
import { endOf, startOf } from "../../lib/query-dialect";
import { containsText } from "../../lib/search";
import { assertTechniciansInReach, findVisibleTicket } from "../access";
import { findVisibleCustomer } from "../customers";
import {
  lowStockEvents,
  movementStatements,
  OUTSIDE,
  QUARANTINE,
  runStockBatch,
  stockProblem,
  vanOf,
  vanTechnician,
  WAREHOUSE,
  type WarehouseLevel,
  type Movement,
} from "./stock";

type ItemRow = typeof inventoryItems.$inferSelect;
type AssignmentRow = typeof equipmentAssignments.$inferSelect;

// ---- items (INV-1) ----

function toItem(row: ItemRow, stock: number) {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    category: row.category,
    description: row.description,
    unit_price: row.unitPrice,
    currency: row.currency,
    serialised: row.serialised,
    min_level: row.minLevel,
    stock_quantity: stock,
    is_low_stock: stock < row.minLevel,
    retired: row.retiredAt !== null,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

/** Warehouse stock of an item, as a column (one round trip with the items). */
const warehouseStock = sql<number>`coalesce((SELECT quantity FROM stock_balances b WHERE b.item_id = ${inventoryItems.id} AND b.location = 'warehouse'), 0)`;

export async function findItem(
  ctx: UserContext,
  id: string,
  options: { includeRetired?: boolean } = {},
): Promise<ItemRow & { warehouseQuantity: number }> {
  return itemFrom(await itemQuery(ctx, id, options));
}

/** An item with its warehouse stock, read in the same query: a movement out of the warehouse needs it for its low-stock event. */
function itemQuery(ctx: UserContext, id: string | SQL, options: { includeRetired?: boolean } = {}) {
  return ctx.db
    .select({ item: inventoryItems, quantity: stockBalances.quantity })
    .from(inventoryItems)
    .leftJoin(stockBalances, and(eq(stockBalances.itemId, inventoryItems.id), eq(stockBalances.location, WAREHOUSE)))
    .where(and(eq(inventoryItems.id, id), options.includeRetired ? undefined : isNull(inventoryItems.retiredAt)))
    .limit(1);
}

function itemFrom([row]: Awaited<ReturnType<typeof itemQuery>>): ItemRow & { warehouseQuantity: number } {
  if (!row) throw new AppError("not_found", "No such item.");
  return { ...row.item, warehouseQuantity: row.quantity ?? 0 };
}

const itemWithStockQuery = (ctx: UserContext, id: string) =>
  ctx.db
    .select({ item: inventoryItems, stock: warehouseStock })
    .from(inventoryItems)
    .where(eq(inventoryItems.id, id))
    .limit(1);

async function itemWithStock(ctx: UserContext, id: string) {
  const [row] = await itemWithStockQuery(ctx, id);
  if (!row) throw new AppError("not_found", "No such item.");
  return toItem(row.item, row.stock);
}

export async function listItems(
  ctx: UserContext,
  query: {
    limit: number;
    cursor?: string;
    q?: string;
    category?: string;
    low_stock?: boolean;
    include_retired?: boolean;
  },
) {
  const page = keyset({
    order: "name",
    column: inventoryItems.name,
    idColumn: inventoryItems.id,
    cursor: query.cursor,
  });
  const rows = await ctx.db
    .select({ ...getTableColumns(inventoryItems), stock: warehouseStock })
    .from(inventoryItems)
    .where(
      and(
        query.include_retired ? undefined : isNull(inventoryItems.retiredAt),
        query.category ? eq(inventoryItems.category, query.category) : undefined,
        query.low_stock === undefined
          ? undefined
          : query.low_stock
            ? sql`${warehouseStock} < ${inventoryItems.minLevel}`
            : sql`${warehouseStock} >= ${inventoryItems.minLevel}`,
        containsText([inventoryItems.name, inventoryItems.sku], query.q),
        page.where,
      ),
    )
    .orderBy(...page.orderBy)
    .limit(query.limit + 1);
  const result = page.page(rows, query.limit, (r) => r.name);
  return {
    data: result.data.map((r) => toItem(r, r.stock)),
    next_cursor: result.next_cursor,
    has_more: result.next_cursor !== null,
  };
}

async function assertSkuFree(ctx: UserContext, sku: string, exceptId?: string) {
  const clash = await ctx.db.query.inventoryItems.findFirst({
    where: eq(inventoryItems.sku, sku),
    columns: { id: true },
  });
  if (clash && clash.id !== exceptId) refuseTakenSku();
}

export interface ItemInput {
  sku: string;
  name: string;
  category: string;
  description?: string;
  unit_price: number;
  currency: string;
  serialised?: boolean;
  min_level?: number;
  initial_quantity?: number;
  initial_serials?: string[];
}

/** A new item; its opening stock, if any, is received into the warehouse through the ledger. */
export async function createItem(ctx: UserContext, input: ItemInput) {
  // A SKU in use is refused by the unique index (the batch writes nothing); the answer is read at the batch's end.
  const serialised = input.serialised ?? false;
  const opening = input.initial_quantity ?? input.initial_serials?.length ?? 0;
  checkSerials(serialised, opening, input.initial_serials, "initial_serials");
  const now = nowIso();
  const id = newId("itm");
  const db = ctx.env.DB;
  const statements = [
    db
      .prepare(
        `INSERT INTO inventory_items (id, sku, name, category, description, unit_price, currency, serialised, min_level, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)`,
      )
      .bind(
        id,
        input.sku,
        input.name,
        input.category,
        input.description ?? "",
        input.unit_price,
        input.currency,
        serialised ? 1 : 0,
        input.min_level ?? 0,
        now,
      ),
  ];
  if (opening > 0) {
    statements.push(
      ...movementStatements(db, {
        itemId: id,
        kind: "receive",
        quantity: opening,
        from: "supplier",
        to: WAREHOUSE,
        serials: input.initial_serials,
        actorId: ctx.actor.userId,
        reason: "opening stock",
      }).statements,
    );
  }
  const answer = readInBatch(itemWithStockQuery(ctx, id));
  let results: D1Result[];
  try {
    results = await runStockBatch(db, [...statements, answer.statement]);
  } catch (err) {
    if (
      /UNIQUE constraint failed: inventory_items\.sku|inventory_items_sku_unique/.test(
        String((err as Error)?.message ?? err),
      )
    )
      refuseTakenSku();
    throw err;
  }
  const [row] = answer.map(results[results.length - 1]);
  return row ? toItem(row.item, row.stock) : itemWithStock(ctx, id);
}

function refuseTakenSku(): never {
  throw new AppError("conflict", "An item with this SKU exists.", {
    errors: [{ path: "sku", message: "Already exists" }],
  });
}

export async function getItem(ctx: UserContext, id: string) {
  return itemWithStock(ctx, id);
}

export async function updateItem(
  ctx: UserContext,
  id: string,
  input: Partial<
    Pick<ItemInput, "sku" | "name" | "category" | "description" | "unit_price" | "currency" | "min_level">
  >,
) {
  // The item and a clash of its new SKU in one batch; the change and its answer in another.
  const { found, holder } = await rowAndClash(
    ctx.db,
    inventoryItems,
    inventoryItems.id,
    and(eq(inventoryItems.id, id), isNull(inventoryItems.retiredAt)),
    input.sku ? eq(inventoryItems.sku, input.sku) : undefined,
  );
  if (!found) throw new AppError("not_found", "No such item.");
  if (holder && holder !== id) refuseTakenSku();
  const [, [row]] = await ctx.db.batch([
    ctx.db
      .update(inventoryItems)
      .set({
        sku: input.sku,
        name: input.name,
        category: input.category,
        description: input.description,
        unitPrice: input.unit_price,
        currency: input.currency,
        minLevel: input.min_level,
        updatedAt: nowIso(),
      })
      .where(eq(inventoryItems.id, id)),
    itemWithStockQuery(ctx, id),
  ]);
  return row ? toItem(row.item, row.stock) : itemWithStock(ctx, id);
}

/** Retired items keep their history and stock; they can no longer be received, issued or fitted. */
export async function retireItem(ctx: UserContext, id: string) {
  await findItem(ctx, id);
  const now = nowIso();
  await ctx.db.update(inventoryItems).set({ retiredAt: now, updatedAt: now }).where(eq(inventoryItems.id, id));
}

/** Stock of an item at every location that holds any, with the serials there. */
export async function itemStock(ctx: UserContext, id: string) {
  const [[item], balances, serials] = await ctx.db.batch([
    ctx.db
      .select({ id: inventoryItems.id, sku: inventoryItems.sku })
      .from(inventoryItems)
      .where(eq(inventoryItems.id, id))
      .limit(1),
    ctx.db
      .select()
      .from(stockBalances)
      .where(and(eq(stockBalances.itemId, id), sql`${stockBalances.quantity} <> 0`))
      .orderBy(asc(stockBalances.location)),
    ctx.db.select().from(stockSerials).where(eq(stockSerials.itemId, id)).orderBy(asc(stockSerials.serial)),
  ]);
  if (!item) throw new AppError("not_found", "No such item.");
  return {
    item_id: item.id,
    sku: item.sku,
    locations: balances
      .filter((b) => !(OUTSIDE as readonly string[]).includes(b.location))
      .map((b) => ({
        location: b.location,
        quantity: b.quantity,
        serials: serials.filter((s) => s.location === b.location).map((s) => s.serial),
      })),
  };
}

// ---- movements (INV-2) ----

function checkSerials(serialised: boolean, quantity: number, serials: string[] | undefined, path: string) {
  if (serialised && (serials?.length ?? 0) !== quantity) {
    throw new AppError("validation_failed", "A serialised item moves with one serial number per unit.", {
      errors: [{ path, message: `Give exactly ${quantity} serial numbers` }],
    });
  }
  if (!serialised && serials?.length)
    throw new AppError("validation_failed", "This item has no serial numbers.", {
      errors: [{ path, message: "Not serialised" }],
    });
  if (serials && new Set(serials).size !== serials.length)
    throw new AppError("validation_failed", "A serial number is given twice.", {
      errors: [{ path, message: "Duplicate" }],
    });
}

/** A technician named in a request: one that exists, and within the caller's reach. */
async function assertTechnician(ctx: UserContext, technicianId: string, path: string) {
  const [found] = await technicianIdsQuery(ctx, [technicianId]);
  if (!found) refuseUnknownTechnician(path);
  await assertTechniciansInReach(ctx, [technicianId], path);
}

/** Which of these ids are technicians (active accounts not deleted), for a check or a caller's batch. */
function technicianIdsQuery(ctx: UserContext, ids: string[]) {
  return ctx.db
    .select({ id: users.id })
    .from(users)
    .where(and(inList(users.id, ids), eq(users.role, "technician"), isNull(users.deletedAt)));
}

function refuseUnknownTechnician(path: string): never {
  throw new AppError("validation_failed", "No such technician.", { errors: [{ path, message: "No such technician" }] });
}

/** Where stock may be named in a request: the warehouse, quarantine, a technician's van or a customer's premises. */
async function assertLocation(ctx: UserContext, location: string, path: string, technicians?: Set<string>) {
  if (location === WAREHOUSE || location === QUARANTINE) return;
  const van = vanTechnician(location);
  if (van) {
    if (!technicians) return assertTechnician(ctx, van, path);
    if (!technicians.has(van)) refuseUnknownTechnician(path);
    return assertTechniciansInReach(ctx, [van], path);
  }
  const [kind, id] = location.split(":");
  if (kind === "customer" && id) {
    // Scoped like the customer itself: a caller names only customers it may see.
    await findVisibleCustomer(ctx, id).catch(() => {
      throw new AppError("validation_failed", "No such customer.", { errors: [{ path, message: "No such customer" }] });
    });
    return;
  }
  throw new AppError(
    "validation_failed",
    "A location is warehouse, quarantine, van:<technician id> or customer:<customer id>.",
    { errors: [{ path, message: "Unknown location" }] },
  );
}

function toMovement(m: typeof stockMovements.$inferSelect) {
  return {
    id: m.id,
    item_id: m.itemId,
    kind: m.kind,
    quantity: m.quantity,
    from: m.fromLocation,
    to: m.toLocation,
    ticket_id: m.ticketId,
    assignment_id: m.assignmentId,
    serials: m.serials,
    actor_id: m.actorId,
    reason: m.reason,
    created_at: m.createdAt,
  };
}

/**
 * Applies movements in one batch (all or nothing) with the `inventory.low_stock` event of each item
 * whose warehouse stock fell below its minimum with this batch (published after the commit).
 */
async function applyMovements(
  ctx: UserContext,
  item: ItemRow & { warehouseQuantity: number },
  movements: Movement[],
  extra: D1PreparedStatement[] = [],
  changed: ChangedRow[] = [],
  /** Reads at the end of the batch, after the first movement's (the caller's answer). */
  readBack: D1PreparedStatement[] = [],
) {
  const db = ctx.env.DB;
  const built = movements.map((m) => movementStatements(db, m));
  const levels = new Map<string, WarehouseLevel>([
    [
      item.id,
      { itemId: item.id, sku: item.sku, name: item.name, minLevel: item.minLevel, quantity: item.warehouseQuantity },
    ],
  ]);
  // The first movement, as written, is read at the end of the batch: the answer of a single movement.
  const first = readInBatch(ctx.db.select().from(stockMovements).where(eq(stockMovements.id, built[0].id)).limit(1));
  try {
    const { reads } = await commitChange(
      ctx,
      {
        statements: [...built.flatMap((b) => b.statements), ...extra],
        changed,
        events: lowStockEvents(levels, movements, built[0].id, ctx.actor.userId),
      },
      undefined,
      [first.statement, ...readBack],
    );
    return { movement: toMovement(first.map(reads[0])[0]!), reads: reads.slice(1) };
  } catch (err) {
    throw stockProblem(err);
  }
}

export async function receiveStock(
  ctx: UserContext,
  input: { item_id: string; quantity: number; serials?: string[]; reason?: string },
) {
  const item = await findItem(ctx, input.item_id);
  checkSerials(item.serialised, input.quantity, input.serials, "serials");
  const { movement } = await applyMovements(ctx, item, [
    {
      itemId: item.id,
      kind: "receive",
      quantity: input.quantity,
      from: "supplier",
      to: WAREHOUSE,
      serials: input.serials,
      actorId: ctx.actor.userId,
      reason: input.reason,
    },
  ]);
  return movement;
}

/** A count that differs from the books: up from or down to `adjustment`, always with a reason. */
export async function adjustStock(
  ctx: UserContext,
  input: { item_id: string; location: string; quantity: number; serials?: string[]; reason: string },
) {
  const item = await findItem(ctx, input.item_id);
  await assertLocation(ctx, input.location, "location");
  if (input.quantity === 0)
    throw new AppError("validation_failed", "An adjustment changes the quantity.", {
      errors: [{ path: "quantity", message: "Must not be 0" }],
    });
  const units = Math.abs(input.quantity);
  checkSerials(item.serialised, units, input.serials, "serials");
  const up = input.quantity > 0;
  const { movement } = await applyMovements(ctx, item, [
    {
      itemId: item.id,
      kind: "adjust",
      quantity: units,
      from: up ? "adjustment" : input.location,
      to: up ? input.location : "adjustment",
      serials: input.serials,
      actorId: ctx.actor.userId,
      reason: input.reason,
    },
  ]);
  return movement;
}

export async function transferStock(
  ctx: UserContext,
  input: { item_id: string; from: string; to: string; quantity: number; serials?: string[]; reason?: string },
) {
  // The item and the technicians whose vans are named, in one batch.
  const vans = [input.from, input.to].map(vanTechnician).filter((id) => id !== null);
  const [itemRows, technicians] = await ctx.db.batch([itemQuery(ctx, input.item_id), technicianIdsQuery(ctx, vans)]);
  const item = itemFrom(itemRows);
  const known = new Set(technicians.map((t) => t.id));
  await assertLocation(ctx, input.from, "from", known);
  await assertLocation(ctx, input.to, "to", known);
  if (input.from === input.to)
    throw new AppError("validation_failed", "A transfer goes somewhere else.", {
      errors: [{ path: "to", message: "Same as from" }],
    });
  checkSerials(item.serialised, input.quantity, input.serials, "serials");
  const { movement } = await applyMovements(ctx, item, [
    {
      itemId: item.id,
      kind: "transfer",
      quantity: input.quantity,
      from: input.from,
      to: input.to,
      serials: input.serials,
      actorId: ctx.actor.userId,
      reason: input.reason,
    },
  ]);
  return movement;
}

export async function listMovements(
  ctx: UserContext,
  query: {
    limit: number;
    cursor?: string;
    item_id?: string;
    location?: string;
    ticket_id?: string;
    kind?: string;
    from?: string;
    to?: string;
  },
) {
  const page = keyset({
    order: "-created_at",
    column: stockMovements.createdAt,
    idColumn: stockMovements.id,
    cursor: query.cursor,
  });
  const filters: (SQL | undefined)[] = [
    page.where,
    query.item_id ? eq(stockMovements.itemId, query.item_id) : undefined,
    query.location
      ? or(eq(stockMovements.fromLocation, query.location), eq(stockMovements.toLocation, query.location))
      : undefined,
    query.ticket_id ? eq(stockMovements.ticketId, query.ticket_id) : undefined,
    query.kind ? eq(stockMovements.kind, query.kind as MovementKind) : undefined,
    query.from ? gte(stockMovements.createdAt, startOf(query.from, ctx.settings.timeZone)) : undefined,
    query.to ? lte(stockMovements.createdAt, endOf(query.to, ctx.settings.timeZone)) : undefined,
  ];
  const rows = await ctx.db
    .select()
    .from(stockMovements)
    .where(and(...filters))
    .orderBy(...page.orderBy)
    .limit(query.limit + 1);
  const result = page.page(rows, query.limit, (r) => r.createdAt);
  return { data: result.data.map(toMovement), next_cursor: result.next_cursor, has_more: result.next_cursor !== null };
}

// ---- equipment issued to technicians ----

function toAssignment(a: AssignmentRow) {
  return {
    id: a.id,
    item_id: a.itemId,
    technician_id: a.technicianId,
    ticket_id: a.ticketId,
    quantity: a.quantity,
    returned_quantity: a.returnedQuantity,
    outstanding_quantity: a.quantity - a.returnedQuantity,
    serials: a.serials,
    status: a.status,
    issued_by: a.issuedBy,
    created_at: a.createdAt,
    updated_at: a.updatedAt,
  };
}

/** Managers and readers of inventory see every assignment; anyone else only what was issued to them. */
async function findVisibleAssignment(ctx: UserContext, id: string) {
  return visibleAssignment(
    ctx,
    await ctx.db.query.equipmentAssignments.findFirst({ where: eq(equipmentAssignments.id, id) }),
  );
}

function visibleAssignment(ctx: UserContext, row: typeof equipmentAssignments.$inferSelect | undefined) {
  if (!row || (!ctx.actor.permissions.has("inventory:read") && row.technicianId !== ctx.actor.userId))
    throw new AppError("not_found", "No such assignment.");
  return row;
}

/** Issues equipment from the warehouse to a technician's van for a ticket. */
export async function issueEquipment(
  ctx: UserContext,
  input: { item_id: string; technician_id: string; ticket_id?: string; quantity: number; serials?: string[] },
) {
  // The item and the technician in one batch; the assignment is read back at the end of the change's.
  const [itemRows, tech] = await ctx.db.batch([
    itemQuery(ctx, input.item_id),
    technicianIdsQuery(ctx, [input.technician_id]),
  ]);
  const item = itemFrom(itemRows);
  if (!tech.length) refuseUnknownTechnician("technician_id");
  await assertTechniciansInReach(ctx, [input.technician_id], "technician_id");
  if (input.ticket_id) {
    await findVisibleTicket(ctx, input.ticket_id).catch(() => {
      throw new AppError("validation_failed", "No such ticket.", {
        errors: [{ path: "ticket_id", message: "No such ticket" }],
      });
    });
  }
  checkSerials(item.serialised, input.quantity, input.serials, "serials");
  const id = newId("eqa");
  const now = nowIso();
  const serials = input.serials ?? [];
  const row = ctx.env.DB.prepare(
    `INSERT INTO equipment_assignments (id, item_id, technician_id, ticket_id, quantity, returned_quantity, serials, status, issued_by, created_at, updated_at)
     VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, 'assigned', ?7, ?8, ?8)`,
  ).bind(
    id,
    item.id,
    input.technician_id,
    input.ticket_id ?? null,
    input.quantity,
    JSON.stringify(serials),
    ctx.actor.userId,
    now,
  );
  const issued = readInBatch(assignmentQuery(ctx, id));
  const { reads } = await applyMovements(
    ctx,
    item,
    [
      {
        itemId: item.id,
        kind: "issue",
        quantity: input.quantity,
        from: WAREHOUSE,
        to: vanOf(input.technician_id),
        serials,
        ticketId: input.ticket_id,
        assignmentId: id,
        actorId: ctx.actor.userId,
      },
    ],
    [row],
    [{ table: equipmentAssignments, id, of: input.technician_id }],
    [issued.statement],
  );
  return toAssignment(issued.map(reads[0])[0] ?? (await findVisibleAssignment(ctx, id)));
}

const assignmentQuery = (ctx: UserContext, id: string) =>
  ctx.db.select().from(equipmentAssignments).where(eq(equipmentAssignments.id, id)).limit(1);

export type ReturnCondition = "good" | "damaged" | "lost";
const RETURN_TO: Record<ReturnCondition, string> = { good: WAREHOUSE, damaged: QUARANTINE, lost: "written_off" };

/**
 * Takes equipment back: good to the warehouse, damaged to quarantine, lost written off. The
 * assignment's returned count is raised only while it stays within what was issued (a CHECK), so
 * two returns racing for the last unit cannot both count.
 */
export async function returnEquipment(
  ctx: UserContext,
  id: string,
  input: { quantity: number; condition: ReturnCondition; serials?: string[]; reason?: string },
) {
  // The assignment and its item in one batch; the assignment is read back at the end of the change's.
  const [found, itemRows] = await ctx.db.batch([
    assignmentQuery(ctx, id),
    itemQuery(ctx, sql`(SELECT a.item_id FROM equipment_assignments a WHERE a.id = ${id})`, { includeRetired: true }),
  ]);
  const assignment = visibleAssignment(ctx, found[0]);
  if (!ctx.actor.permissions.has("inventory:manage") && assignment.technicianId !== ctx.actor.userId)
    throw new AppError("forbidden", "Only stock managers or the technician it was issued to may return it.");
  const outstanding = assignment.quantity - assignment.returnedQuantity;
  if (input.quantity > outstanding) {
    throw new AppError("validation_failed", `Only ${outstanding} of this assignment are still out.`, {
      errors: [{ path: "quantity", message: `At most ${outstanding}` }],
    });
  }
  const item = itemFrom(itemRows);
  checkSerials(item.serialised, input.quantity, input.serials, "serials");
  if (input.serials?.some((s) => !assignment.serials.includes(s)))
    throw new AppError("validation_failed", "A serial number given was not issued with this assignment.", {
      errors: [{ path: "serials", message: "Not issued here" }],
    });
  const now = nowIso();
  const update = ctx.env.DB.prepare(
    `UPDATE equipment_assignments SET returned_quantity = returned_quantity + ?2,
       status = CASE WHEN returned_quantity + ?2 >= quantity THEN 'returned' ELSE 'partially_returned' END, updated_at = ?3
     WHERE id = ?1`,
  ).bind(id, input.quantity, now);
  const after = readInBatch(assignmentQuery(ctx, id));
  const { reads } = await applyMovements(
    ctx,
    item,
    [
      {
        itemId: item.id,
        kind: "return",
        quantity: input.quantity,
        from: vanOf(assignment.technicianId),
        to: RETURN_TO[input.condition],
        serials: input.serials,
        ticketId: assignment.ticketId,
        assignmentId: id,
        actorId: ctx.actor.userId,
        reason: input.reason ?? `returned ${input.condition}`,
      },
    ],
    [update],
    [{ table: equipmentAssignments, id, of: assignment.technicianId }],
    [after.statement],
  );
  return toAssignment(after.map(reads[0])[0] ?? (await findVisibleAssignment(ctx, id)));
}

export async function getAssignment(ctx: UserContext, id: string) {
  return toAssignment(await findVisibleAssignment(ctx, id));
}

export async function listAssignments(
  ctx: UserContext,
  query: { limit: number; cursor?: string; technician_id?: string; ticket_id?: string; status?: AssignmentStatus },
) {
  const page = keyset({
    order: "-created_at",
    column: equipmentAssignments.createdAt,
    idColumn: equipmentAssignments.id,
    cursor: query.cursor,
  });
  const own = ctx.actor.permissions.has("inventory:read")
    ? undefined
    : eq(equipmentAssignments.technicianId, ctx.actor.userId);
  const rows = await ctx.db
    .select()
    .from(equipmentAssignments)
    .where(
      and(
        own,
        page.where,
        query.technician_id ? eq(equipmentAssignments.technicianId, query.technician_id) : undefined,
        query.ticket_id ? eq(equipmentAssignments.ticketId, query.ticket_id) : undefined,
        query.status ? eq(equipmentAssignments.status, query.status) : undefined,
      ),
    )
    .orderBy(...page.orderBy)
    .limit(query.limit + 1);
  const result = page.page(rows, query.limit, (r) => r.createdAt);
  return {
    data: result.data.map(toAssignment),
    next_cursor: result.next_cursor,
    has_more: result.next_cursor !== null,
  };
}

/** What a technician's van holds: readers of inventory see any van, a technician their own (else 404). */
export async function vanStock(ctx: UserContext, technicianId: string) {
  if (!ctx.actor.permissions.has("inventory:read") && technicianId !== ctx.actor.userId)
    throw new AppError("not_found", "No such van.");
  const location = vanOf(technicianId);
  // The technician and what their van holds, in one batch.
  const [tech, held, serials] = await ctx.db.batch([
    ctx.db
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.id, technicianId), eq(users.role, "technician"), isNull(users.deletedAt)))
      .limit(1),
    ctx.db
      .select({ item: inventoryItems, quantity: stockBalances.quantity })
      .from(stockBalances)
      .innerJoin(inventoryItems, eq(inventoryItems.id, stockBalances.itemId))
      .where(and(eq(stockBalances.location, location), sql`${stockBalances.quantity} > 0`))
      .orderBy(asc(inventoryItems.name), asc(inventoryItems.id)),
    ctx.db.select().from(stockSerials).where(eq(stockSerials.location, location)).orderBy(asc(stockSerials.serial)),
  ]);
  if (!tech.length) throw new AppError("not_found", "No such van.");
  return {
    technician_id: technicianId,
    location,
    items: held.map((h) => ({
      item_id: h.item.id,
      sku: h.item.sku,
      name: h.item.name,
      category: h.item.category,
      quantity: h.quantity,
      serials: serials.filter((s) => s.itemId === h.item.id).map((s) => s.serial),
    })),
  };
}

// ---- the inventory report (RPT-4) ----

/** Stock by item and location, its value at unit price, and the ledger's movements in a period. */
export async function inventoryReport(
  ctx: UserContext,
  query: { low_stock_only?: boolean; category?: string; from?: string; to?: string },
) {
  const zone = ctx.settings.timeZone;
  const [items, balances, moved] = await ctx.db.batch([
    ctx.db
      .select({ item: inventoryItems, stock: warehouseStock })
      .from(inventoryItems)
      .where(
        and(isNull(inventoryItems.retiredAt), query.category ? eq(inventoryItems.category, query.category) : undefined),
      )
      .orderBy(asc(inventoryItems.name), asc(inventoryItems.id)),
    ctx.db
      .select()
      .from(stockBalances)
      .where(
        and(
          sql`${stockBalances.quantity} <> 0`,
          sql`${stockBalances.location} NOT IN ('supplier', 'adjustment', 'written_off')`,
        ),
      ),
    ctx.db
      .select({
        itemId: stockMovements.itemId,
        kind: stockMovements.kind,
        quantity: sql<number>`sum(${stockMovements.quantity})`,
      })
      .from(stockMovements)
      .where(
        and(
          query.from ? gte(stockMovements.createdAt, startOf(query.from, zone)) : undefined,
          query.to ? lte(stockMovements.createdAt, endOf(query.to, zone)) : undefined,
        ),
      )
      .groupBy(stockMovements.itemId, stockMovements.kind),
  ]);
  const rows = items
    .filter((r) => !query.low_stock_only || r.stock < r.item.minLevel)
    .map((r) => {
      const here = balances.filter((b) => b.itemId === r.item.id);
      const total = here.reduce((n, b) => n + b.quantity, 0);
      return {
        item_id: r.item.id,
        sku: r.item.sku,
        name: r.item.name,
        category: r.item.category,
        currency: r.item.currency,
        unit_price: r.item.unitPrice,
        min_level: r.item.minLevel,
        warehouse_quantity: r.stock,
        is_low_stock: r.stock < r.item.minLevel,
        total_quantity: total,
        stock_value: total * r.item.unitPrice,
        locations: here
          .map((b) => ({ location: b.location, quantity: b.quantity }))
          .sort((a, b) => a.location.localeCompare(b.location)),
        movements: Object.fromEntries(moved.filter((m) => m.itemId === r.item.id).map((m) => [m.kind, m.quantity])),
      };
    });
  const value = new Map<string, number>();
  for (const r of rows) value.set(r.currency, (value.get(r.currency) ?? 0) + r.stock_value);
  return {
    period: { from: query.from ?? null, to: query.to ?? null },
    items: rows,
    stock_value: [...value].map(([currency, amount]) => ({ currency, amount })),
    generated_at: nowIso(),
  };
}

/** The report's rows as CSV: one line per item and location. */
export function inventoryReportCsv(report: Awaited<ReturnType<typeof inventoryReport>>): string {
  const rows: CsvCell[][] = [];
  for (const r of report.items) {
    const locations = r.locations.length ? r.locations : [{ location: "", quantity: 0 }];
    for (const l of locations)
      rows.push([
        r.sku,
        r.name,
        r.category,
        l.location,
        l.quantity,
        r.unit_price,
        r.currency,
        l.quantity * r.unit_price,
        r.min_level,
        r.is_low_stock,
      ]);
  }
  return csvLines(
    ["sku", "name", "category", "location", "quantity", "unit_price", "currency", "value", "min_level", "is_low_stock"],
    rows,
    { header: true },
  );
}

/** Equipment issued to the caller, for their phone: by id (any state), or all still out. */
export function equipmentForSync(ctx: UserContext, by: { ids?: string[] }) {
  if (by.ids && !by.ids.length) return known([]);
  const mine = eq(equipmentAssignments.technicianId, ctx.actor.userId);
  return mapReads(
    reads(
      ctx.db
        .select()
        .from(equipmentAssignments)
        .where(
          and(mine, by.ids ? inList(equipmentAssignments.id, by.ids) : ne(equipmentAssignments.status, "returned")),
        ),
    ),
    (rows) => rows.map(toAssignment),
  );
}
