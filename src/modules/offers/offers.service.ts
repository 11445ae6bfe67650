import { and, eq, or, sql, type SQL } from "drizzle-orm";
import type { z } from "@hono/zod-openapi";
import { offers } from "../../db/schema";
import { commitAudited } from "../../lib/change-batch";
import type { ServiceContext, UserContext } from "../../lib/context";
import { inList } from "../../lib/d1";
import { newId, nowIso } from "../../lib/ids";
import { keyset } from "../../lib/pagination";
import { AppError } from "../../lib/problem";
import { containsText } from "../../lib/search";
import type { OfferCreateSchema, OfferUpdateSchema } from "./offers.schemas";

type OfferRow = typeof offers.$inferSelect;

function toOffer(row: OfferRow, customerCount: number) {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    service: row.service,
    description: row.description,
    download_mbps: row.downloadMbps,
    upload_mbps: row.uploadMbps,
    monthly_price:
      row.monthlyPriceMinor !== null && row.currency
        ? { amount_minor: row.monthlyPriceMinor, currency: row.currency }
        : null,
    active: row.active,
    customer_count: customerCount,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

/** Each offer with how many customers hold it, in the same query (customers_offer_idx). */
function offersWithCounts(ctx: ServiceContext) {
  return ctx.db
    .select({
      row: offers,
      customers: sql<number>`(SELECT count(*) FROM customers c WHERE c.offer_id = "offers"."id" AND c.deleted_at IS NULL)`,
    })
    .from(offers);
}

/** By id or by the operator's code (the seed looked offers up by its own key). */
async function findOffer(ctx: ServiceContext, idOrCode: string) {
  const [found] = await offersWithCounts(ctx)
    .where(or(eq(offers.id, idOrCode), eq(offers.code, idOrCode)))
    .limit(1);
  if (!found) throw new AppError("not_found", "No such offer.");
  return found;
}

async function assertCodeFree(ctx: ServiceContext, code: string, exceptId?: string) {
  const clash = await ctx.db.query.offers.findFirst({ where: eq(offers.code, code), columns: { id: true } });
  if (clash && clash.id !== exceptId)
    throw new AppError("conflict", "Another offer has this code.", {
      errors: [{ path: "code", message: "Already in use" }],
    });
}

export async function listOffers(
  ctx: UserContext,
  query: { limit: number; cursor?: string; q?: string; service?: OfferRow["service"]; active?: boolean },
) {
  const page = keyset({ order: "name", column: offers.name, idColumn: offers.id, cursor: query.cursor });
  const filters: (SQL | undefined)[] = [page.where, containsText([offers.name, offers.code], query.q)];
  if (query.service) filters.push(eq(offers.service, query.service));
  if (query.active !== undefined) filters.push(eq(offers.active, query.active));
  const rows = await offersWithCounts(ctx)
    .where(and(...filters))
    .orderBy(...page.orderBy)
    .limit(query.limit + 1);
  const result = page.page(
    rows.map((r) => ({ ...r.row, customers: r.customers })),
    query.limit,
    (r) => r.name,
  );
  return {
    data: result.data.map((r) => toOffer(r, r.customers)),
    next_cursor: result.next_cursor,
    has_more: result.next_cursor !== null,
  };
}

export async function getOffer(ctx: UserContext, idOrCode: string) {
  const found = await findOffer(ctx, idOrCode);
  return toOffer(found.row, found.customers);
}

export async function createOffer(ctx: UserContext, input: z.output<typeof OfferCreateSchema>) {
  await assertCodeFree(ctx, input.code);
  const now = nowIso();
  const row: OfferRow = {
    id: newId("ofr"),
    code: input.code,
    name: input.name,
    service: input.service,
    description: input.description,
    downloadMbps: input.download_mbps ?? null,
    uploadMbps: input.upload_mbps ?? null,
    monthlyPriceMinor: input.monthly_price?.amount_minor ?? null,
    currency: input.monthly_price?.currency ?? null,
    active: input.active,
    createdAt: now,
    updatedAt: now,
  };
  await commitAudited(ctx, [ctx.db.insert(offers).values(row)], {
    action: "offer.created",
    targetType: "offer",
    targetId: row.id,
    after: toOffer(row, 0),
  });
  return toOffer(row, 0);
}

export async function updateOffer(ctx: UserContext, idOrCode: string, input: z.output<typeof OfferUpdateSchema>) {
  const { row: before, customers: count } = await findOffer(ctx, idOrCode);
  if (input.code && input.code !== before.code) await assertCodeFree(ctx, input.code, before.id);
  const set: Partial<OfferRow> = { updatedAt: nowIso() };
  if (input.code !== undefined) set.code = input.code;
  if (input.name !== undefined) set.name = input.name;
  if (input.service !== undefined) set.service = input.service;
  if (input.description !== undefined) set.description = input.description;
  if (input.download_mbps !== undefined) set.downloadMbps = input.download_mbps;
  if (input.upload_mbps !== undefined) set.uploadMbps = input.upload_mbps;
  if (input.monthly_price !== undefined) {
    set.monthlyPriceMinor = input.monthly_price?.amount_minor ?? null;
    set.currency = input.monthly_price?.currency ?? null;
  }
  if (input.active !== undefined) set.active = input.active;
  const after = { ...before, ...set };
  await commitAudited(ctx, [ctx.db.update(offers).set(set).where(eq(offers.id, before.id))], {
    action: "offer.updated",
    targetType: "offer",
    targetId: before.id,
    before: toOffer(before, count),
    after: toOffer(after, count),
  });
  return toOffer(after, count);
}

/**
 * The offer a customer is given (by id or code): it must exist and be on sale, unless the
 * customer holds it already (a retired offer stays with whoever has it).
 */
export async function offerForCustomer(
  ctx: ServiceContext,
  idOrCode: string,
  currentOfferId: string | null = null,
): Promise<{ id: string }> {
  const row = (await offersByReference(ctx, [idOrCode])).get(idOrCode);
  if (!row)
    throw new AppError("validation_failed", "offer_id names no offer in the catalogue.", {
      errors: [{ path: "offer_id", message: "No such offer" }],
    });
  if (!row.active && row.id !== currentOfferId)
    throw new AppError("validation_failed", `The offer ${row.code} is retired; choose one on sale.`, {
      errors: [{ path: "offer_id", message: "Retired offer" }],
    });
  return { id: row.id };
}

/** Offers named by id or code (an import's rows), by the name used. */
export async function offersByReference(ctx: ServiceContext, refs: string[]) {
  const out = new Map<string, { id: string; code: string; active: boolean }>();
  if (!refs.length) return out;
  const rows = await ctx.db
    .select({ id: offers.id, code: offers.code, active: offers.active })
    .from(offers)
    .where(or(inList(offers.id, refs), inList(offers.code, refs)));
  for (const row of rows) {
    out.set(row.id, row);
    out.set(row.code, row);
  }
  return out;
}
