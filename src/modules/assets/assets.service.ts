import { and, desc, eq, isNull, sql, type SQL } from "drizzle-orm";
import { visibleCustomers } from "../access";
import { containsText } from "../../lib/search";
import { assets, customers, tickets } from "../../db/schema";
import { commitAndRead, commitChange, statementOf } from "../../lib/change-batch";
import type { ServiceContext, UserContext } from "../../lib/context";
import { allReads, inList, known, mapReads, reads, runReads } from "../../lib/d1";
import { newId, nowIso } from "../../lib/ids";
import { keyset } from "../../lib/pagination";
import { AppError } from "../../lib/problem";
import { customerForUser, findCustomer } from "../customers";

export type AssetRow = typeof assets.$inferSelect;

export function isInWarranty(asset: Pick<AssetRow, "warrantyStart" | "warrantyEnd">, onDate: string): boolean {
  return Boolean(
    asset.warrantyStart && asset.warrantyEnd && asset.warrantyStart <= onDate && onDate <= asset.warrantyEnd,
  );
}

function toResponse(row: AssetRow) {
  return {
    id: row.id,
    customer_id: row.customerId,
    model: row.model,
    serial_number: row.serialNumber,
    card_type: row.cardType,
    installed_on: row.installedOn,
    warranty_start: row.warrantyStart,
    warranty_end: row.warrantyEnd,
    in_warranty: isInWarranty(row, new Date().toISOString().slice(0, 10)),
    address: row.address,
    city: row.city,
    postal_code: row.postalCode,
    region: row.region,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

/** Staff see the cards of the customers they may see; anyone else only those of their own customer record. */
async function assetScope(ctx: UserContext): Promise<SQL | undefined> {
  if (ctx.actor.permissions.has("customers:read")) return visibleCustomers(ctx, assets.customerId);
  return eq(assets.customerId, (await customerForUser(ctx, ctx.actor.userId)).id);
}

/** The card `id`, live and one the caller may see. */
async function visibleAsset(ctx: UserContext, id: string) {
  return and(eq(assets.id, id), isNull(assets.deletedAt), await assetScope(ctx));
}

/** A card the caller may see, or 404 — never 403, so existence is not revealed. */
export async function findVisibleAsset(ctx: UserContext, id: string): Promise<AssetRow> {
  const row = await ctx.db.query.assets.findFirst({ where: await visibleAsset(ctx, id) });
  if (!row) throw new AppError("not_found", "No such service card.");
  return row;
}

export async function listAssets(
  ctx: UserContext,
  query: {
    limit: number;
    cursor?: string;
    customer_id?: string;
    region?: string;
    card_type?: string;
    q?: string;
    region_id?: string;
    locality_id?: string;
  },
) {
  const page = keyset({ order: "-created_at", column: assets.createdAt, idColumn: assets.id, cursor: query.cursor });
  const filters: (SQL | undefined)[] = [isNull(assets.deletedAt), page.where, await assetScope(ctx)];
  if (query.customer_id) filters.push(eq(assets.customerId, query.customer_id));
  if (query.region) filters.push(eq(assets.region, query.region));
  if (query.card_type) filters.push(eq(assets.cardType, query.card_type));
  // A card is where its customer is: the customer's service area, as a locality names it.
  const areas = (where: SQL) =>
    sql`${assets.customerId} IN (SELECT id FROM customers WHERE lower(service_area) IN (SELECT service_area FROM localities WHERE ${where} AND deleted_at IS NULL))`;
  if (query.region_id) filters.push(areas(sql`region_id = ${query.region_id}`));
  if (query.locality_id) filters.push(areas(sql`id = ${query.locality_id}`));
  filters.push(containsText([assets.model, assets.serialNumber], query.q));
  const rows = await ctx.db
    .select()
    .from(assets)
    .where(and(...filters))
    .orderBy(...page.orderBy)
    .limit(query.limit + 1);
  const result = page.page(rows, query.limit, (r) => r.createdAt);
  return { data: result.data.map(toResponse), next_cursor: result.next_cursor, has_more: result.next_cursor !== null };
}

/** A service card with its service history: the card (as the caller may see it) and its tickets in one round trip. */
export async function getAsset(ctx: UserContext, id: string) {
  const { card, history } = await runReads(
    ctx.env.DB,
    allReads({
      card: reads(
        ctx.db
          .select()
          .from(assets)
          .where(await visibleAsset(ctx, id))
          .limit(1),
      ),
      history: reads(
        ctx.db
          .select({
            id: tickets.id,
            number: tickets.number,
            kind: tickets.kind,
            status: tickets.status,
            serviceType: tickets.serviceType,
            createdAt: tickets.createdAt,
            resolvedAt: tickets.resolvedAt,
          })
          .from(tickets)
          .where(eq(tickets.assetId, id))
          .orderBy(desc(tickets.createdAt))
          .limit(100),
      ),
    }),
  );
  const row = card[0];
  if (!row) throw new AppError("not_found", "No such service card.");
  return {
    ...toResponse(row),
    service_history: history.map((t) => ({
      ticket_id: t.id,
      number: t.number,
      kind: t.kind,
      status: t.status,
      service_type: t.serviceType,
      created_at: t.createdAt,
      resolved_at: t.resolvedAt,
    })),
  };
}

type AssetInput = Partial<{
  model: string;
  serial_number: string | null;
  card_type: string;
  installed_on: string | null;
  warranty_start: string | null;
  warranty_end: string | null;
  address: string;
  city: string | null;
  postal_code: string | null;
  region: string | null;
}>;

function patchFrom(input: AssetInput): Partial<AssetRow> {
  const map: [keyof AssetInput, keyof AssetRow][] = [
    ["model", "model"],
    ["serial_number", "serialNumber"],
    ["card_type", "cardType"],
    ["installed_on", "installedOn"],
    ["warranty_start", "warrantyStart"],
    ["warranty_end", "warrantyEnd"],
    ["address", "address"],
    ["city", "city"],
    ["postal_code", "postalCode"],
    ["region", "region"],
  ];
  const patch: Record<string, unknown> = {};
  for (const [from, to] of map) if (input[from] !== undefined) patch[to] = input[from];
  return patch as Partial<AssetRow>;
}

/** A new card of the customer's, from the fields given (staff's or the customer's own). */
async function insertCard(ctx: UserContext, customerId: string, input: AssetInput & { model: string }) {
  const now = nowIso();
  const row: AssetRow = {
    id: newId("ast"),
    customerId,
    model: input.model,
    serialNumber: null,
    cardType: "normal",
    installedOn: null,
    warrantyStart: null,
    warrantyEnd: null,
    address: "",
    city: null,
    postalCode: null,
    region: null,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
    ...patchFrom(input),
  };
  await ctx.db.insert(assets).values(row);
  return toResponse(row);
}

export async function createAsset(ctx: UserContext, input: AssetInput & { customer_id: string; model: string }) {
  await findCustomer(ctx, input.customer_id).catch(() => {
    throw new AppError("validation_failed", "Unknown customer.", {
      errors: [{ path: "customer_id", message: "No such customer" }],
    });
  });
  return insertCard(ctx, input.customer_id, input);
}

export async function updateAsset(ctx: UserContext, id: string, input: AssetInput) {
  const existing = await findVisibleAsset(ctx, id);
  const merged = {
    warrantyStart: input.warranty_start !== undefined ? input.warranty_start : existing.warrantyStart,
    warrantyEnd: input.warranty_end !== undefined ? input.warranty_end : existing.warrantyEnd,
  };
  if (merged.warrantyStart && merged.warrantyEnd && merged.warrantyStart > merged.warrantyEnd) {
    throw new AppError("validation_failed", "The warranty ends before it starts.", {
      errors: [{ path: "warranty_end", message: "Before warranty_start" }],
    });
  }
  return writeCard(ctx, id, input);
}

/** A card's own fields changed, answered as the change left it (read at the end of its batch). */
async function writeCard(ctx: UserContext, id: string, input: AssetInput) {
  const [row] = await commitAndRead(
    ctx,
    {
      statements: [
        statementOf(
          ctx.env.DB,
          ctx.db
            .update(assets)
            .set({ ...patchFrom(input), updatedAt: nowIso() })
            .where(eq(assets.id, id)),
        ),
      ],
      changed: [{ table: assets, id }],
    },
    ctx.db.select().from(assets).where(eq(assets.id, id)).limit(1),
  );
  if (!row) throw new AppError("not_found", "No such service card.");
  return toResponse(row);
}

export async function deleteAsset(ctx: UserContext, id: string) {
  await findVisibleAsset(ctx, id);
  const now = nowIso();
  await commitChange(ctx, {
    statements: [
      statementOf(ctx.env.DB, ctx.db.update(assets).set({ deletedAt: now, updatedAt: now }).where(eq(assets.id, id))),
    ],
    changed: [{ table: assets, id, op: "delete" }],
  });
}

/** Service cards by id for a technician's sync (the cards of their tickets); deleted ones are absent. */
export function assetsForSync(ctx: ServiceContext, ids: string[]) {
  if (!ids.length) return known([]);
  return mapReads(
    reads(
      ctx.db
        .select()
        .from(assets)
        .where(and(inList(assets.id, ids), isNull(assets.deletedAt))),
    ),
    (rows) => rows.map(toResponse),
  );
}

// ---- a customer's own cards (when the operator offers it) ----

async function ownCustomerId(ctx: UserContext): Promise<string> {
  if (!ctx.settings.customerCardSelfService)
    throw new AppError(
      "forbidden",
      "This operator registers service cards for you; contact them to add or change one.",
    );
  const own = await ctx.db.query.customers.findFirst({
    where: and(eq(customers.userId, ctx.actor.userId), isNull(customers.deletedAt)),
    columns: { id: true },
  });
  if (!own) throw new AppError("not_found", "There is no customer record for this account.");
  return own.id;
}

/** A customer registers a card of their own: the model, serial number, where it is; the operator sets its type and warranty. */
export async function registerOwnCard(ctx: UserContext, input: AssetInput & { model: string }) {
  const customerId = await ownCustomerId(ctx);
  return insertCard(ctx, customerId, input);
}

/** A customer corrects their own card's own fields; another customer's card is a 404. */
export async function updateOwnCard(ctx: UserContext, id: string, input: AssetInput) {
  const customerId = await ownCustomerId(ctx);
  const existing = await ctx.db.query.assets.findFirst({
    where: and(eq(assets.id, id), eq(assets.customerId, customerId), isNull(assets.deletedAt)),
    columns: { id: true },
  });
  if (!existing) throw new AppError("not_found", "No such service card.");
  return writeCard(ctx, id, input);
}
