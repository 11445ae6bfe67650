import { and, eq, or, sql, type SQL } from "drizzle-orm";
import { allReads, inList, known, mapReads, reads, runReads, type Reads } from "../../lib/d1";
import { archivedTickets, customers, technicianProfiles, ticketAssignees, tickets } from "../../db/schema";
import type { UserContext } from "../../lib/context";
import { AppError } from "../../lib/problem";

export type TicketRow = typeof tickets.$inferSelect;
export type Scope = "all" | "team" | "personal";

/** How the caller relates to the ticket. */
export interface Relation {
  /** Raised it, or is the customer it is for. */
  own: boolean;
  /** One of its technicians. */
  assigned: boolean;
  /** Supervises its team or one of its technicians. */
  team: boolean;
  /** Sees every ticket. */
  all: boolean;
  /** Holds tickets:assign: may triage what it can see. */
  triage: boolean;
  /** Reads staff-only fields: internal notes, assignment reasons, workflow comments. */
  internal: boolean;
}

export function scopeOf(ctx: UserContext): Scope {
  if (ctx.actor.permissions.has("tickets:scope_all")) return "all";
  if (ctx.actor.permissions.has("tickets:scope_team")) return "team";
  return "personal";
}

/** The customer record linked to the caller's login, if any (never creates one). */
export async function linkedCustomerId(ctx: UserContext): Promise<string | null> {
  const row = await ctx.db.query.customers.findFirst({
    where: eq(customers.userId, ctx.actor.userId),
    columns: { id: true },
  });
  return row?.id ?? null;
}

/**
 * The caller's customer record as a subquery, for a customer login (only those can be linked to
 * one, see customers.service assertLinkableUser); null for anyone else. A subquery, not a read
 * first: the condition costs no round trip of its own.
 */
function linkedCustomerSql(ctx: UserContext): SQL | null {
  return ctx.actor.role === "customer"
    ? sql`(SELECT c.id FROM customers c WHERE c.user_id = ${ctx.actor.userId})`
    : null;
}

/**
 * The SQL condition for "tickets this caller may see": all; or own, assigned and (for
 * supervisors) the team's. Each branch is served by an index (creator, customer, assignee,
 * team), so SQLite answers it with a multi-index OR rather than a scan.
 */
export function visibleTickets(ctx: UserContext): SQL | undefined {
  const scope = scopeOf(ctx);
  if (scope === "all") return undefined;
  const me = ctx.actor.userId;
  const customerId = linkedCustomerSql(ctx);
  const branches: SQL[] = [
    eq(tickets.createdBy, me),
    inList(
      tickets.id,
      ctx.db.select({ id: ticketAssignees.ticketId }).from(ticketAssignees).where(eq(ticketAssignees.technicianId, me)),
    ),
  ];
  if (customerId) branches.push(eq(tickets.customerId, customerId));
  if (scope === "team") {
    branches.push(eq(tickets.teamSupervisorId, me));
    branches.push(
      inList(
        tickets.id,
        ctx.db
          .select({ id: ticketAssignees.ticketId })
          .from(ticketAssignees)
          .innerJoin(technicianProfiles, eq(technicianProfiles.userId, ticketAssignees.technicianId))
          .where(eq(technicianProfiles.supervisorId, me)),
      ),
    );
  }
  return or(...branches);
}

/**
 * The same rule for archived tickets, on what their index row kept: the creator, the customer,
 * the technicians (a JSON array) and, for supervisors, the team and the technicians they lead.
 */
export async function visibleArchivedTickets(ctx: UserContext): Promise<SQL | undefined> {
  const scope = scopeOf(ctx);
  if (scope === "all") return undefined;
  const me = ctx.actor.userId;
  const customerId = linkedCustomerSql(ctx);
  const branches: SQL[] = [
    eq(archivedTickets.createdBy, me),
    sql`EXISTS (SELECT 1 FROM json_each(${archivedTickets.technicianIds}) WHERE value = ${me})`,
  ];
  if (customerId) branches.push(eq(archivedTickets.customerId, customerId));
  if (scope === "team") {
    branches.push(eq(archivedTickets.teamSupervisorId, me));
    branches.push(
      sql`EXISTS (SELECT 1 FROM json_each(${archivedTickets.technicianIds}) j JOIN technician_profiles p ON p.user_id = j.value WHERE p.supervisor_id = ${me})`,
    );
  }
  return or(...branches);
}

/** Dispatch's rights over a ticket: holds tickets:assign and sees it through all-scope or the team. */
export function canTriage(relation: Relation): boolean {
  return relation.triage && (relation.all || relation.team);
}

/** A ticket the caller may see, or 404: a caller who may not see it does not learn it exists. */
export async function findVisibleTicket(ctx: UserContext, id: string): Promise<TicketRow> {
  const row = await ctx.db.query.tickets.findFirst({ where: and(eq(tickets.id, id), await visibleTickets(ctx)) });
  if (!row) throw new AppError("not_found", "No such ticket.");
  return row;
}

/**
 * A read of the ticket's parts together with the check that the caller may see the ticket, in one
 * batch: the parts are answered only when the ticket is visible, else 404 as `findVisibleTicket`.
 */
export async function withVisibleTicket<T>(ctx: UserContext, id: string, parts: Reads<T>): Promise<T> {
  const { ticket, value } = await runReads(
    ctx.env.DB,
    allReads({
      ticket: reads(
        ctx.db
          .select({ id: tickets.id })
          .from(tickets)
          .where(and(eq(tickets.id, id), visibleTickets(ctx)))
          .limit(1),
      ),
      value: parts,
    }),
  );
  if (!ticket.length) throw new AppError("not_found", "No such ticket.");
  return value;
}

/** How the caller relates to each ticket, from the tickets' assignees and their supervisors. */
export async function relationsOf(
  ctx: UserContext,
  rows: TicketRow[],
  assignees: Map<string, { technicianId: string; supervisorId: string | null }[]>,
): Promise<Map<string, Relation>> {
  // Only customer logins can be linked to a customer record (customers.service assertLinkableUser).
  const customerId =
    ctx.actor.role === "customer" && rows.some((r) => r.customerId) ? await linkedCustomerId(ctx) : null;
  return relationsFrom(ctx, rows, assignees, customerId);
}

/** The caller's customer record for `relationsFrom`, in a caller's batch (no read unless a customer login calls). */
export function linkedCustomerReads(ctx: UserContext): Reads<string | null> {
  if (ctx.actor.role !== "customer") return known(null);
  return mapReads(
    reads(ctx.db.select({ id: customers.id }).from(customers).where(eq(customers.userId, ctx.actor.userId)).limit(1)),
    (rows) => rows[0]?.id ?? null,
  );
}

/** `relationsOf` from what was read: the assignees and the caller's own customer record. */
export function relationsFrom(
  ctx: UserContext,
  rows: TicketRow[],
  assignees: Map<string, { technicianId: string; supervisorId: string | null }[]>,
  customerId: string | null,
): Map<string, Relation> {
  const me = ctx.actor.userId;
  const scope = scopeOf(ctx);
  const triage = ctx.actor.permissions.has("tickets:assign");
  const internal = ctx.actor.permissions.has("tickets:internal");
  const out = new Map<string, Relation>();
  for (const t of rows) {
    const people = assignees.get(t.id) ?? [];
    out.set(t.id, {
      own: t.createdBy === me || (customerId !== null && t.customerId === customerId),
      assigned: people.some((p) => p.technicianId === me),
      team: scope !== "personal" && (t.teamSupervisorId === me || people.some((p) => p.supervisorId === me)),
      all: scope === "all",
      triage,
      internal,
    });
  }
  return out;
}
