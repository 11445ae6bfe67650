import { createDb, type Db } from "../db/client";
import type { UserRow } from "../db/schema";
import { settingsFrom, type Env, type Settings } from "./env";
import type { Permission } from "../contracts/permissions";

/** A signed-in user, resolved once per request by the auth middleware from a live session. */
export interface UserActor {
  kind: "user";
  userId: string;
  sessionId: string;
  role: string;
  permissions: ReadonlySet<Permission>;
  via: "bearer" | "cookie";
  /** Expiry of the presented access token, seconds since the epoch. */
  tokenExpiresAt: number;
  /** Signed in for another application: its key and the user's roles there, as the token carries them. */
  application?: { key: string; roles: string[] };
  /** Calling with an API key (or a token exchanged for one): the key, and the application it belongs to. */
  apiKey?: { id: string; application: string | null };
}

/** The customer holding an appointment link: they act on that link's ticket only. */
export interface CustomerLinkActor {
  kind: "customer_link";
  linkId: string;
  ticketId: string;
}

/** truckroll itself: a cron job or a queue consumer. */
export interface SystemActor {
  kind: "system";
  job: string;
}

/** Nobody yet: sign-in, registration, password reset. */
export interface AnonymousActor {
  kind: "anonymous";
}

export type Actor = UserActor | CustomerLinkActor | SystemActor | AnonymousActor;

/** The user id history and events record for an actor; customers on a link and the system have none. */
export function actorUserId(actor: Actor): string | null {
  return actor.kind === "user" ? actor.userId : null;
}

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    db: Db;
    settings: Settings;
    actor: UserActor;
    /** The caller's user row as read with the session (stale after a write in the same request). */
    currentUser: UserRow;
    /** Whether this request prepared a D1 statement that may write (set for requests that may write). */
    d1Writes?: { wrote: boolean };
  };
}

/** What every service verb receives: storage, settings, and who acts. */
export interface ServiceContext<A extends Actor = Actor> {
  db: Db;
  env: Env;
  settings: Settings;
  requestId: string;
  clientIp: string;
  waitUntil: (p: Promise<unknown>) => void;
  actor: A;
  /** Sets a header on the answer to the request (absent outside a request: cron, queues). */
  header?: (name: string, value: string) => void;
}

/** A verb only a signed-in user may call. */
export type UserContext = ServiceContext<UserActor>;

/** The context of a cron job or queue consumer. */
export function systemContext(
  env: Env,
  job: string,
  waitUntil: (p: Promise<unknown>) => void = (p) => void p,
): ServiceContext<SystemActor> {
  return {
    db: createDb(env.DB),
    env,
    settings: settingsFrom(env),
    requestId: `${job}:${crypto.randomUUID()}`,
    clientIp: "system",
    waitUntil,
    actor: { kind: "system", job },
  };
}
