import { and, asc, count, desc, eq, gte, isNull, lt, lte, sql } from "drizzle-orm";
import { takeCounter } from "../../lib/counters";
import {
  cablePrices,
  copperIncidents,
  customers,
  incidentCustomers,
  tickets,
  type IncidentStatus,
} from "../../db/schema";
import type { ServiceContext, UserContext } from "../../lib/context";
import { chunkRows, inList } from "../../lib/d1";
import { newId, nowIso } from "../../lib/ids";
import { csvLines } from "../../lib/csv";
import { keyset } from "../../lib/pagination";
import { offsetMinutes } from "../../lib/time";
import { AppError } from "../../lib/problem";
import { endBefore, startOf } from "../../lib/query-dialect";
import { visibleCustomers } from "../access";
import { findVisibleCustomer } from "../customers";
import { createTicket } from "../tickets";
import { findLocality, findRegion } from "./regions.service";

type IncidentRow = typeof copperIncidents.$inferSelect;
type PriceRow = typeof cablePrices.$inferSelect;

// ---- the price list ----

/** Each cable type's price now, with its earlier prices. */
export async function listPrices(ctx: ServiceContext) {
  const rows = await ctx.db
    .select()
    .from(cablePrices)
    .orderBy(asc(cablePrices.cableType), desc(cablePrices.effectiveFrom));
  const now = nowIso();
  const byType = new Map<string, PriceRow[]>();
  for (const row of rows) byType.set(row.cableType, [...(byType.get(row.cableType) ?? []), row]);
  return {
    data: [...byType.entries()].flatMap(([type, versions]) => {
      const current = versions.find((v) => v.effectiveFrom <= now) ?? versions[versions.length - 1];
      return [
        {
          cable_type: type,
          price_per_metre: current.pricePerMetre,
          currency: current.currency,
          effective_from: current.effectiveFrom,
          history: versions
            .filter((v) => v !== current)
            .map((v) => ({ price_per_metre: v.pricePerMetre, currency: v.currency, effective_from: v.effectiveFrom })),
        },
      ];
    }),
  };
}

export async function getPrice(ctx: ServiceContext, cableType: string) {
  const price = (await listPrices(ctx)).data.find((p) => p.cable_type === cableType);
  if (!price) throw new AppError("not_found", "No price for this cable type.");
  return price;
}

/** A new price from a date (now by default): earlier incidents keep the price of the day they were reported. */
export async function setPrice(
  ctx: UserContext,
  cableType: string,
  input: { price_per_metre: number; currency: string; effective_from?: string },
) {
  const effectiveFrom = input.effective_from ? new Date(input.effective_from).toISOString() : nowIso();
  await ctx.db
    .insert(cablePrices)
    .values({
      id: newId("cbl"),
      cableType,
      pricePerMetre: input.price_per_metre,
      currency: input.currency,
      effectiveFrom,
      createdBy: ctx.actor.userId,
      createdAt: nowIso(),
    })
    .onConflictDoUpdate({
      target: [cablePrices.cableType, cablePrices.effectiveFrom],
      set: { pricePerMetre: input.price_per_metre, currency: input.currency },
    });
  return getPrice(ctx, cableType);
}

/** The price of a cable type in force at an instant. */
async function priceAt(ctx: ServiceContext, cableType: string, at: string): Promise<PriceRow> {
  const row = await ctx.db.query.cablePrices.findFirst({
    where: and(eq(cablePrices.cableType, cableType), lte(cablePrices.effectiveFrom, at)),
    orderBy: desc(cablePrices.effectiveFrom),
  });
  if (!row)
    throw new AppError("validation_failed", "This cable type has no price: add it to the price list first.", {
      errors: [{ path: "cable_type", message: "No price in force" }],
    });
  return row;
}

// ---- incidents ----

function toIncident(r: IncidentRow, affected: number) {
  return {
    id: r.id,
    number: r.number,
    region_id: r.regionId,
    locality_id: r.localityId,
    location: r.lat !== null && r.lng !== null ? { lat: r.lat, lng: r.lng } : null,
    description: r.description,
    discovered_at: r.discoveredAt,
    reported_at: r.reportedAt,
    cable_type: r.cableType,
    metres_stolen: r.metresStolen,
    police_case_number: r.policeCaseNumber,
    status: r.status,
    price_per_metre: r.pricePerMetre,
    currency: r.currency,
    estimated_cost: r.estimatedCost,
    affected_customers: affected,
    created_by: r.createdBy,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}

const cost = (metres: number, pricePerMetre: number) => Math.round(metres * pricePerMetre);

async function affectedCounts(ctx: ServiceContext, ids: string[]) {
  if (!ids.length) return new Map<string, number>();
  const rows = await ctx.db
    .select({ id: incidentCustomers.incidentId, n: count() })
    .from(incidentCustomers)
    .where(inList(incidentCustomers.incidentId, ids))
    .groupBy(incidentCustomers.incidentId);
  return new Map(rows.map((r) => [r.id, r.n]));
}

export async function findIncident(ctx: ServiceContext, id: string): Promise<IncidentRow> {
  const row = await ctx.db.query.copperIncidents.findFirst({
    where: and(eq(copperIncidents.id, id), isNull(copperIncidents.deletedAt)),
  });
  if (!row) throw new AppError("not_found", "No such incident.");
  return row;
}

async function checkPlace(ctx: ServiceContext, regionId: string, localityId: string | null | undefined) {
  if (!localityId) return;
  const locality = await findLocality(ctx, localityId);
  if (locality.regionId !== regionId)
    throw new AppError("validation_failed", "The locality is in another region.", {
      errors: [{ path: "locality_id", message: "Not in this region" }],
    });
}

export async function createIncident(
  ctx: UserContext,
  input: {
    region_id: string;
    locality_id?: string;
    location?: { lat: number; lng: number };
    description?: string;
    discovered_at: string;
    cable_type: string;
    metres_stolen: number;
    police_case_number?: string;
  },
) {
  await findRegion(ctx, input.region_id);
  await checkPlace(ctx, input.region_id, input.locality_id);
  const now = nowIso();
  const discoveredAt = new Date(input.discovered_at).toISOString();
  if (discoveredAt > now)
    throw new AppError("validation_failed", "An incident is discovered before it is reported.", {
      errors: [{ path: "discovered_at", message: "In the future" }],
    });
  const price = await priceAt(ctx, input.cable_type, now);
  const counter = { value: await takeCounter(ctx.env.DB, "copper_incident_number", { first: 1 }) };
  const row: IncidentRow = {
    id: newId("cti"),
    number: `CT-${String(counter.value).padStart(6, "0")}`,
    regionId: input.region_id,
    localityId: input.locality_id ?? null,
    lat: input.location?.lat ?? null,
    lng: input.location?.lng ?? null,
    description: input.description ?? "",
    discoveredAt,
    reportedAt: now,
    cableType: input.cable_type,
    metresStolen: input.metres_stolen,
    policeCaseNumber: input.police_case_number ?? null,
    status: "reported",
    pricePerMetre: price.pricePerMetre,
    currency: price.currency,
    estimatedCost: cost(input.metres_stolen, price.pricePerMetre),
    createdBy: ctx.actor.userId,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
  };
  await ctx.db.insert(copperIncidents).values(row);
  return toIncident(row, 0);
}

export async function getIncident(ctx: ServiceContext, id: string) {
  const row = await findIncident(ctx, id);
  return toIncident(row, (await affectedCounts(ctx, [id])).get(id) ?? 0);
}

export async function listIncidents(
  ctx: ServiceContext,
  query: {
    limit: number;
    cursor?: string;
    region_id?: string;
    locality_id?: string;
    status?: IncidentStatus;
    reported_from?: string;
    reported_to?: string;
  },
) {
  const page = keyset({
    order: "-reported_at",
    column: copperIncidents.reportedAt,
    idColumn: copperIncidents.id,
    cursor: query.cursor,
  });
  const rows = await ctx.db
    .select()
    .from(copperIncidents)
    .where(
      and(
        isNull(copperIncidents.deletedAt),
        page.where,
        query.region_id ? eq(copperIncidents.regionId, query.region_id) : undefined,
        query.locality_id ? eq(copperIncidents.localityId, query.locality_id) : undefined,
        query.status ? eq(copperIncidents.status, query.status) : undefined,
        query.reported_from
          ? gte(copperIncidents.reportedAt, startOf(query.reported_from, ctx.settings.timeZone))
          : undefined,
        query.reported_to
          ? lt(copperIncidents.reportedAt, endBefore(query.reported_to, ctx.settings.timeZone))
          : undefined,
      ),
    )
    .orderBy(...page.orderBy)
    .limit(query.limit + 1);
  const result = page.page(rows, query.limit, (r) => r.reportedAt);
  const counts = await affectedCounts(
    ctx,
    result.data.map((r) => r.id),
  );
  return {
    data: result.data.map((r) => toIncident(r, counts.get(r.id) ?? 0)),
    next_cursor: result.next_cursor,
    has_more: result.next_cursor !== null,
  };
}

/** The workflow only moves forward; a closed incident is final. */
const NEXT: Record<IncidentStatus, IncidentStatus[]> = {
  reported: ["under_investigation", "repaired", "closed"],
  under_investigation: ["repaired", "closed"],
  repaired: ["closed"],
  closed: [],
};

export async function updateIncident(
  ctx: UserContext,
  id: string,
  input: {
    locality_id?: string | null;
    location?: { lat: number; lng: number } | null;
    description?: string;
    metres_stolen?: number;
    police_case_number?: string | null;
    status?: IncidentStatus;
  },
) {
  const row = await findIncident(ctx, id);
  if (row.status === "closed") throw new AppError("invalid_transition", "A closed incident cannot change.");
  if (input.status && input.status !== row.status && !NEXT[row.status].includes(input.status)) {
    throw new AppError("invalid_transition", `An incident goes from ${row.status} to ${NEXT[row.status].join(", ")}.`, {
      errors: [{ path: "status", message: "Not a next step" }],
    });
  }
  if (input.locality_id) await checkPlace(ctx, row.regionId, input.locality_id);
  const metres = input.metres_stolen ?? row.metresStolen;
  const set: Partial<IncidentRow> = {
    ...(input.locality_id !== undefined ? { localityId: input.locality_id } : {}),
    ...(input.location !== undefined ? { lat: input.location?.lat ?? null, lng: input.location?.lng ?? null } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.police_case_number !== undefined ? { policeCaseNumber: input.police_case_number } : {}),
    ...(input.status ? { status: input.status } : {}),
    // The price stays the one in force when the incident was reported.
    metresStolen: metres,
    estimatedCost: cost(metres, row.pricePerMetre),
    updatedAt: nowIso(),
  };
  // Guarded on the status read: a concurrent move is a 409, not a silent overwrite.
  const updated = await ctx.db
    .update(copperIncidents)
    .set(set)
    .where(and(eq(copperIncidents.id, id), eq(copperIncidents.status, row.status)))
    .returning({ id: copperIncidents.id });
  if (!updated.length) throw new AppError("conflict", "The incident changed meanwhile; read it again.");
  return getIncident(ctx, id);
}

export async function deleteIncident(ctx: UserContext, id: string) {
  await findIncident(ctx, id);
  const now = nowIso();
  await ctx.db.update(copperIncidents).set({ deletedAt: now, updatedAt: now }).where(eq(copperIncidents.id, id));
}

// ---- affected customers ----

type AffectedRow = typeof incidentCustomers.$inferSelect;

async function presentAffected(ctx: ServiceContext, rows: AffectedRow[]) {
  if (!rows.length) return [];
  const people = await ctx.db
    .select({ id: customers.id, name: customers.fullName, account: customers.accountNumber })
    .from(customers)
    .where(
      inList(
        customers.id,
        rows.map((r) => r.customerId),
      ),
    );
  const byId = new Map(people.map((p) => [p.id, p]));
  return rows.map((r) => ({
    id: r.id,
    incident_id: r.incidentId,
    customer_id: r.customerId,
    customer_name: byId.get(r.customerId)?.name ?? "",
    account_number: byId.get(r.customerId)?.account ?? null,
    service: r.service,
    notes: r.notes,
    restoration_ticket_id: r.restorationTicketId,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  }));
}

/** Adds one or many; a customer already listed is counted, not added twice. */
export async function addAffected(
  ctx: UserContext,
  incidentId: string,
  entries: { customer_id: string; service?: string; notes?: string }[],
) {
  await findIncident(ctx, incidentId);
  const ids = [...new Set(entries.map((e) => e.customer_id))];
  // Customers named in the body are scoped like customers anywhere: one the caller cannot see does not exist.
  const known = await ctx.db
    .select({ id: customers.id })
    .from(customers)
    .where(and(inList(customers.id, ids), isNull(customers.deletedAt), await visibleCustomers(ctx)));
  const missing = ids.filter((id) => !known.some((k) => k.id === id));
  if (missing.length) {
    throw new AppError("validation_failed", "Some customers do not exist.", {
      errors: missing.slice(0, 20).map((id) => ({
        path: `customers[${entries.findIndex((e) => e.customer_id === id)}].customer_id`,
        message: "No such customer",
      })),
    });
  }
  const now = nowIso();
  const rows = entries
    .filter((e, i) => entries.findIndex((x) => x.customer_id === e.customer_id) === i)
    .map((e) => ({
      id: newId("icu"),
      incidentId,
      customerId: e.customer_id,
      service: e.service ?? null,
      notes: e.notes ?? null,
      restorationTicketId: null,
      createdAt: now,
      updatedAt: now,
    }));
  let added = 0;
  for (const chunk of chunkRows(rows, 8)) {
    const inserted = await ctx.db
      .insert(incidentCustomers)
      .values(chunk)
      .onConflictDoNothing()
      .returning({ id: incidentCustomers.id });
    added += inserted.length;
  }
  return { added, already_listed: rows.length - added };
}

export async function listAffected(ctx: ServiceContext, incidentId: string, query: { limit: number; cursor?: string }) {
  await findIncident(ctx, incidentId);
  const page = keyset({
    order: "created_at",
    column: incidentCustomers.createdAt,
    idColumn: incidentCustomers.id,
    cursor: query.cursor,
  });
  const rows = await ctx.db
    .select()
    .from(incidentCustomers)
    .where(and(eq(incidentCustomers.incidentId, incidentId), page.where))
    .orderBy(...page.orderBy)
    .limit(query.limit + 1);
  const result = page.page(rows, query.limit, (r) => r.createdAt);
  return {
    data: await presentAffected(ctx, result.data),
    next_cursor: result.next_cursor,
    has_more: result.next_cursor !== null,
  };
}

export async function findAffectedEntry(ctx: ServiceContext, id: string): Promise<AffectedRow> {
  const row = await ctx.db.query.incidentCustomers.findFirst({ where: eq(incidentCustomers.id, id) });
  if (!row) throw new AppError("not_found", "No such affected customer.");
  await findIncident(ctx, row.incidentId);
  return row;
}

export async function getAffected(ctx: ServiceContext, id: string) {
  return (await presentAffected(ctx, [await findAffectedEntry(ctx, id)]))[0];
}

export async function updateAffected(
  ctx: UserContext,
  id: string,
  input: { service?: string | null; notes?: string | null },
) {
  await findAffectedEntry(ctx, id);
  await ctx.db
    .update(incidentCustomers)
    .set({ ...input, updatedAt: nowIso() })
    .where(eq(incidentCustomers.id, id));
  return getAffected(ctx, id);
}

export async function deleteAffected(ctx: UserContext, id: string) {
  await findAffectedEntry(ctx, id);
  await ctx.db.delete(incidentCustomers).where(eq(incidentCustomers.id, id));
}

export async function deleteAllAffected(ctx: UserContext, incidentId: string) {
  await findIncident(ctx, incidentId);
  const gone = await ctx.db
    .delete(incidentCustomers)
    .where(eq(incidentCustomers.incidentId, incidentId))
    .returning({ id: incidentCustomers.id });
  return { deleted: gone.length };
}

// ---- restoration tickets ----

const RESTORATION_BATCH = 100;

/**
 * A repair ticket for every affected customer who has none yet, linked both ways (the ticket's
 * external reference names the incident and the customer). Asking again creates nothing new: the
 * reference is unique, so even two requests at once cannot raise a customer's ticket twice.
 */
export async function raiseRestorationTickets(ctx: UserContext, incidentId: string) {
  const incident = await findIncident(ctx, incidentId);
  const waiting = await ctx.db
    .select()
    .from(incidentCustomers)
    .where(and(eq(incidentCustomers.incidentId, incidentId), isNull(incidentCustomers.restorationTicketId)))
    .orderBy(asc(incidentCustomers.createdAt), asc(incidentCustomers.id));
  const [{ raised }] = await ctx.db
    .select({ raised: count() })
    .from(incidentCustomers)
    .where(
      and(eq(incidentCustomers.incidentId, incidentId), sql`${incidentCustomers.restorationTicketId} IS NOT NULL`),
    );
  const made: { customer_id: string; ticket_id: string }[] = [];
  for (const entry of waiting.slice(0, RESTORATION_BATCH)) {
    const customer = await findVisibleCustomer(ctx, entry.customerId).catch(() => null);
    if (!customer) continue;
    const ref = `${incident.number}/${entry.customerId}`;
    let ticketId = (
      await ctx.db.query.tickets.findFirst({ where: eq(tickets.externalRef, ref), columns: { id: true } })
    )?.id;
    if (!ticketId) {
      try {
        const ticket = await createTicket(ctx, {
          kind: "repair",
          priority: "high",
          title: `Restore service after cable theft ${incident.number}`,
          description: `${incident.metresStolen} m of ${incident.cableType} stolen${incident.description ? `: ${incident.description}` : ""}.${entry.service ? ` Service: ${entry.service}.` : ""}`,
          customer_id: entry.customerId,
          external_ref: ref,
          required_skills: ["copper"],
        });
        ticketId = ticket.id;
      } catch (err) {
        // Raised meanwhile by a concurrent request: link that one.
        ticketId = (
          await ctx.db.query.tickets.findFirst({ where: eq(tickets.externalRef, ref), columns: { id: true } })
        )?.id;
        if (!ticketId) throw err;
      }
    }
    await ctx.db
      .update(incidentCustomers)
      .set({ restorationTicketId: ticketId, updatedAt: nowIso() })
      .where(and(eq(incidentCustomers.id, entry.id), isNull(incidentCustomers.restorationTicketId)));
    made.push({ customer_id: entry.customerId, ticket_id: ticketId });
  }
  return {
    created: made.length,
    already_raised: raised,
    remaining: Math.max(0, waiting.length - RESTORATION_BATCH),
    tickets: made,
  };
}

// ---- reports ----

/**
 * Incidents, metres lost, estimated cost and customers affected by month and region. Incidents
 * are few (hundreds a year), so the sums are one GROUP BY over the period's rows.
 */
export async function incidentReport(ctx: ServiceContext, query: { from?: string; to?: string; region_id?: string }) {
  const zone = ctx.settings.timeZone;
  const to = query.to ? endBefore(query.to, zone) : nowIso();
  const from = query.from ? startOf(query.from, zone) : new Date(Date.parse(to) - 365 * 86_400_000).toISOString();
  if (from >= to)
    throw new AppError("validation_failed", "`from` must be before `to`.", {
      errors: [{ path: "from", message: "Not before to" }],
    });
  // One offset for the period: months follow the deployment's calendar (with daylight saving, a report within an hour of midnight may fall a month off).
  const offset = offsetMinutes(ctx.settings.timeZone, new Date(to));
  const rows = await ctx.env.DB.prepare(
    `SELECT strftime('%Y-%m', i.reported_at, ?4 || ' minutes') AS month, i.region_id, coalesce(r.name, '') AS region_name, i.currency,
            count(*) AS incidents, sum(i.metres_stolen) AS metres_stolen, sum(i.estimated_cost) AS estimated_cost,
            sum((SELECT count(*) FROM incident_customers c WHERE c.incident_id = i.id)) AS customers_affected
       FROM copper_incidents i LEFT JOIN regions r ON r.id = i.region_id
      WHERE i.deleted_at IS NULL AND i.reported_at >= ?1 AND i.reported_at < ?2 AND (?3 IS NULL OR i.region_id = ?3)
      GROUP BY month, i.region_id, i.currency ORDER BY month, region_name`,
  )
    .bind(from, to, query.region_id ?? null, offset)
    .all<{
      month: string;
      region_id: string;
      region_name: string;
      currency: string;
      incidents: number;
      metres_stolen: number;
      estimated_cost: number;
      customers_affected: number;
    }>();
  const totals = new Map<
    string,
    { currency: string; incidents: number; metres_stolen: number; estimated_cost: number; customers_affected: number }
  >();
  for (const r of rows.results) {
    const t = totals.get(r.currency) ?? {
      currency: r.currency,
      incidents: 0,
      metres_stolen: 0,
      estimated_cost: 0,
      customers_affected: 0,
    };
    t.incidents += r.incidents;
    t.metres_stolen += r.metres_stolen;
    t.estimated_cost += r.estimated_cost;
    t.customers_affected += r.customers_affected;
    totals.set(r.currency, t);
  }
  return { period: { from, to }, rows: rows.results, totals: [...totals.values()], generated_at: nowIso() };
}

export function incidentReportCsv(report: Awaited<ReturnType<typeof incidentReport>>): string {
  const columns = ["month", "region", "incidents", "metres_stolen", "estimated_cost", "currency", "customers_affected"];
  return csvLines(
    columns,
    report.rows.map((r) => [
      r.month,
      r.region_name,
      r.incidents,
      r.metres_stolen,
      (r.estimated_cost / 100).toFixed(2),
      r.currency,
      r.customers_affected,
    ]),
    { header: true },
  );
}
