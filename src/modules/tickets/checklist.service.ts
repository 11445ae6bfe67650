import type { z } from "@hono/zod-openapi";
import { and, asc, eq } from "drizzle-orm";
import { ticketChecklistItems, tickets, uploads } from "../../db/schema";
import type { ServiceContext, UserContext } from "../../lib/context";
import { nowIso } from "../../lib/ids";
import { AppError } from "../../lib/problem";
import { canTriage, findVisibleTicket, visibleTickets } from "../access";
import type { ChecklistItemUpdateSchema } from "./checklist.schemas";
import { changeTicket } from "./change";
import { relationTo } from "./tickets.present";

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
  const ticket = await findVisibleTicket(ctx, ticketId);
  const { relation } = await relationTo(ctx, ticket);
  if (!relation.assigned && !canTriage(relation))
    throw new AppError("forbidden", "Only the assigned technician or dispatch may tick the checklist.");
  if (["closed", "cancelled"].includes(ticket.status))
    throw new AppError("invalid_transition", `The ticket is ${ticket.status}.`);
  const [found, photo] = await ctx.db.batch([
    ctx.db
      .select()
      .from(ticketChecklistItems)
      .where(and(eq(ticketChecklistItems.ticketId, ticketId), eq(ticketChecklistItems.itemKey, itemKey))),
    ctx.db
      .select({ kind: uploads.kind, ticketId: uploads.ticketId })
      .from(uploads)
      .where(eq(uploads.id, input.upload_id ?? "")),
  ]);
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
  await changeTicket(ctx, {
    ticketId,
    statements: (guard) => [
      ctx.env.DB.prepare(
        `UPDATE ticket_checklist_items SET value = ?, upload_id = ?, done_at = ?, done_by = ?, updated_at = ? WHERE id = ? AND ${guard.sql}`,
      ).bind(
        value,
        uploadId,
        doneAt,
        input.done ? (item.doneBy ?? ctx.actor.userId) : null,
        now,
        item.id,
        ...guard.params,
      ),
    ],
    history: [
      {
        action: input.done ? "checklist_item_done" : "checklist_item_reopened",
        to: item.itemKey,
        comment: value ? `${item.label}: ${value}` : item.label,
      },
    ],
    changed: [{ table: ticketChecklistItems, id: item.id, of: ticketId }],
  });
  return toChecklistItemResponse({
    ...item,
    value,
    uploadId,
    doneAt,
    doneBy: input.done ? (item.doneBy ?? ctx.actor.userId) : null,
    updatedAt: now,
  });
}
