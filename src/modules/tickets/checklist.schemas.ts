import { z } from "@hono/zod-openapi";

export const ChecklistItemSchema = z
  .object({
    id: z.string().openapi({ description: "The item's key (from the job template)", example: "light-level" }),
    position: z.number().int(),
    label: z.string(),
    required: z.boolean().openapi({ description: "Completion is refused while it is open" }),
    photo_required: z.boolean(),
    value_required: z.boolean(),
    done: z.boolean(),
    value: z.string().nullable().openapi({ example: "-19.4 dBm" }),
    upload_id: z.string().nullable().openapi({ description: "The photo, when one was given" }),
    done_by: z.string().nullable(),
    done_at: z.string().nullable(),
  })
  .openapi("ChecklistItem");

export const ChecklistSchema = z
  .object({
    ticket_id: z.string(),
    template_id: z.string().nullable(),
    items: z.array(ChecklistItemSchema),
    open_required: z
      .array(z.string())
      .openapi({ description: "Keys of the required items still open: completion is refused until this is empty" }),
  })
  .openapi("TicketChecklist");

export const ChecklistItemParams = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, description: "The ticket", example: "tkt_0a1b2c3d4e5f6g7h8i9j" }),
  item: z
    .string()
    .min(1)
    .max(40)
    .openapi({
      param: { name: "item", in: "path" },
      description: "The checklist item's key (its `id` in the checklist)",
      example: "light-level",
    }),
});

export const ChecklistItemUpdateSchema = z
  .strictObject({
    done: z
      .boolean()
      .openapi({ description: "true ticks the item; false opens it again (its value and photo are kept)" }),
    value: z.string().trim().min(1).max(500).nullable().optional().openapi({ example: "-19.4 dBm" }),
    upload_id: z
      .string()
      .min(1)
      .max(64)
      .nullable()
      .optional()
      .openapi({ description: "A photo the caller uploaded (POST /v1/uploads), or one already on this ticket" }),
  })
  .openapi("ChecklistItemUpdate");
