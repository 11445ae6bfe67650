/**
 * Travel between a technician's visits (DSP-3): one rule for availability and for the booking
 * check in the technician's Durable Object, so the two never disagree. Pure arithmetic, no I/O.
 *
 * From A to B takes: the routing engine's answer when the caller brought one (`known`), else the
 * great-circle distance × road factor ÷ average speed, rounded up to the minute; a visit without
 * coordinates at either end takes the fixed buffer instead. Leave (time off) needs no travel.
 */
export interface TravelRule {
  roadFactor: number;
  speedKmh: number;
  /** Minutes assumed when either end has no coordinates. */
  bufferMs: number;
  /**
   * Travel times from a routing engine, by neighbour id: `toMs` from the neighbour to the new
   * visit, `fromMs` from the new visit to the neighbour. A neighbour not in it uses the distance rule.
   */
  known?: Record<string, { toMs: number; fromMs: number }>;
}

export interface Place {
  lat: number | null;
  lng: number | null;
}

/** Another visit (or hold) on the technician's day, with where it is. */
export interface Neighbour extends Place {
  appointment_id: string;
  starts_ms: number;
  ends_ms: number;
}

const EARTH_KM = 6371;

export function greatCircleKm(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLng = (b.lng - a.lng) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

const located = (p: Place): p is { lat: number; lng: number } => p.lat !== null && p.lng !== null;

/** Travel time from one place to another by the distance rule (or the buffer), in whole minutes as ms. */
export function travelMs(rule: TravelRule, from: Place, to: Place): number {
  if (!located(from) || !located(to)) return rule.bufferMs;
  const km = greatCircleKm(from, to) * rule.roadFactor;
  return Math.ceil((km / rule.speedKmh) * 60) * 60_000;
}

/** Leave and other blocks that are not visits: `tof_` ids (time off). */
const isVisit = (n: Neighbour) => !n.appointment_id.startsWith("tof_");

export interface TravelClash {
  /** The visit the technician could not get from (before) or to (after) in time. */
  with: string;
  side: "before" | "after";
  needMs: number;
  gapMs: number;
}

/**
 * Whether a visit at [startsMs, endsMs) at `here` leaves time to travel from the visit before it
 * and to the visit after it (the nearest non-overlapping ones). Overlaps are the clash check's
 * business, not this one's. Linear in the neighbours given (one technician's day).
 */
export function travelClash(
  rule: TravelRule,
  here: Place & { startsMs: number; endsMs: number },
  neighbours: Neighbour[],
  exceptId: string | null = null,
): TravelClash | null {
  let before: Neighbour | null = null;
  let after: Neighbour | null = null;
  for (const n of neighbours) {
    if (n.appointment_id === exceptId || !isVisit(n)) continue;
    if (n.ends_ms <= here.startsMs) {
      if (!before || n.ends_ms > before.ends_ms) before = n;
    } else if (n.starts_ms >= here.endsMs) {
      if (!after || n.starts_ms < after.starts_ms) after = n;
    }
  }
  if (before) {
    const needMs = rule.known?.[before.appointment_id]?.toMs ?? travelMs(rule, before, here);
    const gapMs = here.startsMs - before.ends_ms;
    if (gapMs < needMs) return { with: before.appointment_id, side: "before", needMs, gapMs };
  }
  if (after) {
    const needMs = rule.known?.[after.appointment_id]?.fromMs ?? travelMs(rule, here, after);
    const gapMs = after.starts_ms - here.endsMs;
    if (gapMs < needMs) return { with: after.appointment_id, side: "after", needMs, gapMs };
  }
  return null;
}
