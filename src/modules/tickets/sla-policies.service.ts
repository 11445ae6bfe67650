import type { z } from "@hono/zod-openapi";
import { and, eq, isNull } from "drizzle-orm";
import { calendars, customers, slaPolicies, type SlaTargets } from "../../db/schema";
import { commitAudited } from "../../lib/change-batch";
import type { UserContext } from "../../lib/context";
import { bumpSlaRevision } from "../../lib/counters";
import { newId, nowIso } from "../../lib/ids";
import { keyset } from "../../lib/pagination";
import { AppError } from "../../lib/problem";
import { armSlaTimer } from "../../lib/sla-timer";
import type { SlaPolicyCreateSchema, SlaPolicyUpdateSchema } from "./sla-policies.schemas";

type PolicyRow = typeof slaPolicies.$inferSelect;

export function toSlaPolicyResponse(r: PolicyRow) {
  return {
    id: r.id,
    name: r.name,
    kinds: r.kinds?.length ? r.kinds : null,
    service_category: r.serviceCategory,
    customer_id: r.customerId,
    calendar_id: r.calendarId,
    targets: r.targets as Record<string, { response_minutes: number; resolution_minutes: number }>,
    warning_percent: r.warningPercent,
    enabled: r.enabled,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}

async function findPolicy(ctx: UserContext, id: string) {
  const row = await ctx.db.query.slaPolicies.findFirst({ where: eq(slaPolicies.id, id) });
  if (!row) throw new AppError("not_found", "No such SLA policy.");
  return row;
}

/** The customer and calendar a policy names must exist (both are read in one round trip). */
async function assertReferences(ctx: UserContext, input: { customer_id?: string | null; calendar_id?: string | null }) {
  if (!input.customer_id && !input.calendar_id) return;
  const [customer, calendar] = await ctx.db.batch([
    ctx.db
      .select({ id: customers.id })
      .from(customers)
      .where(and(eq(customers.id, input.customer_id ?? ""), isNull(customers.deletedAt))),
    ctx.db
      .select({ id: calendars.id })
      .from(calendars)
      .where(eq(calendars.id, input.calendar_id ?? "")),
  ]);
  const errors = [
    ...(input.customer_id && !customer.length ? [{ path: "customer_id", message: "No such customer" }] : []),
    ...(input.calendar_id && !calendar.length ? [{ path: "calendar_id", message: "No such calendar" }] : []),
  ];
  if (errors.length) throw new AppError("validation_failed", errors.map((e) => e.message).join("; "), { errors });
}

/** Open tickets are recomputed by the SLA timer, woken now (the 5-minute cron finds them too if it is not). */
function recomputeSoon(ctx: UserContext) {
  ctx.waitUntil(armSlaTimer(ctx.env, Date.now()).catch(() => undefined));
}

export async function listSlaPolicies(
  ctx: UserContext,
  query: { limit: number; cursor?: string; calendar_id?: string },
) {
  const page = keyset({ order: "name", column: slaPolicies.name, idColumn: slaPolicies.id, cursor: query.cursor });
  const rows = await ctx.db
    .select()
    .from(slaPolicies)
    .where(and(query.calendar_id ? eq(slaPolicies.calendarId, query.calendar_id) : undefined, page.where))
    .orderBy(...page.orderBy)
    .limit(query.limit + 1);
  const result = page.page(rows, query.limit, (r) => r.name);
  return {
    data: result.data.map(toSlaPolicyResponse),
    next_cursor: result.next_cursor,
    has_more: result.next_cursor !== null,
  };
}

export async function getSlaPolicy(ctx: UserContext, id: string) {
  return toSlaPolicyResponse(await findPolicy(ctx, id));
}

const targetsOf = (t: z.output<typeof SlaPolicyCreateSchema>["targets"]): SlaTargets =>
  Object.fromEntries(Object.entries(t).filter(([, v]) => v));

export async function createSlaPolicy(ctx: UserContext, input: z.output<typeof SlaPolicyCreateSchema>) {
  await assertReferences(ctx, input);
  const now = nowIso();
  const row: PolicyRow = {
    id: newId("slap"),
    name: input.name,
    kinds: input.kinds?.length ? [...new Set(input.kinds)] : null,
    serviceCategory: input.service_category ?? null,
    customerId: input.customer_id ?? null,
    calendarId: input.calendar_id ?? null,
    targets: targetsOf(input.targets),
    warningPercent: input.warning_percent ?? 80,
    enabled: input.enabled ?? true,
    createdAt: now,
    updatedAt: now,
  };
  await commitAudited(ctx, [ctx.db.insert(slaPolicies).values(row), bumpSlaRevision(ctx.env.DB)], {
    action: "sla_policy.created",
    targetType: "sla_policy",
    targetId: row.id,
    after: toSlaPolicyResponse(row),
  });
  recomputeSoon(ctx);
  return toSlaPolicyResponse(row);
}

export async function updateSlaPolicy(ctx: UserContext, id: string, input: z.output<typeof SlaPolicyUpdateSchema>) {
  const before = await findPolicy(ctx, id);
  await assertReferences(ctx, input);
  const set: Partial<PolicyRow> = { updatedAt: nowIso() };
  if (input.name !== undefined) set.name = input.name;
  if (input.targets !== undefined) set.targets = targetsOf(input.targets);
  if (input.kinds !== undefined) set.kinds = input.kinds?.length ? [...new Set(input.kinds)] : null;
  if (input.service_category !== undefined) set.serviceCategory = input.service_category;
  if (input.customer_id !== undefined) set.customerId = input.customer_id;
  if (input.calendar_id !== undefined) set.calendarId = input.calendar_id;
  if (input.warning_percent !== undefined) set.warningPercent = input.warning_percent;
  if (input.enabled !== undefined) set.enabled = input.enabled;
  await commitAudited(
    ctx,
    [ctx.db.update(slaPolicies).set(set).where(eq(slaPolicies.id, id)), bumpSlaRevision(ctx.env.DB)],
    {
      action: "sla_policy.updated",
      targetType: "sla_policy",
      targetId: id,
      before: toSlaPolicyResponse(before),
      after: set,
    },
  );
  recomputeSoon(ctx);
  return toSlaPolicyResponse({ ...before, ...set });
}

export async function deleteSlaPolicy(ctx: UserContext, id: string) {
  const before = await findPolicy(ctx, id);
  await commitAudited(ctx, [ctx.db.delete(slaPolicies).where(eq(slaPolicies.id, id)), bumpSlaRevision(ctx.env.DB)], {
    action: "sla_policy.deleted",
    targetType: "sla_policy",
    targetId: id,
    before: toSlaPolicyResponse(before),
  });
  recomputeSoon(ctx);
}
