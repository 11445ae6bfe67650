import { and, eq, gte, lt, ne, type SQL } from "drizzle-orm";
import { findVisibleTicket, scopeOf, visibleTickets, type TicketRow } from "../access";
import { inList } from "../../lib/d1";
import { appointments, feedback, technicianProfiles, ticketAssignees, tickets } from "../../db/schema";
import type { UserContext, ServiceContext } from "../../lib/context";
import { newId, nowIso } from "../../lib/ids";
import { keyset } from "../../lib/pagination";
import { commitChange } from "../../lib/change-batch";
import { endBefore, startOf } from "../../lib/query-dialect";
import { AppError } from "../../lib/problem";

import { relationTo } from "../tickets";
import { toFeedbackResponse } from "./appointments.service";
import type { LinkContext } from "./links.service";

type FeedbackRow = typeof feedback.$inferSelect;

const ALREADY: Record<FeedbackRow["kind"], string> = {
  technician: "Feedback has already been submitted",
  service: "Service feedback has already been submitted",
  rating: "This ticket has already been rated",
};

async function technicianOf(ctx: ServiceContext, ticket: TicketRow): Promise<string | null> {
  const appt = await ctx.db.query.appointments.findFirst({
    where: and(eq(appointments.ticketId, ticket.id), ne(appointments.status, "cancelled")),
  });
  if (appt) return appt.technicianId;
  return (
    (await ctx.db.query.ticketAssignees.findFirst({ where: eq(ticketAssignees.ticketId, ticket.id) }))?.technicianId ??
    null
  );
}

/** One submission per ticket and kind; the unique index settles a race, and the loser gets 409. */
async function insertOnce(ctx: ServiceContext, row: FeedbackRow) {
  const insert = ctx.db.insert(feedback).values(row).onConflictDoNothing().toSQL();
  // The ticket's rating and NPS feed the report aggregates (their owner refreshes them in the batch).
  const { results } = await commitChange(ctx, {
    statements: [ctx.env.DB.prepare(insert.sql).bind(...insert.params)],
    changed: [{ table: feedback, id: row.id, of: row.ticketId }],
  });
  if (!results[0]?.meta.changes) throw new AppError("already_submitted", ALREADY[row.kind]);
  return toFeedbackResponse(row);
}

const blank = (
  ctx: ServiceContext,
  ticket: TicketRow,
  kind: FeedbackRow["kind"],
  technicianId: string | null,
  submittedBy: string | null,
): FeedbackRow => ({
  id: newId("fbk"),
  ticketId: ticket.id,
  appointmentId: null,
  technicianId,
  kind,
  customerSatisfaction: null,
  customerEffortScore: null,
  contractorIdentified: null,
  brandedClothing: null,
  speedtestConducted: null,
  extended: null,
  netPromoterScore: null,
  serviceRating: null,
  comment: null,
  submittedBy,
  createdAt: nowIso(),
});

export type TokenFeedback =
  | {
      type: "technician";
      customer_satisfaction: number;
      customer_effort_score: number;
      contractor_identified: string;
      branded_clothing: string;
      speedtest_conducted: string;
      extended?: string;
    }
  | { type: "service"; net_promoter_score: number; service_rating: number; service_feedback?: string };

/** FB-1: feedback through the customer's link, once the visit is done. */
export async function submitTokenFeedback(ctx: LinkContext, input: TokenFeedback) {
  const appt = await ctx.db.query.appointments.findFirst({
    where: and(eq(appointments.ticketId, ctx.ticket.id), ne(appointments.status, "cancelled")),
  });
  const done = ["resolved", "waiting_approval", "closed"].includes(ctx.ticket.status) || appt?.status === "completed";
  if (!done) throw new AppError("invalid_transition", "Feedback opens once the visit is complete.");
  const row = blank(ctx, ctx.ticket, input.type, await technicianOf(ctx, ctx.ticket), null);
  row.appointmentId = appt?.id ?? null;
  if (input.type === "technician") {
    Object.assign(row, {
      customerSatisfaction: input.customer_satisfaction,
      customerEffortScore: input.customer_effort_score,
      contractorIdentified: input.contractor_identified,
      brandedClothing: input.branded_clothing,
      speedtestConducted: input.speedtest_conducted,
      extended: input.extended ?? null,
    });
  } else {
    Object.assign(row, {
      netPromoterScore: input.net_promoter_score,
      serviceRating: input.service_rating,
      comment: input.service_feedback ?? null,
    });
  }
  return insertOnce(ctx, row);
}

/** FB-2: a signed-in customer rates their own completed ticket. */
export async function rateTicket(ctx: UserContext, ticketId: string, input: { rating: number; comment?: string }) {
  const ticket = await findVisibleTicket(ctx, ticketId);
  const { relation } = await relationTo(ctx, ticket);
  if (!relation.own) throw new AppError("forbidden", "Only the customer rates a ticket.");
  if (!["resolved", "waiting_approval", "closed"].includes(ticket.status))
    throw new AppError("invalid_transition", "Rate the service once it is resolved.");
  const row = blank(ctx, ticket, "rating", await technicianOf(ctx, ticket), ctx.actor.userId);
  row.serviceRating = input.rating;
  row.comment = input.comment ?? null;
  return insertOnce(ctx, row);
}

/** Role-aware: staff see their scope (team for supervisors), technicians their own, customers their tickets'. */
export async function listFeedback(
  ctx: UserContext,
  query: {
    limit: number;
    cursor?: string;
    supervisor_id?: string;
    technician_id?: string;
    date_from?: string;
    date_to?: string;
    kind?: FeedbackRow["kind"];
  },
) {
  const page = keyset({
    order: "-created_at",
    column: feedback.createdAt,
    idColumn: feedback.id,
    cursor: query.cursor,
  });
  const filters: (SQL | undefined)[] = [page.where];
  const scope = scopeOf(ctx);
  if (ctx.actor.role === "technician") filters.push(eq(feedback.technicianId, ctx.actor.userId));
  else if (scope !== "all")
    filters.push(
      inList(
        feedback.ticketId,
        ctx.db
          .select({ id: tickets.id })
          .from(tickets)
          .where(await visibleTickets(ctx)),
      ),
    );
  if (query.technician_id) filters.push(eq(feedback.technicianId, query.technician_id));
  if (query.supervisor_id)
    filters.push(
      inList(
        feedback.technicianId,
        ctx.db
          .select({ id: technicianProfiles.userId })
          .from(technicianProfiles)
          .where(eq(technicianProfiles.supervisorId, query.supervisor_id)),
      ),
    );
  if (query.date_from) filters.push(gte(feedback.createdAt, startOf(query.date_from, ctx.settings.timeZone)));
  if (query.date_to) filters.push(lt(feedback.createdAt, endBefore(query.date_to, ctx.settings.timeZone)));
  if (query.kind) filters.push(eq(feedback.kind, query.kind));
  const rows = await ctx.db
    .select()
    .from(feedback)
    .where(and(...filters))
    .orderBy(...page.orderBy)
    .limit(query.limit + 1);
  const result = page.page(rows, query.limit, (r) => r.createdAt);
  return {
    data: result.data.map(toFeedbackResponse),
    next_cursor: result.next_cursor,
    has_more: result.next_cursor !== null,
  };
}
