import { and, eq, getTableColumns, gte, lte, sql, type SQL } from "drizzle-orm";
import { allReads, inList, reads, runReads } from "../../lib/d1";
import { buckets, tickets, UNFINISHED_STATUSES } from "../../db/schema";
import { AppError } from "../../lib/problem";
import type { UserContext } from "../../lib/context";
import { endOf, startOf } from "../../lib/query-dialect";
import { keyset } from "../../lib/pagination";
import { visibleCustomerReads } from "../customers";
import { visibleTickets, type TicketRow } from "../access";
import type { TicketListFilters } from "./tickets.schemas";
import { presentTickets, type AssigneeInfo, type PeopleNames } from "./tickets.present";

// ---- list (WO-2) ----

type ListQuery = TicketListFilters & { limit: number; cursor?: string; order?: string; bucket?: string };

/**
 * `order=scheduled_at` sorts on this key: the scheduled time, unscheduled rows after every
 * scheduled one ("~" sorts after digits), then creation time. Written as in the index
 * `tickets_schedule_order_idx` so SQLite uses it.
 */
const SCHEDULE_ORDER_KEY = sql<string>`(coalesce(scheduled_at, '~') || ' ' || created_at)`;
const scheduleOrderKey = (r: Pick<TicketRow, "scheduledAt" | "createdAt">) => `${r.scheduledAt ?? "~"} ${r.createdAt}`;

/** Service bookings alone list in visit order (the appliance CRM's services list); everything else newest first. */
export function defaultTicketOrder(filters: Pick<TicketListFilters, "kind">): string {
  return filters.kind?.length === 1 && filters.kind[0] === "service_booking" ? "scheduled_at" : "-created_at";
}

/** The exact query the list endpoint runs; exported so a test can EXPLAIN it. */
export async function buildTicketListQuery(ctx: UserContext, query: ListQuery) {
  let filters: TicketListFilters = query;
  if (query.bucket) {
    const bucket = await ctx.db.query.buckets.findFirst({
      where: and(eq(buckets.id, query.bucket), eq(buckets.ownerId, ctx.actor.userId)),
    });
    if (!bucket)
      throw new AppError("validation_failed", "No such bucket", {
        errors: [{ path: "bucket", in: "query", message: "No such bucket" }],
      });
    filters = { ...(bucket.filters as TicketListFilters), ...stripUndefined(query) };
  }
  const order = query.order ?? defaultTicketOrder(filters);
  const field = order.replace(/^-/, "") as "created_at" | "updated_at" | "scheduled_at";
  const column =
    field === "updated_at" ? tickets.updatedAt : field === "scheduled_at" ? SCHEDULE_ORDER_KEY : tickets.createdAt;
  const page = keyset({ order, column, idColumn: tickets.id, cursor: query.cursor });
  const where = and(await visibleTickets(ctx), ...ticketFilters(filters, ctx.settings.timeZone), page.where);
  // Assignees come back with the page as JSON, saving a round trip (found by `npm run bench`).
  const assigneesJson = sql<string>`(SELECT json_group_array(json_object(
      'technicianId', a.technician_id, 'assignedAt', a.assigned_at, 'dueAt', a.due_at, 'reason', a.reason, 'supervisorId', p.supervisor_id,
      'displayName', coalesce(nullif(trim(u.first_name || ' ' || u.last_name), ''), u.username), 'phone', u.phone))
    FROM ticket_assignees a JOIN users u ON u.id = a.technician_id LEFT JOIN technician_profiles p ON p.user_id = a.technician_id
    WHERE a.ticket_id = "tickets"."id")`.as("assignees_json"); // qualified by hand: drizzle renders a bare "id" here
  const peopleJson =
    sql<string>`(SELECT json_group_object(u.id, coalesce(nullif(trim(u.first_name || ' ' || u.last_name), ''), u.username))
    FROM users u WHERE u.id IN ("tickets"."created_by", "tickets"."team_supervisor_id"))`.as("people_json");
  const customerJson = sql<
    string | null
  >`(SELECT json_object('id', c.id, 'full_name', c.full_name, 'phone', c.phone, 'address', c.address)
    FROM customers c WHERE c.id = "tickets"."customer_id")`.as("customer_json");
  const statement = ctx.db
    .select({ ...getTableColumns(tickets), assigneesJson, peopleJson, customerJson })
    .from(tickets)
    .where(where)
    .orderBy(...page.orderBy)
    .limit(query.limit + 1);
  const valueOf = (r: Pick<TicketRow, "updatedAt" | "scheduledAt" | "createdAt">) =>
    field === "updated_at" ? r.updatedAt : field === "scheduled_at" ? scheduleOrderKey(r) : r.createdAt;
  return { statement, page, valueOf };
}

export async function listTickets(ctx: UserContext, query: ListQuery) {
  const built = await buildTicketListQuery(ctx, query);
  return presentList(ctx, query, built, await built.statement);
}

type BuiltList = Awaited<ReturnType<typeof buildTicketListQuery>>;
type ListRow = Awaited<BuiltList["statement"]>[number];

async function presentList(ctx: UserContext, query: ListQuery, { page, valueOf }: BuiltList, found: ListRow[]) {
  const result = page.page(found, query.limit, valueOf);
  const assignees = new Map<string, AssigneeInfo[]>();
  const names: PeopleNames = new Map();
  const customers = new Map<string, { id: string; full_name: string; phone: string | null; address: string } | null>();
  const rows: TicketRow[] = result.data.map(({ assigneesJson, peopleJson, customerJson, ...row }) => {
    for (const [id, name] of Object.entries(JSON.parse(peopleJson || "{}") as Record<string, string>))
      names.set(id, name);
    const list = (JSON.parse(assigneesJson || "[]") as AssigneeInfo[]).sort((a, b) =>
      a.assignedAt.localeCompare(b.assignedAt),
    );
    assignees.set(row.id, list);
    customers.set(row.id, customerJson ? JSON.parse(customerJson) : null);
    return row as TicketRow;
  });
  const presented = await presentTickets(ctx, rows, { assignees, names });
  return {
    data: presented.map((t) => ({ ...t, customer: customers.get(t.id) ?? null })),
    next_cursor: result.next_cursor,
    has_more: result.next_cursor !== null,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function ticketFilters(f: TicketListFilters, timeZone: string): (SQL | undefined)[] {
  return [
    f.status?.length ? inList(tickets.status, f.status) : undefined,
    f.priority?.length ? inList(tickets.priority, f.priority) : undefined,
    f.kind?.length ? inList(tickets.kind, f.kind) : undefined,
    f.customer_id ? eq(tickets.customerId, f.customer_id) : undefined,
    f.asset_id ? eq(tickets.assetId, f.asset_id) : undefined,
    f.number ? eq(tickets.number, f.number) : undefined,
    f.external_ref ? eq(tickets.externalRef, f.external_ref) : undefined,
    f.project_name ? eq(tickets.projectName, f.project_name) : undefined,
    f.service_category ? eq(tickets.serviceCategory, f.service_category) : undefined,
    f.sla === "breached"
      ? sql`(${tickets.responseBreachedAt} IS NOT NULL OR ${tickets.resolutionBreachedAt} IS NOT NULL)`
      : undefined,
    f.sla === "at_risk"
      ? sql`(${inList(tickets.status, [...UNFINISHED_STATUSES])}
          AND ((${tickets.responseWarnedAt} IS NOT NULL AND ${tickets.respondedAt} IS NULL AND ${tickets.responseBreachedAt} IS NULL)
            OR (${tickets.resolutionWarnedAt} IS NOT NULL AND ${tickets.resolvedAt} IS NULL AND ${tickets.resolutionBreachedAt} IS NULL)))`
      : undefined,
    // Tickets' service areas are stored lowercase, as localities name them.
    f.region_id
      ? inList(
          tickets.serviceArea,
          sql`(SELECT service_area FROM localities WHERE region_id = ${f.region_id} AND deleted_at IS NULL)`,
        )
      : undefined,
    f.locality_id
      ? inList(
          tickets.serviceArea,
          sql`(SELECT service_area FROM localities WHERE id = ${f.locality_id} AND deleted_at IS NULL)`,
        )
      : undefined,
    f.q ? matchesText(f.q) : undefined,
    f.technician_id
      ? inList(tickets.id, sql`(SELECT ticket_id FROM ticket_assignees WHERE technician_id = ${f.technician_id})`)
      : undefined,
    f.created_from ? gte(tickets.createdAt, startOf(f.created_from, timeZone)) : undefined,
    f.created_to ? lte(tickets.createdAt, endOf(f.created_to, timeZone)) : undefined,
    f.scheduled_from ? gte(tickets.scheduledAt, startOf(f.scheduled_from, timeZone)) : undefined,
    f.scheduled_to ? lte(tickets.scheduledAt, endOf(f.scheduled_to, timeZone)) : undefined,
  ];
}

/**
 * Tickets whose words contain every word of the search (the last as a prefix), through the FTS5
 * index `tickets_fts` (kept by triggers, migration 0007). The user's text never reaches FTS5's
 * query syntax: it is cut into words and each is quoted.
 */
function matchesText(text: string): SQL {
  const words = text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .slice(0, 10);
  if (!words.length) return sql`0`;
  const query = words.map((w, i) => `"${w}"${i === words.length - 1 ? "*" : ""}`).join(" ");
  return sql`${tickets}.rowid IN (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH ${query})`;
}

/** A customer's tickets: the customer must be one the caller may see (else 404), the tickets as scoped as any list. */
export async function listCustomerTickets(
  ctx: UserContext,
  customerId: string,
  query: Omit<Parameters<typeof listTickets>[1], "customer_id">,
) {
  const listQuery = { ...query, customer_id: customerId } as Parameters<typeof listTickets>[1];
  const built = await buildTicketListQuery(ctx, listQuery);
  // The customer check and the page in one batch.
  const { customer, rows } = await runReads(
    ctx.env.DB,
    allReads({ customer: await visibleCustomerReads(ctx, customerId), rows: reads(built.statement) }),
  );
  if (!customer) throw new AppError("not_found", "No such customer.");
  return presentList(ctx, listQuery, built, rows);
}
