// Archived tickets, read back: the detail of one (from its part in R2) and a customer's history (live and archived).
import { and, desc, eq, isNull, type SQL, sql } from "drizzle-orm";
import {
  archiveParts,
  archivedTickets,
  customers,
  technicianProfiles,
  ticketAssignees,
  ticketAttachments,
  ticketComments,
  ticketHistory,
  tickets,
  users,
  workLogs,
} from "../../db/schema";
import { fromStored, readArchivedLine } from "../../lib/archive";
import type { UserContext } from "../../lib/context";
import { inList } from "../../lib/d1";
import { displayName } from "../../lib/names";
import { keyset } from "../../lib/pagination";
import { AppError } from "../../lib/problem";
import { relationsOf, visibleArchivedTickets, visibleCustomers, visibleTickets } from "../access";
import {
  type AssigneeInfo,
  getTicketDetail,
  toAttachmentResponse,
  toHistoryResponse,
  toTicketResponse,
  toWorkLogResponse,
} from "./tickets.present";

/** The ticket, from the database or else from the archive. */
export async function getTicketOrArchived(ctx: UserContext, id: string) {
  try {
    return await getTicketDetail(ctx, id);
  } catch (err) {
    if (err instanceof AppError && err.code === "not_found") return archivedTicketDetail(ctx, id);
    throw err;
  }
}

/**
 * An archived ticket as `GET /v1/tickets/{id}` shows it: the same fields, from the rows its part
 * holds (checked against the part's hash), people's names as they are now, no actions, and when
 * it was archived. Who may see it follows the live rule, on what the index row kept.
 */
export async function archivedTicketDetail(ctx: UserContext, id: string) {
  const [found] = await ctx.db
    .select({ partKey: archivedTickets.partKey, archivedAt: archivedTickets.archivedAt, sha: archiveParts.sha256 })
    .from(archivedTickets)
    .innerJoin(archiveParts, eq(archiveParts.key, archivedTickets.partKey))
    .where(and(eq(archivedTickets.ticketId, id), await visibleArchivedTickets(ctx)))
    .limit(1);
  if (!found) throw new AppError("not_found", "No such ticket.");
  const { sections } = await readArchivedLine(ctx.env.FILES, found.partKey, found.sha, id);
  const rows = <T extends Parameters<typeof fromStored>[0]>(table: T, name: string) =>
    (sections[name] ?? []).map((r) => fromStored(table, r));
  const ticket = fromStored(tickets, sections.tickets[0]);
  const assigned = rows(ticketAssignees, "ticket_assignees").sort((a, b) => a.assignedAt.localeCompare(b.assignedAt));
  const seesInternal = ctx.actor.permissions.has("tickets:internal");
  const comments = rows(ticketComments, "ticket_comments")
    .filter((c) => seesInternal || c.visibility === "public")
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const history = rows(ticketHistory, "ticket_history")
    .filter((h) => seesInternal || !h.internal)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const people = [
    ticket.createdBy,
    ticket.teamSupervisorId,
    ...assigned.map((a) => a.technicianId),
    ...comments.map((c) => c.authorId),
    ...history.map((h) => h.actorId),
  ].filter((p): p is string => Boolean(p));
  const known = people.length
    ? await ctx.db
        .select({
          id: users.id,
          first: users.firstName,
          last: users.lastName,
          username: users.username,
          phone: users.phone,
          supervisorId: technicianProfiles.supervisorId,
        })
        .from(users)
        .leftJoin(technicianProfiles, eq(technicianProfiles.userId, users.id))
        .where(inList(users.id, people))
    : [];
  const person = new Map(known.map((p) => [p.id, p]));
  const names = new Map(known.map((p) => [p.id, displayName(p.first, p.last, p.username)]));
  const assignees: AssigneeInfo[] = assigned.map((a) => ({
    technicianId: a.technicianId,
    displayName: names.get(a.technicianId) ?? "",
    phone: person.get(a.technicianId)?.phone ?? null,
    assignedAt: a.assignedAt,
    dueAt: a.dueAt,
    reason: a.reason,
    supervisorId: person.get(a.technicianId)?.supervisorId ?? null,
  }));
  const relation = (await relationsOf(ctx, [ticket], new Map([[id, assignees]]))).get(id)!;
  return {
    ...toTicketResponse(ticket, assignees, relation, names),
    allowed_actions: [],
    archived_at: found.archivedAt,
    comments: comments.map((c) => ({
      id: c.id,
      author_id: c.authorId,
      author_name: (c.authorId && names.get(c.authorId)) || "unknown",
      body: c.body,
      visibility: c.visibility,
      created_at: c.createdAt,
    })),
    attachments: rows(ticketAttachments, "ticket_attachments")
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .map(toAttachmentResponse),
    history: history.map((h) => toHistoryResponse(h, seesInternal, h.actorId ? (names.get(h.actorId) ?? null) : null)),
    work_logs: rows(workLogs, "work_logs")
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .map(toWorkLogResponse),
  };
}

/**
 * A customer's tickets, newest first, live and archived in one list (each side read from its own
 * index in one round trip and merged under one cursor); each says whether and when it was archived.
 */
export async function listCustomerHistory(ctx: UserContext, customerId: string, q: { limit: number; cursor?: string }) {
  const livePage = keyset({ order: "-created_at", column: tickets.createdAt, idColumn: tickets.id, cursor: q.cursor });
  const archivedPage = keyset({
    order: "-created_at",
    column: archivedTickets.createdAt,
    idColumn: archivedTickets.ticketId,
    cursor: q.cursor,
  });
  const [visible, visibleArchived, reach] = await Promise.all([
    visibleTickets(ctx),
    visibleArchivedTickets(ctx),
    visibleCustomers(ctx),
  ]);
  const finished: SQL<string | null> = sql`coalesce(${tickets.closedAt}, ${tickets.cancelledAt})`;
  const [customer, live, archived] = await ctx.db.batch([
    ctx.db
      .select({ id: customers.id })
      .from(customers)
      .where(and(eq(customers.id, customerId), isNull(customers.deletedAt), reach)),
    ctx.db
      .select({
        id: tickets.id,
        number: tickets.number,
        kind: tickets.kind,
        status: tickets.status,
        title: tickets.title,
        createdAt: tickets.createdAt,
        finishedAt: finished,
        archivedAt: sql<string | null>`NULL`,
      })
      .from(tickets)
      .where(and(eq(tickets.customerId, customerId), visible, livePage.where))
      .orderBy(...livePage.orderBy)
      .limit(q.limit + 1),
    ctx.db
      .select({
        id: archivedTickets.ticketId,
        number: archivedTickets.number,
        kind: archivedTickets.kind,
        status: archivedTickets.status,
        title: archivedTickets.title,
        createdAt: archivedTickets.createdAt,
        finishedAt: sql<string | null>`${archivedTickets.finishedAt}`,
        archivedAt: sql<string | null>`${archivedTickets.archivedAt}`,
      })
      .from(archivedTickets)
      .where(and(eq(archivedTickets.customerId, customerId), visibleArchived, archivedPage.where))
      .orderBy(desc(archivedTickets.createdAt), desc(archivedTickets.ticketId))
      .limit(q.limit + 1),
  ]);
  if (!customer.length) throw new AppError("not_found", "No such customer.");
  const merged = [...live, ...archived].sort((a, b) =>
    a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1,
  );
  const result = livePage.page(merged, q.limit, (r) => r.createdAt);
  return {
    data: result.data.map((r) => ({
      id: r.id,
      number: r.number,
      kind: r.kind,
      status: r.status,
      title: r.title,
      created_at: r.createdAt,
      finished_at: r.finishedAt,
      archived: r.archivedAt !== null,
      archived_at: r.archivedAt,
    })),
    next_cursor: result.next_cursor,
    has_more: result.next_cursor !== null,
  };
}
