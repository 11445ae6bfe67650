import { and, asc, eq, getTableColumns, gte, isNotNull, lte, ne, sql, type SQL } from "drizzle-orm";
import { displayName } from "../../lib/names";
import { inList } from "../../lib/d1";
import {
  assets, buckets, counters, customers, technicianProfiles, ticketAssignees, ticketAttachments, ticketComments, ticketHistory,
  tickets, users, workLogs, type TicketKind, type TicketPriority, type TicketStatus,
} from "../../db/schema";
import type { ActorContext } from "../../lib/context";
import { newId, nowIso, randomToken } from "../../lib/ids";
import { keyset } from "../../lib/pagination";
import { AppError } from "../../lib/problem";
import { addDays, addMonths, todayIn, zonedTimeToUtc } from "../../lib/time";
import { isInWarranty } from "../assets";
import { customerForUser, findCustomer, findVisibleCustomer } from "../customers";
import { initialTargets, resumeClock, slaState } from "./sla";
import { canTriage, findVisibleTicket, relationsOf, visibleTickets, type TicketRow } from "../access";
import type { Columns } from "./tickets.repo";
import { changeTicket, recordNewTicket, type HistoryEntry } from "./change";
import type { TicketListFilters } from "./tickets.schemas";
import { MILESTONE_COLUMN, allowedActions, checkAction, resolvedStatus, RULES, type Relation, type TicketAction } from "./tickets.workflow";

export type AssigneeInfo = { technicianId: string; displayName: string; assignedAt: string; dueAt: string | null; reason: string | null; supervisorId: string | null };

export async function loadAssignees(ctx: ActorContext, ticketIds: string[]): Promise<Map<string, AssigneeInfo[]>> {
  const out = new Map<string, AssigneeInfo[]>();
  if (!ticketIds.length) return out;
  const rows = await ctx.db
    .select({ a: ticketAssignees, first: users.firstName, last: users.lastName, username: users.username, supervisorId: technicianProfiles.supervisorId })
    .from(ticketAssignees)
    .innerJoin(users, eq(users.id, ticketAssignees.technicianId))
    .leftJoin(technicianProfiles, eq(technicianProfiles.userId, ticketAssignees.technicianId))
    .where(inList(ticketAssignees.ticketId, ticketIds))
    .orderBy(asc(ticketAssignees.assignedAt));
  for (const r of rows) {
    const list = out.get(r.a.ticketId) ?? [];
    list.push({
      technicianId: r.a.technicianId,
      displayName: displayName(r.first, r.last, r.username),
      assignedAt: r.a.assignedAt,
      dueAt: r.a.dueAt,
      reason: r.a.reason,
      supervisorId: r.supervisorId,
    });
    out.set(r.a.ticketId, list);
  }
  return out;
}

export function toTicketResponse(t: TicketRow, assignees: AssigneeInfo[], relation: Relation) {
  return {
    id: t.id,
    number: t.number,
    kind: t.kind,
    priority: t.priority,
    status: t.status,
    title: t.title,
    description: t.description,
    customer_id: t.customerId,
    asset_id: t.assetId,
    created_by: t.createdBy,
    team_supervisor_id: t.teamSupervisorId,
    service_area: t.serviceArea,
    required_skills: t.requiredSkills,
    location: t.lat !== null || t.address ? { lat: t.lat, lng: t.lng, address: t.address } : null,
    preferred_at: t.preferredAt,
    scheduled_at: t.scheduledAt,
    estimated_minutes: t.estimatedMinutes,
    service_type: t.serviceType,
    assignees: assignees.map((a) => ({ technician_id: a.technicianId, display_name: a.displayName, assigned_at: a.assignedAt, due_at: a.dueAt, reason: relation.internal ? a.reason : null })),
    sla: slaState(t),
    milestones: {
      opened_at: t.openedAt, assigned_at: t.assignedAt, started_at: t.startedAt, on_hold_at: t.onHoldAt,
      resolved_at: t.resolvedAt, signed_off_at: t.signedOffAt, closed_at: t.closedAt, cancelled_at: t.cancelledAt,
    },
    allowed_actions: allowedActions(t.status, relation),
    created_at: t.createdAt,
    updated_at: t.updatedAt,
  };
}

export async function presentTickets(ctx: ActorContext, rows: TicketRow[], preloaded?: Map<string, AssigneeInfo[]>) {
  const assignees = preloaded ?? (await loadAssignees(ctx, rows.map((r) => r.id)));
  const relations = await relationsOf(ctx, rows, assignees);
  return rows.map((r) => toTicketResponse(r, assignees.get(r.id) ?? [], relations.get(r.id)!));
}

export async function relationTo(ctx: ActorContext, ticket: TicketRow) {
  const assignees = await loadAssignees(ctx, [ticket.id]);
  const relation = (await relationsOf(ctx, [ticket], assignees)).get(ticket.id)!;
  return { relation, assignees: assignees.get(ticket.id) ?? [] };
}

export async function getTicket(ctx: ActorContext, id: string) {
  const ticket = await findVisibleTicket(ctx, id);
  const { relation, assignees } = await relationTo(ctx, ticket);
  return toTicketResponse(ticket, assignees, relation);
}

async function nextNumber(ctx: ActorContext): Promise<string> {
  const [row] = await ctx.db
    .insert(counters)
    .values({ name: "ticket_number", value: 1 })
    .onConflictDoUpdate({ target: counters.name, set: { value: sql`${counters.value} + 1` } })
    .returning({ value: counters.value });
  return `TR-${String(row.value).padStart(6, "0")}`;
}

// ---- create (WO-1, WO-9) ----

export interface TicketCreateInput {
  kind: TicketKind;
  priority: TicketPriority;
  title: string;
  description: string;
  customer_id?: string;
  asset_id?: string;
  location?: { lat: number; lng: number; address?: string };
  address?: string;
  service_area?: string;
  required_skills: string[];
  preferred_at?: string;
  preferred_date?: string;
  scheduled_at?: string;
  estimated_minutes?: number;
}

function invalid(path: string, message: string, detail = message): never {
  throw new AppError("validation_failed", detail, { errors: [{ path, message }] });
}

/** WO-9: free inside warranty when no free service was booked in the previous interval. */
export async function decideServiceType(ctx: ActorContext, asset: typeof assets.$inferSelect, serviceDate: string, exceptTicketId?: string): Promise<"free" | "paid"> {
  if (!isInWarranty(asset, serviceDate)) return "paid";
  const since = addMonths(serviceDate, -ctx.settings.freeServiceIntervalMonths);
  const previous = await ctx.db
    .select({ id: tickets.id })
    .from(tickets)
    .where(
      and(
        eq(tickets.assetId, asset.id),
        eq(tickets.serviceType, "free"),
        ne(tickets.status, "cancelled"),
        exceptTicketId ? ne(tickets.id, exceptTicketId) : undefined,
        sql`substr(coalesce(${tickets.preferredAt}, ${tickets.createdAt}), 1, 10) > ${since}`,
      ),
    )
    .limit(1);
  return previous.length ? "paid" : "free";
}

/** A booking day must not be in the past nor beyond the booking window, in the deployment's zone. */
export function checkBookingDate(ctx: ActorContext, date: string, path: string) {
  const today = todayIn(ctx.settings.timeZone);
  if (date < today) invalid(path, "Must not be in the past");
  if (date > addDays(today, ctx.settings.bookingWindowDays)) invalid(path, `At most ${ctx.settings.bookingWindowDays} days ahead`);
}

export async function createTicket(ctx: ActorContext, input: TicketCreateInput) {
  const isStaff = ctx.actor.permissions.has("customers:read");
  let customer: typeof customers.$inferSelect | null = null;
  if (!isStaff) {
    customer = await customerForUser(ctx, ctx.actor.userId);
    if (input.customer_id && input.customer_id !== customer.id) invalid("customer_id", "Customers raise tickets for themselves");
  } else if (input.customer_id) {
    customer = await findCustomer(ctx, input.customer_id).catch(() => invalid("customer_id", "No such customer"));
  }
  let asset: typeof assets.$inferSelect | undefined;
  if (input.asset_id) {
    asset = await ctx.db.query.assets.findFirst({ where: and(eq(assets.id, input.asset_id), sql`${assets.deletedAt} IS NULL`) });
    if (!asset || (customer && asset.customerId !== customer.id)) invalid("asset_id", "No such service card for this customer");
    if (!customer) customer = (await ctx.db.query.customers.findFirst({ where: eq(customers.id, asset.customerId) })) ?? null;
  }

  let serviceType: "free" | "paid" | null = null;
  let preferredAt = input.preferred_at ?? null;
  if (input.kind === "service_booking") {
    if (!asset) invalid("asset_id", "A service booking needs a service card");
    const day = input.preferred_date ?? (input.preferred_at ? input.preferred_at.slice(0, 10) : undefined);
    if (!day) invalid("preferred_date", "A service booking needs a preferred date");
    checkBookingDate(ctx, day, input.preferred_date ? "preferred_date" : "preferred_at");
    preferredAt ??= zonedTimeToUtc(day, "00:00", ctx.settings.timeZone).toISOString();
    serviceType = await decideServiceType(ctx, asset, day);
  } else if (input.preferred_date) {
    preferredAt ??= zonedTimeToUtc(input.preferred_date, "00:00", ctx.settings.timeZone).toISOString();
  }

  const now = nowIso();
  const id = newId("tkt");
  const targets = initialTargets(ctx.settings, input.priority, now);
  const row: Columns & { id: string } = {
    id,
    number: await nextNumber(ctx),
    kind: input.kind,
    priority: input.priority,
    status: "new",
    title: input.title,
    description: input.description,
    customer_id: customer?.id ?? null,
    asset_id: asset?.id ?? null,
    created_by: ctx.actor.userId,
    service_area: input.service_area ?? customer?.serviceArea ?? asset?.region?.toLowerCase() ?? null,
    required_skills: JSON.stringify([...new Set(input.required_skills)]),
    lat: input.location?.lat ?? customer?.lat ?? null,
    lng: input.location?.lng ?? customer?.lng ?? null,
    address: input.location?.address ?? input.address ?? (customer?.address || asset?.address || null),
    preferred_at: preferredAt,
    scheduled_at: input.scheduled_at ?? null,
    estimated_minutes: input.estimated_minutes ?? null,
    service_type: serviceType,
    response_due_at: targets.responseDueAt,
    resolution_due_at: targets.resolutionDueAt,
    write_token: randomToken(12),
    created_at: now,
    updated_at: now,
  };
  await recordNewTicket(ctx, row, ctx.actor.userId, { type: "ticket.created", data: { number: row.number, kind: input.kind, priority: input.priority, customer_id: row.customer_id } });
  return getTicket(ctx, id);
}

// ---- list (WO-2) ----

type ListQuery = TicketListFilters & { limit: number; cursor?: string; order: string; bucket?: string };

/** The exact query the list endpoint runs; exported so a test can EXPLAIN it. */
export async function buildTicketListQuery(ctx: ActorContext, query: ListQuery) {
  let filters: TicketListFilters = query;
  if (query.bucket) {
    const bucket = await ctx.db.query.buckets.findFirst({ where: and(eq(buckets.id, query.bucket), eq(buckets.ownerId, ctx.actor.userId)) });
    if (!bucket) invalid("query.bucket", "No such bucket");
    filters = { ...(bucket.filters as TicketListFilters), ...stripUndefined(query) };
  }
  const field = query.order.replace(/^-/, "") as "created_at" | "updated_at" | "scheduled_at";
  const column = field === "updated_at" ? tickets.updatedAt : field === "scheduled_at" ? tickets.scheduledAt : tickets.createdAt;
  const page = keyset({ order: query.order, column, idColumn: tickets.id, cursor: query.cursor });
  const where = and(await visibleTickets(ctx), ...ticketFilters(filters), field === "scheduled_at" ? isNotNull(tickets.scheduledAt) : undefined, page.where);
  // Assignees come back with the page as JSON, saving a round trip (found by `npm run bench`).
  const assigneesJson = sql<string>`(SELECT json_group_array(json_object(
      'technicianId', a.technician_id, 'assignedAt', a.assigned_at, 'dueAt', a.due_at, 'reason', a.reason, 'supervisorId', p.supervisor_id,
      'displayName', coalesce(nullif(trim(u.first_name || ' ' || u.last_name), ''), u.username)))
    FROM ticket_assignees a JOIN users u ON u.id = a.technician_id LEFT JOIN technician_profiles p ON p.user_id = a.technician_id
    WHERE a.ticket_id = "tickets"."id")`.as("assignees_json"); // qualified by hand: drizzle renders a bare "id" here
  const statement = ctx.db
    .select({ ...getTableColumns(tickets), assigneesJson })
    .from(tickets)
    .where(where)
    .orderBy(...page.orderBy)
    .limit(query.limit + 1);
  const valueOf = (r: Pick<TicketRow, "updatedAt" | "scheduledAt" | "createdAt">) => (field === "updated_at" ? r.updatedAt : field === "scheduled_at" ? r.scheduledAt! : r.createdAt);
  return { statement, page, valueOf };
}

export async function listTickets(ctx: ActorContext, query: ListQuery) {
  const { statement, page, valueOf } = await buildTicketListQuery(ctx, query);
  const result = page.page(await statement, query.limit, valueOf);
  const assignees = new Map<string, AssigneeInfo[]>();
  const rows: TicketRow[] = result.data.map(({ assigneesJson, ...row }) => {
    const list = (JSON.parse(assigneesJson || "[]") as AssigneeInfo[]).sort((a, b) => a.assignedAt.localeCompare(b.assignedAt));
    assignees.set(row.id, list);
    return row as TicketRow;
  });
  return { data: await presentTickets(ctx, rows, assignees), next_cursor: result.next_cursor };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function ticketFilters(f: TicketListFilters): (SQL | undefined)[] {
  return [
    f.status?.length ? inList(tickets.status, f.status) : undefined,
    f.priority?.length ? inList(tickets.priority, f.priority) : undefined,
    f.kind?.length ? inList(tickets.kind, f.kind) : undefined,
    f.customer_id ? eq(tickets.customerId, f.customer_id) : undefined,
    f.technician_id
      ? inList(tickets.id, sql`(SELECT ticket_id FROM ticket_assignees WHERE technician_id = ${f.technician_id})`)
      : undefined,
    f.created_from ? gte(tickets.createdAt, new Date(f.created_from).toISOString()) : undefined,
    f.created_to ? lte(tickets.createdAt, new Date(f.created_to).toISOString()) : undefined,
    f.scheduled_from ? gte(tickets.scheduledAt, new Date(f.scheduled_from).toISOString()) : undefined,
    f.scheduled_to ? lte(tickets.scheduledAt, new Date(f.scheduled_to).toISOString()) : undefined,
  ];
}

/** A customer's tickets: the customer must be one the caller may see (else 404), the tickets as scoped as any list. */
export async function listCustomerTickets(ctx: ActorContext, customerId: string, query: Omit<Parameters<typeof listTickets>[1], "customer_id">) {
  await findVisibleCustomer(ctx, customerId);
  return listTickets(ctx, { ...query, customer_id: customerId } as Parameters<typeof listTickets>[1]);
}

// ---- detail (WO-3) ----

export async function getTicketDetail(ctx: ActorContext, id: string) {
  const ticket = await findVisibleTicket(ctx, id);
  const { relation, assignees } = await relationTo(ctx, ticket);
  const seesInternal = ctx.actor.permissions.has("tickets:internal");
  const [comments, attachments, history, logs] = await Promise.all([
    ctx.db
      .select({ c: ticketComments, first: users.firstName, last: users.lastName, username: users.username })
      .from(ticketComments)
      .leftJoin(users, eq(users.id, ticketComments.authorId))
      .where(and(eq(ticketComments.ticketId, id), seesInternal ? undefined : eq(ticketComments.visibility, "public")))
      .orderBy(asc(ticketComments.createdAt)),
    ctx.db.select().from(ticketAttachments).where(eq(ticketAttachments.ticketId, id)).orderBy(asc(ticketAttachments.createdAt)),
    ctx.db
      .select()
      .from(ticketHistory)
      .where(and(eq(ticketHistory.ticketId, id), seesInternal ? undefined : eq(ticketHistory.internal, false)))
      .orderBy(asc(ticketHistory.createdAt), sql`ticket_history.rowid`),
    ctx.db.select().from(workLogs).where(eq(workLogs.ticketId, id)).orderBy(asc(workLogs.createdAt)),
  ]);
  return {
    ...toTicketResponse(ticket, assignees, relation),
    comments: comments.map((r) => ({
      id: r.c.id, author_id: r.c.authorId, author_name: displayName(r.first, r.last, r.username) || "unknown",
      body: r.c.body, visibility: r.c.visibility, created_at: r.c.createdAt,
    })),
    attachments: attachments.map(toAttachmentResponse),
    history: history.map((h) => toHistoryResponse(h, seesInternal)),
    work_logs: logs.map(toWorkLogResponse),
  };
}

export function toAttachmentResponse(a: typeof ticketAttachments.$inferSelect) {
  return {
    id: a.id, filename: a.filename, content_type: a.contentType, size_bytes: a.sizeBytes, uploaded_by: a.uploadedBy, created_at: a.createdAt,
    download_url: `/v1/tickets/${a.ticketId}/attachments/${a.id}`,
  };
}

/**
 * History comments a customer may read: what they or the work itself said. Comments on workflow
 * steps (hold, reject, cancel, assignment, SLA, appointment moves) are staff-only, like internal notes.
 */
const PUBLIC_HISTORY_COMMENTS = new Set(["created", "commented", "work_logged", "completed", "rescheduled"]);

export function toHistoryResponse(h: typeof ticketHistory.$inferSelect, seesInternal: boolean) {
  const comment = seesInternal || PUBLIC_HISTORY_COMMENTS.has(h.action) ? h.comment : null;
  return { id: h.id, actor_id: h.actorId, action: h.action, from: h.fromValue, to: h.toValue, comment, created_at: h.createdAt };
}

export function toWorkLogResponse(w: typeof workLogs.$inferSelect) {
  return {
    id: w.id, technician_id: w.technicianId, work_detail: w.workDetail, parts: w.parts, amount_charged: w.amountCharged,
    next_service_date: w.nextServiceDate, verified_by_code: w.verifiedByCode, created_at: w.createdAt,
  };
}

export async function listHistory(ctx: ActorContext, id: string) {
  await findVisibleTicket(ctx, id);
  const seesInternal = ctx.actor.permissions.has("tickets:internal");
  const rows = await ctx.db
    .select()
    .from(ticketHistory)
    .where(and(eq(ticketHistory.ticketId, id), seesInternal ? undefined : eq(ticketHistory.internal, false)))
    .orderBy(asc(ticketHistory.createdAt), sql`ticket_history.rowid`);
  return { data: rows.map((h) => toHistoryResponse(h, seesInternal)) };
}

// ---- edit ----

export function assertTriage(relation: Relation) {
  if (!canTriage(relation)) throw new AppError("forbidden", "Only dispatchers, supervisors and managers may do this.");
}

const EDITABLE: [keyof TicketRow, string][] = [
  ["title", "title"], ["description", "description"], ["priority", "priority"], ["kind", "kind"], ["serviceArea", "service_area"],
  ["scheduledAt", "scheduled_at"], ["estimatedMinutes", "estimated_minutes"],
];

export async function updateTicket(
  ctx: ActorContext,
  id: string,
  input: Partial<{ title: string; description: string; priority: TicketPriority; kind: TicketKind; service_area: string | null; required_skills: string[]; scheduled_at: string | null; estimated_minutes: number | null; location: { lat: number; lng: number; address?: string } | null }>,
) {
  const ticket = await findVisibleTicket(ctx, id);
  const { relation } = await relationTo(ctx, ticket);
  assertTriage(relation);
  if (["closed", "cancelled"].includes(ticket.status)) throw new AppError("invalid_transition", `A ${ticket.status} ticket cannot be edited; reopen it first.`);
  const now = nowIso();
  const set: Columns = { updated_at: now };
  const history: HistoryEntry[] = [];
  for (const [prop, col] of EDITABLE) {
    const value = input[col as keyof typeof input];
    if (value === undefined) continue;
    const before = ticket[prop] as string | number | null;
    const after = (col === "scheduled_at" && value ? new Date(value as string).toISOString() : value) as string | number | null;
    if (before === after) continue;
    set[col] = after;
    history.push({ action: `${col}_changed`, from: before === null ? null : String(before), to: after === null ? null : String(after) });
  }
  if (input.required_skills) {
    set.required_skills = JSON.stringify([...new Set(input.required_skills)]);
    history.push({ action: "required_skills_changed", from: JSON.stringify(ticket.requiredSkills), to: set.required_skills as string });
  }
  if (input.location !== undefined) {
    set.lat = input.location?.lat ?? null;
    set.lng = input.location?.lng ?? null;
    set.address = input.location?.address ?? null;
    history.push({ action: "location_changed", from: ticket.address, to: (set.address as string) ?? null });
  }
  // A new priority moves a response target that has not been met yet.
  if (input.priority && input.priority !== ticket.priority && !ticket.respondedAt && !ticket.responseBreachedAt) {
    set.response_due_at = initialTargets(ctx.settings, input.priority, ticket.createdAt).responseDueAt;
  }
  if (!history.length) return getTicket(ctx, id);
  await changeTicket(ctx, { ticketId: id, actorId: ctx.actor.userId, expectStatus: [ticket.status], set, history, events: [{ type: "ticket.updated", data: { changes: history.map((h) => h.action) } }] });
  return getTicket(ctx, id);
}

// ---- workflow (WO-4, WO-12) ----

async function customerCanApprove(ctx: ActorContext, ticket: TicketRow): Promise<boolean> {
  if (!ticket.customerId) return false;
  const c = await ctx.db.query.customers.findFirst({ where: eq(customers.id, ticket.customerId), columns: { userId: true } });
  return Boolean(c?.userId);
}

/** The columns a move to `to` sets: status, its milestone, SLA response and pause bookkeeping. */
export function transitionColumns(ticket: TicketRow, action: TicketAction | "assign" | "complete", to: TicketStatus, now: string): Columns {
  const set: Columns = { status: to, updated_at: now };
  const milestone = MILESTONE_COLUMN[to];
  if (milestone && to !== ticket.status) set[milestone] = now;
  if (!ticket.respondedAt && ["opened", "assigned", "in_progress"].includes(to)) set.responded_at = now;
  if (to === "on_hold") set.sla_paused_at = now;
  if (ticket.status === "on_hold" && to !== "on_hold") Object.assign(set, resumeClock(ticket, now));
  if (action === "reject") set.resolved_at = null;
  if (action === "reopen") Object.assign(set, { resolved_at: null, closed_at: null, cancelled_at: null, signed_off_at: null });
  return set;
}

export async function transitionTicket(ctx: ActorContext, id: string, action: TicketAction, comment?: string) {
  const ticket = await findVisibleTicket(ctx, id);
  const { relation } = await relationTo(ctx, ticket);
  const verdict = checkAction(action, ticket.status, relation);
  if (verdict === "forbidden") throw new AppError("forbidden", `You may not ${action} this ticket.`);
  if (verdict === "invalid") throw new AppError("invalid_transition", `Cannot ${action} a ticket that is ${ticket.status}.`);
  const to = action === "resolve" ? resolvedStatus(await customerCanApprove(ctx, ticket)) : RULES[action].to;
  await changeTicket(ctx, {
    ticketId: id,
    actorId: ctx.actor.userId,
    expectStatus: [ticket.status],
    set: transitionColumns(ticket, action, to, nowIso()),
    history: [{ action, from: ticket.status, to, comment }],
    events: [{ type: "ticket.status_changed", data: { action, from: ticket.status, to, number: ticket.number } }],
  });
  return getTicket(ctx, id);
}

// ---- SLA (WO-6) ----

export async function setSla(ctx: ActorContext, id: string, input: { response_due_at?: string; resolution_due_at?: string; estimated_resolution_at?: string }) {
  const ticket = await findVisibleTicket(ctx, id);
  const now = nowIso();
  const set: Columns = { updated_at: now };
  const iso = (v: string) => new Date(v).toISOString();
  if (input.response_due_at) {
    set.response_due_at = iso(input.response_due_at);
    // A target moved into the future is no longer breached.
    if (set.response_due_at > now) set.response_breached_at = null;
  }
  if (input.resolution_due_at) {
    set.resolution_due_at = iso(input.resolution_due_at);
    if (set.resolution_due_at > now) set.resolution_breached_at = null;
  }
  if (input.estimated_resolution_at) set.estimated_resolution_at = iso(input.estimated_resolution_at);
  const summary = JSON.stringify(Object.fromEntries(Object.entries(set).filter(([k]) => k.endsWith("_at") && k !== "updated_at")));
  await changeTicket(ctx, {
    ticketId: id,
    actorId: ctx.actor.userId,
    set,
    history: [{ action: "sla_set", from: ticket.resolutionDueAt, to: summary }],
    events: [{ type: "ticket.sla_changed", data: { ...set } }],
  });
  return getTicket(ctx, id);
}

// ---- service bookings (WO-9) ----

export async function rescheduleBooking(ctx: ActorContext, id: string, preferredDate: string, comment?: string) {
  const ticket = await findVisibleTicket(ctx, id);
  const { relation } = await relationTo(ctx, ticket);
  if (!relation.own && !canTriage(relation)) throw new AppError("forbidden", "Only the customer or dispatch may reschedule.");
  if (ticket.kind !== "service_booking" || !ticket.assetId) throw new AppError("invalid_transition", "Only service bookings are rescheduled this way.");
  if (!["new", "opened", "assigned"].includes(ticket.status)) throw new AppError("invalid_transition", "Work has started; the booking can no longer be moved.");
  checkBookingDate(ctx, preferredDate, "preferred_date");
  const asset = await ctx.db.query.assets.findFirst({ where: eq(assets.id, ticket.assetId) });
  const serviceType = asset ? await decideServiceType(ctx, asset, preferredDate, id) : ticket.serviceType;
  const preferredAt = zonedTimeToUtc(preferredDate, "00:00", ctx.settings.timeZone).toISOString();
  await changeTicket(ctx, {
    ticketId: id,
    actorId: ctx.actor.userId,
    expectStatus: [ticket.status],
    set: { preferred_at: preferredAt, service_type: serviceType },
    history: [{ action: "rescheduled", from: ticket.preferredAt, to: preferredAt, comment }],
    events: [{ type: "ticket.rescheduled", data: { preferred_at: preferredAt, service_type: serviceType } }],
  });
  return getTicket(ctx, id);
}

