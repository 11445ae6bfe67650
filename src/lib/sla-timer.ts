import type { Env } from "./env";
import { gatherBriefly } from "./gather";

export type { SlaTimerApi } from "./env";

/**
 * Asks the SLA timer to wake at `atMs` (or now, when past): the next warning or breach of a ticket,
 * or a configuration change whose open tickets need their clocks recomputed. The timer keeps the
 * earliest time asked for. A failed call is only logged by the caller: the 5-minute cron checks too.
 */
export async function armSlaTimer(env: Env, atMs: number | null) {
  if (atMs === null || !Number.isFinite(atMs)) return;
  await env.SLA_TIMER.get(env.SLA_TIMER.idFromName("sla")).arm(atMs);
}

/**
 * `armSlaTimer` for a burst of ticket writes: the timer keeps the earliest time asked for, so
 * asking once for the earliest of a moment's deadlines (25 ms) arms it exactly as asking for each
 * would.
 */
const armGathered = gatherBriefly<{ env: Env; atMs: number }>(
  25,
  (open, offer) => {
    open.atMs = Math.min(open.atMs, offer.atMs);
    return true;
  },
  ({ env, atMs }) => armSlaTimer(env, atMs),
);

export function armSlaTimerSoon(env: Env, atMs: number, waitUntil: (p: Promise<unknown>) => void) {
  if (Number.isFinite(atMs)) armGathered({ env, atMs }, waitUntil);
}

/** The earliest future-or-past instant among ISO times (null when none). */
export function earliest(...times: (string | null | undefined)[]): number | null {
  let min: number | null = null;
  for (const t of times) {
    if (!t) continue;
    const ms = Date.parse(t);
    if (Number.isFinite(ms) && (min === null || ms < min)) min = ms;
  }
  return min;
}
