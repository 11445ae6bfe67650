import type { z } from "@hono/zod-openapi";
import { and, asc, eq } from "drizzle-orm";
import { ticketChecklistItems, tickets, uploads } from "../../db/schema";
import type { ServiceContext, UserContext } from "../../lib/context";
import { nowIso } from "../../lib/ids";
import { AppError } from "../../lib/problem";
import { allReads, reads } from "../../lib/d1";
import { canTriage, type Relation, type TicketRow, visibleTickets } from "../access";
import type { ChecklistItemUpdateSchema } from "./checklist.schemas";
import { changeTicket, type TicketChange } from "./change";
import { seenTicket } from "./tickets.present";

type ItemRow = typeof ticketChecklistItems.$inferSelect;

export function toChecklistItemResponse(r: ItemRow) {
  return {
    id: r.itemKey,
    position: r.position,
    label: r.label,
    required: r.required,
    photo_required: r.photoRequired,
    value_required: r.valueRequired,
    done: r.doneAt !== null,
    value: r.value,
    upload_id: r.uploadId,
    done_by: r.doneBy,
    done_at: r.doneAt,
  };
}

const itemsOf = (ctx: ServiceContext, ticketId: string) =>
  ctx.db
    .select()
    .from(ticketChecklistItems)
    .where(eq(ticketChecklistItems.ticketId, ticketId))
    .orderBy(asc(ticketChecklistItems.position));

export async function getTicketChecklist(ctx: UserContext, ticketId: string) {
  // The ticket (if the caller sees it) and its items in one round trip; the items are answered only with the ticket.
  const [visible, items] = await ctx.db.batch([
    ctx.db
      .select({ templateId: tickets.templateId })
      .from(tickets)
      .where(and(eq(tickets.id, ticketId), await visibleTickets(ctx))),
    itemsOf(ctx, ticketId),
  ]);
  const ticket = visible[0];
  if (!ticket) throw new AppError("not_found", "No such ticket.");
  return {
    ticket_id: ticketId,
    template_id: ticket.templateId,
    items: items.map(toChecklistItemResponse),
    open_required: items.filter((i) => i.required && i.doneAt === null).map((i) => i.itemKey),
  };
}

export async function updateTicketChecklistItem(
  ctx: UserContext,
  ticketId: string,
  itemKey: string,
  input: z.output<typeof ChecklistItemUpdateSchema>,
) {
  // The ticket as the caller sees it, the item and the photo named, in one batch.
  const { ticket, people, also } = await seenTicket(ctx, ticketId, checklistItemReads(ctx, ticketId, itemKey, input));
  const { change, item } = checklistItemChange(ctx, ticket, people.relation, input, also);
  await changeTicket(ctx, change);
  return item;
}

/** The item and the photo an update names, for the update's batch (the phone's action batch reads them in its own). */
export function checklistItemReads(
  ctx: UserContext,
  ticketId: string,
  itemKey: string,
  input: { upload_id?: string | null },
) {
  return allReads({
    found: reads(
      ctx.db
        .select()
        .from(ticketChecklistItems)
        .where(and(eq(ticketChecklistItems.ticketId, ticketId), eq(ticketChecklistItems.itemKey, itemKey))),
    ),
    photo: reads(
      ctx.db
        .select({ kind: uploads.kind, ticketId: uploads.ticketId })
        .from(uploads)
        .where(eq(uploads.id, input.upload_id ?? "")),
    ),
  });
}

export type ChecklistItemBasis = Awaited<ReturnType<ReturnType<typeof checklistItemReads>["finish"]>>;

/** Ticking (or reopening) an item as a change, refused unless the caller works on the open ticket and the item's needs are met. */
export function checklistItemChange(
  ctx: UserContext,
  ticket: TicketRow,
  relation: Relation,
  input: z.output<typeof ChecklistItemUpdateSchema>,
  { found, photo }: ChecklistItemBasis,
) {
  const ticketId = ticket.id;
  if (!relation.assigned && !canTriage(relation))
    throw new AppError("forbidden", "Only the assigned technician or dispatch may tick the checklist.");
  if (["closed", "cancelled"].includes(ticket.status))
    throw new AppError("invalid_transition", `The ticket is ${ticket.status}.`);
  const item = found[0];
  if (!item) throw new AppError("not_found", "No such checklist item on this ticket.");
  const value = input.value !== undefined ? input.value : item.value;
  const uploadId = input.upload_id !== undefined ? input.upload_id : item.uploadId;
  if (input.upload_id && (!photo[0] || photo[0].ticketId !== ticketId || photo[0].kind !== "photo"))
    throw new AppError("validation_failed", "The photo must be attached to this ticket first.", {
      errors: [{ path: "upload_id", message: "Not a photo attached to this ticket (POST /v1/uploads/{id}/attach)" }],
    });
  if (input.done && item.valueRequired && !value)
    throw new AppError("validation_failed", `"${item.label}" needs a value.`, {
      errors: [{ path: "value", message: "Required by this item" }],
    });
  if (input.done && item.photoRequired && !uploadId)
    throw new AppError("validation_failed", `"${item.label}" needs a photo.`, {
      errors: [{ path: "upload_id", message: "Required by this item" }],
    });
  const now = nowIso();
  const doneAt = input.done ? (item.doneAt ?? now) : null;
  const doneBy = input.done ? (item.doneBy ?? ctx.actor.userId) : null;
  const change: TicketChange = {
    ticketId,
    statements: (guard) => [
      ctx.env.DB.prepare(
        `UPDATE ticket_checklist_items SET value = ?, upload_id = ?, done_at = ?, done_by = ?, updated_at = ? WHERE id = ? AND ${guard.sql}`,
      ).bind(value, uploadId, doneAt, doneBy, now, item.id, ...guard.params),
    ],
    history: [
      {
        action: input.done ? "checklist_item_done" : "checklist_item_reopened",
        to: item.itemKey,
        comment: value ? `${item.label}: ${value}` : item.label,
      },
    ],
    changed: [{ table: ticketChecklistItems, id: item.id, of: ticketId }],
  };
  return { change, item: toChecklistItemResponse({ ...item, value, uploadId, doneAt, doneBy, updatedAt: now }) };
}
