import { detachCompanyMembersStatement } from "../users";
import { and, eq, isNull, sql, type SQL } from "drizzle-orm";
import { mapReads, reads, rowAndClash, type Reads } from "../../lib/d1";
import { containsText } from "../../lib/search";
import { companies } from "../../db/schema";
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

/** A company's members, counted in the same query that reads it. */
const memberCount = sql<number>`(SELECT count(*) FROM users u WHERE u.company_id = "companies"."id" AND u.deleted_at IS NULL)`;

export async function findCompany(ctx: UserContext, id: string): Promise<CompanyRow> {
  const row = await ctx.db.query.companies.findFirst({ where: and(eq(companies.id, id), isNull(companies.deletedAt)) });
  if (!row) throw new AppError("not_found", "No such company.");
  return row;
}

/** A company that is not deleted (undefined when there is none), by id or by a subquery naming it, for a caller's batch. */
export function companyReads(ctx: UserContext, id: string | SQL): Reads<CompanyRow | undefined> {
  return mapReads(
    reads(
      ctx.db
        .select()
        .from(companies)
        .where(and(eq(companies.id, id), isNull(companies.deletedAt)))
        .limit(1),
    ),
    ([row]) => row,
  );
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
    .select({ company: companies, members: memberCount })
    .from(companies)
    .where(and(isNull(companies.deletedAt), page.where, containsText([companies.name], query.q)))
    .orderBy(...page.orderBy)
    .limit(query.limit + 1);
  const result = page.page(
    rows.map((r) => ({ ...r, id: r.company.id })),
    query.limit,
    (r) => r.company.name,
  );
  return {
    data: result.data.map((r) => toResponse(r.company, r.members)),
    next_cursor: result.next_cursor,
    has_more: result.next_cursor !== null,
  };
}

export async function getCompany(ctx: UserContext, id: string) {
  const [row] = await ctx.db
    .select({ company: companies, members: memberCount })
    .from(companies)
    .where(and(eq(companies.id, id), isNull(companies.deletedAt)))
    .limit(1);
  if (!row) throw new AppError("not_found", "No such company.");
  return toResponse(row.company, row.members);
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
  // The company and a clash of its new name in one batch; the change and its answer in another.
  const { found, holder } = await rowAndClash(
    ctx.db,
    companies,
    companies.id,
    and(eq(companies.id, id), isNull(companies.deletedAt)),
    input.name ? eq(companies.name, input.name) : undefined,
  );
  if (!found) throw new AppError("not_found", "No such company.");
  if (holder && holder !== id)
    throw new AppError("conflict", "A company with this name exists.", {
      errors: [{ path: "name", message: "Already exists" }],
    });
  const patch: Partial<CompanyRow> = { updatedAt: nowIso() };
  if (input.name !== undefined) patch.name = input.name;
  if (input.registration_number !== undefined) patch.registrationNumber = input.registration_number;
  if (input.contact_email !== undefined) patch.contactEmail = input.contact_email;
  if (input.contact_phone !== undefined)
    patch.contactPhone = normalisePhone(ctx, input.contact_phone, "contact_phone") ?? null;
  const [, [row]] = await ctx.db.batch([
    ctx.db.update(companies).set(patch).where(eq(companies.id, id)),
    ctx.db
      .select({ company: companies, members: memberCount })
      .from(companies)
      .where(and(eq(companies.id, id), isNull(companies.deletedAt)))
      .limit(1),
  ]);
  if (!row) throw new AppError("not_found", "No such company.");
  return toResponse(row.company, row.members);
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
