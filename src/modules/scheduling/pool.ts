import type { ServiceContext } from "../../lib/context";
import { distanceKm } from "./eta";

/**
 * DSP-1: who takes a slot of a ticket nobody holds. The rule, in order: the technician with the
 * fewest visits that day; then the one whose previous visit that day is nearest to this ticket
 * (straight-line distance, to the kilometre; no previous visit or no coordinates ranks after any
 * known distance); then round robin (a counter per day turns the order of those still tied).
 * Technicians at the day's cap (`POOL_DAILY_CAP`) are not offered at all.
 */
export interface PoolFacts {
  /** Live visits that day per technician. */
  load: Map<string, number>;
  /** Where each technician's previous visit that day (before the slot) is, when known. */
  previous: Map<string, { lat: number; lng: number }>;
}

export async function poolFacts(
  ctx: Pick<ServiceContext, "env">,
  technicianIds: string[],
  date: string,
  startsAt: string,
): Promise<PoolFacts> {
  const ids = JSON.stringify(technicianIds);
  const [loads, previous] = await ctx.env.DB.batch([
    ctx.env.DB.prepare(
      `SELECT technician_id AS id, count(*) AS n FROM appointments
        WHERE technician_id IN (SELECT value FROM json_each(?1)) AND date = ?2 AND status <> 'cancelled'
        GROUP BY technician_id`,
    ).bind(ids, date),
    // SQLite answers the other columns of the row that holds max(): the latest visit before the slot.
    ctx.env.DB.prepare(
      `SELECT p.technician_id AS id, t.lat AS lat, t.lng AS lng, max(p.starts_at) AS at
         FROM appointments p JOIN tickets t ON t.id = p.ticket_id
        WHERE p.technician_id IN (SELECT value FROM json_each(?1)) AND p.date = ?2 AND p.status <> 'cancelled' AND p.starts_at < ?3
        GROUP BY p.technician_id`,
    ).bind(ids, date, startsAt),
  ]);
  return {
    load: new Map((loads.results as { id: string; n: number }[]).map((r) => [r.id, r.n])),
    previous: new Map(
      (previous.results as { id: string; lat: number | null; lng: number | null }[])
        .filter((r) => r.lat !== null && r.lng !== null)
        .map((r) => [r.id, { lat: r.lat as number, lng: r.lng as number }]),
    ),
  };
}

export interface PoolChoice {
  technicianId: string;
  /** Why this technician comes at this place in the order, in words. */
  reason: string;
}

/**
 * The pool in the order it is tried, without those at the cap. `turn` (a counter) rotates each
 * group still tied after load and distance, so equal technicians take turns.
 */
export function orderPool(
  technicianIds: string[],
  facts: PoolFacts,
  here: { lat: number | null; lng: number | null },
  cap: number,
  turn: number,
): PoolChoice[] {
  const rows = technicianIds
    .map((id) => {
      const load = facts.load.get(id) ?? 0;
      const prev = facts.previous.get(id);
      const km =
        prev && here.lat !== null && here.lng !== null ? distanceKm(prev, { lat: here.lat, lng: here.lng }) : null;
      return { id, load, km, kmKey: km === null ? Number.POSITIVE_INFINITY : Math.round(km) };
    })
    .filter((r) => r.load < cap)
    .sort((a, b) => a.load - b.load || a.kmKey - b.kmKey || a.id.localeCompare(b.id));
  // Round robin inside each tie: rotate the tied run by the turn.
  const out: typeof rows = [];
  for (let i = 0; i < rows.length; ) {
    let j = i + 1;
    while (j < rows.length && rows[j].load === rows[i].load && rows[j].kmKey === rows[i].kmKey) j++;
    const run = rows.slice(i, j);
    const k = run.length > 1 ? turn % run.length : 0;
    out.push(...run.slice(k), ...run.slice(0, k));
    i = j;
  }
  return out.map((r) => ({
    technicianId: r.id,
    reason: [
      `${r.load} visit${r.load === 1 ? "" : "s"} that day`,
      r.km === null ? "no earlier visit that day to measure from" : `${r.km.toFixed(1)} km from the visit before`,
      `one of ${out.length} under the day's cap`,
    ].join(", "),
  }));
}
