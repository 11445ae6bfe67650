import { z } from "@hono/zod-openapi";
import { searchParam } from "../../lib/search";
import { cursorParam, limitParam, pageSchema } from "../../lib/pagination";

export const CompanyIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({
      param: { name: "id", in: "path" },
      description: "The company's id",
      example: "cmp_0a1b2c3d4e5f6g7h8i9j",
    }),
});

export const CompanySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    registration_number: z.string().nullable(),
    contact_email: z.string().nullable(),
    contact_phone: z.string().nullable(),
    technician_count: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Company");

export const CompanyCreateSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(120),
    registration_number: z.string().trim().max(60).optional(),
    contact_email: z
      .string()
      .trim()
      .toLowerCase()
      .max(254)
      .pipe(z.email())
      .openapi({ format: "email", example: "ops@contractor.example" })
      .optional(),
    contact_phone: z.string().trim().min(6).max(32).optional(),
  })
  .openapi("CompanyCreate");

export const CompanyUpdateSchema = CompanyCreateSchema.partial().openapi("CompanyUpdate");

export const CompanyListQuery = z.strictObject({
  limit: limitParam,
  cursor: cursorParam,
  q: searchParam("company names"),
});

export const CompanyPageSchema = pageSchema(CompanySchema, "CompanyPage");
