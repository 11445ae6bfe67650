import { sql } from "drizzle-orm";
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** The catalogue (INV-1): what can be stocked, issued and fitted. Stock lives in `stock_balances`. */
export const inventoryItems = sqliteTable(
  "inventory_items",
  {
    id: text("id").primaryKey(),
    sku: text("sku").notNull(),
    name: text("name").notNull(),
    category: text("category").notNull(),
    description: text("description").notNull().default(""),
    /** Minor units (cents, thebe) of `currency`. */
    unitPrice: integer("unit_price").notNull(),
    currency: text("currency").notNull(),
    serialised: integer("serialised", { mode: "boolean" }).notNull().default(false),
    minLevel: integer("min_level").notNull().default(0),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    retiredAt: text("retired_at"),
  },
  (t) => [
    uniqueIndex("inventory_items_sku_unique").on(t.sku),
    index("inventory_items_name_idx").on(t.name, t.id),
    index("inventory_items_category_idx").on(t.category, t.name, t.id),
  ],
);

/**
 * Quantity of an item at a location: `warehouse`, `quarantine`, `van:<technician>`,
 * `customer:<customer>`, and the outside world (`supplier`, `adjustment`, `written_off`), whose
 * balances may go below zero because they only count what left or entered through them. Every
 * other balance has a CHECK that it never does: a movement that would take it below zero fails
 * its whole batch.
 */
export const stockBalances = sqliteTable(
  "stock_balances",
  {
    itemId: text("item_id").notNull(),
    location: text("location").notNull(),
    quantity: integer("quantity").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.itemId, t.location] }),
    index("stock_balances_location_idx").on(t.location, t.itemId),
    check(
      "stock_balances_never_negative",
      sql`${t.quantity} >= 0 OR ${t.location} IN ('supplier', 'adjustment', 'written_off')`,
    ),
  ],
);

export type MovementKind = "receive" | "adjust" | "transfer" | "issue" | "return" | "consume";

/** The append-only ledger (INV-2): `quantity` units of an item moved from one location to another. */
export const stockMovements = sqliteTable(
  "stock_movements",
  {
    id: text("id").primaryKey(),
    itemId: text("item_id").notNull(),
    kind: text("kind").$type<MovementKind>().notNull(),
    quantity: integer("quantity").notNull(),
    fromLocation: text("from_location").notNull(),
    toLocation: text("to_location").notNull(),
    ticketId: text("ticket_id"),
    assignmentId: text("assignment_id"),
    serials: text("serials", { mode: "json" }).$type<string[]>().notNull(),
    actorId: text("actor_id"),
    reason: text("reason"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    index("stock_movements_item_idx").on(t.itemId, t.createdAt, t.id),
    index("stock_movements_created_idx").on(t.createdAt, t.id),
    index("stock_movements_ticket_idx").on(t.ticketId),
    check("stock_movements_positive", sql`${t.quantity} > 0`),
  ],
);

/** Where each serial number of a serialised item is: exactly one location at a time. */
export const stockSerials = sqliteTable(
  "stock_serials",
  {
    itemId: text("item_id").notNull(),
    serial: text("serial").notNull(),
    location: text("location").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.itemId, t.serial] }), index("stock_serials_location_idx").on(t.itemId, t.location)],
);

export type AssignmentStatus = "assigned" | "partially_returned" | "returned";

/** Equipment issued to a technician for a ticket, and what came back (the ISP seed's assignments). */
export const equipmentAssignments = sqliteTable(
  "equipment_assignments",
  {
    id: text("id").primaryKey(),
    itemId: text("item_id").notNull(),
    technicianId: text("technician_id").notNull(),
    ticketId: text("ticket_id"),
    quantity: integer("quantity").notNull(),
    returnedQuantity: integer("returned_quantity").notNull().default(0),
    serials: text("serials", { mode: "json" }).$type<string[]>().notNull(),
    status: text("status").$type<AssignmentStatus>().notNull(),
    issuedBy: text("issued_by").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    index("equipment_assignments_technician_idx").on(t.technicianId, t.createdAt, t.id),
    index("equipment_assignments_ticket_idx").on(t.ticketId),
    index("equipment_assignments_created_idx").on(t.createdAt, t.id),
    check(
      "equipment_assignments_returned_within",
      sql`${t.returnedQuantity} >= 0 AND ${t.returnedQuantity} <= ${t.quantity}`,
    ),
  ],
);
