import type { CatalogueEvent } from "../contracts/events";
import type { ChangedRow } from "../lib/change-batch";
import type { ServiceContext } from "../lib/context";

/**
 * What other modules add to a ticket's change when the ticket ends (cancelled or closed), so the
 * ending and its consequences commit in one batch: the scheduling module cancels the live visit.
 * Registered by the module that owns those rows (its index.ts), called by the tickets module, so
 * neither imports the other. The statements must end their WHERE with the change's guard.
 */
export interface TicketEndingPart {
  statements: (guard: { sql: string; params: unknown[] }) => D1PreparedStatement[];
  history: { action: string; from?: string | null; to?: string | null; comment?: string | null }[];
  events: CatalogueEvent[];
  /** Rows the statements change (the visits cancelled), for the derived tables' owners. */
  changed: ChangedRow[];
  /** After the commit: e.g. free the technician's time in their schedule object. */
  after: () => Promise<void>;
}

type Contributor = (
  ctx: ServiceContext,
  ticketId: string,
  to: "cancelled" | "closed",
) => Promise<TicketEndingPart | null>;

const contributors: Contributor[] = [];

export function onTicketEnding(contributor: Contributor) {
  if (!contributors.includes(contributor)) contributors.push(contributor);
}

export async function ticketEndingParts(
  ctx: ServiceContext,
  ticketId: string,
  to: "cancelled" | "closed",
): Promise<TicketEndingPart[]> {
  const parts = await Promise.all(contributors.map((c) => c(ctx, ticketId, to)));
  return parts.filter((p): p is TicketEndingPart => p !== null);
}
