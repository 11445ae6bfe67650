import { and, asc, eq, gt } from "drizzle-orm";
import {
  ticketAssignees,
  ticketAttachments,
  ticketChecklistItems,
  ticketComments,
  tickets,
  users,
  workLogs,
} from "../../db/schema";
import { toChecklistItemResponse } from "./checklist.service";
import type { UserContext } from "../../lib/context";
import { inList } from "../../lib/d1";
import { displayName } from "../../lib/names";
import { visibleTickets } from "../access";
import { presentTickets, toAttachmentResponse, toWorkLogResponse } from "./tickets.present";

/**
 * Read helpers for the mobile sync: what a technician's phone holds of the tickets assigned to
 * them, by id or by ticket, presented exactly as the API presents it to them.
 */

/** The tickets assigned to the technician, in id order from `afterId`, with their customer and service card. */
export async function assignedTickets(
  ctx: UserContext,
  technicianId: string,
  page: { afterId?: string; limit?: number } = {},
) {
  const query = ctx.db
    .select({
      id: tickets.id,
      customerId: tickets.customerId,
      assetId: tickets.assetId,
      templateId: tickets.templateId,
    })
    .from(ticketAssignees)
    .innerJoin(tickets, eq(tickets.id, ticketAssignees.ticketId))
    .where(
      and(
        eq(ticketAssignees.technicianId, technicianId),
        page.afterId ? gt(ticketAssignees.ticketId, page.afterId) : undefined,
      ),
    )
    .orderBy(asc(ticketAssignees.ticketId));
  return page.limit ? query.limit(page.limit) : query;
}

/** The tickets among `ids` the caller may read, presented as the API presents them to the caller. */
export async function ticketsForSync(ctx: UserContext, ids: string[]) {
  if (!ids.length) return [];
  return presentTickets(
    ctx,
    await ctx.db
      .select()
      .from(tickets)
      .where(and(inList(tickets.id, ids), await visibleTickets(ctx))),
  );
}

/** Comments (internal notes only for those who read them), work logs and attachments, by id or of whole tickets. */
export async function ticketPartsForSync(
  ctx: UserContext,
  by: {
    ticketIds?: string[];
    commentIds?: string[];
    workLogIds?: string[];
    attachmentIds?: string[];
    checklistItemIds?: string[];
  },
) {
  const seesInternal = ctx.actor.permissions.has("tickets:internal");
  const pick = (idColumn: Parameters<typeof inList>[0], ticketColumn: Parameters<typeof inList>[0], ids?: string[]) =>
    by.ticketIds ? inList(ticketColumn, by.ticketIds) : inList(idColumn, ids ?? []);
  const [comments, logs, attachments, checklist] = await ctx.db.batch([
    ctx.db
      .select({ c: ticketComments, first: users.firstName, last: users.lastName, username: users.username })
      .from(ticketComments)
      .leftJoin(users, eq(users.id, ticketComments.authorId))
      .where(
        and(
          pick(ticketComments.id, ticketComments.ticketId, by.commentIds),
          seesInternal ? undefined : eq(ticketComments.visibility, "public"),
        ),
      ),
    ctx.db
      .select()
      .from(workLogs)
      .where(pick(workLogs.id, workLogs.ticketId, by.workLogIds)),
    ctx.db
      .select()
      .from(ticketAttachments)
      .where(pick(ticketAttachments.id, ticketAttachments.ticketId, by.attachmentIds)),
    ctx.db
      .select()
      .from(ticketChecklistItems)
      .where(pick(ticketChecklistItems.id, ticketChecklistItems.ticketId, by.checklistItemIds)),
  ]);
  return {
    comments: comments.map((r) => ({
      id: r.c.id,
      ticket_id: r.c.ticketId,
      author_id: r.c.authorId,
      author_name: displayName(r.first, r.last, r.username) || "unknown",
      body: r.c.body,
      visibility: r.c.visibility,
      created_at: r.c.createdAt,
    })),
    work_logs: logs.map(toWorkLogResponse),
    attachments: attachments.map((a) => ({ ...toAttachmentResponse(a), ticket_id: a.ticketId })),
    // A checklist item syncs under its own id; `key` is the id the checklist routes use.
    checklist_items: checklist.map((c) => ({
      ...toChecklistItemResponse(c),
      id: c.id,
      key: c.itemKey,
      ticket_id: c.ticketId,
    })),
  };
}
