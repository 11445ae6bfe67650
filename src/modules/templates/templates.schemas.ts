import { z } from "@hono/zod-openapi";
import { SERVICE_CATEGORIES, TICKET_KINDS } from "../../db/schema";
import { cursorParam, limitParam, pageSchema } from "../../lib/pagination";

const ChecklistItemInput = z
  .strictObject({
    id: z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, "Lower-case letters, digits, - and _ (up to 40)")
      .optional()
      .openapi({ description: "A stable key for the item; default from its position", example: "light-level" }),
    label: z.string().trim().min(1).max(200).openapi({ example: "Measure the ONT's receive light level" }),
    required: z.boolean().default(true).openapi({ description: "Completion is refused while it is open" }),
    photo_required: z.boolean().default(false).openapi({ description: "Ticking it needs a photo (an upload)" }),
    value_required: z
      .boolean()
      .default(false)
      .openapi({ description: "Ticking it needs a value (a reading, a serial number)" }),
  })
  .openapi("ChecklistTemplateItemInput");

const ChecklistItemSchema = z
  .object({
    id: z.string(),
    label: z.string(),
    required: z.boolean(),
    photo_required: z.boolean(),
    value_required: z.boolean(),
  })
  .openapi("ChecklistTemplateItem");

const PartSchema = z
  .strictObject({
    item_id: z.string().min(1).max(64).openapi({ example: "itm_0a1b2c3d4e5f6g7h8i9j" }),
    quantity: z.number().int().min(1).max(10_000).openapi({ example: 1 }),
  })
  .openapi("TemplatePart");

const skills = z.array(z.string().trim().toLowerCase().min(1).max(40)).max(20);

const checklist = z
  .array(ChecklistItemInput)
  .max(50)
  .refine(
    (items) => {
      const ids = items.map((item, i) => item.id ?? `item-${i + 1}`);
      return new Set(ids).size === ids.length;
    },
    { message: "Two checklist items share an id" },
  );

export const TemplateCreateSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(120).openapi({ example: "Fibre installation" }),
    description: z.string().trim().max(2000).default(""),
    kind: z.enum(TICKET_KINDS).openapi({ description: "The kind of ticket raised from it", example: "installation" }),
    service_category: z.enum(SERVICE_CATEGORIES).nullable().default(null),
    estimated_minutes: z.number().int().min(5).max(600).nullable().default(null).openapi({ example: 90 }),
    required_skills: skills.default([]).openapi({ example: ["fibre"] }),
    parts: z.array(PartSchema).max(50).default([]).openapi({ description: "Parts the job is expected to use" }),
    checklist: checklist.default([]),
  })
  .openapi("JobTemplateCreate");

export const TemplateUpdateSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(120).optional(),
    description: z.string().trim().max(2000).optional(),
    kind: z.enum(TICKET_KINDS).optional(),
    service_category: z.enum(SERVICE_CATEGORIES).nullable().optional(),
    estimated_minutes: z.number().int().min(5).max(600).nullable().optional(),
    required_skills: skills.optional(),
    parts: z.array(PartSchema).max(50).optional(),
    checklist: checklist.optional(),
    active: z.boolean().optional().openapi({ description: "false retires it: no new tickets from it" }),
  })
  .openapi("JobTemplateUpdate", { description: "Changes apply to tickets raised afterwards; tickets keep their copy" });

export const TemplateSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    kind: z.enum(TICKET_KINDS),
    service_category: z.enum(SERVICE_CATEGORIES).nullable(),
    estimated_minutes: z.number().int().nullable(),
    required_skills: z.array(z.string()),
    parts: z.array(z.object({ item_id: z.string(), quantity: z.number().int() })),
    checklist: z.array(ChecklistItemSchema),
    active: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("JobTemplate");

export const TemplatePageSchema = pageSchema(TemplateSchema, "JobTemplatePage");

export const TemplateIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({
      param: { name: "id", in: "path" },
      description: "The job template",
      example: "tpl_0a1b2c3d4e5f6g7h8i9j",
    }),
});

export const TemplateListQuery = z.strictObject({
  kind: z
    .enum(TICKET_KINDS)
    .optional()
    .openapi({ param: { name: "kind", in: "query" }, description: "Only templates of this kind" }),
  active: z
    .enum(["true", "false"])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === "true"))
    .openapi({ param: { name: "active", in: "query" }, description: "true: in use; false: retired" }),
  limit: limitParam,
  cursor: cursorParam,
});
