import { and, eq, or } from "drizzle-orm";
import { mobileDevices } from "../../db/schema";
import type { UserContext } from "../../lib/context";
import { newId, nowIso } from "../../lib/ids";
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
 */
export async function deviceForSync(ctx: UserContext, input: DeviceInput): Promise<DeviceRow> {
  const userId = ctx.actor.userId;
  const sessionId = ctx.actor.sessionId;
  const now = nowIso();
  const rows = await ctx.db
    .select()
    .from(mobileDevices)
    .where(
      or(
        and(eq(mobileDevices.userId, userId), eq(mobileDevices.deviceKey, input.id)),
        eq(mobileDevices.sessionId, sessionId),
      ),
    );
  const existing = rows.find((r) => r.userId === userId && r.deviceKey === input.id);
  if (existing?.revokedAt)
    throw new AppError(
      "device_revoked",
      "This device was signed out of syncing; sign in again on a new installation, or ask an administrator.",
    );
  if (rows.some((r) => r.sessionId === sessionId && r.deviceKey !== input.id)) refuseOtherDevice();
  const pushToken = input.push_token === undefined ? (existing?.pushToken ?? null) : input.push_token;
  const unchanged =
    existing &&
    existing.sessionId === sessionId &&
    existing.platform === input.platform &&
    existing.appVersion === input.app_version &&
    existing.pushToken === pushToken;
  if (unchanged && existing.lastSyncAt && Date.parse(now) - Date.parse(existing.lastSyncAt) < DEVICE_TOUCH_MS)
    return existing;
  const row: DeviceRow = existing
    ? {
        ...existing,
        platform: input.platform,
        appVersion: input.app_version,
        pushToken,
        sessionId,
        lastSyncAt: now,
        updatedAt: now,
      }
    : {
        id: newId("dev"),
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
  await ctx.db.batch([
    ctx.db
      .insert(mobileDevices)
      .values(row)
      .onConflictDoUpdate({
        target: [mobileDevices.userId, mobileDevices.deviceKey],
        set: {
          platform: row.platform,
          appVersion: row.appVersion,
          pushToken: row.pushToken,
          sessionId,
          lastSyncAt: now,
          updatedAt: now,
        },
      }),
    ...(input.push_token !== undefined ? [setPushTokenStatement(ctx, userId, input.push_token)] : []),
  ]);
  return row;
}

/** The device a batch of offline actions comes from: registered and not revoked. */
export async function activeDevice(ctx: UserContext, deviceKey: string): Promise<DeviceRow> {
  const device = await ctx.db.query.mobileDevices.findFirst({
    where: and(eq(mobileDevices.userId, ctx.actor.userId), eq(mobileDevices.deviceKey, deviceKey)),
  });
  if (!device)
    throw new AppError("validation_failed", "Unknown device: sync once before sending actions.", {
      errors: [{ path: "device_id", message: "Not registered; sync first" }],
    });
  if (device.revokedAt) throw new AppError("device_revoked", "This device was signed out of syncing.");
  if (device.sessionId !== ctx.actor.sessionId) refuseOtherDevice();
  return device;
}

export async function recordSyncedTo(ctx: UserContext, deviceId: string, seq: number) {
  await ctx.db.update(mobileDevices).set({ lastSeq: seq }).where(eq(mobileDevices.id, deviceId));
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
