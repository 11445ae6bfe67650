import type { UserActor } from "../lib/context";
import type { UserRow } from "../db/schema";
import type { SessionCaller } from "../lib/identity";

/**
 * This isolate's recent live-session checks, keyed by the exact access token, so reads need no
 * D1 round trip for the session (the cost that dominated `GET /v1/me` in the benchmarks).
 *
 * Bounds on staleness (docs/decisions.md, "Session checks"):
 * - only safe methods (GET/HEAD/OPTIONS) read the cache; every write checks the live session;
 * - every unsafe request served by this isolate that prepared a statement which may write empties
 *   the cache when it finishes, whatever it changed (logout, password reset, deactivation, role
 *   change, profile edit …), as does a live check that finds a session ended; a check that started
 *   before such a request may not store its now-stale answer;
 * - on other isolates a revoked session can still read for at most `SESSION_CACHE_SECONDS`.
 */
export interface CachedSession {
  actor: Omit<UserActor, "via">;
  user: UserRow;
  sessionExpiresAt: string;
  checkedAtMs: number;
}

const MAX_ENTRIES = 10_000;
const entries = new Map<string, CachedSession>();
let generation = 0;

export function sessionCacheGeneration(): number {
  return generation;
}

export function cachedSession(token: string, nowMs: number, maxAgeMs: number): CachedSession | undefined {
  const hit = entries.get(token);
  if (!hit) return undefined;
  if (
    nowMs - hit.checkedAtMs >= maxAgeMs ||
    hit.actor.tokenExpiresAt * 1000 <= nowMs ||
    Date.parse(hit.sessionExpiresAt) <= nowMs
  ) {
    entries.delete(token);
    return undefined;
  }
  return hit;
}

/** Stores a check unless a write finished since the check began (its answer may predate the write). */
export function rememberSession(token: string, session: CachedSession, generationAtStart: number) {
  if (generationAtStart !== generation) return;
  if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
  entries.set(token, session);
}

export function forgetAllSessions() {
  generation++;
  entries.clear();
}

/**
 * Writes that arrive while a live check of the same access token is already running join it
 * instead of asking D1 again (a burst of bookings from one dispatcher or integration). Only a
 * check begun on the primary (a write without a bookmark) is shared, and only while no write has
 * finished in this isolate since it began — so a logout, deactivation or role change served here
 * is never answered from a check that started before it. What joining gives up: a revocation
 * committed elsewhere in the moments between the check's start and this write's arrival (at most
 * one query's time) — the same order two requests racing each other could arrive in anyway.
 */
/** Should the request that began the check be cancelled (its client gone), its query may never answer: then ask D1 itself. */
const JOIN_WAIT_MS = 2000;
const inFlight = new Map<string, { generation: number; startedMs: number; check: Promise<SessionCaller> }>();

export function sharedLiveCheck(token: string, check: () => Promise<SessionCaller>): Promise<SessionCaller> {
  const running = inFlight.get(token);
  if (running && running.generation === generation && Date.now() - running.startedMs < JOIN_WAIT_MS)
    return joined(running.check, check);
  const started = { generation, startedMs: Date.now(), check: check() };
  inFlight.set(token, started);
  const done = () => {
    if (inFlight.get(token) === started) inFlight.delete(token);
  };
  started.check.then(done, done);
  return started.check;
}

function joined(shared: Promise<SessionCaller>, own: () => Promise<SessionCaller>): Promise<SessionCaller> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fallback = new Promise<SessionCaller>((resolve, reject) => {
    timer = setTimeout(() => own().then(resolve, reject), JOIN_WAIT_MS);
  });
  return Promise.race([shared, fallback]).finally(() => clearTimeout(timer));
}
