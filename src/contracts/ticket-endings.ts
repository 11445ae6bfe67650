import type { CatalogueEvent } from "../contracts/events";
import type { ChangedRow } from "../lib/change-batch";
import type { ServiceContext } from "../lib/context";
import { listReads, mapReads, type Reads } from "../lib/d1";

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

/** A contributor's part as reads for the ending step's own batch (no round trip of its own). */
type Contributor = (
  ctx: ServiceContext,
  ticketId: string,
  to: "cancelled" | "closed",
) => Reads<TicketEndingPart | null>;

const contributors: Contributor[] = [];

export function onTicketEnding(contributor: Contributor) {
  if (!contributors.includes(contributor)) contributors.push(contributor);
}

/** Every contributor's part, as reads the tickets module sends with the ticket's own read. */
export function ticketEndingReads(
  ctx: ServiceContext,
  ticketId: string,
  to: "cancelled" | "closed",
): Reads<TicketEndingPart[]> {
  return mapReads(listReads(contributors.map((c) => c(ctx, ticketId, to))), (parts) =>
    parts.filter((p): p is TicketEndingPart => p !== null),
  );
}
