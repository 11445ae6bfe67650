import { and, eq, isNull } from "drizzle-orm";
import { objectComments, users } from "../../db/schema";
import type { UserContext } from "../../lib/context";
import { inList } from "../../lib/d1";
import { newId, nowIso } from "../../lib/ids";
import { displayName } from "../../lib/names";
import { keyset } from "../../lib/pagination";
import { AppError } from "../../lib/problem";
import { CONTENT_TYPES, type ContentType } from "./content-types";

type CommentRow = typeof objectComments.$inferSelect;

/** The object must exist for the caller, and the caller hold the content type's permission for the use. */
async function reachObject(ctx: UserContext, type: ContentType, objectId: string, use: "read" | "write") {
  const rules = CONTENT_TYPES[type];
  if (!ctx.actor.permissions.has(rules[use]))
    throw new AppError("forbidden", `Comments on a ${type.replace("_", " ")} need ${rules[use]}.`);
  await rules.find(ctx, objectId);
}

async function present(ctx: UserContext, rows: CommentRow[]) {
  if (!rows.length) return [];
  const authors = await ctx.db
    .select({ id: users.id, first: users.firstName, last: users.lastName, username: users.username })
    .from(users)
    .where(
      inList(
        users.id,
        rows.map((r) => r.authorId),
      ),
    );
  const names = new Map(authors.map((a) => [a.id, displayName(a.first, a.last, a.username)]));
  return rows.map((r) => ({
    id: r.id,
    content_type: r.contentType,
    object_id: r.objectId,
    author_id: r.authorId,
    author_name: names.get(r.authorId) ?? "unknown",
    body: r.body,
    edited: r.updatedAt !== r.createdAt,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  }));
}

export async function listComments(
  ctx: UserContext,
  query: { limit: number; cursor?: string; content_type: ContentType; object_id: string },
) {
  await reachObject(ctx, query.content_type, query.object_id, "read");
  const page = keyset({
    order: "created_at",
    column: objectComments.createdAt,
    idColumn: objectComments.id,
    cursor: query.cursor,
  });
  const rows = await ctx.db
    .select()
    .from(objectComments)
    .where(
      and(
        eq(objectComments.contentType, query.content_type),
        eq(objectComments.objectId, query.object_id),
        isNull(objectComments.deletedAt),
        page.where,
      ),
    )
    .orderBy(...page.orderBy)
    .limit(query.limit + 1);
  const result = page.page(rows, query.limit, (r) => r.createdAt);
  return {
    data: await present(ctx, result.data),
    next_cursor: result.next_cursor,
    has_more: result.next_cursor !== null,
  };
}

export async function addComment(
  ctx: UserContext,
  input: { content_type: ContentType; object_id: string; body: string },
) {
  await reachObject(ctx, input.content_type, input.object_id, "write");
  const now = nowIso();
  const row: CommentRow = {
    id: newId("ocm"),
    contentType: input.content_type,
    objectId: input.object_id,
    authorId: ctx.actor.userId,
    body: input.body,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
  };
  await ctx.db.insert(objectComments).values(row);
  return (await present(ctx, [row]))[0];
}

/** One comment, for whoever may read comments on its object. */
export async function getComment(ctx: UserContext, id: string) {
  const row = await ctx.db.query.objectComments.findFirst({
    where: and(eq(objectComments.id, id), isNull(objectComments.deletedAt)),
  });
  if (!row || !(row.contentType in CONTENT_TYPES)) throw new AppError("not_found", "No such comment.");
  await reachObject(ctx, row.contentType as ContentType, row.objectId, "read");
  return (await present(ctx, [row]))[0];
}

/** The comment, for its author or a moderator of its kind; anyone else who may read it gets 403, others 404. */
async function findOwnComment(ctx: UserContext, id: string): Promise<CommentRow> {
  const row = await ctx.db.query.objectComments.findFirst({
    where: and(eq(objectComments.id, id), isNull(objectComments.deletedAt)),
  });
  if (!row || !(row.contentType in CONTENT_TYPES)) throw new AppError("not_found", "No such comment.");
  const type = row.contentType as ContentType;
  await reachObject(ctx, type, row.objectId, "read");
  if (row.authorId !== ctx.actor.userId && !ctx.actor.permissions.has(CONTENT_TYPES[type].moderate))
    throw new AppError("forbidden", "Only its author or an administrator changes a comment.");
  return row;
}

export async function updateComment(ctx: UserContext, id: string, input: { body: string }) {
  const row = await findOwnComment(ctx, id);
  const now = nowIso();
  await ctx.db.update(objectComments).set({ body: input.body, updatedAt: now }).where(eq(objectComments.id, id));
  return (await present(ctx, [{ ...row, body: input.body, updatedAt: now }]))[0];
}

export async function deleteComment(ctx: UserContext, id: string) {
  await findOwnComment(ctx, id);
  const now = nowIso();
  await ctx.db.update(objectComments).set({ deletedAt: now, updatedAt: now }).where(eq(objectComments.id, id));
}
