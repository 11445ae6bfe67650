import { z } from "@hono/zod-openapi";
import type { UserContext } from "../../lib/context";
import { isLocal } from "../../lib/env";
import { AppError } from "../../lib/problem";
import { greatCircleKm, type Neighbour, type Place, type TravelRule } from "../../lib/travel";

/**
 * DSP-3: travel times from a routing engine's HTTP API: OSRM's table service
 * (`GET /table/v1/driving/{lng,lat;…}?annotations=duration`), one request for a whole matrix.
 * Reads only, so a timeout or a 5xx is retried; after that the caller answers 504
 * `routing_timeout` or 502 `routing_unavailable`, both "nothing was booked, safe to retry".
 * Outside production `ROUTING_URL=simulator` answers from the built-in simulator below, through
 * the same HTTP code.
 */
export type Fetcher = (input: string, init?: RequestInit) => Promise<Response>;

export interface TravelEngine {
  name: "osrm" | "simulator";
  /** Seconds from every point to every point (null: no route). */
  table(points: { lat: number; lng: number }[]): Promise<(number | null)[][]>;
}

const RETRY_DELAYS_MS = [100, 400];
/** OSRM's default `max-table-size` is 100; a day never has that many distinct places. */
export const MAX_TABLE_POINTS = 100;

const TableAnswer = z.object({
  code: z.string(),
  message: z.string().optional(),
  durations: z.array(z.array(z.number().nullable())).optional(),
});

class RoutingFailure extends Error {
  constructor(
    readonly kind: "timeout" | "unavailable",
    message: string,
  ) {
    super(message);
  }
}

export function osrmEngine(baseUrl: string, timeoutMs: number, fetcher: Fetcher, name: TravelEngine["name"] = "osrm") {
  const root = baseUrl.replace(/\/+$/, "");
  async function once(points: { lat: number; lng: number }[]) {
    const coords = points.map((p) => `${p.lng.toFixed(6)},${p.lat.toFixed(6)}`).join(";");
    let res: Response;
    try {
      res = await fetcher(`${root}/table/v1/driving/${coords}?annotations=duration`, {
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const name = (err as Error)?.name;
      if (name === "TimeoutError" || name === "AbortError")
        throw new RoutingFailure("timeout", `The routing engine did not answer within ${timeoutMs} ms.`);
      throw new RoutingFailure("unavailable", "The routing engine could not be reached.");
    }
    if (!res.ok) throw new RoutingFailure("unavailable", `The routing engine answered HTTP ${res.status}.`);
    const parsed = TableAnswer.safeParse(await res.json().catch(() => null));
    if (!parsed.success || parsed.data.code !== "Ok" || !parsed.data.durations)
      throw new RoutingFailure("unavailable", "The routing engine's answer was not a travel-time table.");
    const table = parsed.data.durations;
    if (table.length !== points.length || table.some((row) => row.length !== points.length))
      throw new RoutingFailure("unavailable", "The routing engine's table does not match the places asked.");
    return table;
  }
  const engine: TravelEngine = {
    name,
    async table(points) {
      for (let i = 0; ; i++) {
        try {
          return await once(points);
        } catch (err) {
          if (i >= RETRY_DELAYS_MS.length) throw err;
          await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[i]));
        }
      }
    },
  };
  return engine;
}

/**
 * A stand-in for OSRM in development and tests: the same URL and answer shape, durations from the
 * great-circle distance × 1.3 at 40 km/h (streets, not a straight line). Coordinates it cannot
 * read get HTTP 400 like OSRM's `InvalidQuery`.
 */
export const simulatedRouting: Fetcher = async (input) => {
  const url = new URL(input);
  const match = /\/table\/v1\/driving\/([^?]+)$/.exec(url.pathname);
  const points = match
    ? decodeURIComponent(match[1])
        .split(";")
        .map((pair) => pair.split(",").map(Number))
    : [];
  if (!points.length || points.some((p) => p.length !== 2 || p.some((n) => !Number.isFinite(n))))
    return Response.json({ code: "InvalidQuery", message: "Query string malformed" }, { status: 400 });
  const seconds = (a: number[], b: number[]) =>
    Math.round(((greatCircleKm({ lat: a[1], lng: a[0] }, { lat: b[1], lng: b[0] }) * 1.3) / 40) * 3600);
  return Response.json({ code: "Ok", durations: points.map((a) => points.map((b) => seconds(a, b))) });
};

/** The engine this deployment uses for travel, or null for the distance rule. */
export function travelEngineFor(ctx: Pick<UserContext, "env" | "settings">, fetcher: Fetcher = fetch) {
  const { settings, env } = ctx;
  if (settings.travelRule !== "routing") return null;
  const url = env.ROUTING_URL;
  if (url === "simulator" && isLocal(settings))
    return osrmEngine("http://routing.simulator", settings.routingTimeoutMs, simulatedRouting, "simulator");
  if (!url || url === "simulator")
    throw new AppError("routing_not_configured", "TRAVEL_RULE=routing needs ROUTING_URL (an OSRM server).");
  return osrmEngine(url, settings.routingTimeoutMs, fetcher);
}

/** The travel rule of the deployment's settings; null when travel is not checked. */
export function travelRuleOf(settings: UserContext["settings"]): TravelRule | null {
  if (settings.travelRule === "off") return null;
  return {
    roadFactor: settings.etaRoadFactor,
    speedKmh: settings.etaAverageSpeedKmh,
    bufferMs: settings.travelBufferMinutes * 60_000,
  };
}

const key = (p: { lat: number; lng: number }) => `${p.lat.toFixed(5)},${p.lng.toFixed(5)}`;
const located = (p: Place): p is { lat: number; lng: number } => p.lat !== null && p.lng !== null;

/**
 * The rule with the engine's travel times between `here` and each located neighbour (one table
 * request for all of them). Without an engine, or without coordinates here, the plain rule.
 */
export async function travelRuleFor(
  ctx: Pick<UserContext, "env" | "settings">,
  here: Place,
  neighbours: Neighbour[],
): Promise<TravelRule | null> {
  const rule = travelRuleOf(ctx.settings);
  const engine = rule && travelEngineFor(ctx);
  if (!rule || !engine || !located(here)) return rule;
  const places = new Map<string, { lat: number; lng: number }>([[key(here), here]]);
  for (const n of neighbours) if (located(n) && places.size < MAX_TABLE_POINTS) places.set(key(n), n);
  if (places.size === 1) return rule;
  const points = [...places.values()];
  const index = new Map([...places.keys()].map((k, i) => [k, i]));
  let table: (number | null)[][];
  try {
    table = await engine.table(points);
  } catch (err) {
    if (!(err instanceof RoutingFailure)) throw err;
    throw err.kind === "timeout"
      ? new AppError("routing_timeout", `${err.message} Nothing was booked; it is safe to retry.`)
      : new AppError("routing_unavailable", `${err.message} Nothing was booked; it is safe to retry.`);
  }
  const minutes = (s: number | null) => (s === null ? Number.MAX_SAFE_INTEGER : Math.ceil(s / 60) * 60_000);
  const known: NonNullable<TravelRule["known"]> = {};
  for (const n of neighbours) {
    if (!located(n)) continue;
    const j = index.get(key(n));
    if (j === undefined) continue;
    known[n.appointment_id] = { toMs: minutes(table[j][0]), fromMs: minutes(table[0][j]) };
  }
  return { ...rule, known };
}
