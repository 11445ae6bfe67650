import type { UserContext } from "../../lib/context";
import { nowIso } from "../../lib/ids";
import { AppError } from "../../lib/problem";
import { avatarFile, claimAvatarUpload, releaseAvatarUpload } from "../uploads";
import { avatarOf, avatarStatement, findUser, toUserResponse } from "../users";

/** Sets the caller's picture to one of their photo uploads; the previous one is let go (the clean-up deletes it). */
export async function setOwnAvatar(ctx: UserContext, uploadId: string) {
  // The two reads are independent: one round trip's wait.
  const [me, claim] = await Promise.all([findUser(ctx, ctx.actor.userId), claimAvatarUpload(ctx, uploadId)]);
  const now = nowIso();
  await ctx.env.DB.batch([
    claim,
    avatarStatement(ctx.env.DB, me.id, uploadId, now),
    ...(me.avatarUploadId && me.avatarUploadId !== uploadId
      ? [releaseAvatarUpload(ctx.env.DB, me.avatarUploadId)]
      : []),
  ]);
  return toUserResponse({ ...me, avatarUploadId: uploadId, updatedAt: now });
}

export async function removeOwnAvatar(ctx: UserContext) {
  const me = await findUser(ctx, ctx.actor.userId);
  if (!me.avatarUploadId) return toUserResponse(me);
  const now = nowIso();
  await ctx.env.DB.batch([
    avatarStatement(ctx.env.DB, me.id, null, now),
    releaseAvatarUpload(ctx.env.DB, me.avatarUploadId),
  ]);
  return toUserResponse({ ...me, avatarUploadId: null, updatedAt: now });
}

/** A user's picture: for themselves and for staff who read users or technicians (as a directory shows faces). */
export async function getUserAvatar(ctx: UserContext, userId: string) {
  const mayRead =
    userId === ctx.actor.userId ||
    ctx.actor.permissions.has("users:read") ||
    ctx.actor.permissions.has("technicians:read");
  const upload = mayRead ? await avatarOf(ctx, userId) : null;
  if (!upload) throw new AppError("not_found", "No picture.");
  return avatarFile(ctx, upload);
}
