import { z } from "@hono/zod-openapi";
import { TICKET_KINDS, TICKET_PRIORITIES, TICKET_STATUSES } from "../../db/schema";
import { cursorParam, limitParam } from "../../lib/pagination";

export const BucketIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({
      param: { name: "id", in: "path" },
      description: "The bucket's id",
      example: "bkt_0a1b2c3d4e5f6g7h8i9j",
    }),
});

export const BucketFiltersSchema = z
  .strictObject({
    status: z.array(z.enum(TICKET_STATUSES)).max(10).optional(),
    priority: z.array(z.enum(TICKET_PRIORITIES)).max(10).optional(),
    kind: z.array(z.enum(TICKET_KINDS)).max(10).optional(),
    technician_id: z.string().max(64).optional(),
    customer_id: z.string().max(64).optional(),
  })
  .openapi("BucketFilters");

export const BucketSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    filters: BucketFiltersSchema,
    refreshed_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Bucket");

export const BucketCreateSchema = z
  .strictObject({ name: z.string().trim().min(1).max(80), filters: BucketFiltersSchema.default({}) })
  .openapi("BucketCreate");
export const BucketUpdateSchema = z
  .strictObject({ name: z.string().trim().min(1).max(80).optional(), filters: BucketFiltersSchema.optional() })
  .openapi("BucketUpdate");
export const BucketListSchema = z.object({ data: z.array(BucketSchema) }).openapi("BucketList");
export const BucketRefreshQuery = z.strictObject({ limit: limitParam, cursor: cursorParam });
