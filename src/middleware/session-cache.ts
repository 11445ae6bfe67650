import type { UserActor } from "../lib/context";
import type { UserRow } from "../db/schema";

/**
 * This isolate's recent live-session checks, keyed by the exact access token, so reads need no
 * D1 round trip for the session (the cost that dominated `GET /v1/me` in the benchmarks).
 *
 * Bounds on staleness (docs/decisions.md, "Session checks"):
 * - only safe methods (GET/HEAD/OPTIONS) read the cache; every write checks the live session;
 * - every unsafe request served by this isolate empties the cache when it finishes, whatever it
 *   changed (logout, password reset, deactivation, role change, profile edit …), and a check that
 *   started before such a request may not store its now-stale answer;
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
