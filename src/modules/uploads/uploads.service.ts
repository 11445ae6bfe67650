import { and, eq } from "drizzle-orm";
import { uploads, type UploadKind } from "../../db/schema";
import type { ServiceContext, UserContext } from "../../lib/context";
import { safeFilename, sniffFileType } from "../../lib/files";
import { newId, nowIso, randomToken } from "../../lib/ids";
import { AppError } from "../../lib/problem";
import { findVisibleTicket } from "../access";
import { attachStoredFile } from "../tickets";

type UploadRow = typeof uploads.$inferSelect;

/** The file types each kind takes (recognised by content: the name and declared type are not trusted). */
const KINDS: Record<UploadKind, string[]> = {
  photo: ["image/jpeg", "image/png", "image/webp", "image/heic"],
  document: ["application/pdf", "image/jpeg", "image/png"],
  // A signature is a drawn image: PNG (with its transparency) or JPEG.
  signature: ["image/png", "image/jpeg"],
};

export function toUploadResponse(u: UploadRow) {
  return {
    id: u.id,
    kind: u.kind,
    filename: u.filename,
    content_type: u.contentType,
    size_bytes: u.sizeBytes,
    uploaded_by: u.uploadedBy,
    ticket_id: u.ticketId,
    work_log_id: u.workLogId,
    attached_at: u.attachedAt,
    created_at: u.createdAt,
  };
}

/** Stores a file from the field in R2 and, when a ticket is named, attaches it at once. */
export async function createUpload(
  ctx: UserContext,
  input: { kind: UploadKind; filename: string; bytes: Uint8Array; ticketId?: string; workLogId?: string },
) {
  if (!input.bytes.length)
    throw new AppError("validation_failed", "The file is empty.", { errors: [{ path: "file", message: "Empty" }] });
  const cap = ctx.settings.uploadMaxBytes[input.kind];
  if (input.bytes.length > cap) throw new AppError("payload_too_large", `A ${input.kind} is at most ${cap} bytes.`);
  const detected = sniffFileType(input.bytes);
  if (!detected || !KINDS[input.kind].includes(detected)) {
    throw new AppError(
      "invalid_file",
      `A ${input.kind} must be ${KINDS[input.kind].join(", ")} (recognised by its content).`,
      { errors: [{ path: "file", message: detected ? `${detected} is not a ${input.kind}` : "Unrecognised content" }] },
    );
  }
  if (input.ticketId) await findVisibleTicket(ctx, input.ticketId);
  const now = nowIso();
  const row: UploadRow = {
    id: newId("upl"),
    uploadedBy: ctx.actor.userId,
    kind: input.kind,
    filename: safeFilename(input.filename, "upload", detected),
    contentType: detected,
    sizeBytes: input.bytes.length,
    objectKey: `uploads/${ctx.actor.userId}/${randomToken(24)}`,
    ticketId: null,
    workLogId: null,
    attachedAt: null,
    createdAt: now,
  };
  await ctx.env.FILES.put(row.objectKey, input.bytes, {
    httpMetadata: { contentType: row.contentType },
    customMetadata: { upload_id: row.id },
  });
  await ctx.db.insert(uploads).values(row);
  if (!input.ticketId) return toUploadResponse(row);
  try {
    return await attach(ctx, row, { ticket_id: input.ticketId, work_log_id: input.workLogId });
  } catch (err) {
    // Attaching was part of the request: refused, nothing of it stays.
    await ctx.db.delete(uploads).where(eq(uploads.id, row.id));
    await ctx.env.FILES.delete(row.objectKey);
    throw err;
  }
}

async function attach(ctx: UserContext, row: UploadRow, input: { ticket_id: string; work_log_id?: string }) {
  const workLogId = input.work_log_id ?? null;
  const attachment = await attachStoredFile(
    ctx,
    input.ticket_id,
    {
      uploadId: row.id,
      filename: row.filename,
      contentType: row.contentType,
      sizeBytes: row.sizeBytes,
      objectKey: row.objectKey,
      workLogId,
    },
    {
      stillFree: { sql: "EXISTS (SELECT 1 FROM uploads WHERE id = ? AND attached_at IS NULL)", params: [row.id] },
      statement: (guard) =>
        ctx.env.DB.prepare(
          `UPDATE uploads SET ticket_id = ?, work_log_id = ?, attached_at = ? WHERE id = ? AND ${guard.sql}`,
        ).bind(input.ticket_id, workLogId, nowIso(), row.id, ...guard.params),
    },
  );
  const attached = (await ctx.db.query.uploads.findFirst({ where: eq(uploads.id, row.id) }))!;
  return { ...toUploadResponse(attached), attachment_id: attachment.id };
}

/** Attaches the caller's own upload to a ticket they may see (and one of its work logs); attaching it again to the same place is a no-op. */
export async function attachUpload(ctx: UserContext, id: string, input: { ticket_id: string; work_log_id?: string }) {
  const row = await ctx.db.query.uploads.findFirst({
    where: and(eq(uploads.id, id), eq(uploads.uploadedBy, ctx.actor.userId)),
  });
  if (!row) throw new AppError("not_found", "No such upload.");
  if (row.attachedAt) {
    if (row.ticketId === input.ticket_id && (row.workLogId ?? undefined) === input.work_log_id)
      return toUploadResponse(row);
    throw new AppError("conflict", "The upload is attached elsewhere already.");
  }
  return attach(ctx, row, input);
}

/** An upload for its uploader, or, once attached, for whoever may see its ticket. */
export async function findVisibleUpload(ctx: UserContext, id: string): Promise<UploadRow> {
  const row = await ctx.db.query.uploads.findFirst({ where: eq(uploads.id, id) });
  if (!row) throw new AppError("not_found", "No such upload.");
  if (row.uploadedBy === ctx.actor.userId) return row;
  if (!row.ticketId) throw new AppError("not_found", "No such upload.");
  await findVisibleTicket(ctx, row.ticketId);
  return row;
}

export async function downloadUpload(ctx: UserContext, id: string) {
  const row = await findVisibleUpload(ctx, id);
  const object = await ctx.env.FILES.get(row.objectKey);
  if (!object) throw new AppError("not_found", "The file is gone.");
  return { row, object };
}

/**
 * Daily: uploads never attached within UPLOAD_UNATTACHED_DAYS are deleted, rows first (an attach
 * racing with this loses cleanly: it needs the row), then their files. A rerun finds nothing more.
 */
export async function deleteUnattachedUploads(ctx: ServiceContext, scheduledTime: number): Promise<number> {
  const before = new Date(scheduledTime - ctx.settings.uploadUnattachedDays * 86_400_000).toISOString();
  let deleted = 0;
  for (let round = 0; round < 20; round++) {
    const gone = await ctx.env.DB.prepare(
      `DELETE FROM uploads WHERE id IN (SELECT id FROM uploads WHERE attached_at IS NULL AND created_at < ?1 ORDER BY attached_at, created_at LIMIT 500)
         AND attached_at IS NULL RETURNING object_key`,
    )
      .bind(before)
      .all<{ object_key: string }>();
    if (!gone.results.length) break;
    await ctx.env.FILES.delete(gone.results.map((r) => r.object_key));
    deleted += gone.results.length;
  }
  return deleted;
}

// ---- avatars ----

const AVATAR_TYPES = new Set(["image/jpeg", "image/png", "image/webp"]);

/**
 * The caller's own photo upload, to become their picture: the statement (for the users module's
 * batch) marks it in use, so the daily clean-up of unattached uploads keeps it. A photo attached
 * to a ticket is not taken (it belongs to that ticket's record).
 */
export async function claimAvatarUpload(ctx: UserContext, id: string): Promise<D1PreparedStatement> {
  const row = await ctx.db.query.uploads.findFirst({
    where: and(eq(uploads.id, id), eq(uploads.uploadedBy, ctx.actor.userId)),
  });
  if (!row)
    throw new AppError("validation_failed", "No such upload of yours.", {
      errors: [{ path: "upload_id", message: "Not an upload of yours" }],
    });
  if (row.kind !== "photo" || !AVATAR_TYPES.has(row.contentType))
    throw new AppError("validation_failed", "A picture is a photo upload (JPEG, PNG or WebP).", {
      errors: [{ path: "upload_id", message: `A ${row.kind} (${row.contentType})` }],
    });
  if (row.ticketId)
    throw new AppError("conflict", "The upload is attached to a ticket; upload the picture again.", {
      errors: [{ path: "upload_id", message: "Attached to a ticket" }],
    });
  return ctx.env.DB.prepare("UPDATE uploads SET attached_at = coalesce(attached_at, ?2) WHERE id = ?1").bind(
    id,
    nowIso(),
  );
}

/** A picture no longer in use: unattached again, so the daily clean-up deletes it with its file. */
export function releaseAvatarUpload(db: D1Database, id: string): D1PreparedStatement {
  return db
    .prepare("UPDATE uploads SET attached_at = NULL, created_at = ?2 WHERE id = ?1 AND ticket_id IS NULL")
    .bind(id, nowIso());
}

/** A picture's file, by its upload id. */
export async function avatarFile(ctx: ServiceContext, id: string) {
  const row = await ctx.db.query.uploads.findFirst({ where: eq(uploads.id, id) });
  const object = row ? await ctx.env.FILES.get(row.objectKey) : null;
  if (!row || !object) throw new AppError("not_found", "No picture.");
  return { row, object };
}
