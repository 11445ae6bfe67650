import { detachCompanyMembersStatement } from "../users";
import { and, eq, isNull, sql } from "drizzle-orm";
import { containsText } from "../../lib/search";
import { companies, users } from "../../db/schema";
import type { UserContext } from "../../lib/context";
import { newId, nowIso } from "../../lib/ids";
import { keyset } from "../../lib/pagination";
import { AppError } from "../../lib/problem";
import { normalisePhone } from "../../lib/phone";

type CompanyRow = typeof companies.$inferSelect;

function toResponse(row: CompanyRow, technicianCount: number) {
  return {
    id: row.id,
    name: row.name,
    registration_number: row.registrationNumber,
    contact_email: row.contactEmail,
    contact_phone: row.contactPhone,
    technician_count: technicianCount,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

async function countMembers(ctx: UserContext, ids: string[]): Promise<Map<string, number>> {
  if (!ids.length) return new Map();
  const rows = await ctx.db
    .select({ companyId: users.companyId, n: sql<number>`count(*)` })
    .from(users)
    .where(and(sql`${users.companyId} IN ${ids}`, isNull(users.deletedAt)))
    .groupBy(users.companyId);
  return new Map(rows.map((r) => [r.companyId!, r.n]));
}

export async function findCompany(ctx: UserContext, id: string): Promise<CompanyRow> {
  const row = await ctx.db.query.companies.findFirst({ where: and(eq(companies.id, id), isNull(companies.deletedAt)) });
  if (!row) throw new AppError("not_found", "No such company.");
  return row;
}

async function assertNameFree(ctx: UserContext, name: string, exceptId?: string) {
  const clash = await ctx.db.query.companies.findFirst({ where: eq(companies.name, name), columns: { id: true } });
  if (clash && clash.id !== exceptId)
    throw new AppError("conflict", "A company with this name exists.", {
      errors: [{ path: "name", message: "Already exists" }],
    });
}

export async function listCompanies(ctx: UserContext, query: { limit: number; cursor?: string; q?: string }) {
  const page = keyset({ order: "name", column: companies.name, idColumn: companies.id, cursor: query.cursor });
  const rows = await ctx.db
    .select()
    .from(companies)
    .where(and(isNull(companies.deletedAt), page.where, containsText([companies.name], query.q)))
    .orderBy(...page.orderBy)
    .limit(query.limit + 1);
  const result = page.page(rows, query.limit, (r) => r.name);
  const counts = await countMembers(
    ctx,
    result.data.map((r) => r.id),
  );
  return {
    data: result.data.map((r) => toResponse(r, counts.get(r.id) ?? 0)),
    next_cursor: result.next_cursor,
    has_more: result.next_cursor !== null,
  };
}

export async function getCompany(ctx: UserContext, id: string) {
  const row = await findCompany(ctx, id);
  return toResponse(row, (await countMembers(ctx, [id])).get(id) ?? 0);
}

export async function createCompany(
  ctx: UserContext,
  input: { name: string; registration_number?: string; contact_email?: string; contact_phone?: string },
) {
  await assertNameFree(ctx, input.name);
  const now = nowIso();
  const row: CompanyRow = {
    id: newId("cmp"),
    name: input.name,
    registrationNumber: input.registration_number ?? null,
    contactEmail: input.contact_email ?? null,
    contactPhone: normalisePhone(ctx, input.contact_phone, "contact_phone") ?? null,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
  };
  await ctx.db.insert(companies).values(row);
  return toResponse(row, 0);
}

export async function updateCompany(
  ctx: UserContext,
  id: string,
  input: { name?: string; registration_number?: string; contact_email?: string; contact_phone?: string },
) {
  await findCompany(ctx, id);
  if (input.name) await assertNameFree(ctx, input.name, id);
  const patch: Partial<CompanyRow> = { updatedAt: nowIso() };
  if (input.name !== undefined) patch.name = input.name;
  if (input.registration_number !== undefined) patch.registrationNumber = input.registration_number;
  if (input.contact_email !== undefined) patch.contactEmail = input.contact_email;
  if (input.contact_phone !== undefined)
    patch.contactPhone = normalisePhone(ctx, input.contact_phone, "contact_phone") ?? null;
  await ctx.db.update(companies).set(patch).where(eq(companies.id, id));
  return getCompany(ctx, id);
}

/** Soft delete; members are detached so no user points at a deleted company. */
export async function deleteCompany(ctx: UserContext, id: string) {
  await findCompany(ctx, id);
  const now = nowIso();
  await ctx.db.batch([
    ctx.db.update(companies).set({ deletedAt: now, updatedAt: now }).where(eq(companies.id, id)),
    detachCompanyMembersStatement(ctx, id),
  ]);
}
