import { z } from "@hono/zod-openapi";
import { OFFER_SERVICES } from "../../db/schema";
import { searchParam } from "../../lib/search";
import { cursorParam, limitParam, pageSchema } from "../../lib/pagination";

export const OfferIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({
      param: { name: "id", in: "path" },
      description: "The offer's id or its code",
      example: "ofr_0a1b2c3d4e5f6g7h8i9j",
    }),
});

export const OfferSchema = z
  .object({
    id: z.string(),
    code: z.string().openapi({ description: "The operator's own code for the offer, unique", example: "FIBRE-50" }),
    name: z.string().openapi({ example: "Fibre 50" }),
    service: z.enum(OFFER_SERVICES),
    description: z.string(),
    download_mbps: z.number().nullable(),
    upload_mbps: z.number().nullable(),
    monthly_price: z
      .object({
        amount_minor: z.number().int().openapi({ description: "In the currency's minor units", example: 49900 }),
        currency: z.string().openapi({ example: "BWP" }),
      })
      .nullable(),
    active: z.boolean().openapi({ description: "A retired offer is kept for the customers who still hold it" }),
    customer_count: z.number().int().openapi({ description: "Customers subscribed to it" }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Offer");

const price = z
  .strictObject({
    amount_minor: z.number().int().min(0).max(100_000_000),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, "A three-letter ISO 4217 code, such as BWP")
      .openapi({ example: "BWP" }),
  })
  .openapi({ description: "Monthly price" });

const fields = {
  code: z
    .string()
    .trim()
    .min(1)
    .max(40)
    .regex(/^[A-Za-z0-9._-]+$/, "Letters, digits and . _ - only")
    .openapi({ example: "FIBRE-50" }),
  name: z.string().trim().min(1).max(80).openapi({ example: "Fibre 50" }),
  service: z.enum(OFFER_SERVICES),
  description: z.string().trim().max(1000),
  download_mbps: z.number().positive().max(1_000_000).openapi({ example: 50 }),
  upload_mbps: z.number().positive().max(1_000_000).openapi({ example: 25 }),
};

export const OfferCreateSchema = z
  .strictObject({
    code: fields.code,
    name: fields.name,
    service: fields.service,
    description: fields.description.default(""),
    download_mbps: fields.download_mbps.optional(),
    upload_mbps: fields.upload_mbps.optional(),
    monthly_price: price.optional(),
    active: z.boolean().default(true),
  })
  .openapi("OfferCreate");

export const OfferUpdateSchema = z
  .strictObject({
    code: fields.code.optional(),
    name: fields.name.optional(),
    service: fields.service.optional(),
    description: fields.description.optional(),
    download_mbps: fields.download_mbps.nullable().optional(),
    upload_mbps: fields.upload_mbps.nullable().optional(),
    monthly_price: price.nullable().optional(),
    active: z.boolean().optional().openapi({ description: "false retires the offer: no new customer may take it" }),
  })
  .openapi("OfferUpdate");

export const OfferListQuery = z.strictObject({
  limit: limitParam,
  cursor: cursorParam,
  q: searchParam("offer names and codes"),
  service: z
    .enum(OFFER_SERVICES)
    .optional()
    .openapi({ param: { name: "service", in: "query" }, description: "Only offers for this service" }),
  active: z
    .enum(["true", "false"])
    .transform((v) => v === "true")
    .optional()
    .openapi({
      param: { name: "active", in: "query" },
      description: "Only offers on sale (true) or retired (false)",
    }),
});

export const OfferPageSchema = pageSchema(OfferSchema, "OfferPage");
