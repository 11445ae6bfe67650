import { and, asc, eq, gt, sql, type SQL } from "drizzle-orm";
import {
  ticketAssignees,
  ticketAttachments,
  ticketChecklistItems,
  ticketComments,
  tickets,
  workLogs,
} from "../../db/schema";
import { toChecklistItemResponse } from "./checklist.service";
import type { UserContext } from "../../lib/context";
import { allReads, inList, known, mapReads, reads, type Reads } from "../../lib/d1";
import {
  commentsWithAuthors,
  ticketsAsSeen,
  toAttachmentResponse,
  toCommentResponse,
  toTicketResponse,
  toWorkLogResponse,
} from "./tickets.present";

/**
 * Read helpers for the mobile sync: what a technician's phone holds of the tickets assigned to
 * them, by id or by ticket, presented exactly as the API presents it to them.
 */

/** The tickets assigned to the technician, in id order from `afterId`, with their customer and service card. */
export function assignedTickets(
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
  return reads(page.limit ? query.limit(page.limit) : query);
}

/**
 * What the technician's phone syncs by, as a subquery of one column `scope`: their tickets
 * (`t:`), and those tickets' customers (`c:`), service cards (`a:`) and templates (`p:`).
 */
export function assignedScopesSql(technicianId: string): SQL {
  return sql`SELECT 't:' || a.ticket_id AS scope FROM ticket_assignees a WHERE a.technician_id = ${technicianId}
    UNION SELECT 'c:' || t.customer_id FROM ticket_assignees a JOIN tickets t ON t.id = a.ticket_id
      WHERE a.technician_id = ${technicianId} AND t.customer_id IS NOT NULL
    UNION SELECT 'a:' || t.asset_id FROM ticket_assignees a JOIN tickets t ON t.id = a.ticket_id
      WHERE a.technician_id = ${technicianId} AND t.asset_id IS NOT NULL
    UNION SELECT 'p:' || t.template_id FROM ticket_assignees a JOIN tickets t ON t.id = a.ticket_id
      WHERE a.technician_id = ${technicianId} AND t.template_id IS NOT NULL`;
}

/** The tickets among `ids` the caller may read, presented as the API presents them to the caller, in one batch with the caller's other reads. */
export function ticketsForSync(ctx: UserContext, ids: string[]): Reads<ReturnType<typeof toTicketResponse>[]> {
  if (!ids.length) return known([]);
  return mapReads(ticketsAsSeen(ctx, ids), ({ rows, assignees, names, relations }) =>
    rows.map((r) => toTicketResponse(r, assignees.get(r.id) ?? [], relations.get(r.id)!, names)),
  );
}

/** Comments (internal notes only for those who read them), work logs and attachments, by id or of whole tickets. */
export function ticketPartsForSync(
  ctx: UserContext,
  by: {
    ticketIds?: string[];
    commentIds?: string[];
    workLogIds?: string[];
    attachmentIds?: string[];
    checklistItemIds?: string[];
  },
) {
  const pick = (idColumn: Parameters<typeof inList>[0], ticketColumn: Parameters<typeof inList>[0], ids?: string[]) =>
    by.ticketIds ? inList(ticketColumn, by.ticketIds) : inList(idColumn, ids ?? []);
  const none = { comments: [], work_logs: [], attachments: [], checklist_items: [] };
  if (
    !by.ticketIds?.length &&
    ![by.commentIds, by.workLogIds, by.attachmentIds, by.checklistItemIds].some((l) => l?.length)
  )
    return known(none);
  const parts = allReads({
    comments: reads(commentsWithAuthors(ctx, pick(ticketComments.id, ticketComments.ticketId, by.commentIds))),
    logs: reads(
      ctx.db
        .select()
        .from(workLogs)
        .where(pick(workLogs.id, workLogs.ticketId, by.workLogIds)),
    ),
    attachments: reads(
      ctx.db
        .select()
        .from(ticketAttachments)
        .where(pick(ticketAttachments.id, ticketAttachments.ticketId, by.attachmentIds)),
    ),
    checklist: reads(
      ctx.db
        .select()
        .from(ticketChecklistItems)
        .where(pick(ticketChecklistItems.id, ticketChecklistItems.ticketId, by.checklistItemIds)),
    ),
  });
  return mapReads(parts, ({ comments, logs, attachments, checklist }) => ({
    comments: comments.map((r) => ({ ...toCommentResponse(r), ticket_id: r.c.ticketId })),
    work_logs: logs.map(toWorkLogResponse),
    attachments: attachments.map((a) => ({ ...toAttachmentResponse(a), ticket_id: a.ticketId })),
    // A checklist item syncs under its own id; `key` is the id the checklist routes use.
    checklist_items: checklist.map((c) => ({
      ...toChecklistItemResponse(c),
      id: c.id,
      key: c.itemKey,
      ticket_id: c.ticketId,
    })),
  }));
}
