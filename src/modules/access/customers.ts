import { and, isNotNull, type AnyColumn, type SQL } from "drizzle-orm";
import { customers, tickets } from "../../db/schema";
import type { UserContext } from "../../lib/context";
import { inList } from "../../lib/d1";
import { visibleTickets } from "./tickets";

/**
 * Who sees which customers. Those who manage customers, dispatch everything, or take in work for
 * customers (read customers and create tickets) see every record; anyone else only the customers
 * of tickets they may see. `tickets:create` alone is not reach: customers hold it to raise their
 * own tickets. National ids are shown only to those who manage customers.
 */
function customerReach(ctx: UserContext): "all" | "tickets" {
  const p = ctx.actor.permissions;
  return p.has("customers:write") || p.has("tickets:scope_all") || (p.has("tickets:create") && p.has("customers:read"))
    ? "all"
    : "tickets";
}

export const seesNationalId = (ctx: UserContext) => ctx.actor.permissions.has("customers:write");

/** The condition "this customer id column names a customer the caller may see" (undefined: all). */
export async function visibleCustomers(ctx: UserContext, column: AnyColumn = customers.id): Promise<SQL | undefined> {
  if (customerReach(ctx) === "all") return undefined;
  const visible = await visibleTickets(ctx);
  return inList(
    column,
    ctx.db
      .select({ id: tickets.customerId })
      .from(tickets)
      .where(and(visible, isNotNull(tickets.customerId))),
  );
}
