import { inventoryItems } from "../../db/schema";
import { inList } from "../../lib/d1";
import { newId, nowIso } from "../../lib/ids";
import {
  booleanCell,
  guardedInsert,
  guardedUpdate,
  numberCell,
  validated,
  type ImportKind,
  type RowOutcome,
} from "../../lib/imports";
import { ItemCreateSchema } from "./inventory.schemas";

const TEXT = ["sku", "name", "category", "description", "currency"] as const;
/** What an update may change: everything but the SKU (the key) and whether units are serialised. */
const UPDATABLE = ["name", "category", "description", "unit_price", "currency", "min_level"] as const;

type Item = { input: ReturnType<typeof ItemCreateSchema.parse>; given: string[] };

/** The catalogue from CSV, keyed by SKU. Stock is not imported: it enters through receipts, so the ledger stays whole. */
export const itemImport: ImportKind<Item> = {
  kind: "inventory_items",
  noun: "inventory item",
  keyDescription: "`sku`",
  permission: "inventory:manage",
  updates: true,
  columns: [
    {
      name: "sku",
      description: "Stock-keeping unit: letters, digits and . _ / -",
      example: "ONT-HG8245",
      required: true,
    },
    { name: "name", description: "Name", example: "Huawei HG8245 ONT", required: true },
    { name: "category", description: "Category", example: "ont", required: true },
    { name: "description", description: "Description", example: "GPON ONT, 4 ports" },
    { name: "unit_price", description: "Price in minor units (cents, thebe)", example: "45000", required: true },
    { name: "currency", description: "ISO 4217 code", example: "BWP", required: true },
    { name: "serialised", description: "Units tracked by serial number: true or false", example: "true" },
    { name: "min_level", description: "Low-stock threshold", example: "5" },
  ],

  parse(_ctx, cells) {
    const input: Record<string, unknown> = {};
    for (const f of TEXT) if (cells[f] !== undefined) input[f] = cells[f];
    if (cells.unit_price !== undefined) input.unit_price = numberCell(cells.unit_price);
    if (cells.min_level !== undefined) input.min_level = numberCell(cells.min_level);
    if (cells.serialised !== undefined) input.serialised = booleanCell(cells.serialised);
    const result = validated(ItemCreateSchema, input);
    if ("errors" in result) return result;
    return { value: { input: result.value, given: Object.keys(cells) }, key: result.value.sku };
  },

  async plan(ctx, rows, { onExisting, guard }) {
    const existing = await ctx.db
      .select({ id: inventoryItems.id, sku: inventoryItems.sku })
      .from(inventoryItems)
      .where(
        inList(
          inventoryItems.sku,
          rows.map((r) => r.key),
        ),
      );
    const now = nowIso();
    const statements: D1PreparedStatement[] = [];
    const outcomes = rows.map(({ value: { input, given } }): RowOutcome => {
      const match = existing.find((e) => e.sku === input.sku);
      if (!match) {
        statements.push(
          guardedInsert(
            ctx.env.DB,
            "inventory_items",
            {
              id: newId("itm"),
              sku: input.sku,
              name: input.name,
              category: input.category,
              description: input.description ?? "",
              unit_price: input.unit_price,
              currency: input.currency,
              serialised: input.serialised ? 1 : 0,
              min_level: input.min_level ?? 0,
              created_at: now,
              updated_at: now,
            },
            guard,
          ),
        );
        return { outcome: "created" };
      }
      if (onExisting === "skip") return { outcome: "skipped" };
      if (onExisting === "fail")
        return { outcome: "failed", errors: [{ path: "sku", message: "An item with this SKU exists" }] };
      const set: Record<string, string | number | null> = { updated_at: now };
      for (const f of UPDATABLE) if (given.includes(f)) set[f] = input[f] ?? (f === "description" ? "" : null);
      statements.push(guardedUpdate(ctx.env.DB, "inventory_items", match.id, set, guard));
      return { outcome: "updated" };
    });
    return { outcomes, statements };
  },
};
