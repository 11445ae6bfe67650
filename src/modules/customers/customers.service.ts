import { and, eq, isNull, or, sql, type SQL, gte, lte } from "drizzle-orm";
import { displayName } from "../../lib/names";
import { containsText } from "../../lib/search";
import { customers, users, type CustomerChannel } from "../../db/schema";
import { commitAndRead, commitChange, statementOf } from "../../lib/change-batch";
import { inList, known, mapReads, reads, type Reads } from "../../lib/d1";
import type { ServiceContext, UserContext } from "../../lib/context";
import { newId, nowIso } from "../../lib/ids";
import { keyset } from "../../lib/pagination";
import { AppError } from "../../lib/problem";
import { endOf, startOf } from "../../lib/query-dialect";
import { normalisePhone, toE164 } from "../../lib/phone";
import { seesNationalId, visibleCustomers } from "../access";
import { offerForCustomer } from "../offers";

export type CustomerRow = typeof customers.$inferSelect;

export function toCustomerResponse(row: CustomerRow, options: { nationalId: boolean } = { nationalId: true }) {
  return {
    id: row.id,
    user_id: row.userId,
    full_name: row.fullName,
    account_number: row.accountNumber,
    phone: row.phone,
    email: row.email,
    whatsapp: row.whatsapp,
    message_channels: row.messageChannels,
    ...(options.nationalId ? { national_id: row.nationalId } : {}),
    address: row.address,
    coordinates: row.lat !== null && row.lng !== null ? { lat: row.lat, lng: row.lng } : null,
    service_area: row.serviceArea,
    service_package: row.servicePackage,
    offer_id: row.offerId,
    language: row.language,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

export async function findCustomer(ctx: ServiceContext, id: string): Promise<CustomerRow> {
  const row = await ctx.db.query.customers.findFirst({ where: and(eq(customers.id, id), isNull(customers.deletedAt)) });
  if (!row) throw new AppError("not_found", "No such customer.");
  return row;
}

/** The customer record behind a customer login, created from the account on first need. */
export async function customerForUser(ctx: ServiceContext, userId: string): Promise<CustomerRow> {
  const existing = await ctx.db.query.customers.findFirst({ where: eq(customers.userId, userId) });
  if (existing) return existing;
  const user = await ctx.db.query.users.findFirst({ where: eq(users.id, userId) });
  if (!user) throw new AppError("not_found", "No such user.");
  const now = nowIso();
  const row: CustomerRow = {
    id: newId("cus"),
    userId,
    fullName: displayName(user.firstName, user.lastName, user.username),
    accountNumber: null,
    phone: user.phone,
    email: user.email || null,
    whatsapp: user.whatsapp,
    messageChannels: ["sms"],
    nationalId: null,
    address: user.address ?? "",
    lat: null,
    lng: null,
    serviceArea: user.region?.trim().toLowerCase().slice(0, 40) || null,
    servicePackage: null,
    offerId: null,
    language: null,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
  };
  await ctx.db.insert(customers).values(row).onConflictDoNothing();
  return (await ctx.db.query.customers.findFirst({ where: eq(customers.userId, userId) }))!;
}

async function assertLinkableUser(ctx: ServiceContext, userId: string, exceptCustomerId?: string) {
  const user = await ctx.db.query.users.findFirst({ where: and(eq(users.id, userId), isNull(users.deletedAt)) });
  if (!user || user.role !== "customer") {
    throw new AppError("validation_failed", "Only a customer login can be linked.", {
      errors: [{ path: "user_id", message: "Not a customer user" }],
    });
  }
  const linked = await ctx.db.query.customers.findFirst({ where: eq(customers.userId, userId), columns: { id: true } });
  if (linked && linked.id !== exceptCustomerId)
    throw new AppError("conflict", "That login is linked to another customer.", {
      errors: [{ path: "user_id", message: "Already linked" }],
    });
}

async function assertAccountNumberFree(ctx: ServiceContext, accountNumber: string, exceptCustomerId?: string) {
  const holder = await ctx.db.query.customers.findFirst({
    where: eq(customers.accountNumber, accountNumber),
    columns: { id: true },
  });
  if (holder && holder.id !== exceptCustomerId)
    throw new AppError("conflict", "Another customer has this account number.", {
      errors: [{ path: "account_number", message: "Already in use" }],
    });
}

/** A customer the caller may see, or 404: a caller who may not see it does not learn it exists. */
/** The customers the caller may see among these account numbers, by account number. */
export async function visibleCustomersByAccount(
  ctx: UserContext,
  accountNumbers: string[],
): Promise<Map<string, { id: string; fullName: string }>> {
  if (!accountNumbers.length) return new Map();
  const rows = await ctx.db
    .select({ id: customers.id, accountNumber: customers.accountNumber, fullName: customers.fullName })
    .from(customers)
    .where(
      and(inList(customers.accountNumber, accountNumbers), isNull(customers.deletedAt), await visibleCustomers(ctx)),
    );
  return new Map(rows.map((r) => [r.accountNumber!, { id: r.id, fullName: r.fullName }]));
}

/** A customer the caller may see (undefined when there is none), for a caller's batch. */
export async function visibleCustomerReads(ctx: UserContext, id: string): Promise<Reads<CustomerRow | undefined>> {
  return mapReads(
    reads(
      ctx.db
        .select()
        .from(customers)
        .where(and(eq(customers.id, id), isNull(customers.deletedAt), await visibleCustomers(ctx)))
        .limit(1),
    ),
    ([row]) => row,
  );
}

export async function findVisibleCustomer(ctx: UserContext, id: string): Promise<CustomerRow> {
  const row = await ctx.db.query.customers.findFirst({
    where: and(eq(customers.id, id), isNull(customers.deletedAt), await visibleCustomers(ctx)),
  });
  if (!row) throw new AppError("not_found", "No such customer.");
  return row;
}

export async function listCustomers(
  ctx: UserContext,
  query: {
    limit: number;
    cursor?: string;
    q?: string;
    service_area?: string;
    region_id?: string;
    locality_id?: string;
    account_number?: string;
    created_from?: string;
    created_to?: string;
  },
) {
  const page = keyset({
    order: "-created_at",
    column: customers.createdAt,
    idColumn: customers.id,
    cursor: query.cursor,
  });
  const filters: (SQL | undefined)[] = [isNull(customers.deletedAt), page.where, await visibleCustomers(ctx)];
  if (query.service_area) filters.push(eq(customers.serviceArea, query.service_area));
  // Regions and localities map onto the free-text service areas customers already carry.
  if (query.region_id)
    filters.push(
      sql`lower(${customers.serviceArea}) IN (SELECT service_area FROM localities WHERE region_id = ${query.region_id} AND deleted_at IS NULL)`,
    );
  if (query.locality_id)
    filters.push(
      sql`lower(${customers.serviceArea}) IN (SELECT service_area FROM localities WHERE id = ${query.locality_id} AND deleted_at IS NULL)`,
    );
  if (query.account_number) filters.push(eq(customers.accountNumber, query.account_number));
  if (query.created_from) filters.push(gte(customers.createdAt, startOf(query.created_from, ctx.settings.timeZone)));
  if (query.created_to) filters.push(lte(customers.createdAt, endOf(query.created_to, ctx.settings.timeZone)));
  const q = query.q?.trim();
  if (q) {
    const phone = toE164(q, ctx.settings.defaultPhoneRegion);
    filters.push(
      or(
        containsText([customers.fullName, customers.email], q),
        seesNationalId(ctx) ? eq(customers.nationalId, q) : undefined,
        phone ? eq(customers.phone, phone) : undefined,
      ),
    );
  }
  const rows = await ctx.db
    .select()
    .from(customers)
    .where(and(...filters))
    .orderBy(...page.orderBy)
    .limit(query.limit + 1);
  const result = page.page(rows, query.limit, (r) => r.createdAt);
  const nationalId = seesNationalId(ctx);
  return {
    data: result.data.map((r) => toCustomerResponse(r, { nationalId })),
    next_cursor: result.next_cursor,
    has_more: result.next_cursor !== null,
  };
}

type CustomerInput = {
  full_name?: string;
  account_number?: string | null;
  phone?: string | null;
  email?: string | null;
  whatsapp?: string | null;
  message_channels?: CustomerChannel[];
  national_id?: string | null;
  address?: string;
  coordinates?: { lat: number; lng: number } | null;
  service_area?: string | null;
  service_package?: string | null;
  offer_id?: string | null;
  language?: CustomerRow["language"];
  user_id?: string | null;
};

function patchFrom(ctx: ServiceContext, input: CustomerInput): Partial<CustomerRow> {
  const patch: Partial<CustomerRow> = {};
  if (input.full_name !== undefined) patch.fullName = input.full_name;
  if (input.account_number !== undefined) patch.accountNumber = input.account_number;
  if (input.phone !== undefined) patch.phone = normalisePhone(ctx, input.phone) ?? null;
  if (input.email !== undefined) patch.email = input.email;
  if (input.whatsapp !== undefined) patch.whatsapp = normalisePhone(ctx, input.whatsapp, "whatsapp") ?? null;
  if (input.message_channels !== undefined) patch.messageChannels = [...new Set(input.message_channels)];
  if (input.national_id !== undefined) patch.nationalId = input.national_id;
  if (input.address !== undefined) patch.address = input.address;
  if (input.coordinates !== undefined) {
    patch.lat = input.coordinates?.lat ?? null;
    patch.lng = input.coordinates?.lng ?? null;
  }
  if (input.service_area !== undefined) patch.serviceArea = input.service_area;
  if (input.service_package !== undefined) patch.servicePackage = input.service_package;
  if (input.language !== undefined) patch.language = input.language;
  if (input.user_id !== undefined) patch.userId = input.user_id;
  return patch;
}

export async function createCustomer(ctx: UserContext, input: CustomerInput & { full_name: string; phone: string }) {
  if (input.user_id) await assertLinkableUser(ctx, input.user_id);
  const offer = input.offer_id ? await offerForCustomer(ctx, input.offer_id) : null;
  if (input.account_number) await assertAccountNumberFree(ctx, input.account_number);
  const now = nowIso();
  const row: CustomerRow = {
    id: newId("cus"),
    userId: null,
    fullName: "",
    accountNumber: null,
    phone: null,
    email: null,
    whatsapp: null,
    messageChannels: ["sms"],
    nationalId: null,
    address: "",
    lat: null,
    lng: null,
    serviceArea: null,
    servicePackage: null,
    language: null,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
    ...patchFrom(ctx, input),
    offerId: offer?.id ?? null,
  };
  await ctx.db.insert(customers).values(row);
  return toCustomerResponse(row);
}

export async function getCustomer(ctx: UserContext, id: string) {
  return toCustomerResponse(await findVisibleCustomer(ctx, id), { nationalId: seesNationalId(ctx) });
}

export async function updateCustomer(ctx: UserContext, id: string, input: CustomerInput) {
  const current = await findCustomer(ctx, id);
  const offer = input.offer_id ? await offerForCustomer(ctx, input.offer_id, current.offerId) : null;
  if (input.user_id) await assertLinkableUser(ctx, input.user_id, id);
  if (input.account_number) await assertAccountNumberFree(ctx, input.account_number, id);
  // The answer is read at the end of the change's batch, as the caller may see it.
  const [row] = await commitAndRead(
    ctx,
    {
      statements: [
        statementOf(
          ctx.env.DB,
          ctx.db
            .update(customers)
            .set({
              ...patchFrom(ctx, input),
              ...(input.offer_id !== undefined ? { offerId: offer?.id ?? null } : {}),
              updatedAt: nowIso(),
            })
            .where(eq(customers.id, id)),
        ),
      ],
      changed: [{ table: customers, id }],
    },
    ctx.db
      .select()
      .from(customers)
      .where(and(eq(customers.id, id), isNull(customers.deletedAt), await visibleCustomers(ctx)))
      .limit(1),
  );
  if (!row) throw new AppError("not_found", "No such customer.");
  return toCustomerResponse(row, { nationalId: seesNationalId(ctx) });
}

/** The customer's own choice of language (from their visit page). */
export async function setCustomerLanguage(ctx: ServiceContext, id: string, language: CustomerRow["language"]) {
  await commitChange(ctx, {
    statements: [
      statementOf(
        ctx.env.DB,
        ctx.db
          .update(customers)
          .set({ language, updatedAt: nowIso() })
          .where(and(eq(customers.id, id), sql`${customers.language} IS NOT ${language}`)),
      ),
    ],
    changed: [{ table: customers, id }],
  });
}

export async function deleteCustomer(ctx: UserContext, id: string) {
  await findCustomer(ctx, id);
  const now = nowIso();
  await commitChange(ctx, {
    statements: [
      statementOf(
        ctx.env.DB,
        ctx.db.update(customers).set({ deletedAt: now, updatedAt: now }).where(eq(customers.id, id)),
      ),
    ],
    changed: [{ table: customers, id, op: "delete" }],
  });
}

/** Customers by id for a technician's sync (the customers of their tickets); deleted ones are absent. */
export function customersForSync(ctx: UserContext, ids: string[]) {
  if (!ids.length) return known([]);
  return mapReads(
    reads(
      ctx.db
        .select()
        .from(customers)
        .where(and(inList(customers.id, ids), isNull(customers.deletedAt))),
    ),
    (rows) => rows.map((row) => toCustomerResponse(row, { nationalId: seesNationalId(ctx) })),
  );
}
