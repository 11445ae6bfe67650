import { and, asc, eq, isNull, or, sql, type SQL } from "drizzle-orm";
import { takeCounter } from "../../lib/counters";
import { displayName } from "../../lib/names";
import { assertTechniciansInReach } from "../access";
import { inList, known, readInBatch } from "../../lib/d1";
import {
  technicianProfiles,
  ticketAssignees,
  tickets,
  users,
  FINISHED_STATUSES,
  UNFINISHED_STATUSES,
} from "../../db/schema";
import type { ServiceContext, UserContext } from "../../lib/context";
import { nowIso } from "../../lib/ids";
import { AppError } from "../../lib/problem";
import { todayIn, zonedTimeToUtc, addDays } from "../../lib/time";
import { relationsOf, scopeOf, visibleTickets, type TicketRow } from "../access";

import { changeTicket } from "./change";
import {
  getTicket,
  seenTicket,
  ticketPeopleFrom,
  ticketPeopleQueries,
  ticketsAsSeen,
  toTicketResponse,
} from "./tickets.present";
import { assertTriage, transitionColumns } from "./tickets.write";
import type { TicketChange } from "./change";

export type Strategy = "round_robin" | "least_loaded";

interface Candidate {
  id: string;
  username: string;
}

/** Active, available technicians (not on time off) with every required skill and the ticket's area (and team, if set). */
export async function eligibleTechnicians(
  ctx: ServiceContext,
  ticket: Pick<TicketRow, "requiredSkills" | "serviceArea" | "teamSupervisorId">,
): Promise<Candidate[]> {
  const conditions = [
    eq(users.role, "technician"),
    eq(users.status, "active"),
    isNull(users.deletedAt),
    eq(technicianProfiles.isAvailable, true),
    // Nobody on approved time off now (leave, sickness, training).
    sql`NOT EXISTS (SELECT 1 FROM time_off o WHERE o.technician_id = ${users.id} AND o.status = 'approved'
      AND o.starts_at <= ${nowIso()} AND o.ends_at > ${nowIso()})`,
    ...ticket.requiredSkills.map(
      (skill) => sql`EXISTS (SELECT 1 FROM json_each(${technicianProfiles.skills}) WHERE json_each.value = ${skill})`,
    ),
  ];
  if (ticket.serviceArea)
    conditions.push(
      sql`EXISTS (SELECT 1 FROM json_each(${technicianProfiles.serviceAreas}) WHERE json_each.value = ${ticket.serviceArea})`,
    );
  if (ticket.teamSupervisorId) conditions.push(eq(technicianProfiles.supervisorId, ticket.teamSupervisorId));
  return ctx.db
    .select({ id: users.id, username: users.username })
    .from(users)
    .innerJoin(technicianProfiles, eq(technicianProfiles.userId, users.id))
    .where(and(...conditions))
    .orderBy(asc(users.id));
}

/**
 * `eligibleTechnicians` of a ticket nobody holds, as a subquery answering `value` (technician ids
 * in id order) for a caller's batch; it answers nobody when the ticket has technicians.
 */
export function eligibleTechniciansSql(ticketId: string): SQL {
  const now = nowIso();
  return sql`SELECT u.id AS value FROM tickets t, users u JOIN technician_profiles p ON p.user_id = u.id
    WHERE t.id = ${ticketId} AND u.role = 'technician' AND u.status = 'active' AND u.deleted_at IS NULL
      AND p.is_available = 1
      AND NOT EXISTS (SELECT 1 FROM time_off o WHERE o.technician_id = u.id AND o.status = 'approved'
        AND o.starts_at <= ${now} AND o.ends_at > ${now})
      AND NOT EXISTS (SELECT 1 FROM json_each(t.required_skills) s
        WHERE NOT EXISTS (SELECT 1 FROM json_each(p.skills) k WHERE k.value = s.value))
      AND (coalesce(t.service_area, '') = ''
        OR EXISTS (SELECT 1 FROM json_each(p.service_areas) a WHERE a.value = t.service_area))
      AND (t.team_supervisor_id IS NULL OR p.supervisor_id = t.team_supervisor_id)
      AND NOT EXISTS (SELECT 1 FROM ticket_assignees x WHERE x.ticket_id = t.id)
    ORDER BY u.id`;
}

/**
 * Picks one technician. Round-robin advances an atomic counter per pool (skills+area+team), so
 * concurrent assignments walk the pool instead of piling on one person; least-loaded counts
 * unfinished tickets and breaks ties by id.
 */
export async function chooseTechnician(
  ctx: ServiceContext,
  ticket: TicketRow,
  strategy: Strategy,
): Promise<{ technicianId: string; reason: string }> {
  const pool = await eligibleTechnicians(ctx, ticket);
  const criteria =
    [
      ticket.requiredSkills.length ? `skills ${ticket.requiredSkills.join("+")}` : null,
      ticket.serviceArea ? `area ${ticket.serviceArea}` : null,
      ticket.teamSupervisorId ? `team ${ticket.teamSupervisorId}` : null,
    ]
      .filter(Boolean)
      .join(", ") || "any technician";
  if (!pool.length) throw new AppError("unprocessable", `No available technician matches (${criteria}).`);
  if (strategy === "round_robin") {
    const poolKey = `rr:${ticket.teamSupervisorId ?? "*"}:${ticket.serviceArea ?? "*"}:${[...ticket.requiredSkills].sort().join("+") || "*"}`;
    const row = { value: await takeCounter(ctx.env.DB, poolKey, { first: 0 }) };
    const pick = pool[row.value % pool.length];
    return {
      technicianId: pick.id,
      reason: `round_robin: ${pick.username}, position ${(row.value % pool.length) + 1} of ${pool.length} eligible (${criteria})`,
    };
  }
  const loads = await ctx.db
    .select({ technicianId: ticketAssignees.technicianId, n: sql<number>`count(*)` })
    .from(ticketAssignees)
    .innerJoin(tickets, eq(tickets.id, ticketAssignees.ticketId))
    .where(
      and(
        inList(
          ticketAssignees.technicianId,
          pool.map((p) => p.id),
        ),
        inList(tickets.status, [...UNFINISHED_STATUSES]),
      ),
    )
    .groupBy(ticketAssignees.technicianId);
  const load = new Map(loads.map((l) => [l.technicianId, l.n]));
  const pick = [...pool].sort((a, b) => (load.get(a.id) ?? 0) - (load.get(b.id) ?? 0) || a.id.localeCompare(b.id))[0];
  return {
    technicianId: pick.id,
    reason: `least_loaded: ${pick.username} with ${load.get(pick.id) ?? 0} open tickets, among ${pool.length} eligible (${criteria})`,
  };
}

/**
 * Places an unassigned ticket with `strategy`, as truckroll itself (history without a person), and
 * schedules it at the customer's preferred time when they gave one. Null, changing nothing, when no
 * technician fits or the ticket moved on meanwhile: a second run over the same ticket is harmless.
 */
export async function autoAssign(
  ctx: ServiceContext,
  ticket: TicketRow,
  strategy: Strategy,
  triggeredBy: string | null,
): Promise<{ technicianId: string; displayName: string; scheduledAt: string | null } | null> {
  if (ticket.status !== "new" && ticket.status !== "opened") return null;
  let choice: { technicianId: string; reason: string };
  try {
    choice = await chooseTechnician(ctx, ticket, strategy);
  } catch (err) {
    if (err instanceof AppError && err.code === "unprocessable") return null;
    throw err;
  }
  const now = nowIso();
  const scheduledAt = ticket.scheduledAt ?? (ticket.preferredTime ? ticket.preferredAt : null);
  const set = { ...transitionColumns(ticket, "assign", "assigned", now), scheduled_at: scheduledAt };
  try {
    await changeTicket(
      { ...ctx, actor: { kind: "system", job: "auto-assign" } },
      {
        ticketId: ticket.id,
        expectStatus: [ticket.status],
        // Only a ticket nobody holds: a reopened one keeps its technicians (and a unique assignee row).
        expectAlso: { sql: "NOT EXISTS (SELECT 1 FROM ticket_assignees WHERE ticket_id = ?)", params: [ticket.id] },
        set,
        rows: [
          {
            table: ticketAssignees,
            row: {
              ticket_id: ticket.id,
              technician_id: choice.technicianId,
              assigned_by: triggeredBy ?? "system",
              due_at: null,
              reason: `auto-assign ${choice.reason}`,
              assigned_at: now,
            },
          },
        ],
        history: [
          { action: "assigned", to: choice.technicianId, comment: `auto-assign ${choice.reason}` },
          { action: "status_changed", from: ticket.status, to: "assigned" },
        ],
        events: [
          {
            type: "ticket.assigned",
            data: {
              number: ticket.number,
              technician_ids: [choice.technicianId],
              team_supervisor_id: ticket.teamSupervisorId,
              strategy,
              auto: true,
            },
          },
        ],
      },
    );
  } catch (err) {
    if (err instanceof AppError && err.code === "conflict") return null;
    throw err;
  }
  const person = await ctx.db.query.users.findFirst({
    where: eq(users.id, choice.technicianId),
    columns: { firstName: true, lastName: true, username: true },
  });
  return {
    technicianId: choice.technicianId,
    displayName: person ? displayName(person.firstName, person.lastName, person.username) : choice.technicianId,
    scheduledAt,
  };
}

export interface AssignInput {
  technician_ids?: string[];
  team_supervisor_id?: string;
  strategy?: Strategy;
  due_at?: string;
  scheduled_at?: string;
  estimated_resolution_at?: string;
  comment?: string;
}

/** The ticket's creator and team supervisor, for its people's names (as the ticket stands when the query runs). */
const namedBy = (id: string) =>
  or(
    eq(users.id, sql`(SELECT t.created_by FROM tickets t WHERE t.id = ${id})`),
    eq(users.id, sql`(SELECT t.team_supervisor_id FROM tickets t WHERE t.id = ${id})`),
  )!;

export async function assignTicket(ctx: UserContext, id: string, input: AssignInput) {
  const named = input.technician_ids?.length ? [...new Set(input.technician_ids)] : [];
  // One round trip: the ticket as the caller sees it, its people, the technicians named and the team's supervisor.
  const [assigneeQuery, nameQuery] = ticketPeopleQueries(ctx, [id], namedBy(id));
  const [ticketRows, found, names, technicianRows, supervisorRows] = await ctx.db.batch([
    ctx.db
      .select()
      .from(tickets)
      .where(and(eq(tickets.id, id), await visibleTickets(ctx)))
      .limit(1),
    assigneeQuery,
    nameQuery,
    ctx.db
      .select({ id: users.id })
      .from(users)
      .where(
        and(
          inList(users.id, named.length ? named : [""]),
          eq(users.role, "technician"),
          eq(users.status, "active"),
          isNull(users.deletedAt),
        ),
      ),
    ctx.db
      .select({ role: users.role })
      .from(users)
      .where(and(eq(users.id, input.team_supervisor_id ?? ""), isNull(users.deletedAt))),
  ]);
  const ticket = ticketRows[0];
  if (!ticket) throw new AppError("not_found", "No such ticket.");
  const people = ticketPeopleFrom(found, names);
  const assignees = people.assignees.get(id) ?? [];
  const relation = (await relationsOf(ctx, [ticket], people.assignees)).get(id)!;
  assertTriage(relation);
  if ((FINISHED_STATUSES as readonly string[]).includes(ticket.status)) {
    throw new AppError("invalid_transition", `Cannot assign a ticket that is ${ticket.status}.`);
  }
  if (input.team_supervisor_id) {
    const sup = supervisorRows[0];
    if (!sup || !["supervisor", "manager", "admin"].includes(sup.role)) {
      throw new AppError("validation_failed", "Unknown team.", {
        errors: [{ path: "team_supervisor_id", message: "Not a supervisor" }],
      });
    }
    // A supervisor without scope_all assigns within their own team only.
    if (scopeOf(ctx) !== "all" && input.team_supervisor_id !== ctx.actor.userId)
      throw new AppError("forbidden", "You can only assign to your own team.");
  }
  const teamSupervisorId = input.team_supervisor_id ?? ticket.teamSupervisorId;

  let chosen: { technicianId: string; reason: string | null }[] = [];
  if (input.strategy) {
    chosen = [await chooseTechnician(ctx, { ...ticket, teamSupervisorId }, input.strategy)];
  } else if (named.length) {
    const missing = named.filter((tid) => !technicianRows.some((f) => f.id === tid));
    if (missing.length)
      throw new AppError("validation_failed", "Some ids are not active technicians.", {
        errors: missing.map((tid) => ({ path: "technician_ids", message: `${tid} is not an active technician` })),
      });
    await assertTechniciansInReach(ctx, named, "technician_ids");
    chosen = named.map((technicianId) => ({ technicianId, reason: input.comment ?? null }));
  }
  const fresh = chosen.filter((c) => !assignees.some((a) => a.technicianId === c.technicianId));

  const now = nowIso();
  const willHaveAssignees = assignees.length + fresh.length > 0;
  const to = ["new", "opened"].includes(ticket.status) && willHaveAssignees ? "assigned" : ticket.status;
  const set = {
    ...transitionColumns(ticket, "assign", to, now),
    team_supervisor_id: teamSupervisorId ?? null,
  } as Record<string, string | number | null>;
  if (input.scheduled_at) set.scheduled_at = new Date(input.scheduled_at).toISOString();
  if (input.estimated_resolution_at)
    set.estimated_resolution_at = new Date(input.estimated_resolution_at).toISOString();
  const dueAt = input.due_at ? new Date(input.due_at).toISOString() : null;
  // The answer comes from reads at the end of the change's batch: the ticket and its people as they now stand.
  const ticketAfter = readInBatch(ctx.db.select().from(tickets).where(eq(tickets.id, id)).limit(1));
  const [assigneesQueryAfter, namesQueryAfter] = ticketPeopleQueries(ctx, [id], namedBy(id));
  const assigneesAfter = readInBatch(assigneesQueryAfter);
  const namesAfter = readInBatch(namesQueryAfter);
  const { reads } = await changeTicket(ctx, {
    ticketId: id,
    expectStatus: [ticket.status],
    readBack: [ticketAfter.statement, assigneesAfter.statement, namesAfter.statement],
    set,
    rows: fresh.map((c) => ({
      table: ticketAssignees,
      row: {
        ticket_id: id,
        technician_id: c.technicianId,
        assigned_by: ctx.actor.userId,
        due_at: dueAt,
        reason: c.reason,
        assigned_at: now,
      },
    })),
    history: [
      ...fresh.map((c) => ({ action: "assigned", to: c.technicianId, comment: c.reason ?? input.comment })),
      ...(input.team_supervisor_id && input.team_supervisor_id !== ticket.teamSupervisorId
        ? [{ action: "team_assigned", from: ticket.teamSupervisorId, to: input.team_supervisor_id }]
        : []),
      ...(to !== ticket.status ? [{ action: "status_changed", from: ticket.status, to }] : []),
    ],
    events: [
      {
        type: "ticket.assigned",
        data: {
          number: ticket.number,
          technician_ids: fresh.map((c) => c.technicianId),
          team_supervisor_id: teamSupervisorId ?? null,
          strategy: input.strategy ?? null,
        },
      },
    ],
  });
  const row = ticketAfter.map(reads[0])[0];
  const now_ = ticketPeopleFrom(assigneesAfter.map(reads[1]), namesAfter.map(reads[2]));
  const relationNow = (await relationsOf(ctx, [row], now_.assignees)).get(id)!;
  return toTicketResponse(row, now_.assignees.get(id) ?? [], relationNow, now_.names);
}

export async function unassignTicket(ctx: UserContext, id: string, technicianIds: string[], comment?: string) {
  const {
    ticket,
    people: { relation, assignees },
  } = await seenTicket(ctx, id, known(null));
  assertTriage(relation);
  const removing = assignees.filter((a) => technicianIds.includes(a.technicianId));
  if (!removing.length)
    throw new AppError("validation_failed", "None of these technicians is assigned.", {
      errors: [{ path: "technician_ids", message: "Not assigned" }],
    });
  const left = assignees.length - removing.length;
  const to = ticket.status === "assigned" && left === 0 ? "opened" : ticket.status;
  const removed = removing.map((r) => r.technicianId);
  // The answer: the ticket and its people as they stand after the change, read at the end of its batch.
  const after = ticketsAsSeen(ctx, [id]);
  const { reads } = await changeTicket(ctx, {
    ticketId: id,
    readBack: after.statements,
    expectStatus: [ticket.status],
    set: { status: to },
    statements: (guard) => [
      ctx.env.DB.prepare(
        `DELETE FROM ticket_assignees WHERE ticket_id = ? AND technician_id IN (SELECT value FROM json_each(?)) AND ${guard.sql}`,
      ).bind(id, JSON.stringify(removed), ...guard.params),
    ],
    history: [
      ...removed.map((technicianId) => ({ action: "unassigned", from: technicianId, comment })),
      ...(to !== ticket.status ? [{ action: "status_changed", from: ticket.status, to }] : []),
    ],
    events: [{ type: "ticket.unassigned", data: { technician_ids: removed } }],
    revokeFrom: removed,
  });
  const seen = after.finish(reads);
  const row = seen.rows[0];
  if (!row) return getTicket(ctx, id);
  return toTicketResponse(row, seen.assignees.get(id) ?? [], seen.relations.get(id)!, seen.names);
}

/** Each ticket is assigned on its own; one failure does not undo the others. */
export async function bulkAssign(
  ctx: UserContext,
  input: { ticket_ids: string[]; technician_ids?: string[]; strategy?: Strategy; team_supervisor_id?: string },
) {
  const results = [];
  for (const ticketId of [...new Set(input.ticket_ids)]) {
    try {
      const ticket = await assignTicket(ctx, ticketId, {
        technician_ids: input.technician_ids,
        strategy: input.strategy,
        team_supervisor_id: input.team_supervisor_id,
      });
      results.push({ ticket_id: ticketId, status: 200, ticket });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      results.push({ ticket_id: ticketId, status: err.status, error: err.message });
    }
  }
  return { results };
}

// ---- workload (WO-14) ----

export async function workload(ctx: UserContext, technicianId?: string) {
  const scope = scopeOf(ctx);
  const today = todayIn(ctx.settings.timeZone);
  const dayStart = zonedTimeToUtc(today, "00:00", ctx.settings.timeZone).toISOString();
  const dayEnd = zonedTimeToUtc(addDays(today, 1), "00:00", ctx.settings.timeZone).toISOString();
  const now = nowIso();
  const techFilter = [eq(users.role, "technician"), isNull(users.deletedAt)];
  if (technicianId) techFilter.push(eq(users.id, technicianId));
  if (scope === "team") techFilter.push(eq(technicianProfiles.supervisorId, ctx.actor.userId));
  if (scope === "personal") techFilter.push(eq(users.id, ctx.actor.userId));
  const rows = await ctx.db
    .select({
      id: users.id,
      first: users.firstName,
      last: users.lastName,
      username: users.username,
      open: sql<number>`coalesce(sum(CASE WHEN ${inList(tickets.status, [...UNFINISHED_STATUSES])} THEN 1 ELSE 0 END), 0)`,
      inProgress: sql<number>`coalesce(sum(CASE WHEN ${tickets.status} = 'in_progress' THEN 1 ELSE 0 END), 0)`,
      overdue: sql<number>`coalesce(sum(CASE WHEN ${inList(tickets.status, [...UNFINISHED_STATUSES])} AND ${tickets.resolutionDueAt} < ${now} THEN 1 ELSE 0 END), 0)`,
      scheduledToday: sql<number>`coalesce(sum(CASE WHEN ${tickets.scheduledAt} >= ${dayStart} AND ${tickets.scheduledAt} < ${dayEnd} AND ${tickets.status} NOT IN ('closed','cancelled') THEN 1 ELSE 0 END), 0)`,
    })
    .from(users)
    .leftJoin(technicianProfiles, eq(technicianProfiles.userId, users.id))
    .leftJoin(ticketAssignees, eq(ticketAssignees.technicianId, users.id))
    .leftJoin(tickets, eq(tickets.id, ticketAssignees.ticketId))
    .where(and(...techFilter))
    .groupBy(users.id)
    .orderBy(asc(users.username));
  if (technicianId && !rows.length) throw new AppError("not_found", "No such technician.");
  return {
    data: rows.map((r) => ({
      technician_id: r.id,
      display_name: displayName(r.first, r.last, r.username),
      open: r.open,
      in_progress: r.inProgress,
      overdue: r.overdue,
      scheduled_today: r.scheduledToday,
    })),
  };
}

/**
 * The ticket's part of a pool booking (DSP-1): a ticket nobody holds is assigned to the technician
 * the booking chose, in the booking's own change, with the rule's reason in its history.
 */
export function poolAssignmentChange(
  ticket: TicketRow,
  technicianId: string,
  reason: string,
  assignedBy: string,
  now: string,
): Pick<TicketChange, "expectAlso" | "set" | "rows" | "history" | "events"> {
  const to = ["new", "opened"].includes(ticket.status) ? "assigned" : ticket.status;
  return {
    expectAlso: { sql: "NOT EXISTS (SELECT 1 FROM ticket_assignees WHERE ticket_id = ?)", params: [ticket.id] },
    set: transitionColumns(ticket, "assign", to, now),
    rows: [
      {
        table: ticketAssignees,
        row: {
          ticket_id: ticket.id,
          technician_id: technicianId,
          assigned_by: assignedBy,
          due_at: null,
          reason: `pool booking: ${reason}`,
          assigned_at: now,
        },
      },
    ],
    history: [
      { action: "assigned", to: technicianId, comment: `pool booking: ${reason}` },
      ...(to !== ticket.status ? [{ action: "status_changed", from: ticket.status, to }] : []),
    ],
    events: [
      {
        type: "ticket.assigned",
        data: {
          number: ticket.number,
          technician_ids: [technicianId],
          team_supervisor_id: ticket.teamSupervisorId,
          strategy: "pool_booking",
          auto: true,
        },
      },
    ],
  };
}
