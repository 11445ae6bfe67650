import type { Db } from "../db/client";
import type { Env, Settings } from "./env";
import type { Permission } from "./permissions";

/** Who is calling, resolved once per request by the auth middleware from a live session. */
export interface Actor {
  userId: string;
  sessionId: string;
  role: string;
  permissions: ReadonlySet<Permission>;
  via: "bearer" | "cookie";
  /** Expiry of the presented access token, seconds since the epoch. */
  tokenExpiresAt: number;
}

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    db: Db;
    settings: Settings;
    actor: Actor;
    /** The caller's user row as read with the session (stale after a write in the same request). */
    currentUser: import("../db/schema").UserRow;
  };
}

/** What every service verb receives: storage, settings and (when authenticated) the caller. */
export interface ServiceContext {
  db: Db;
  env: Env;
  settings: Settings;
  requestId: string;
  clientIp: string;
  waitUntil: (p: Promise<unknown>) => void;
}

export interface ActorContext extends ServiceContext {
  actor: Actor;
}
