import type { z } from "@hono/zod-openapi";
import { and, asc, eq, gt, gte, isNull, lt, lte, ne, type SQL, sql } from "drizzle-orm";
import { assets, customers, serviceContracts, tickets } from "../../db/schema";
import { commitAudited, commitChange } from "../../lib/change-batch";
import type { ServiceContext, UserContext } from "../../lib/context";
import { inList } from "../../lib/d1";
import { newId, nowIso } from "../../lib/ids";
import { keyset } from "../../lib/pagination";
import { AppError } from "../../lib/problem";
import { addDays, addMonths, todayIn } from "../../lib/time";
import { visibleCustomers } from "../access";
import type { CONTRACT_STATES, ContractCreateSchema, ContractUpdateSchema } from "./contracts.schemas";

export type ContractRow = typeof serviceContracts.$inferSelect;
type ContractState = (typeof CONTRACT_STATES)[number];

export function stateOf(r: Pick<ContractRow, "status" | "startsOn" | "endsOn">, today: string): ContractState {
  if (r.status === "cancelled") return "cancelled";
  if (r.startsOn > today) return "upcoming";
  return r.endsOn < today ? "ended" : "active";
}

export function toContractResponse(r: ContractRow, today: string) {
  return {
    id: r.id,
    name: r.name,
    customer_id: r.customerId,
    asset_ids: r.assetIds,
    starts_on: r.startsOn,
    ends_on: r.endsOn,
    visits_per_period: r.visitsPerPeriod,
    period_months: r.periodMonths,
    charge: r.charge,
    renewal: r.renewal,
    term_months: r.termMonths,
    reminder_days: r.reminderDays,
    renewals: r.renewals,
    status: stateOf(r, today),
    reminded_for: r.remindedFor,
    notes: r.notes,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}

/** The period (of `periodMonths`, counted from the start) a date falls in: first and last day. */
export function periodOf(startsOn: string, periodMonths: number, date: string) {
  const months = (+date.slice(0, 4) - +startsOn.slice(0, 4)) * 12 + (+date.slice(5, 7) - +startsOn.slice(5, 7));
  let k = Math.max(0, Math.floor(months / periodMonths));
  while (k > 0 && addMonths(startsOn, k * periodMonths) > date) k--;
  while (addMonths(startsOn, (k + 1) * periodMonths) <= date) k++;
  return { from: addMonths(startsOn, k * periodMonths), to: addDays(addMonths(startsOn, (k + 1) * periodMonths), -1) };
}

/** The end of the term after one ending on `endsOn`. */
export const nextTermEnd = (endsOn: string, termMonths: number) =>
  addDays(addMonths(addDays(endsOn, 1), termMonths), -1);

const invalid = (path: string, message: string): never => {
  throw new AppError("validation_failed", `${message}.`, { errors: [{ path, message }] });
};

async function findContract(ctx: UserContext, id: string) {
  const row = await ctx.db.query.serviceContracts.findFirst({
    where: and(eq(serviceContracts.id, id), await visibleCustomers(ctx, serviceContracts.customerId)),
  });
  if (!row) throw new AppError("not_found", "No such service contract.");
  return row;
}

/** The cards among `ids` that are the customer's (and not deleted). */
const cardsQuery = (ctx: ServiceContext, customerId: string, ids: string[]) =>
  ctx.db
    .select({ id: assets.id })
    .from(assets)
    .where(and(inList(assets.id, ids), eq(assets.customerId, customerId), isNull(assets.deletedAt)));

/** Every card named must be one of them. */
function assertCards(ids: string[] | null | undefined, found: { id: string }[]) {
  if (!ids?.length) return;
  const known = new Set(found.map((r) => r.id));
  const missing = ids.findIndex((a) => !known.has(a));
  if (missing >= 0) invalid(`asset_ids.${missing}`, "No such service card for this customer");
}

export async function listServiceContracts(
  ctx: UserContext,
  query: { customer_id?: string; asset_id?: string; status?: ContractState; limit: number; cursor?: string },
) {
  const today = todayIn(ctx.settings.timeZone);
  const page = keyset({
    order: "-created_at",
    column: serviceContracts.createdAt,
    idColumn: serviceContracts.id,
    cursor: query.cursor,
  });
  const filters: (SQL | undefined)[] = [page.where, await visibleCustomers(ctx, serviceContracts.customerId)];
  if (query.customer_id) filters.push(eq(serviceContracts.customerId, query.customer_id));
  if (query.asset_id)
    filters.push(
      sql`(${serviceContracts.assetIds} IS NULL AND ${serviceContracts.customerId} = (SELECT customer_id FROM assets WHERE id = ${query.asset_id})
        OR EXISTS (SELECT 1 FROM json_each(${serviceContracts.assetIds}) WHERE value = ${query.asset_id}))`,
    );
  const live = eq(serviceContracts.status, "active");
  if (query.status === "cancelled") filters.push(eq(serviceContracts.status, "cancelled"));
  if (query.status === "upcoming") filters.push(live, gt(serviceContracts.startsOn, today));
  if (query.status === "ended") filters.push(live, lt(serviceContracts.endsOn, today));
  if (query.status === "active")
    filters.push(live, lte(serviceContracts.startsOn, today), gte(serviceContracts.endsOn, today));
  const rows = await ctx.db
    .select()
    .from(serviceContracts)
    .where(and(...filters))
    .orderBy(...page.orderBy)
    .limit(query.limit + 1);
  const result = page.page(rows, query.limit, (r) => r.createdAt);
  return {
    data: result.data.map((r) => toContractResponse(r, today)),
    next_cursor: result.next_cursor,
    has_more: result.next_cursor !== null,
  };
}

export async function getServiceContract(ctx: UserContext, id: string) {
  const today = todayIn(ctx.settings.timeZone);
  // The contract and its bookings per day over the last period's length, in one round trip.
  const [rows, days] = await ctx.db.batch([
    ctx.db
      .select()
      .from(serviceContracts)
      .where(and(eq(serviceContracts.id, id), await visibleCustomers(ctx, serviceContracts.customerId))),
    ctx.db
      .select({ day: sql<string>`substr(${tickets.preferredAt}, 1, 10)`, n: sql<number>`count(*)` })
      .from(tickets)
      .where(
        and(
          eq(tickets.contractId, id),
          ne(tickets.status, "cancelled"),
          sql`${tickets.preferredAt} >= date(${today}, '-' || (SELECT period_months FROM service_contracts WHERE id = ${id}) || ' months', '-1 day')`,
        ),
      )
      .groupBy(sql`substr(${tickets.preferredAt}, 1, 10)`),
  ]);
  const row = rows[0];
  if (!row) throw new AppError("not_found", "No such service contract.");
  const out = toContractResponse(row, today);
  if (out.status !== "active") return { ...out, current_period: null };
  const period = periodOf(row.startsOn, row.periodMonths, today);
  const used = days.filter((d) => d.day >= period.from && d.day <= period.to).reduce((sum, d) => sum + d.n, 0);
  return {
    ...out,
    current_period: {
      ...period,
      visits_used: used,
      visits_left: row.visitsPerPeriod === null ? null : Math.max(0, row.visitsPerPeriod - used),
    },
  };
}

/** Bookings (not cancelled) that used the contract's visits in a period. */
async function contractVisitsUsed(
  ctx: ServiceContext,
  id: string,
  period: { from: string; to: string },
  exceptTicketId?: string,
) {
  const [row] = await ctx.db
    .select({ n: sql<number>`count(*)` })
    .from(tickets)
    .where(
      and(
        eq(tickets.contractId, id),
        gte(tickets.preferredAt, period.from),
        lt(tickets.preferredAt, addDays(period.to, 1)),
        ne(tickets.status, "cancelled"),
        exceptTicketId ? ne(tickets.id, exceptTicketId) : undefined,
      ),
    );
  return row?.n ?? 0;
}

export async function createServiceContract(ctx: UserContext, input: z.output<typeof ContractCreateSchema>) {
  // The customer (as the caller sees them) and the cards named, in one round trip.
  const [found, cards] = await ctx.db.batch([
    ctx.db
      .select({ id: customers.id })
      .from(customers)
      .where(and(eq(customers.id, input.customer_id), isNull(customers.deletedAt), await visibleCustomers(ctx))),
    cardsQuery(ctx, input.customer_id, input.asset_ids ?? []),
  ]);
  if (!found[0]) invalid("customer_id", "No such customer");
  assertCards(input.asset_ids, cards);
  const now = nowIso();
  const row: ContractRow = {
    id: newId("sct"),
    name: input.name,
    customerId: input.customer_id,
    assetIds: input.asset_ids?.length ? [...new Set(input.asset_ids)] : null,
    startsOn: input.starts_on,
    endsOn: input.ends_on,
    visitsPerPeriod: input.visits_per_period ?? null,
    periodMonths: input.period_months,
    charge: input.charge,
    renewal: input.renewal,
    termMonths: input.term_months,
    reminderDays: input.reminder_days,
    remindedFor: null,
    renewals: 0,
    status: "active",
    notes: input.notes ?? null,
    createdBy: ctx.actor.userId,
    createdAt: now,
    updatedAt: now,
  };
  const today = todayIn(ctx.settings.timeZone);
  await commitAudited(ctx, [ctx.db.insert(serviceContracts).values(row)], {
    action: "service_contract.created",
    targetType: "service_contract",
    targetId: row.id,
    after: toContractResponse(row, today),
  });
  return toContractResponse(row, today);
}

/** A conditional contract write (on the version read) and its audit entry, in one batch. */
async function commitContract(
  ctx: UserContext,
  before: ContractRow,
  next: ContractRow,
  action: string,
  extra: Record<string, unknown> = {},
) {
  const today = todayIn(ctx.settings.timeZone);
  const { won } = await commitChange(
    ctx,
    {
      statements: [
        ctx.env.DB.prepare(
          `UPDATE service_contracts SET name = ?1, ends_on = ?2, asset_ids = ?3, visits_per_period = ?4, charge = ?5, renewal = ?6,
             term_months = ?7, reminder_days = ?8, notes = ?9, status = ?10, renewals = ?11, updated_at = ?12
           WHERE id = ?13 AND updated_at = ?14`,
        ).bind(
          next.name,
          next.endsOn,
          next.assetIds ? JSON.stringify(next.assetIds) : null,
          next.visitsPerPeriod,
          next.charge,
          next.renewal,
          next.termMonths,
          next.reminderDays,
          next.notes,
          next.status,
          next.renewals,
          next.updatedAt,
          next.id,
          before.updatedAt,
        ),
      ],
      guard: {
        sql: "EXISTS (SELECT 1 FROM service_contracts WHERE id = ? AND updated_at = ?)",
        params: [next.id, next.updatedAt],
      },
      audit: [
        {
          action,
          targetType: "service_contract",
          targetId: next.id,
          before: toContractResponse(before, today),
          after: { ...toContractResponse(next, today), ...extra },
        },
      ],
    },
    (results) => Boolean(results[0]?.meta.changes),
  );
  if (!won) throw new AppError("conflict", "The contract changed meanwhile; read it again.");
  return toContractResponse(next, today);
}

/** A timestamp later than `previous` (two writes in one millisecond still differ). */
const laterThan = (previous: string) => {
  const now = nowIso();
  return now > previous ? now : new Date(Date.parse(previous) + 1).toISOString();
};

export async function updateServiceContract(
  ctx: UserContext,
  id: string,
  input: z.output<typeof ContractUpdateSchema>,
) {
  const before = await findContract(ctx, id);
  if (before.status === "cancelled") throw new AppError("invalid_transition", "The contract is cancelled.");
  if (input.ends_on && input.ends_on < before.startsOn) invalid("ends_on", "Must not be before starts_on");
  if (input.asset_ids?.length) assertCards(input.asset_ids, await cardsQuery(ctx, before.customerId, input.asset_ids));
  const next: ContractRow = {
    ...before,
    name: input.name ?? before.name,
    endsOn: input.ends_on ?? before.endsOn,
    assetIds:
      input.asset_ids !== undefined ? (input.asset_ids ? [...new Set(input.asset_ids)] : null) : before.assetIds,
    visitsPerPeriod: input.visits_per_period !== undefined ? input.visits_per_period : before.visitsPerPeriod,
    charge: input.charge ?? before.charge,
    renewal: input.renewal ?? before.renewal,
    termMonths: input.term_months ?? before.termMonths,
    reminderDays: input.reminder_days ?? before.reminderDays,
    notes: input.notes !== undefined ? input.notes : before.notes,
    updatedAt: laterThan(before.updatedAt),
  };
  return commitContract(ctx, before, next, "service_contract.updated");
}

export async function cancelServiceContract(ctx: UserContext, id: string, reason: string) {
  const before = await findContract(ctx, id);
  if (before.status === "cancelled") throw new AppError("invalid_transition", "The contract is cancelled already.");
  const next: ContractRow = {
    ...before,
    status: "cancelled",
    notes: [before.notes, `Cancelled: ${reason}`].filter(Boolean).join("\n"),
    updatedAt: laterThan(before.updatedAt),
  };
  return commitContract(ctx, before, next, "service_contract.cancelled", { reason });
}

/** Staff renew a contract by hand: one more term after its end (ended contracts too). */
export async function renewServiceContract(ctx: UserContext, id: string) {
  const before = await findContract(ctx, id);
  if (before.status === "cancelled") throw new AppError("invalid_transition", "A cancelled contract is not renewed.");
  const next: ContractRow = {
    ...before,
    endsOn: nextTermEnd(before.endsOn, before.termMonths),
    renewals: before.renewals + 1,
    updatedAt: laterThan(before.updatedAt),
  };
  return commitContract(ctx, before, next, "service_contract.renewed");
}

/** The report: contracts (not cancelled) ending in a month, soonest first, with the customer's name. */
export async function listContractsEnding(ctx: UserContext, query: { month?: string; limit: number; cursor?: string }) {
  const today = todayIn(ctx.settings.timeZone);
  const month = query.month ?? addMonths(`${today.slice(0, 7)}-01`, 1).slice(0, 7);
  const page = keyset({
    order: "ends_on",
    column: serviceContracts.endsOn,
    idColumn: serviceContracts.id,
    cursor: query.cursor,
  });
  const rows = await ctx.db
    .select({ contract: serviceContracts, customerName: customers.fullName })
    .from(serviceContracts)
    .leftJoin(customers, eq(customers.id, serviceContracts.customerId))
    .where(
      and(
        page.where,
        eq(serviceContracts.status, "active"),
        gte(serviceContracts.endsOn, `${month}-01`),
        lte(serviceContracts.endsOn, `${month}-31`),
        await visibleCustomers(ctx, serviceContracts.customerId),
      ),
    )
    .orderBy(...page.orderBy)
    .limit(query.limit + 1);
  const result = page.page(
    rows.map((r) => ({ ...r, id: r.contract.id })),
    query.limit,
    (r) => r.contract.endsOn,
  );
  return {
    month,
    data: result.data.map((r) => ({
      ...toContractResponse(r.contract, today),
      customer_name: r.customerName,
      will_renew: r.contract.renewal === "auto",
    })),
    next_cursor: result.next_cursor,
    has_more: result.next_cursor !== null,
  };
}

/**
 * The contract that covers a booking of a service card on a date (PM-2): in force that day, and
 * naming the card or covering all the customer's cards — one naming the card wins, then the oldest.
 * With the period the date falls in, so the caller can count the visits used.
 */
export async function coveringContract(
  ctx: ServiceContext,
  card: { customerId: string; assetId: string },
  date: string,
) {
  const rows = await ctx.db
    .select()
    .from(serviceContracts)
    .where(
      and(
        eq(serviceContracts.customerId, card.customerId),
        eq(serviceContracts.status, "active"),
        gte(serviceContracts.endsOn, date),
        lte(serviceContracts.startsOn, date),
      ),
    )
    .orderBy(asc(serviceContracts.createdAt));
  const covering = rows.filter((r) => !r.assetIds || r.assetIds.includes(card.assetId));
  const chosen = covering.find((r) => r.assetIds) ?? covering[0];
  if (!chosen) return null;
  return { contract: chosen, period: periodOf(chosen.startsOn, chosen.periodMonths, date) };
}

/**
 * Free or paid for a booking on a date, when a contract covers the card: the contract's charge
 * while the period has included visits left (the booking then uses one), else paid. Null when no
 * contract covers it (the warranty rule decides). `exceptTicketId`: a booking being moved does not
 * count against itself.
 */
export async function contractCharge(
  ctx: ServiceContext,
  card: { customerId: string; assetId: string },
  date: string,
  exceptTicketId?: string,
): Promise<{ serviceType: "free" | "paid"; contractId: string | null } | null> {
  const cover = await coveringContract(ctx, card, date);
  if (!cover) return null;
  const { contract, period } = cover;
  if (contract.visitsPerPeriod === null) return { serviceType: contract.charge, contractId: contract.id };
  const used = await contractVisitsUsed(ctx, contract.id, period, exceptTicketId);
  return used < contract.visitsPerPeriod
    ? { serviceType: contract.charge, contractId: contract.id }
    : { serviceType: "paid", contractId: null };
}
