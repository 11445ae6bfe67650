import { z } from "@hono/zod-openapi";

export const EraseSchema = z
  .strictObject({
    reason: z
      .string()
      .trim()
      .min(3)
      .max(300)
      .openapi({ description: "Why (kept in the audit log)", example: "Erasure request by email of 2027-01-04" }),
  })
  .openapi("CustomerErase");

export const ErasedSchema = z
  .object({
    customer_id: z.string(),
    erased_at: z.string(),
    tickets: z.number().int().openapi({ description: "Tickets kept, without the customer's details" }),
    uploads_deleted: z.number().int(),
    exports_deleted: z
      .number()
      .int()
      .openapi({ description: "Earlier data exports of the customer whose files were deleted" }),
  })
  .openapi("CustomerErased");
