import { and, desc, eq, gte } from "drizzle-orm";
import { commitAudited, commitChange } from "../../lib/change-batch";
import { apiKeys, apiKeyUsage, applications } from "../../db/schema";
import { API_KEY_PREFIX, authenticateApiKey } from "./key-callers";
import type { ServiceContext, UserContext } from "../../lib/context";
import { sha256 } from "../../lib/hmac";
import { newId, nowIso, randomToken } from "../../lib/ids";
import { keyset } from "../../lib/pagination";
import { isPermission } from "../../contracts/permissions";
import { AppError } from "../../lib/problem";
import { signToken } from "../../lib/tokens";

type KeyRow = typeof apiKeys.$inferSelect;

/** Tokens exchanged for a key live this long: a revoked key's tokens stop within it. */
export const CLIENT_TOKEN_SECONDS = 300;

const columns = { key: apiKeys, appKey: applications.key };

function present(row: KeyRow, appKey: string | null) {
  const now = nowIso();
  return {
    id: row.id,
    name: row.name,
    application: row.applicationId && appKey ? { id: row.applicationId, key: appKey } : null,
    prefix: row.prefix,
    permissions: row.permissions,
    status: row.revokedAt
      ? ("revoked" as const)
      : row.expiresAt && row.expiresAt <= now
        ? ("expired" as const)
        : ("active" as const),
    expires_at: row.expiresAt,
    last_used_at: row.lastUsedAt,
    last_used_ip: row.lastUsedIp,
    rotated_from: row.rotatedFrom,
    revoked_at: row.revokedAt,
    created_by: row.createdBy,
    created_at: row.createdAt,
  };
}

async function findKey(ctx: ServiceContext, id: string) {
  const [row] = await ctx.db
    .select(columns)
    .from(apiKeys)
    .leftJoin(applications, eq(applications.id, apiKeys.applicationId))
    .where(eq(apiKeys.id, id));
  if (!row) throw new AppError("not_found", "No such API key.");
  return row;
}

/** A new secret: the prefix, then 32 random bytes (base64url); only its SHA-256 is kept. */
async function newSecret() {
  const secret = `${API_KEY_PREFIX}${randomToken(32)}`;
  return { secret, prefix: secret.slice(0, 12), hash: await sha256(secret) };
}

export async function listKeys(ctx: UserContext, query: { limit: number; cursor?: string }) {
  const page = keyset({ order: "-created_at", column: apiKeys.createdAt, idColumn: apiKeys.id, cursor: query.cursor });
  const rows = await ctx.db
    .select(columns)
    .from(apiKeys)
    .leftJoin(applications, eq(applications.id, apiKeys.applicationId))
    .where(page.where)
    .orderBy(...page.orderBy)
    .limit(query.limit + 1);
  const result = page.page(
    rows.map((r) => ({ ...r, id: r.key.id })),
    query.limit,
    (r) => r.key.createdAt,
  );
  return {
    data: result.data.map((r) => present(r.key, r.appKey)),
    next_cursor: result.next_cursor,
    has_more: result.next_cursor !== null,
  };
}

export async function getKey(ctx: UserContext, id: string) {
  const since = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
  // The key and its usage in one batch (the selected columns of key and application share no name).
  const [[row], usage] = await ctx.db.batch([
    ctx.db
      .select(columns)
      .from(apiKeys)
      .leftJoin(applications, eq(applications.id, apiKeys.applicationId))
      .where(eq(apiKeys.id, id)),
    ctx.db
      .select({ day: apiKeyUsage.day, requests: apiKeyUsage.requests })
      .from(apiKeyUsage)
      .where(and(eq(apiKeyUsage.keyId, id), gte(apiKeyUsage.day, since)))
      .orderBy(desc(apiKeyUsage.day)),
  ]);
  if (!row) throw new AppError("not_found", "No such API key.");
  return { ...present(row.key, row.appKey), usage };
}

export async function createKey(
  ctx: UserContext,
  input: { name: string; application_id?: string; permissions: string[]; expires_at?: string },
) {
  // Nobody hands out more than they hold.
  const beyond = input.permissions.filter((p) => !isPermission(p) || !ctx.actor.permissions.has(p));
  if (beyond.length)
    throw new AppError("forbidden", `You cannot grant permissions you do not hold: ${beyond.join(", ")}.`);
  if (input.expires_at && new Date(input.expires_at).getTime() <= Date.now()) {
    throw new AppError("validation_failed", "expires_at is in the past.", {
      errors: [{ path: "expires_at", message: "Must be in the future" }],
    });
  }
  let appKey: string | null = null;
  if (input.application_id) {
    const app = await ctx.db.query.applications.findFirst({ where: eq(applications.id, input.application_id) });
    if (!app)
      throw new AppError("validation_failed", "No such application.", {
        errors: [{ path: "application_id", message: "No such application" }],
      });
    appKey = app.key;
  }
  return insertKey(
    ctx,
    {
      name: input.name,
      applicationId: input.application_id ?? null,
      permissions: [...new Set(input.permissions)].sort(),
      expiresAt: input.expires_at ? new Date(input.expires_at).toISOString() : null,
      rotatedFrom: null,
    },
    appKey,
  );
}

async function insertKey(
  ctx: UserContext,
  fields: Pick<KeyRow, "name" | "applicationId" | "permissions" | "expiresAt" | "rotatedFrom">,
  appKey: string | null,
  also: D1PreparedStatement[] = [],
  action = "api_key.created",
) {
  const { secret, prefix, hash } = await newSecret();
  const now = nowIso();
  const row: KeyRow = {
    id: newId("key"),
    ...fields,
    prefix,
    secretHash: hash,
    lastUsedAt: null,
    lastUsedIp: null,
    revokedAt: null,
    createdBy: ctx.actor.userId,
    createdAt: now,
    updatedAt: now,
  };
  await commitAudited(
    ctx,
    [
      ...also,
      ctx.env.DB.prepare(
        `INSERT INTO api_keys (id, name, application_id, prefix, secret_hash, permissions, expires_at, rotated_from, created_by, created_at, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)`,
      ).bind(
        row.id,
        row.name,
        row.applicationId,
        prefix,
        hash,
        JSON.stringify(row.permissions),
        row.expiresAt,
        row.rotatedFrom,
        row.createdBy,
        now,
      ),
    ],
    { action, targetType: "api_key", targetId: row.id, after: present(row, appKey) },
  );
  return { ...present(row, appKey), secret };
}

/**
 * Revoking needs the key's permissions, like rotating it (a weaker key holder must not switch off a
 * stronger integration). Revoking the new half of a rotation also revokes the old secrets still in
 * their overlap: otherwise the secret the rotation was meant to retire outlives its replacement.
 */
export async function revokeKey(ctx: UserContext, id: string) {
  const { key, appKey } = await findKey(ctx, id);
  const beyond = key.permissions.filter((p) => !isPermission(p) || !ctx.actor.permissions.has(p));
  if (beyond.length) throw new AppError("forbidden", `The key holds permissions you do not: ${beyond.join(", ")}.`);
  const now = nowIso();
  const [revoked] = await commitChange(ctx, {
    statements: [
      ctx.env.DB.prepare(
        "UPDATE api_keys SET revoked_at = ?2, updated_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
      ).bind(id, now),
      ctx.env.DB.prepare(
        `WITH RECURSIVE chain(id) AS (SELECT rotated_from FROM api_keys WHERE id = ?1
         UNION SELECT k.rotated_from FROM api_keys k JOIN chain ON k.id = chain.id WHERE k.rotated_from IS NOT NULL)
       UPDATE api_keys SET revoked_at = ?2, updated_at = ?2 WHERE id IN (SELECT id FROM chain) AND revoked_at IS NULL`,
      ).bind(id, now),
    ],
    // Recorded only if this call revoked it (a second revoke changes nothing and is refused).
    guard: { sql: "EXISTS (SELECT 1 FROM api_keys WHERE id = ? AND revoked_at = ?)", params: [id, now] },
    audit: [{ action: "api_key.revoked", targetType: "api_key", targetId: id, before: present(key, null) }],
  }).then((r) => r.results);
  if (!revoked.meta.changes) throw new AppError("invalid_transition", "The key is already revoked.");
  // The UPDATE that won set exactly these two columns.
  return present({ ...key, revokedAt: now, updatedAt: now }, appKey);
}

/**
 * A new secret with the same name, application, permissions and expiry; the old one keeps working
 * for `overlap_minutes` (never past its own expiry), so callers switch without downtime.
 */
export async function rotateKey(ctx: UserContext, id: string, input: { overlap_minutes: number }) {
  const { key: old, appKey } = await findKey(ctx, id);
  const now = nowIso();
  if (old.revokedAt || (old.expiresAt && old.expiresAt <= now))
    throw new AppError("invalid_transition", "Only an active key can be rotated.");
  const beyond = old.permissions.filter((p) => !isPermission(p) || !ctx.actor.permissions.has(p));
  if (beyond.length) throw new AppError("forbidden", `The key holds permissions you do not: ${beyond.join(", ")}.`);
  const overlapEnd = new Date(Date.now() + input.overlap_minutes * 60_000).toISOString();
  const oldEnd = old.expiresAt && old.expiresAt < overlapEnd ? old.expiresAt : overlapEnd;
  const endOld = ctx.env.DB.prepare("UPDATE api_keys SET expires_at = ?2, updated_at = ?3 WHERE id = ?1").bind(
    id,
    oldEnd,
    now,
  );
  return insertKey(
    ctx,
    {
      name: old.name,
      applicationId: old.applicationId,
      permissions: old.permissions,
      expiresAt: old.expiresAt,
      rotatedFrom: old.id,
    },
    appKey,
    [endOld],
    "api_key.rotated",
  );
}

/**
 * OAuth 2.0 client credentials (RFC 6749 §4.4): an API key's secret for a short-lived access
 * token signed like every other (verifiable with the JWKS), carrying the key's permissions as
 * `scope`, so a busy service needs no key lookup per call.
 */
export async function clientCredentialsToken(
  ctx: ServiceContext,
  clientId: string | undefined,
  secret: string | undefined,
) {
  if (!secret || !secret.startsWith(API_KEY_PREFIX))
    throw new AppError("invalid_credentials", "Give the API key's secret as client_secret (or HTTP Basic's password).");
  const { actor, user } = await authenticateApiKey(ctx.env, ctx.settings, secret, ctx.clientIp, ctx.waitUntil);
  if (clientId && clientId !== actor.userId)
    throw new AppError("invalid_credentials", "client_id does not belong to this secret.");
  const expiresIn = Math.max(1, Math.min(CLIENT_TOKEN_SECONDS, actor.tokenExpiresAt - Math.floor(Date.now() / 1000)));
  const scope = [...actor.permissions].sort().join(" ");
  const claims = {
    sub: actor.userId,
    sid: `key:${actor.userId}`,
    jti: newId("ctk"),
    scope,
    name: user.username,
    ...(actor.apiKey?.application ? { azp: actor.apiKey.application } : {}),
  };
  return {
    access_token: await signToken(ctx.settings, "access", claims, expiresIn),
    token_type: "Bearer" as const,
    expires_in: expiresIn,
    scope,
  };
}
