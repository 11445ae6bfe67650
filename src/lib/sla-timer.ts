import type { Env } from "./env";

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
