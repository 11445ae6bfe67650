// How a ticket is shown: to its caller (what their relation lets them see), in detail, and to integrators.
import { keyset } from "../../lib/pagination";
import { and, asc, eq, sql, type SQL } from "drizzle-orm";
import { displayName } from "../../lib/names";
import { allReads, inList, known, mapReads, readInBatch, reads, runReads, type Reads } from "../../lib/d1";
import {
  technicianProfiles,
  ticketAssignees,
  ticketAttachments,
  ticketComments,
  ticketHistory,
  tickets,
  users,
  workLogs,
} from "../../db/schema";
import type { ServiceContext, UserContext } from "../../lib/context";
import { findCustomer } from "../customers";
import { slaState } from "./sla";
import {
  findVisibleTicket,
  linkedCustomerReads,
  relationsFrom,
  relationsOf,
  visibleTickets,
  withVisibleTicket,
  type TicketRow,
} from "../access";
import { AppError } from "../../lib/problem";
import { allowedActions, type Relation } from "./tickets.workflow";

export type AssigneeInfo = {
  technicianId: string;
  displayName: string;
  phone: string | null;
  assignedAt: string;
  dueAt: string | null;
  reason: string | null;
  supervisorId: string | null;
};

/** Display names of the people a ticket names besides its assignees (creator, team supervisor), by user id. */
export type PeopleNames = Map<string, string>;

export async function loadAssignees(ctx: ServiceContext, ticketIds: string[]): Promise<Map<string, AssigneeInfo[]>> {
  return (
    await loadTicketPeople(
      ctx,
      ticketIds.map((id) => ({ id, createdBy: "", teamSupervisorId: null })),
    )
  ).assignees;
}

/** Assignees and the names of creators and team supervisors of `rows`, in one round trip. */
export async function loadTicketPeople(
  ctx: ServiceContext,
  rows: Pick<TicketRow, "id" | "createdBy" | "teamSupervisorId">[],
): Promise<{ assignees: Map<string, AssigneeInfo[]>; names: PeopleNames }> {
  if (!rows.length) return { assignees: new Map(), names: new Map() };
  const people = [
    ...new Set(rows.flatMap((r) => [r.createdBy, r.teamSupervisorId]).filter((id): id is string => Boolean(id))),
  ];
  const [assigneeQuery, nameQuery] = ticketPeopleQueries(
    ctx,
    rows.map((r) => r.id),
    inList(users.id, people.length ? people : [""]),
  );
  const [found, named] = await ctx.db.batch([assigneeQuery, nameQuery]);
  return ticketPeopleFrom(found, named);
}

/** The two reads behind a ticket's people, for a caller's own batch: the tickets' assignees, and the names `who` selects. */
export function ticketPeopleQueries(ctx: ServiceContext, ticketIds: string[], who: SQL) {
  const assigneeQuery = ctx.db
    .select({
      a: ticketAssignees,
      first: users.firstName,
      last: users.lastName,
      username: users.username,
      phone: users.phone,
      supervisorId: technicianProfiles.supervisorId,
    })
    .from(ticketAssignees)
    .innerJoin(users, eq(users.id, ticketAssignees.technicianId))
    .leftJoin(technicianProfiles, eq(technicianProfiles.userId, ticketAssignees.technicianId))
    .where(inList(ticketAssignees.ticketId, ticketIds))
    .orderBy(asc(ticketAssignees.assignedAt));
  const nameQuery = ctx.db
    .select({ id: users.id, first: users.firstName, last: users.lastName, username: users.username })
    .from(users)
    .where(who);
  return [assigneeQuery, nameQuery] as const;
}

type PeopleQueries = ReturnType<typeof ticketPeopleQueries>;

/** Assignees by ticket and names by user, from the rows of `ticketPeopleQueries`. */
export function ticketPeopleFrom(
  found: Awaited<PeopleQueries[0]>,
  named: Awaited<PeopleQueries[1]>,
): { assignees: Map<string, AssigneeInfo[]>; names: PeopleNames } {
  const out = new Map<string, AssigneeInfo[]>();
  const names: PeopleNames = new Map();
  for (const p of named) names.set(p.id, displayName(p.first, p.last, p.username));
  for (const r of found) {
    const list = out.get(r.a.ticketId) ?? [];
    list.push({
      technicianId: r.a.technicianId,
      displayName: displayName(r.first, r.last, r.username),
      phone: r.phone,
      assignedAt: r.a.assignedAt,
      dueAt: r.a.dueAt,
      reason: r.a.reason,
      supervisorId: r.supervisorId,
    });
    out.set(r.a.ticketId, list);
  }
  return { assignees: out, names };
}

export function toTicketResponse(
  t: TicketRow,
  assignees: AssigneeInfo[],
  relation: Relation,
  names: PeopleNames = new Map(),
) {
  return {
    id: t.id,
    number: t.number,
    external_ref: t.externalRef,
    kind: t.kind,
    priority: t.priority,
    status: t.status,
    title: t.title,
    description: t.description,
    project_name: t.projectName,
    customer_id: t.customerId,
    asset_id: t.assetId,
    created_by: t.createdBy,
    created_by_name: names.get(t.createdBy) ?? null,
    team_supervisor_id: t.teamSupervisorId,
    team_name: t.teamSupervisorId ? (names.get(t.teamSupervisorId) ?? null) : null,
    service_area: t.serviceArea,
    required_skills: t.requiredSkills,
    location: t.lat !== null || t.address ? { lat: t.lat, lng: t.lng, address: t.address } : null,
    preferred_at: t.preferredAt,
    preferred_time: t.preferredTime,
    visit_type: t.visitType,
    scheduled_at: t.scheduledAt,
    estimated_minutes: t.estimatedMinutes,
    service_type: t.serviceType,
    contract_id: t.contractId,
    template_id: t.templateId,
    service_category: t.serviceCategory,
    assignees: assignees.map((a) => ({
      technician_id: a.technicianId,
      display_name: a.displayName,
      phone: a.phone ?? null,
      assigned_at: a.assignedAt,
      due_at: a.dueAt,
      reason: relation.internal ? a.reason : null,
    })),
    sla: slaState(t),
    milestones: {
      opened_at: t.openedAt,
      assigned_at: t.assignedAt,
      started_at: t.startedAt,
      on_hold_at: t.onHoldAt,
      resolved_at: t.resolvedAt,
      signed_off_at: t.signedOffAt,
      closed_at: t.closedAt,
      cancelled_at: t.cancelledAt,
    },
    allowed_actions: allowedActions(t.status, relation),
    version: t.version,
    created_at: t.createdAt,
    updated_at: t.updatedAt,
  };
}

export async function presentTickets(
  ctx: UserContext,
  rows: TicketRow[],
  preloaded?: { assignees: Map<string, AssigneeInfo[]>; names: PeopleNames },
) {
  const { assignees, names } = preloaded ?? (await loadTicketPeople(ctx, rows));
  const relations = await relationsOf(ctx, rows, assignees);
  return rows.map((r) => toTicketResponse(r, assignees.get(r.id) ?? [], relations.get(r.id)!, names));
}

export async function relationTo(ctx: UserContext, ticket: TicketRow) {
  const { assignees, names } = await loadTicketPeople(ctx, [ticket]);
  const relation = (await relationsOf(ctx, [ticket], assignees)).get(ticket.id)!;
  return { relation, assignees: assignees.get(ticket.id) ?? [], names };
}

/**
 * The ticket as this request changed it, shown with the relation and assignees read before the
 * change: a change that leaves the ticket's people alone keeps both, so one read suffices.
 */
export async function presentChanged(
  ctx: UserContext,
  id: string,
  before: { relation: Relation; assignees: AssigneeInfo[]; names?: PeopleNames },
) {
  const row = (await ctx.db.query.tickets.findFirst({ where: eq(tickets.id, id) }))!;
  return toTicketResponse(row, before.assignees, before.relation, before.names);
}

/** The caller's view of a ticket's people, read before a change: who is assigned, the names it shows, the caller's relation. */
export interface SeenPeople {
  relation: Relation;
  assignees: AssigneeInfo[];
  names: PeopleNames;
}

/**
 * A ticket the caller may see, its people and the caller's relation to it, with `also` (what the
 * caller's step needs besides) in the same batch: one round trip, 404 when the caller may not see it.
 */
export async function seenTicket<T>(
  ctx: UserContext,
  id: string,
  also: Reads<T>,
): Promise<{ ticket: TicketRow; people: SeenPeople; also: T }> {
  const { seen, value } = await runReads(ctx.env.DB, allReads({ seen: ticketsAsSeen(ctx, [id]), value: also }));
  const ticket = seen.rows[0];
  if (!ticket) throw new AppError("not_found", "No such ticket.");
  return {
    ticket,
    people: { relation: seen.relations.get(id)!, assignees: seen.assignees.get(id) ?? [], names: seen.names },
    also: value,
  };
}

/** The ticket's row as a read for the end of a change's batch (the answer), and its mapping. */
export function ticketRowAfter(ctx: ServiceContext, id: string) {
  const after = readInBatch(ctx.db.select().from(tickets).where(eq(tickets.id, id)).limit(1));
  return { statement: after.statement, row: (result: D1Result): TicketRow | undefined => after.map(result)[0] };
}

export async function getTicket(ctx: UserContext, id: string) {
  const ticket = await findVisibleTicket(ctx, id);
  const { relation, assignees, names } = await relationTo(ctx, ticket);
  return toTicketResponse(ticket, assignees, relation, names);
}

// ---- detail (WO-3) ----

/** Comments with their authors' names, those `where` selects that the caller may read (internal notes only for staff who read them). */
export function commentsWithAuthors(ctx: UserContext, where: SQL | undefined) {
  const seesInternal = ctx.actor.permissions.has("tickets:internal");
  return ctx.db
    .select({ c: ticketComments, first: users.firstName, last: users.lastName, username: users.username })
    .from(ticketComments)
    .leftJoin(users, eq(users.id, ticketComments.authorId))
    .where(and(where, seesInternal ? undefined : eq(ticketComments.visibility, "public")));
}

type CommentWithAuthor = Awaited<ReturnType<typeof commentsWithAuthors>>[number];

export function toCommentResponse({ c, first, last, username }: CommentWithAuthor) {
  return {
    id: c.id,
    author_id: c.authorId,
    author_name: displayName(first, last, username) || "unknown",
    body: c.body,
    visibility: c.visibility,
    created_at: c.createdAt,
  };
}

/**
 * Tickets among `ids` as the caller sees them — the rows they may read, with assignees, the names
 * of creators and team supervisors, and the caller's relation to each — as reads for one batch.
 */
export function ticketsAsSeen(ctx: UserContext, ids: string[], options: { unassigned?: boolean } = {}) {
  const ofThese = inList(tickets.id, ids);
  const [assigneeQuery, nameQuery] = ticketPeopleQueries(
    ctx,
    ids,
    sql`${users.id} IN (SELECT created_by FROM tickets WHERE ${ofThese} UNION SELECT team_supervisor_id FROM tickets WHERE ${ofThese})`,
  );
  return mapReads(
    allReads({
      rows: reads(
        ctx.db
          .select()
          .from(tickets)
          .where(and(ofThese, visibleTickets(ctx))),
      ),
      // A ticket just raised has nobody assigned yet: no read for that.
      assignees: options.unassigned ? known([]) : reads(assigneeQuery),
      named: reads(nameQuery),
      customerId: linkedCustomerReads(ctx),
    }),
    ({ rows, assignees: found, named, customerId }) => {
      const { assignees, names } = ticketPeopleFrom(found, named);
      return { rows, assignees, names, relations: relationsFrom(ctx, rows, assignees, customerId) };
    },
  );
}

/** A ticket with its comments, attachments, history and work logs: one round trip, 404 when the caller may not see it. */
export async function getTicketDetail(ctx: UserContext, id: string) {
  const seesInternal = ctx.actor.permissions.has("tickets:internal");
  const { seen, comments, attachments, history, logs } = await runReads(
    ctx.env.DB,
    allReads({
      seen: ticketsAsSeen(ctx, [id]),
      comments: reads(commentsWithAuthors(ctx, eq(ticketComments.ticketId, id)).orderBy(asc(ticketComments.createdAt))),
      attachments: reads(
        ctx.db
          .select()
          .from(ticketAttachments)
          .where(eq(ticketAttachments.ticketId, id))
          .orderBy(asc(ticketAttachments.createdAt)),
      ),
      history: reads(
        ctx.db
          .select({ row: ticketHistory, actorName })
          .from(ticketHistory)
          .leftJoin(users, eq(users.id, ticketHistory.actorId))
          .where(and(eq(ticketHistory.ticketId, id), seesInternal ? undefined : eq(ticketHistory.internal, false)))
          .orderBy(asc(ticketHistory.createdAt), sql`ticket_history.rowid`),
      ),
      logs: reads(ctx.db.select().from(workLogs).where(eq(workLogs.ticketId, id)).orderBy(asc(workLogs.createdAt))),
    }),
  );
  const ticket = seen.rows[0];
  if (!ticket) throw new AppError("not_found", "No such ticket.");
  return {
    ...toTicketResponse(ticket, seen.assignees.get(id) ?? [], seen.relations.get(id)!, seen.names),
    archived_at: null as string | null,
    comments: comments.map(toCommentResponse),
    attachments: attachments.map(toAttachmentResponse),
    history: history.map((h) => toHistoryResponse(h.row, seesInternal, h.actorName)),
    work_logs: logs.map(toWorkLogResponse),
  };
}

export function toAttachmentResponse(a: typeof ticketAttachments.$inferSelect) {
  return {
    id: a.id,
    filename: a.filename,
    content_type: a.contentType,
    size_bytes: a.sizeBytes,
    uploaded_by: a.uploadedBy,
    created_at: a.createdAt,
    download_url: `/v1/tickets/${a.ticketId}/attachments/${a.id}`,
  };
}

/**
 * History comments a customer may read: what they or the work itself said. Comments on workflow
 * steps (hold, reject, cancel, assignment, SLA, appointment moves) are staff-only, like internal notes.
 */
const PUBLIC_HISTORY_COMMENTS = new Set(["created", "commented", "work_logged", "completed", "rescheduled"]);

/** Who made a history entry, by name: the user's display name; null for the system or a customer on a link. */
const actorName = sql<
  string | null
>`CASE WHEN ${users.id} IS NULL THEN NULL ELSE coalesce(nullif(trim(${users.firstName} || ' ' || ${users.lastName}), ''), ${users.username}) END`;

export function toHistoryResponse(
  h: typeof ticketHistory.$inferSelect,
  seesInternal: boolean,
  actorName: string | null,
) {
  const comment = seesInternal || PUBLIC_HISTORY_COMMENTS.has(h.action) ? h.comment : null;
  return {
    id: h.id,
    actor_id: h.actorId,
    actor_name: actorName,
    action: h.action,
    from: h.fromValue,
    to: h.toValue,
    comment,
    created_at: h.createdAt,
  };
}

export function toWorkLogResponse(w: typeof workLogs.$inferSelect) {
  return {
    id: w.id,
    technician_id: w.technicianId,
    work_detail: w.workDetail,
    parts: w.parts.map((p) => ({ ...p, source: p.source ?? ("stock" as const) })),
    parts_cost: w.parts.reduce((sum, p) => sum + p.quantity * p.unit_price, 0),
    amount_charged: w.amountCharged,
    next_service_date: w.nextServiceDate,
    verified_by_code: w.verifiedByCode,
    created_at: w.createdAt,
  };
}

/** Rows written in one batch share a time; their insertion order (rowid, zero-padded so it sorts as text) breaks the tie. */
const historySeq = sql<string>`printf('%012d', ${ticketHistory}.rowid)`;

export async function listHistory(ctx: UserContext, id: string, query: { limit: number; cursor?: string }) {
  const seesInternal = ctx.actor.permissions.has("tickets:internal");
  const page = keyset({
    order: "created_at",
    column: ticketHistory.createdAt,
    idColumn: historySeq,
    cursor: query.cursor,
  });
  const rows = await withVisibleTicket(
    ctx,
    id,
    reads(
      ctx.db
        .select({ row: ticketHistory, seq: historySeq, actorName })
        .from(ticketHistory)
        .leftJoin(users, eq(users.id, ticketHistory.actorId))
        .where(
          and(eq(ticketHistory.ticketId, id), seesInternal ? undefined : eq(ticketHistory.internal, false), page.where),
        )
        .orderBy(...page.orderBy)
        .limit(query.limit + 1),
    ),
  );
  const result = page.page(
    rows.map((r) => ({ ...r, id: r.row.id })),
    query.limit,
    (r) => r.row.createdAt,
    (r) => r.seq,
  );
  return {
    data: result.data.map((h) => toHistoryResponse(h.row, seesInternal, h.actorName)),
    next_cursor: result.next_cursor,
    has_more: result.next_cursor !== null,
  };
}

// ---- for notifications and integrators ----

/** Staff with every right: what integrators (webhooks) see of a ticket. */
const STAFF_VIEW: Relation = { own: false, assigned: false, team: false, all: true, triage: true, internal: true };

/**
 * The people around a ticket, for deciding who hears about it: who raised it, its technicians and
 * their supervisors, its team, and its customer's contact details. Null when there is no such ticket.
 */
export async function ticketAudience(ctx: ServiceContext, ticketId: string) {
  const ticket = await ctx.db.query.tickets.findFirst({ where: eq(tickets.id, ticketId) });
  if (!ticket) return null;
  const [{ assignees: byTicket, names }, customer] = await Promise.all([
    loadTicketPeople(ctx, [ticket]),
    ticket.customerId ? findCustomer(ctx, ticket.customerId).catch(() => undefined) : undefined,
  ]);
  const assignees = byTicket.get(ticketId) ?? [];
  return {
    ticket,
    assignees: assignees.map((a) => ({ id: a.technicianId, supervisorId: a.supervisorId })),
    customer: customer
      ? {
          id: customer.id,
          userId: customer.userId,
          phone: customer.phone,
          email: customer.email,
          whatsapp: customer.whatsapp,
          messageChannels: customer.messageChannels,
          language: customer.language,
        }
      : null,
    /** The ticket as the API shows it to staff who see everything: the shape webhooks carry. */
    presented: toTicketResponse(ticket, assignees, STAFF_VIEW, names),
  };
}
