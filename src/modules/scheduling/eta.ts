import { and, desc, eq, gte } from "drizzle-orm";
import { customers, technicianLocations, type AppointmentStatus } from "../../db/schema";
import type { ServiceContext } from "../../lib/context";
import type { Settings } from "../../lib/env";
import { greatCircleKm } from "../../lib/travel";

type Point = { lat: number; lng: number };

/** Great-circle distance in kilometres (the travel rule's, one implementation). */
export const distanceKm = greatCircleKm;

export interface Eta {
  minutes: number;
  earliest: string;
  latest: string;
  distance_km: number;
  location_reported_at: string;
}

const FIVE_MINUTES = 5 * 60_000;

/**
 * Straight-line distance × road factor ÷ average speed, counted from when the location was
 * reported; the window is that ±20 % (at least 5 minutes each way), rounded outwards to 5 minutes.
 */
export function estimateArrival(
  settings: Pick<Settings, "etaRoadFactor" | "etaAverageSpeedKmh">,
  from: Point & { reportedAt: string },
  to: Point,
  now = Date.now(),
): Eta {
  const km = distanceKm(from, to) * settings.etaRoadFactor;
  const travelMs = (km / settings.etaAverageSpeedKmh) * 3600_000;
  const arrival = Math.max(now, Date.parse(from.reportedAt) + travelMs);
  const spread = Math.max(FIVE_MINUTES, travelMs * 0.2);
  const earliest = Math.max(now, Math.floor((arrival - spread) / FIVE_MINUTES) * FIVE_MINUTES);
  const latest = Math.ceil((arrival + spread) / FIVE_MINUTES) * FIVE_MINUTES;
  return {
    minutes: Math.max(0, Math.round((arrival - now) / 60_000)),
    earliest: new Date(earliest).toISOString(),
    latest: new Date(latest).toISOString(),
    distance_km: Math.round(km * 10) / 10,
    location_reported_at: from.reportedAt,
  };
}

export interface VisitPosition {
  eta: Eta | null;
  /** The technician's last reported position: only while they are on their way to this visit. */
  position: {
    lat: number;
    lng: number;
    reported_at: string;
    distance_km: number | null;
    map_url: string;
    geo_uri: string;
  } | null;
}

/**
 * Where the technician is and when they should arrive, for a visit that is en route: from their
 * latest location no older than ETA_LOCATION_MAX_AGE_MINUTES and the visit's location (the one the
 * customer shared, else the customer's address coordinates). Nothing for any other state.
 */
export async function visitPosition(
  ctx: ServiceContext,
  appt: { technicianId: string; status: AppointmentStatus; lat: number | null; lng: number | null },
  customerId: string | null,
): Promise<VisitPosition> {
  if (appt.status !== "en_route") return { eta: null, position: null };
  const since = new Date(Date.now() - ctx.settings.etaLocationMaxAgeMinutes * 60_000).toISOString();
  const [latest, customer] = await ctx.db.batch([
    ctx.db
      .select()
      .from(technicianLocations)
      .where(and(eq(technicianLocations.technicianId, appt.technicianId), gte(technicianLocations.reportedAt, since)))
      .orderBy(desc(technicianLocations.reportedAt))
      .limit(1),
    ctx.db
      .select({ lat: customers.lat, lng: customers.lng })
      .from(customers)
      .where(eq(customers.id, customerId ?? ""))
      .limit(1),
  ]);
  return positionOf(ctx.settings, appt, latest[0], customer[0]);
}

/** Where the technician is and when they should arrive, from rows already read (the visit must be en route). */
export function positionOf(
  settings: Pick<Settings, "etaRoadFactor" | "etaAverageSpeedKmh">,
  appt: { lat: number | null; lng: number | null },
  here: { lat: number; lng: number; reportedAt: string } | undefined,
  customer: { lat: number | null; lng: number | null } | undefined,
): VisitPosition {
  if (!here) return { eta: null, position: null };
  const to =
    appt.lat !== null && appt.lng !== null
      ? { lat: appt.lat, lng: appt.lng }
      : customer?.lat != null && customer?.lng != null
        ? { lat: customer.lat, lng: customer.lng }
        : null;
  const position = {
    lat: here.lat,
    lng: here.lng,
    reported_at: here.reportedAt,
    distance_km: to ? Math.round(distanceKm(here, to) * 10) / 10 : null,
    ...mapLinks(here),
  };
  return { eta: to ? estimateArrival(settings, { ...here, reportedAt: here.reportedAt }, to) : null, position };
}

/** A place as links a phone opens: its map app (RFC 5870 `geo:`) and OpenStreetMap in the browser. */
export function mapLinks(at: Point) {
  const lat = at.lat.toFixed(5);
  const lng = at.lng.toFixed(5);
  return {
    map_url: `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lng}#map=16/${lat}/${lng}`,
    geo_uri: `geo:${lat},${lng}`,
  };
}
