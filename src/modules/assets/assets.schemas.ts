import { z } from "@hono/zod-openapi";
import { TICKET_KINDS, TICKET_STATUSES } from "../../db/schema";
import { searchParam } from "../../lib/search";
import { serialNumber } from "../../lib/serials";
import { cursorParam, limitParam, pageSchema } from "../../lib/pagination";

export const AssetIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({
      param: { name: "id", in: "path" },
      description: "The service card's id",
      example: "ast_0a1b2c3d4e5f6g7h8i9j",
    }),
});

const date = z.iso.date().openapi({ example: "2026-03-15" });

export const ServiceHistoryEntrySchema = z
  .object({
    ticket_id: z.string(),
    number: z.string(),
    kind: z.enum(TICKET_KINDS),
    status: z.enum(TICKET_STATUSES),
    service_type: z.enum(["free", "paid"]).nullable(),
    created_at: z.string(),
    resolved_at: z.string().nullable(),
  })
  .openapi("ServiceHistoryEntry");

export const AssetSchema = z
  .object({
    id: z.string(),
    customer_id: z.string(),
    model: z.string(),
    serial_number: z.string().nullable(),
    card_type: z.string(),
    installed_on: z.string().nullable(),
    warranty_start: z.string().nullable(),
    warranty_end: z.string().nullable(),
    in_warranty: z.boolean(),
    address: z.string(),
    city: z.string().nullable(),
    postal_code: z.string().nullable(),
    region: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Asset");

export const AssetDetailSchema = AssetSchema.extend({ service_history: z.array(ServiceHistoryEntrySchema) }).openapi(
  "AssetDetail",
);

const base = {
  model: z.string().trim().min(1).max(120),
  serial_number: serialNumber(80),
  card_type: z.string().trim().min(1).max(40),
  installed_on: date,
  warranty_start: date,
  warranty_end: date,
  address: z.string().trim().max(300),
  city: z.string().trim().max(80),
  postal_code: z.string().trim().max(20),
  region: z.string().trim().max(80),
};

const warrantyOrder = (v: { warranty_start?: string | null; warranty_end?: string | null }) =>
  !v.warranty_start || !v.warranty_end || v.warranty_start <= v.warranty_end;

export const AssetCreateSchema = z
  .strictObject({
    customer_id: z.string().min(1).max(64),
    model: base.model,
    serial_number: base.serial_number.optional(),
    card_type: base.card_type.default("normal"),
    installed_on: base.installed_on.optional(),
    warranty_start: base.warranty_start.optional(),
    warranty_end: base.warranty_end.optional(),
    address: base.address.default(""),
    city: base.city.optional(),
    postal_code: base.postal_code.optional(),
    region: base.region.optional(),
  })
  .refine(warrantyOrder, { message: "warranty_end is before warranty_start", path: ["warranty_end"] })
  .openapi("AssetCreate");

export const AssetUpdateSchema = z
  .strictObject({
    model: base.model.optional(),
    serial_number: base.serial_number.nullable().optional(),
    card_type: base.card_type.optional(),
    installed_on: base.installed_on.nullable().optional(),
    warranty_start: base.warranty_start.nullable().optional(),
    warranty_end: base.warranty_end.nullable().optional(),
    address: base.address.optional(),
    city: base.city.nullable().optional(),
    postal_code: base.postal_code.nullable().optional(),
    region: base.region.nullable().optional(),
  })
  .refine(warrantyOrder, { message: "warranty_end is before warranty_start", path: ["warranty_end"] })
  .openapi("AssetUpdate");

export const AssetListQuery = z.strictObject({
  limit: limitParam,
  cursor: cursorParam,
  customer_id: z
    .string()
    .max(64)
    .optional()
    .openapi({ param: { name: "customer_id", in: "query" }, description: "Only this customer's service cards" }),
  region: z
    .string()
    .max(80)
    .optional()
    .openapi({ param: { name: "region", in: "query" }, description: "Only service cards in this region (exact)" }),
  card_type: z
    .string()
    .max(40)
    .optional()
    .openapi({ param: { name: "card_type", in: "query" }, description: "Only service cards of this type (exact)" }),
  region_id: z
    .string()
    .max(64)
    .optional()
    .openapi({
      param: { name: "region_id", in: "query" },
      description: "Only service cards of customers in this region's localities (by the customer's service area)",
    }),
  locality_id: z
    .string()
    .max(64)
    .optional()
    .openapi({
      param: { name: "locality_id", in: "query" },
      description: "Only service cards of customers in this locality",
    }),
  q: searchParam("model and serial number"),
});

export const AssetPageSchema = pageSchema(AssetSchema, "AssetPage");

/** What a customer may say about their own card: not its type or warranty (they decide free or paid visits). */
const ownFields = {
  model: base.model.openapi({ example: "AquaPure X1" }),
  serial_number: base.serial_number.optional(),
  installed_on: base.installed_on.optional(),
  address: base.address.optional().openapi({ example: "Plot 4411, Block 8, Gaborone" }),
  city: base.city.optional().openapi({ example: "Gaborone" }),
  postal_code: base.postal_code.optional(),
  region: base.region.optional().openapi({ example: "South-East" }),
};

export const OwnCardCreateSchema = z.strictObject(ownFields).openapi("OwnServiceCardCreate");

export const OwnCardUpdateSchema = z
  .strictObject({
    model: ownFields.model.optional(),
    serial_number: base.serial_number.nullable().optional(),
    installed_on: base.installed_on.nullable().optional(),
    address: ownFields.address,
    city: base.city.nullable().optional(),
    postal_code: base.postal_code.nullable().optional(),
    region: base.region.nullable().optional(),
  })
  .openapi("OwnServiceCardUpdate");
