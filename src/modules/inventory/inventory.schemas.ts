import { z } from "@hono/zod-openapi";
import { dateOrInstant } from "../../lib/query-dialect";
import { cursorParam, limitParam, pageSchema } from "../../lib/pagination";
import { searchParam } from "../../lib/search";
import { serialList } from "../../lib/serials";

const idParam = (example: string) =>
  z.object({
    id: z
      .string()
      .min(1)
      .max(64)
      .openapi({ param: { name: "id", in: "path" }, description: "The record's id", example }),
  });
export const ItemIdParam = idParam("itm_0a1b2c3d4e5f6g7h8i9j");
export const AssignmentIdParam = idParam("eqa_0a1b2c3d4e5f6g7h8i9j");

const sku = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._\/-]+$/, "Letters, digits and . _ / - only")
  .openapi({ example: "ONT-HG8245" });
const serials = serialList().openapi({ example: ["SN-0001"] });
const quantity = z.number().int().min(1).max(1_000_000);
/** `warehouse`, `quarantine`, `van:<technician id>` or `customer:<customer id>`. */
const location = z
  .string()
  .trim()
  .min(1)
  .max(80)
  .regex(
    /^(warehouse|quarantine|van:[A-Za-z0-9_]+|customer:[A-Za-z0-9_]+)$/,
    "warehouse, quarantine, van:<technician id> or customer:<customer id>",
  )
  .openapi({ example: "warehouse" });
const boolQuery = (name: string, description: string) =>
  z
    .enum(["true", "false"])
    .transform((v) => v === "true")
    .optional()
    .openapi({ param: { name, in: "query" }, description: `${description} (\`true\` or \`false\`)` });
const when = (name: string, description: string) =>
  z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ param: { name, in: "query" }, description: `${description} (ISO 8601 with offset)` });
const filter = (name: string, max: number, description: string) =>
  z
    .string()
    .max(max)
    .optional()
    .openapi({ param: { name, in: "query" }, description });
const movementKind = z.enum(["receive", "adjust", "transfer", "issue", "return", "consume"]);
const assignmentStatus = z.enum(["assigned", "partially_returned", "returned"]);

export const ItemSchema = z
  .object({
    id: z.string(),
    sku: z.string(),
    name: z.string(),
    category: z.string(),
    description: z.string(),
    unit_price: z.number().int().openapi({ description: "Minor units of `currency` (cents, thebe)" }),
    currency: z.string(),
    serialised: z.boolean(),
    min_level: z.number().int(),
    stock_quantity: z.number().int().openapi({ description: "In the warehouse" }),
    is_low_stock: z.boolean(),
    retired: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("InventoryItem");

export const ItemCreateSchema = z
  .strictObject({
    sku,
    name: z.string().trim().min(1).max(120).openapi({ example: "Huawei HG8245 ONT" }),
    category: z.string().trim().min(1).max(60).openapi({ example: "ont" }),
    description: z.string().trim().max(2000).optional(),
    unit_price: z.number().int().min(0).max(1_000_000_000).openapi({ example: 45000 }),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, "An ISO 4217 code")
      .openapi({ example: "BWP" }),
    serialised: z.boolean().optional(),
    min_level: z.number().int().min(0).max(1_000_000).optional(),
    initial_quantity: z
      .number()
      .int()
      .min(0)
      .max(1_000_000)
      .optional()
      .openapi({ description: "Opening stock, received into the warehouse through the ledger" }),
    initial_serials: serials.optional(),
  })
  .openapi("InventoryItemCreate");

/** Everything but stock: after creation, stock changes only through movements. */
export const ItemUpdateSchema = ItemCreateSchema.omit({
  serialised: true,
  initial_quantity: true,
  initial_serials: true,
})
  .partial()
  .openapi("InventoryItemUpdate");

export const ItemListQuery = z.strictObject({
  limit: limitParam,
  cursor: cursorParam,
  q: searchParam("item names and SKUs"),
  category: filter("category", 60, "Only items of this category (exact match)"),
  low_stock: boolQuery("low_stock", "Only items whose stock is at or below their reorder level"),
  include_retired: boolQuery("include_retired", "Also list retired items"),
});
export const ItemPageSchema = pageSchema(ItemSchema, "InventoryItemPage");

export const ItemStockSchema = z
  .object({
    item_id: z.string(),
    sku: z.string(),
    locations: z.array(z.object({ location: z.string(), quantity: z.number().int(), serials: z.array(z.string()) })),
  })
  .openapi("InventoryItemStock");

export const MovementSchema = z
  .object({
    id: z.string(),
    item_id: z.string(),
    kind: movementKind,
    quantity: z.number().int(),
    from: z.string(),
    to: z.string(),
    ticket_id: z.string().nullable(),
    assignment_id: z.string().nullable(),
    serials: z.array(z.string()),
    actor_id: z.string().nullable(),
    reason: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi("StockMovement");
export const MovementPageSchema = pageSchema(MovementSchema, "StockMovementPage");

export const ReceiptSchema = z
  .strictObject({
    item_id: z.string().min(1).max(64),
    quantity,
    serials: serials.optional(),
    reason: z.string().trim().max(300).optional(),
  })
  .openapi("StockReceipt");
export const AdjustmentSchema = z
  .strictObject({
    item_id: z.string().min(1).max(64),
    location,
    quantity: z
      .number()
      .int()
      .min(-1_000_000)
      .max(1_000_000)
      .openapi({ description: "Signed: + found, − missing", example: -2 }),
    serials: serials.optional(),
    reason: z.string().trim().min(1).max(300).openapi({ example: "Stock count 2026-11" }),
  })
  .openapi("StockAdjustment");
export const TransferSchema = z
  .strictObject({
    item_id: z.string().min(1).max(64),
    from: location,
    to: location.openapi({ example: "van:usr_0a1b2c3d4e5f6g7h8i9j" }),
    quantity,
    serials: serials.optional(),
    reason: z.string().trim().max(300).optional(),
  })
  .openapi("StockTransfer");

export const MovementListQuery = z.strictObject({
  limit: limitParam,
  cursor: cursorParam,
  item_id: filter("item_id", 64, "Only movements of this item"),
  location: filter(
    "location",
    80,
    "Only movements into or out of this location: `warehouse`, `quarantine`, `van:<technician id>` or `customer:<customer id>`",
  ),
  ticket_id: filter("ticket_id", 64, "Only movements made for this ticket"),
  kind: movementKind
    .optional()
    .openapi({ param: { name: "kind", in: "query" }, description: "Only movements of this kind" }),
  from: dateOrInstant("from", "Only movements at or after"),
  to: dateOrInstant("to", "Only movements at or before"),
});

export const AssignmentSchema = z
  .object({
    id: z.string(),
    item_id: z.string(),
    technician_id: z.string(),
    ticket_id: z.string().nullable(),
    quantity: z.number().int(),
    returned_quantity: z.number().int(),
    outstanding_quantity: z.number().int(),
    serials: z.array(z.string()),
    status: assignmentStatus,
    issued_by: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("EquipmentAssignment");
export const AssignmentPageSchema = pageSchema(AssignmentSchema, "EquipmentAssignmentPage");

export const IssueSchema = z
  .strictObject({
    item_id: z.string().min(1).max(64),
    technician_id: z.string().min(1).max(64),
    ticket_id: z.string().min(1).max(64).optional(),
    quantity,
    serials: serials.optional(),
  })
  .openapi("EquipmentIssue");
export const ReturnSchema = z
  .strictObject({
    quantity,
    condition: z.enum(["good", "damaged", "lost"]),
    serials: serials.optional(),
    reason: z.string().trim().max(300).optional(),
  })
  .openapi("EquipmentReturn");

export const AssignmentListQuery = z.strictObject({
  limit: limitParam,
  cursor: cursorParam,
  technician_id: filter("technician_id", 64, "Only equipment issued to this technician (user id)"),
  ticket_id: filter("ticket_id", 64, "Only equipment issued for this ticket"),
  status: assignmentStatus
    .optional()
    .openapi({ param: { name: "status", in: "query" }, description: "Only assignments in this state" }),
});

export const ReportQuery = z.strictObject({
  format: z
    .enum(["json", "csv"])
    .default("json")
    .openapi({ param: { name: "format", in: "query" }, description: "`json` (default) or `csv` for a spreadsheet" }),
  low_stock_only: boolQuery("low_stock_only", "Only items at or below their reorder level"),
  category: filter("category", 60, "Only items of this category (exact match)"),
  from: dateOrInstant("from", "Start of the period whose movements are counted"),
  to: dateOrInstant("to", "End of the period whose movements are counted (inclusive)"),
});
export const InventoryReportSchema = z
  .object({
    period: z.object({ from: z.string().nullable(), to: z.string().nullable() }),
    items: z.array(
      z.object({
        item_id: z.string(),
        sku: z.string(),
        name: z.string(),
        category: z.string(),
        currency: z.string(),
        unit_price: z.number().int(),
        min_level: z.number().int(),
        warehouse_quantity: z.number().int(),
        is_low_stock: z.boolean(),
        total_quantity: z.number().int(),
        stock_value: z.number().int(),
        locations: z.array(z.object({ location: z.string(), quantity: z.number().int() })),
        movements: z
          .record(z.string(), z.number().int())
          .openapi({ description: "Units moved in the period, by kind" }),
      }),
    ),
    stock_value: z.array(z.object({ currency: z.string(), amount: z.number().int() })),
    generated_at: z.string(),
  })
  .openapi("InventoryReport");

export const VanParam = z.object({
  technician_id: z
    .string()
    .min(1)
    .max(64)
    .openapi({
      param: { name: "technician_id", in: "path" },
      description: "The technician whose van stock to read (user id)",
      example: "usr_0a1b2c3d4e5f6g7h8i9j",
    }),
});
export const VanStockSchema = z
  .object({
    technician_id: z.string(),
    location: z.string(),
    items: z.array(
      z.object({
        item_id: z.string(),
        sku: z.string(),
        name: z.string(),
        category: z.string(),
        quantity: z.number().int(),
        serials: z.array(z.string()),
      }),
    ),
  })
  .openapi("VanStock");
