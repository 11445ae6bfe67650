import { and, eq, or, sql } from "drizzle-orm";
import { mobileDevices } from "../../db/schema";
import type { UserContext } from "../../lib/context";
import { newId, nowIso } from "../../lib/ids";
import { statementOf } from "../../lib/change-batch";
import { allReads, mapReads, reads, writes, type Reads } from "../../lib/d1";
import { keyset } from "../../lib/pagination";
import { AppError } from "../../lib/problem";
import { endSessionQuery } from "../auth";
import { assertMayChangeUser, findUser, setPushTokenStatement } from "../users";

type DeviceRow = typeof mobileDevices.$inferSelect;
export interface DeviceInput {
  id: string;
  platform: DeviceRow["platform"];
  app_version: string;
  push_token?: string | null;
}

export function toDeviceResponse(d: DeviceRow) {
  return {
    id: d.id,
    user_id: d.userId,
    device_key: d.deviceKey,
    platform: d.platform,
    app_version: d.appVersion,
    has_push_token: Boolean(d.pushToken),
    last_sync_at: d.lastSyncAt,
    revoked_at: d.revokedAt,
    revoked_by: d.revokedBy,
    created_at: d.createdAt,
    updated_at: d.updatedAt,
  };
}

/** `last_sync_at` is kept to the minute: a device syncing again within it, unchanged, costs no write. */
export const DEVICE_TOUCH_MS = 60_000;

function refuseOtherDevice(): never {
  throw new AppError("device_mismatch", "This sign-in belongs to another device. Sign in on this device to sync it.");
}

/**
 * The caller's device, registered on its first sync and kept current after; a revoked device is
 * refused. A device is bound to the sign-in session that syncs it: a session that has a device
 * refuses any other device id (a copied token cannot pose as a new phone, nor as a revoked one),
 * and a device that signs in again is bound to its new session. A push token it brings becomes the
 * user's (notifications go to the device in hand).
 *
 * Reads and writes in the sync's first batch: the device as it was, then a registration that
 * writes only when the device is neither revoked nor another session's, and only when something
 * changed or the minute is up; the push token follows only a device the session holds. A refusal
 * is raised from what was read, and its batch changed nothing.
 */
export function deviceForSync(ctx: UserContext, input: DeviceInput): Reads<DeviceRow> {
  const userId = ctx.actor.userId;
  const sessionId = ctx.actor.sessionId;
  const now = nowIso();
  const pushGiven = input.push_token !== undefined;
  const before = reads(
    ctx.db
      .select()
      .from(mobileDevices)
      .where(
        or(
          and(eq(mobileDevices.userId, userId), eq(mobileDevices.deviceKey, input.id)),
          eq(mobileDevices.sessionId, sessionId),
        ),
      ),
  );
  const fresh = newId("dev");
  const register = ctx.env.DB.prepare(
    `INSERT INTO mobile_devices (id, user_id, device_key, platform, app_version, push_token, session_id,
            last_sync_at, last_seq, revoked_at, revoked_by, created_at, updated_at)
     SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL, NULL, NULL, ?8, ?8
      WHERE NOT EXISTS (SELECT 1 FROM mobile_devices o
                         WHERE o.session_id = ?7 AND NOT (o.user_id = ?2 AND o.device_key = ?3))
     ON CONFLICT (user_id, device_key) DO UPDATE SET
        platform = excluded.platform, app_version = excluded.app_version,
        push_token = CASE WHEN ?9 THEN excluded.push_token ELSE mobile_devices.push_token END,
        session_id = excluded.session_id, last_sync_at = excluded.last_sync_at, updated_at = excluded.updated_at
      WHERE mobile_devices.revoked_at IS NULL
        AND (mobile_devices.last_sync_at IS NULL OR mobile_devices.last_sync_at < ?10
             OR mobile_devices.session_id IS NOT excluded.session_id
             OR mobile_devices.platform IS NOT excluded.platform
             OR mobile_devices.app_version IS NOT excluded.app_version
             OR (?9 AND mobile_devices.push_token IS NOT excluded.push_token))`,
  ).bind(
    fresh,
    userId,
    input.id,
    input.platform,
    input.app_version,
    pushGiven ? (input.push_token ?? null) : null,
    sessionId,
    now,
    pushGiven ? 1 : 0,
    new Date(Date.parse(now) - DEVICE_TOUCH_MS).toISOString(),
  );
  const held = sql`EXISTS (SELECT 1 FROM mobile_devices d WHERE d.user_id = ${userId} AND d.device_key = ${input.id}
    AND d.session_id = ${sessionId} AND d.revoked_at IS NULL)`;
  const statements = [
    register,
    ...(pushGiven
      ? [statementOf(ctx.env.DB, setPushTokenStatement(ctx, userId, input.push_token ?? null, undefined, held))]
      : []),
  ];
  return mapReads(allReads({ rows: before, wrote: writes(statements) }), ({ rows }) => {
    const existing = rows.find((r) => r.userId === userId && r.deviceKey === input.id);
    if (existing?.revokedAt)
      throw new AppError(
        "device_revoked",
        "This device was signed out of syncing; sign in again on a new installation, or ask an administrator.",
      );
    if (rows.some((r) => r.sessionId === sessionId && r.deviceKey !== input.id)) refuseOtherDevice();
    const pushToken = pushGiven ? (input.push_token ?? null) : (existing?.pushToken ?? null);
    return existing
      ? { ...existing, platform: input.platform, appVersion: input.app_version, pushToken, sessionId }
      : {
          id: fresh,
          userId,
          deviceKey: input.id,
          platform: input.platform,
          appVersion: input.app_version,
          pushToken,
          sessionId,
          lastSyncAt: now,
          lastSeq: null,
          revokedAt: null,
          revokedBy: null,
          createdAt: now,
          updatedAt: now,
        };
  });
}

/** The device a batch of offline actions comes from, for the batch's first read: registered, not revoked, this session's. */
export function activeDevice(ctx: UserContext, deviceKey: string): Reads<DeviceRow> {
  return mapReads(
    reads(
      ctx.db
        .select()
        .from(mobileDevices)
        .where(and(eq(mobileDevices.userId, ctx.actor.userId), eq(mobileDevices.deviceKey, deviceKey)))
        .limit(1),
    ),
    ([device]) => {
      if (!device)
        throw new AppError("validation_failed", "Unknown device: sync once before sending actions.", {
          errors: [{ path: "device_id", message: "Not registered; sync first" }],
        });
      if (device.revokedAt) throw new AppError("device_revoked", "This device was signed out of syncing.");
      if (device.sessionId !== ctx.actor.sessionId) refuseOtherDevice();
      return device;
    },
  );
}

/** Where the device's sync has got to, as a statement for the sync's last batch. */
export function recordSyncedTo(ctx: UserContext, device: Pick<DeviceRow, "userId" | "deviceKey">, seq: number) {
  return statementOf(
    ctx.env.DB,
    ctx.db
      .update(mobileDevices)
      .set({ lastSeq: seq })
      .where(and(eq(mobileDevices.userId, device.userId), eq(mobileDevices.deviceKey, device.deviceKey))),
  );
}

/** Whose devices the caller may see and revoke: their own, or (with users:update) those of users they may change. */
async function assertMayManageDevicesOf(ctx: UserContext, userId: string) {
  if (userId === ctx.actor.userId) return;
  if (!ctx.actor.permissions.has("users:update"))
    throw new AppError("forbidden", "Only your own devices, unless you manage users.");
  await assertMayChangeUser(ctx, await findUser(ctx, userId));
}

export async function listDevices(ctx: UserContext, query: { limit: number; cursor?: string; user_id?: string }) {
  const userId = query.user_id ?? ctx.actor.userId;
  await assertMayManageDevicesOf(ctx, userId);
  const page = keyset({
    order: "-created_at",
    column: mobileDevices.createdAt,
    idColumn: mobileDevices.id,
    cursor: query.cursor,
  });
  const rows = await ctx.db
    .select()
    .from(mobileDevices)
    .where(and(eq(mobileDevices.userId, userId), page.where))
    .orderBy(...page.orderBy)
    .limit(query.limit + 1);
  const result = page.page(rows, query.limit, (r) => r.createdAt);
  return {
    data: result.data.map(toDeviceResponse),
    next_cursor: result.next_cursor,
    has_more: result.next_cursor !== null,
  };
}

/** Revokes a device: its sign-in session ends (with its refresh tokens), its next sync and actions are refused; its push token stops being the user's. */
export async function revokeDevice(ctx: UserContext, id: string) {
  const device = await ctx.db.query.mobileDevices.findFirst({ where: eq(mobileDevices.id, id) });
  // Someone else's device the caller may not manage is as unknown as a missing one.
  if (!device) throw new AppError("not_found", "No such device.");
  await assertMayManageDevicesOf(ctx, device.userId).catch(() => {
    throw new AppError("not_found", "No such device.");
  });
  if (device.revokedAt) return toDeviceResponse(device);
  const now = nowIso();
  await ctx.db.batch([
    ctx.db
      .update(mobileDevices)
      .set({ revokedAt: now, revokedBy: ctx.actor.userId, pushToken: null, updatedAt: now })
      .where(eq(mobileDevices.id, id)),
    ...(device.sessionId ? [endSessionQuery(ctx, device.sessionId, "device_revoked")] : []),
    ...(device.pushToken ? [setPushTokenStatement(ctx, device.userId, null, device.pushToken)] : []),
  ]);
  return toDeviceResponse((await ctx.db.query.mobileDevices.findFirst({ where: eq(mobileDevices.id, id) }))!);
}
