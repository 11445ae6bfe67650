import type { UserRow } from "../../db/schema";
import type { UserActor } from "../../lib/context";
import type { Env, Settings } from "../../lib/env";
import { sha256 } from "../../lib/hmac";
import type { Caller, CallerDirectory } from "../../lib/identity";
import { isPermission, type Permission } from "../../contracts/permissions";
import { AppError } from "../../lib/problem";
import { consumeRateLimits } from "../../lib/rate-limit";

/** Every API key secret starts with this, so a leaked one is recognisable (and secret scanners can match it). */
export const API_KEY_PREFIX = "trk_";
/** The role an API key's requests carry: not a role a user can hold. */
export const API_KEY_ROLE = "api_key";
/** Requests one key may make per minute (times RATE_LIMIT_SCALE). */
export const API_KEY_REQUESTS_PER_MINUTE = 600;

interface KeyRow {
  id: string;
  name: string;
  permissions: string;
  expires_at: string | null;
  revoked_at: string | null;
  created_at: string;
  app_key: string | null;
  app_active: number | null;
}

/** What a key's caller is: exactly the key's permissions, as a caller with the `api_key` role. */
export function keyActor(key: {
  id: string;
  permissions: readonly string[];
  application: string | null;
  expiresAtSeconds: number;
}): UserActor {
  return {
    kind: "user",
    userId: key.id,
    sessionId: `key:${key.id}`,
    role: API_KEY_ROLE,
    permissions: new Set<Permission>(key.permissions.filter(isPermission)),
    via: "bearer",
    tokenExpiresAt: key.expiresAtSeconds,
    apiKey: { id: key.id, application: key.application },
  };
}

/** The stand-in user a key's requests read as `currentUser` (keys have no account). */
export function keyUser(key: { id: string; name: string; createdAt: string }): UserRow {
  return {
    id: key.id,
    username: key.name,
    email: "",
    phone: null,
    whatsapp: null,
    department: null,
    region: null,
    address: null,
    passwordHash: "!",
    firstName: key.name,
    lastName: "",
    role: API_KEY_ROLE,
    companyId: null,
    status: "active",
    twoFactorEnabled: false,
    pushToken: null,
    avatarUploadId: null,
    lastLoginAt: null,
    passwordChangedAt: null,
    createdAt: key.createdAt,
    updatedAt: key.createdAt,
    deletedAt: null,
  };
}

/**
 * A request's API key: found by the secret's SHA-256, refused (401) when unknown, revoked,
 * expired or its application inactive, throttled per key (429), and its use recorded (last use at
 * most once a minute, requests per day) after the answer.
 */
export async function authenticateApiKey(
  env: Env,
  settings: Settings,
  secret: string,
  clientIp: string,
  waitUntil: (p: Promise<unknown>) => void,
): Promise<Caller> {
  const row = await env.DB.prepare(
    `SELECT k.id, k.name, k.permissions, k.expires_at, k.revoked_at, k.created_at, a.key AS app_key, a.active AS app_active
       FROM api_keys k LEFT JOIN applications a ON a.id = k.application_id
      WHERE k.secret_hash = ?1`,
  )
    .bind(await sha256(secret))
    .first<KeyRow>();
  const now = new Date().toISOString();
  if (!row) throw new AppError("invalid_token", "Unknown API key.");
  if (row.revoked_at) throw new AppError("invalid_token", "The API key was revoked.");
  if (row.expires_at && row.expires_at <= now) throw new AppError("invalid_token", "The API key has expired.");
  if (row.app_key && !row.app_active) throw new AppError("invalid_token", "The API key's application is not active.");
  await consumeRateLimits({ env, settings }, [
    { bucket: "api_key", subject: row.id, limit: API_KEY_REQUESTS_PER_MINUTE, windowSeconds: 60 },
  ]);
  waitUntil(
    env.DB.batch([
      env.DB.prepare(
        "UPDATE api_keys SET last_used_at = ?2, last_used_ip = ?3 WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at < ?4)",
      ).bind(row.id, now, clientIp, new Date(Date.now() - 60_000).toISOString()),
      env.DB.prepare(
        "INSERT INTO api_key_usage (key_id, day, requests) VALUES (?1, ?2, 1) ON CONFLICT (key_id, day) DO UPDATE SET requests = requests + 1",
      ).bind(row.id, now.slice(0, 10)),
    ]),
  );
  const expiresAtSeconds = row.expires_at
    ? Math.floor(Date.parse(row.expires_at) / 1000)
    : Math.floor(Date.now() / 1000) + 3600;
  return {
    actor: keyActor({
      id: row.id,
      permissions: JSON.parse(row.permissions) as string[],
      application: row.app_key,
      expiresAtSeconds,
    }),
    user: keyUser({ id: row.id, name: row.name, createdAt: row.created_at }),
  };
}

/** A token exchanged for a key (client credentials) carries the key's permissions as its scope. */
export function exchangedKeyCaller(claims: Parameters<CallerDirectory["byExchangedKey"]>[0]): Caller {
  return {
    actor: keyActor({
      id: claims.keyId,
      permissions: (claims.scope ?? "").split(" ").filter(Boolean),
      application: claims.azp ?? null,
      expiresAtSeconds: claims.exp,
    }),
    user: keyUser({
      id: claims.keyId,
      name: String(claims.name ?? claims.keyId),
      createdAt: new Date((claims.iat ?? 0) * 1000).toISOString(),
    }),
  };
}
