import { z } from "@hono/zod-openapi";
import { dateOrInstant } from "../../lib/query-dialect";
import { CUSTOMER_CHANNELS, CUSTOMER_LANGUAGES } from "../../db/schema";
import { searchParam } from "../../lib/search";
import { cursorParam, limitParam, pageSchema } from "../../lib/pagination";

export const CustomerIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({
      param: { name: "id", in: "path" },
      description: "The customer's id",
      example: "cus_0a1b2c3d4e5f6g7h8i9j",
    }),
});

export const CoordinatesSchema = z
  .object({ lat: z.number().min(-90).max(90), lng: z.number().min(-180).max(180) })
  .openapi("Coordinates");

export const CustomerSchema = z
  .object({
    id: z.string(),
    user_id: z.string().nullable(),
    full_name: z.string(),
    account_number: z
      .string()
      .nullable()
      .openapi({ description: "The operator's account (subscriber) number, unique" }),
    phone: z.string().nullable(),
    email: z.string().nullable(),
    whatsapp: z
      .string()
      .nullable()
      .openapi({ description: "WhatsApp number, when it differs from the phone or WhatsApp is wanted" }),
    message_channels: z.array(z.enum(CUSTOMER_CHANNELS)).openapi({
      description:
        "Channels the customer agreed to receive visit messages on (confirmations, reminders, technician on the way). Each needs its address: phone for sms, email, whatsapp (or the phone).",
    }),
    national_id: z.string().nullable().optional().openapi({ description: "Only for callers who manage customers" }),
    address: z.string(),
    coordinates: CoordinatesSchema.nullable(),
    service_area: z.string().nullable(),
    service_package: z
      .string()
      .nullable()
      .openapi({ description: "Free-text package name (older records); `offer_id` names the catalogue offer" }),
    offer_id: z
      .string()
      .nullable()
      .openapi({ description: "The catalogue offer the customer subscribes to (GET /v1/offers/{id})" }),
    language: z.enum(CUSTOMER_LANGUAGES).nullable().openapi({
      description:
        "The language the customer reads their messages and visit page in; null: the visit page follows the browser, messages the deployment's language",
    }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Customer");

const fields = {
  full_name: z.string().trim().min(1).max(120),
  account_number: z
    .string()
    .trim()
    .min(1)
    .max(40)
    .regex(/^[A-Za-z0-9._\/-]+$/, "Letters, digits and . _ / - only")
    .openapi({ example: "ACC-100234" }),
  phone: z.string().trim().min(6).max(32),
  email: z
    .string()
    .trim()
    .toLowerCase()
    .max(254)
    .pipe(z.email())
    .openapi({ format: "email", example: "kgosi@example.com" }),
  whatsapp: z.string().trim().min(6).max(32),
  message_channels: z.array(z.enum(CUSTOMER_CHANNELS)).max(3).openapi({
    description:
      "Channels the customer agreed to receive visit messages on; SMS only when not given, none for an empty list",
  }),
  national_id: z.string().trim().min(1).max(40),
  address: z.string().trim().max(300),
  coordinates: CoordinatesSchema,
  service_area: z.string().trim().min(1).max(80),
  service_package: z.string().trim().min(1).max(80),
  offer_id: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .openapi({ description: "An offer on sale, by id or code", example: "ofr_0a1b2c3d4e5f6g7h8i9j" }),
  language: z.enum(CUSTOMER_LANGUAGES),
  user_id: z.string().max(64),
};

export const CustomerCreateSchema = z
  .strictObject({
    full_name: fields.full_name,
    account_number: fields.account_number.optional(),
    phone: fields.phone,
    email: fields.email.optional(),
    whatsapp: fields.whatsapp.optional(),
    message_channels: fields.message_channels.optional(),
    national_id: fields.national_id.optional(),
    address: fields.address.default(""),
    coordinates: fields.coordinates.optional(),
    service_area: fields.service_area.optional(),
    service_package: fields.service_package.optional(),
    offer_id: fields.offer_id.optional(),
    language: fields.language.optional(),
    user_id: fields.user_id.optional().openapi({ description: "Link an existing customer login" }),
  })
  .openapi("CustomerCreate");

export const CustomerUpdateSchema = z
  .strictObject({
    full_name: fields.full_name.optional(),
    account_number: fields.account_number.nullable().optional(),
    phone: fields.phone.nullable().optional(),
    email: fields.email.nullable().optional(),
    whatsapp: fields.whatsapp.nullable().optional(),
    message_channels: fields.message_channels.optional(),
    national_id: fields.national_id.nullable().optional(),
    address: fields.address.optional(),
    coordinates: fields.coordinates.nullable().optional(),
    service_area: fields.service_area.nullable().optional(),
    service_package: fields.service_package.nullable().optional(),
    offer_id: fields.offer_id.nullable().optional(),
    language: fields.language.nullable().optional(),
    user_id: fields.user_id.nullable().optional(),
  })
  .openapi("CustomerUpdate");

export const CustomerListQuery = z.strictObject({
  limit: limitParam,
  cursor: cursorParam,
  q: searchParam(
    "name and email (a phone number in any format, or a national id for those who may see it, matches exactly)",
  ),
  service_area: z
    .string()
    .max(80)
    .optional()
    .openapi({
      param: { name: "service_area", in: "query" },
      description: "Only customers in this service area (exact, any case)",
    }),
  region_id: z
    .string()
    .max(64)
    .optional()
    .openapi({
      param: { name: "region_id", in: "query" },
      description: "Only customers whose service area is one of this region's localities",
    }),
  locality_id: z
    .string()
    .max(64)
    .optional()
    .openapi({
      param: { name: "locality_id", in: "query" },
      description: "Only customers whose service area is this locality's",
    }),
  account_number: z
    .string()
    .max(40)
    .optional()
    .openapi({ param: { name: "account_number", in: "query" }, description: "Exactly this account number" }),
  created_from: dateOrInstant("created_from", "Registered at or after"),
  created_to: dateOrInstant("created_to", "Registered at or before"),
});

export const CustomerPageSchema = pageSchema(CustomerSchema, "CustomerPage");
