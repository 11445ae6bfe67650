import type { ServiceContext } from "../../lib/context";
import { AppError } from "../../lib/problem";

/**
 * The condition a completing change carries (resolved, or waiting for the customer's approval):
 * no required item open. Part of the change's guarded batch, so ticking and completing cannot race.
 */
export const CHECKLIST_DONE = {
  sql: "NOT EXISTS (SELECT 1 FROM ticket_checklist_items c WHERE c.ticket_id = tickets.id AND c.required = 1 AND c.done_at IS NULL)",
  params: [] as (string | number | null)[],
};

/** Why a completion lost: the required items still open, named (null when none is open: some other race). */
export async function checklistProblem(ctx: Pick<ServiceContext, "env">, ticketId: string): Promise<AppError | null> {
  const { results } = await ctx.env.DB.prepare(
    "SELECT item_key, label, photo_required, value_required FROM ticket_checklist_items WHERE ticket_id = ? AND required = 1 AND done_at IS NULL ORDER BY position",
  )
    .bind(ticketId)
    .all<{ item_key: string; label: string; photo_required: number; value_required: number }>();
  if (!results.length) return null;
  return new AppError(
    "checklist_incomplete",
    `The checklist is not done: ${results.map((r) => `"${r.label}"`).join(", ")} ${results.length === 1 ? "is" : "are"} still open.`,
    {
      errors: results.map((r) => ({
        path: `checklist.${r.item_key}`,
        message: `Open: ${r.label}${r.photo_required ? " (needs a photo)" : ""}${r.value_required ? " (needs a value)" : ""}`,
      })),
    },
  );
}
