import type { z } from "@hono/zod-openapi";
import { and, eq, type SQL } from "drizzle-orm";
import { type ChecklistTemplateItem, inventoryItems, jobTemplates } from "../../db/schema";
import { commitChange, statementOf } from "../../lib/change-batch";
import type { ServiceContext, UserContext } from "../../lib/context";
import { inList, known, mapReads, reads } from "../../lib/d1";
import { newId, nowIso } from "../../lib/ids";
import { keyset } from "../../lib/pagination";
import { AppError } from "../../lib/problem";
import type { TemplateCreateSchema, TemplateUpdateSchema } from "./templates.schemas";

type TemplateRow = typeof jobTemplates.$inferSelect;

export function toTemplateResponse(r: TemplateRow) {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    kind: r.kind as z.output<typeof TemplateCreateSchema>["kind"],
    service_category: r.serviceCategory as z.output<typeof TemplateCreateSchema>["service_category"],
    estimated_minutes: r.estimatedMinutes,
    required_skills: r.requiredSkills,
    parts: r.parts,
    checklist: r.checklist,
    active: r.active,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}

async function findTemplate(ctx: ServiceContext, id: string) {
  const row = await ctx.db.query.jobTemplates.findFirst({ where: eq(jobTemplates.id, id) });
  if (!row) throw new AppError("not_found", "No such job template.");
  return row;
}

/** Items get a stable key: the one given, else their position. */
const checklistOf = (items: z.output<typeof TemplateCreateSchema>["checklist"]): ChecklistTemplateItem[] =>
  items.map((item, i) => ({
    id: item.id ?? `item-${i + 1}`,
    label: item.label,
    required: item.required,
    photo_required: item.photo_required,
    value_required: item.value_required,
  }));

/** Every part names a stocked item. */
async function assertParts(ctx: ServiceContext, parts: { item_id: string }[] | undefined) {
  if (!parts?.length) return;
  const ids = [...new Set(parts.map((p) => p.item_id))];
  const known = new Set(
    (await ctx.db.select({ id: inventoryItems.id }).from(inventoryItems).where(inList(inventoryItems.id, ids))).map(
      (r) => r.id,
    ),
  );
  const missing = parts.findIndex((p) => !known.has(p.item_id));
  if (missing >= 0)
    throw new AppError("validation_failed", "A part names no stocked item.", {
      errors: [{ path: `parts.${missing}.item_id`, message: "No such item" }],
    });
}

/** A write that broke the unique name index is a 409 naming the field; anything else goes on as it was. */
function nameTaken(err: unknown) {
  return String((err as Error)?.message ?? err).includes("UNIQUE")
    ? new AppError("conflict", "A job template has this name.", {
        errors: [{ path: "name", message: "Already in use" }],
      })
    : err;
}

export async function listJobTemplates(
  ctx: UserContext,
  query: { kind?: string; active?: boolean; limit: number; cursor?: string },
) {
  const page = keyset({ order: "name", column: jobTemplates.name, idColumn: jobTemplates.id, cursor: query.cursor });
  const filters: (SQL | undefined)[] = [page.where];
  if (query.kind) filters.push(eq(jobTemplates.kind, query.kind));
  if (query.active !== undefined) filters.push(eq(jobTemplates.active, query.active));
  const rows = await ctx.db
    .select()
    .from(jobTemplates)
    .where(and(...filters))
    .orderBy(...page.orderBy)
    .limit(query.limit + 1);
  const result = page.page(rows, query.limit, (r) => r.name);
  return {
    data: result.data.map(toTemplateResponse),
    next_cursor: result.next_cursor,
    has_more: result.next_cursor !== null,
  };
}

export async function getJobTemplate(ctx: UserContext, id: string) {
  return toTemplateResponse(await findTemplate(ctx, id));
}

export async function createJobTemplate(ctx: UserContext, input: z.output<typeof TemplateCreateSchema>) {
  await assertParts(ctx, input.parts);
  const now = nowIso();
  const row: TemplateRow = {
    id: newId("tpl"),
    name: input.name,
    description: input.description,
    kind: input.kind,
    serviceCategory: input.service_category,
    estimatedMinutes: input.estimated_minutes,
    requiredSkills: [...new Set(input.required_skills)],
    parts: input.parts,
    checklist: checklistOf(input.checklist),
    active: true,
    createdAt: now,
    updatedAt: now,
  };
  // The unique name index decides a clash (no read first).
  await commitChange(ctx, {
    statements: [statementOf(ctx.env.DB, ctx.db.insert(jobTemplates).values(row))],
    changed: [{ table: jobTemplates, id: row.id }],
    audit: [
      { action: "job_template.created", targetType: "job_template", targetId: row.id, after: toTemplateResponse(row) },
    ],
  }).catch((err) => {
    throw nameTaken(err);
  });
  return toTemplateResponse(row);
}

export async function updateJobTemplate(ctx: UserContext, id: string, input: z.output<typeof TemplateUpdateSchema>) {
  const before = await findTemplate(ctx, id);
  await assertParts(ctx, input.parts);
  const set: Partial<TemplateRow> = { updatedAt: nowIso() };
  if (input.name !== undefined) set.name = input.name;
  if (input.description !== undefined) set.description = input.description;
  if (input.kind !== undefined) set.kind = input.kind;
  if (input.service_category !== undefined) set.serviceCategory = input.service_category;
  if (input.estimated_minutes !== undefined) set.estimatedMinutes = input.estimated_minutes;
  if (input.required_skills !== undefined) set.requiredSkills = [...new Set(input.required_skills)];
  if (input.parts !== undefined) set.parts = input.parts;
  if (input.checklist !== undefined) set.checklist = checklistOf(input.checklist);
  if (input.active !== undefined) set.active = input.active;
  // Phones that work a ticket of this template hear of the change (the change log's `p:` scope).
  await commitChange(ctx, {
    statements: [statementOf(ctx.env.DB, ctx.db.update(jobTemplates).set(set).where(eq(jobTemplates.id, id)))],
    changed: [{ table: jobTemplates, id }],
    audit: [
      {
        action: "job_template.updated",
        targetType: "job_template",
        targetId: id,
        before: toTemplateResponse(before),
        after: set,
      },
    ],
  }).catch((err) => {
    throw nameTaken(err);
  });
  return toTemplateResponse({ ...before, ...set });
}

/** The templates among `ids`, as the API shows them (for the technician's phone: the templates of their tickets). */
export function templatesForSync(ctx: ServiceContext, ids: string[]) {
  if (!ids.length) return known([]);
  return mapReads(reads(ctx.db.select().from(jobTemplates).where(inList(jobTemplates.id, ids))), (rows) =>
    rows.map(toTemplateResponse),
  );
}

/** The template a new ticket is raised from: it must exist and be in use (a 400 naming `template_id` otherwise). */
export async function templateForTicket(ctx: ServiceContext, id: string) {
  const row = await ctx.db.query.jobTemplates.findFirst({ where: eq(jobTemplates.id, id) });
  if (!row || !row.active)
    throw new AppError("validation_failed", "No such job template in use.", {
      errors: [{ path: "template_id", message: row ? "The template is retired" : "No such job template" }],
    });
  return toTemplateResponse(row);
}
