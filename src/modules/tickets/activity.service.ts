import { keyset } from "../../lib/pagination";
import { and, asc, desc, eq, isNull, type SQL } from "drizzle-orm";
import { displayName } from "../../lib/names";
import { enqueueSms } from "../../lib/enqueue";
import { mapReads, readInBatch, reads, type Reads } from "../../lib/d1";
import {
  completionCodes,
  customers,
  ticketAttachments,
  ticketComments,
  users,
  workLogs,
  type WorkLogPart,
} from "../../db/schema";
import type { UserContext } from "../../lib/context";
import { hmacSha256, sixDigitCode } from "../../lib/hmac";
import { checkCode } from "../../lib/one-time-codes";
import { FILE_SIGNATURES, safeFilename } from "../../lib/files";
import { newId, nowIso, randomToken } from "../../lib/ids";
import { AppError } from "../../lib/problem";
import { consumeRateLimits } from "../../lib/rate-limit";
import { canTriage, findVisibleTicket, type TicketRow, withVisibleTicket } from "../access";
import {
  fittedPartsEvents,
  fittedPartsReads,
  fittedPartsStatements,
  type FittedParts,
  planFittedParts,
  stockProblem,
} from "../inventory";
import { changeTicket, type Guard, type TicketChange } from "./change";
import type { Condition } from "./tickets.repo";
import {
  commentsWithAuthors,
  presentChanged,
  relationTo,
  seenTicket,
  toAttachmentResponse,
  toCommentResponse,
  toWorkLogResponse,
} from "./tickets.present";
import { slaMove, transitionColumns } from "./tickets.write";
import type { Relation } from "./tickets.workflow";

// ---- comments (WO-7) ----

export async function addComment(
  ctx: UserContext,
  id: string,
  input: { body: string; visibility: "public" | "internal" },
) {
  // The author's name for the answer is read with the visibility check.
  const authorName = await withVisibleTicket(ctx, id, authorNameReads(ctx));
  const { change, comment } = commentChange(ctx, id, input, authorName);
  await changeTicket(ctx, change);
  return comment;
}

/** The caller's display name (a comment's author), for a caller's batch. */
export function authorNameReads(ctx: UserContext): Reads<string> {
  return mapReads(
    reads(
      ctx.db
        .select({ firstName: users.firstName, lastName: users.lastName, username: users.username })
        .from(users)
        .where(eq(users.id, ctx.actor.userId))
        .limit(1),
    ),
    ([author]) => displayName(author?.firstName, author?.lastName, author?.username),
  );
}

/** A comment on a ticket the caller sees, as a change, and the comment as the API answers it. */
export function commentChange(
  ctx: UserContext,
  id: string,
  input: { body: string; visibility: "public" | "internal" },
  authorName: string,
): { change: TicketChange; comment: ReturnType<typeof toCommentResponse> } {
  if (input.visibility === "internal" && !ctx.actor.permissions.has("tickets:internal")) {
    throw new AppError("forbidden", "Internal notes are for staff.");
  }
  const now = nowIso();
  const commentId = newId("cmt");
  const internal = input.visibility === "internal";
  return {
    change: {
      ticketId: id,
      rows: [
        {
          table: ticketComments,
          row: {
            id: commentId,
            ticket_id: id,
            author_id: ctx.actor.userId,
            body: input.body,
            visibility: input.visibility,
            created_at: now,
          },
        },
      ],
      history: [{ action: internal ? "internal_note" : "commented", comment: input.body, internal }],
      events: [{ type: "ticket.commented", data: { comment_id: commentId, visibility: input.visibility } }],
    },
    comment: {
      id: commentId,
      author_id: ctx.actor.userId,
      author_name: authorName,
      body: input.body,
      visibility: input.visibility,
      created_at: now,
    },
  };
}

export async function listComments(ctx: UserContext, id: string, query: { limit: number; cursor?: string }) {
  const page = keyset({
    order: "created_at",
    column: ticketComments.createdAt,
    idColumn: ticketComments.id,
    cursor: query.cursor,
  });
  const rows = await withVisibleTicket(
    ctx,
    id,
    reads(
      commentsWithAuthors(ctx, and(eq(ticketComments.ticketId, id), page.where))
        .orderBy(...page.orderBy)
        .limit(query.limit + 1),
    ),
  );
  const result = page.page(
    rows.map((r) => ({ ...r, id: r.c.id })),
    query.limit,
    (r) => r.c.createdAt,
  );
  return {
    data: result.data.map(toCommentResponse),
    next_cursor: result.next_cursor,
    has_more: result.next_cursor !== null,
  };
}

// ---- attachments (WO-7) ----

/** Attachment types: the recognised binary types, checked by content, and text, which any bytes may be. */
export const ALLOWED_TYPES: Record<string, (bytes: Uint8Array) => boolean> = {
  ...Object.fromEntries(Object.entries(FILE_SIGNATURES).map(([type, s]) => [type, s.test])),
  "text/plain": () => true,
  "text/csv": () => true,
};

export async function addAttachment(
  ctx: UserContext,
  id: string,
  file: { filename: string; contentType: string; bytes: Uint8Array },
) {
  await findVisibleTicket(ctx, id);
  const contentType = file.contentType.split(";")[0].trim().toLowerCase();
  const check = ALLOWED_TYPES[contentType];
  if (!check) {
    throw new AppError("unsupported_media_type", `Attachments may be ${Object.keys(ALLOWED_TYPES).join(", ")}.`, {
      errors: [{ path: "content_type", message: "Not allowed" }],
    });
  }
  if (!file.bytes.length)
    throw new AppError("validation_failed", "The file is empty.", { errors: [{ path: "file", message: "Empty" }] });
  if (file.bytes.length > ctx.settings.maxUploadBytes)
    throw new AppError("payload_too_large", `Attachments are at most ${ctx.settings.maxUploadBytes} bytes.`);
  if (!check(file.bytes))
    throw new AppError("validation_failed", "The file's content does not match its type.", {
      errors: [{ path: "content_type", message: "Content does not match" }],
    });
  const attachmentId = newId("att");
  // Unguessable keys: knowing a ticket id gives no path to its files.
  const objectKey = `tickets/${id}/${randomToken(24)}`;
  const filename = safeFilename(file.filename, "file", contentType);
  await ctx.env.FILES.put(objectKey, file.bytes, {
    httpMetadata: { contentType },
    customMetadata: { ticket_id: id, attachment_id: attachmentId },
  });
  const now = nowIso();
  const row = {
    id: attachmentId,
    ticket_id: id,
    uploaded_by: ctx.actor.userId,
    filename,
    content_type: contentType,
    size_bytes: file.bytes.length,
    object_key: objectKey,
    created_at: now,
  };
  try {
    await changeTicket(ctx, {
      ticketId: id,
      rows: [{ table: ticketAttachments, row }],
      history: [{ action: "attachment_added", to: filename }],
      events: [{ type: "ticket.attachment_added", data: { attachment_id: attachmentId, filename } }],
    });
  } catch (err) {
    await ctx.env.FILES.delete(objectKey); // no orphan object when the row was not written
    throw err;
  }
  return toAttachmentResponse({
    id: attachmentId,
    ticketId: id,
    uploadedBy: ctx.actor.userId,
    filename,
    contentType,
    sizeBytes: file.bytes.length,
    objectKey,
    createdAt: now,
  });
}

/**
 * A file already stored (an upload from the field) becomes one of the ticket's attachments. The
 * file's owner (the uploads module) hands in its claim: the condition that the file is still free
 * and the statement that marks it attached, both in this change's batch, so a file attached
 * meanwhile is a 409 that wrote nothing.
 */
export async function attachStoredFile(
  ctx: UserContext,
  id: string,
  file: {
    uploadId: string;
    filename: string;
    contentType: string;
    sizeBytes: number;
    objectKey: string;
    workLogId: string | null;
  },
  claim: { stillFree: Condition; statement: (guard: Guard) => D1PreparedStatement },
) {
  await findVisibleTicket(ctx, id);
  if (file.workLogId) {
    const log = await ctx.db.query.workLogs.findFirst({
      where: and(eq(workLogs.id, file.workLogId), eq(workLogs.ticketId, id)),
      columns: { id: true },
    });
    if (!log)
      throw new AppError("validation_failed", "That work log is not on this ticket.", {
        errors: [{ path: "work_log_id", message: "Not on this ticket" }],
      });
  }
  const attachmentId = newId("att");
  const now = nowIso();
  const filename = safeFilename(file.filename, "file", file.contentType);
  const row = {
    id: attachmentId,
    ticket_id: id,
    uploaded_by: ctx.actor.userId,
    filename,
    content_type: file.contentType,
    size_bytes: file.sizeBytes,
    object_key: file.objectKey,
    created_at: now,
  };
  await changeTicket(ctx, {
    ticketId: id,
    expectAlso: claim.stillFree,
    rows: [{ table: ticketAttachments, row }],
    statements: (guard) => [claim.statement(guard)],
    history: [{ action: "attachment_added", to: filename }],
    events: [{ type: "ticket.attachment_added", data: { attachment_id: attachmentId, filename } }],
    conflict: "The upload was attached meanwhile, or is gone.",
  });
  return toAttachmentResponse({
    id: attachmentId,
    ticketId: id,
    uploadedBy: ctx.actor.userId,
    filename,
    contentType: file.contentType,
    sizeBytes: file.sizeBytes,
    objectKey: file.objectKey,
    createdAt: now,
  });
}

/** A ticket's attachments (`which` narrows them), read with the check that the caller may see the ticket. */
function attachmentsOf(ctx: UserContext, id: string, which?: SQL) {
  return withVisibleTicket(
    ctx,
    id,
    reads(
      ctx.db
        .select()
        .from(ticketAttachments)
        .where(and(eq(ticketAttachments.ticketId, id), which))
        .orderBy(asc(ticketAttachments.createdAt)),
    ),
  );
}

export async function downloadAttachment(ctx: UserContext, id: string, attachmentId: string) {
  const [row] = await attachmentsOf(ctx, id, eq(ticketAttachments.id, attachmentId));
  if (!row) throw new AppError("not_found", "No such attachment.");
  const object = await ctx.env.FILES.get(row.objectKey);
  if (!object) throw new AppError("not_found", "The file is gone.");
  return { object, row };
}

export async function listAttachments(ctx: UserContext, id: string) {
  const rows = await attachmentsOf(ctx, id);
  return { data: rows.map(toAttachmentResponse) };
}

// ---- work logs (WO-11) ----

function assertWorker(relation: Relation) {
  if (!relation.assigned && !canTriage(relation)) {
    throw new AppError("forbidden", "Only the assigned technician or dispatch may do this.");
  }
}

export interface WorkLogInput {
  work_detail: string;
  parts: WorkLogPart[];
  amount_charged: number;
  next_service_date?: string;
}

function workLogRow(ctx: UserContext, ticketId: string, input: WorkLogInput, verified: boolean) {
  return {
    id: newId("wlg"),
    ticket_id: ticketId,
    technician_id: ctx.actor.userId,
    work_detail: input.work_detail,
    parts: JSON.stringify(input.parts),
    amount_charged: input.amount_charged,
    next_service_date: input.next_service_date ?? null,
    verified_by_code: verified ? 1 : 0,
    created_at: nowIso(),
  };
}

export async function addWorkLog(ctx: UserContext, id: string, input: WorkLogInput) {
  // One batch reads the ticket, its people and the stock its parts are drawn from; the change's batch reads the log back.
  const {
    ticket,
    people: { relation },
    also: planParts,
  } = await seenTicket(
    ctx,
    id,
    fittedPartsReads(ctx, { technicianId: ctx.actor.userId, ticketId: id, parts: input.parts ?? [] }),
  );
  const { change, row } = workLogChange(ctx, ticket, relation, input, planParts);
  const logged = readInBatch(ctx.db.select().from(workLogs).where(eq(workLogs.id, row.id)).limit(1));
  const { reads: after } = await changeTicket(ctx, { ...change, readBack: [logged.statement] }).catch((err) => {
    throw stockProblem(err);
  });
  const [stored] = logged.map(after[0]);
  return toWorkLogResponse(stored ?? (await ctx.db.query.workLogs.findFirst({ where: eq(workLogs.id, row.id) }))!);
}

/** A work log (and the parts it fits, drawn from stock) as a change, refused unless the caller works on the ticket and it is open. */
export function workLogChange(
  ctx: UserContext,
  ticket: TicketRow,
  relation: Relation,
  input: WorkLogInput,
  planParts: (customerId: string | null) => FittedParts,
): { change: TicketChange; row: ReturnType<typeof workLogRow> } {
  assertWorker(relation);
  if (["closed", "cancelled"].includes(ticket.status))
    throw new AppError("invalid_transition", `The ticket is ${ticket.status}.`);
  const row = workLogRow(ctx, ticket.id, input, false);
  const fitted = planParts(ticket.customerId);
  return {
    row,
    change: {
      ticketId: ticket.id,
      rows: [{ table: workLogs, row }],
      statements: (guard) => fittedPartsStatements(ctx.env.DB, fitted, guard),
      history: [{ action: "work_logged", to: row.id, comment: input.work_detail }],
      events: [{ type: "ticket.work_logged", data: { work_log_id: row.id } }],
      alsoRecorded: fittedPartsEvents(fitted, row.id),
    },
  };
}

export async function listWorkLogs(ctx: UserContext, id: string, query: { limit: number; cursor?: string }) {
  const page = keyset({ order: "created_at", column: workLogs.createdAt, idColumn: workLogs.id, cursor: query.cursor });
  const rows = await withVisibleTicket(
    ctx,
    id,
    reads(
      ctx.db
        .select()
        .from(workLogs)
        .where(and(eq(workLogs.ticketId, id), page.where))
        .orderBy(...page.orderBy)
        .limit(query.limit + 1),
    ),
  );
  const result = page.page(rows, query.limit, (r) => r.createdAt);
  return {
    data: result.data.map(toWorkLogResponse),
    next_cursor: result.next_cursor,
    has_more: result.next_cursor !== null,
  };
}

// ---- completion by customer code (WO-10) ----

export const COMPLETION_CODE_TTL_SECONDS = 10 * 60;

async function codeHash(ctx: UserContext, codeId: string, code: string) {
  return hmacSha256(ctx.settings.hmacSecret, `completion:${codeId}:${code}`);
}

export async function requestCompletionCode(ctx: UserContext, id: string) {
  const ticket = await findVisibleTicket(ctx, id);
  const { relation } = await relationTo(ctx, ticket);
  assertWorker(relation);
  if (ticket.status !== "in_progress")
    throw new AppError("invalid_transition", "A completion code is for work in progress.");
  const customer = ticket.customerId
    ? await ctx.db.query.customers.findFirst({ where: eq(customers.id, ticket.customerId) })
    : undefined;
  if (!customer?.phone)
    throw new AppError("unprocessable", "The ticket's customer has no phone number to send the code to.");
  await consumeRateLimits(ctx, [{ bucket: "completion-code", subject: id, limit: 5, windowSeconds: 15 * 60 }]);
  const codeId = newId("ccd");
  const code = sixDigitCode();
  const now = new Date();
  await ctx.db.batch([
    ctx.db
      .update(completionCodes)
      .set({ consumedAt: now.toISOString() })
      .where(and(eq(completionCodes.ticketId, id), isNull(completionCodes.consumedAt))),
    ctx.db.insert(completionCodes).values({
      id: codeId,
      ticketId: id,
      codeHash: await codeHash(ctx, codeId, code),
      expiresAt: new Date(now.getTime() + COMPLETION_CODE_TTL_SECONDS * 1000).toISOString(),
      createdAt: now.toISOString(),
    }),
  ]);
  await enqueueSms(ctx, {
    event: "ticket.completion_code",
    to: customer.phone,
    body: `Your ${ctx.settings.companyName} code to confirm the work on ${ticket.number} is ${code}. Give it to the technician only when the job is done.`,
  });
  return { message: "A code has been sent to the customer's phone." };
}

export async function completeWithCode(ctx: UserContext, id: string, input: WorkLogInput & { code: string }) {
  const ticket = await findVisibleTicket(ctx, id);
  const people = await relationTo(ctx, ticket);
  const { relation } = people;
  assertWorker(relation);
  if (ticket.status !== "in_progress")
    throw new AppError("invalid_transition", `Cannot complete a ticket that is ${ticket.status}.`);
  const now = nowIso();
  const code = await ctx.db.query.completionCodes.findFirst({
    where: and(eq(completionCodes.ticketId, id), isNull(completionCodes.consumedAt)),
    orderBy: [desc(completionCodes.createdAt)],
  });
  const valid = await checkCode(ctx.env.DB, "completion_codes", code, (row) => codeHash(ctx, row.id, input.code), now);
  // The code is the customer's sign-off: the ticket is resolved and signed off in one batch.
  const log = workLogRow(ctx, id, input, true);
  const clock = await slaMove(ctx, ticket, "resolved", now);
  const fitted = await planFittedParts(ctx, {
    technicianId: ctx.actor.userId,
    ticketId: id,
    customerId: ticket.customerId,
    parts: input.parts ?? [],
  });
  await changeTicket(ctx, {
    ticketId: id,
    expectStatus: ["in_progress"],
    set: { ...transitionColumns(ticket, "complete", "resolved", now), ...clock.set, signed_off_at: now },
    rows: [{ table: workLogs, row: log }, ...clock.rows],
    statements: (guard) => [
      ctx.env.DB.prepare(
        `UPDATE completion_codes SET consumed_at = ? WHERE id = ? AND consumed_at IS NULL AND ${guard.sql}`,
      ).bind(now, valid.id, ...guard.params),
      ...fittedPartsStatements(ctx.env.DB, fitted, guard),
    ],
    history: [
      { action: "completed", from: "in_progress", to: "resolved", comment: "Confirmed with the customer's code" },
    ],
    events: [
      {
        type: "ticket.status_changed",
        data: { action: "complete", from: ticket.status, to: "resolved", number: ticket.number, signed_off: true },
      },
    ],
    alsoRecorded: fittedPartsEvents(fitted, log.id),
  }).catch((err) => {
    throw stockProblem(err);
  });
  return presentChanged(ctx, id, people);
}
