import type { UserRow } from "../db/schema";
import type { UserActor } from "./context";
import type { Guard } from "./d1";
import type { Env, Settings } from "./env";

/**
 * Who is calling, as the auth middleware asks it: by a live session, by an API key, or by a token
 * exchanged for one. The answers need the identity tables (sessions, users, roles, API keys),
 * which belong to the auth and api-keys modules; the middleware sits below every module, so those
 * modules implement this interface and the entry point wires them in (src/identity.ts).
 */
export interface Caller {
  actor: UserActor;
  /** The caller's user row as read with the check (a stand-in for API keys). */
  user: UserRow;
}

export type SessionCaller =
  | { problem: "ended" | "inactive"; caller: null }
  | { problem: null; caller: Caller & { csrfHash: string | null; sessionExpiresAt: string } };

export interface CallerDirectory {
  /** API key secrets start with this. */
  apiKeyPrefix: string;
  /** A request's API key: refused (401) unknown, revoked, expired or of an inactive application; throttled per key. */
  byApiKey(
    env: Env,
    settings: Settings,
    secret: string,
    clientIp: string,
    waitUntil: (p: Promise<unknown>) => void,
  ): Promise<Caller>;
  /** A token exchanged for an API key (client credentials): self-contained, nothing to read. */
  byExchangedKey(claims: {
    keyId: string;
    scope?: string;
    azp?: string;
    exp: number;
    iat?: number;
    name?: unknown;
  }): Caller;
  /** The one live-session check, with the user and what they may do, in one query. */
  bySession(db: D1Database, sessionId: string, userId: string): Promise<SessionCaller>;
}

let directory: CallerDirectory | null = null;

export function registerCallerDirectory(d: CallerDirectory) {
  directory = d;
}

export function callers(): CallerDirectory {
  if (!directory) throw new Error("No caller directory registered: import src/identity.ts at the entry point.");
  return directory;
}

/**
 * Ending someone's access in the batch of the change that ends it (deactivation, deletion, a
 * password set by an administrator, an undone contact change): the sessions and reset links are
 * the auth module's, the users module calls through this, wired at the entry point.
 */
export interface AccessEnds {
  /** Ends the user's live sessions (all but `except`), only while `guard` holds. */
  endSessions(
    db: D1Database,
    userId: string,
    reason: string,
    options?: { except?: string; guard?: Guard },
  ): D1PreparedStatement;
  /** Voids the user's outstanding password-reset links, only while `guard` holds. */
  voidResetLinks(db: D1Database, userId: string, guard?: Guard): D1PreparedStatement;
}

let ends: AccessEnds | null = null;

export function registerAccessEnds(e: AccessEnds) {
  ends = e;
}

export function accessEnds(): AccessEnds {
  if (!ends) throw new Error("No access ends registered: import src/identity.ts at the entry point.");
  return ends;
}
