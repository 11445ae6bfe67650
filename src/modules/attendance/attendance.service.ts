import { and, eq, getTableColumns, gte, lte, sql, type SQL } from "drizzle-orm";
import { dayOf } from "../../lib/query-dialect";
import { displayName } from "../../lib/names";
import { chunkRows, inList, known, reads, runReads, type Reads } from "../../lib/d1";
import { statementOf } from "../../lib/change-batch";
import { attendance, technicianProfiles, users } from "../../db/schema";
import type { UserContext } from "../../lib/context";
import { nowIso } from "../../lib/ids";
import { todayIn } from "../../lib/time";
import { keyset } from "../../lib/pagination";
import { AppError } from "../../lib/problem";

type Row = typeof attendance.$inferSelect;

function toResponse(r: Row, name: string) {
  return {
    user_id: r.userId,
    display_name: name,
    date: r.date,
    status: r.status,
    reason: r.reason,
    marked_by: r.markedBy,
    updated_at: r.updatedAt,
  };
}

/** Who the caller may mark or read: everyone for managers and admins, the team for supervisors. */
async function assertManages(ctx: UserContext, userIds: string[]) {
  const found = await ctx.db
    .select({ id: users.id, supervisorId: technicianProfiles.supervisorId })
    .from(users)
    .leftJoin(technicianProfiles, eq(technicianProfiles.userId, users.id))
    .where(inList(users.id, userIds));
  const missing = userIds.filter((id) => !found.some((f) => f.id === id));
  if (missing.length)
    throw new AppError("validation_failed", "Unknown users.", {
      errors: missing.map((id) => ({ path: "user_id", message: `No user ${id}` })),
    });
  if (ctx.actor.permissions.has("users:update")) return;
  const outside = found.filter((f) => f.supervisorId !== ctx.actor.userId);
  if (outside.length) throw new AppError("forbidden", "You can only mark your own team.");
}

/** Writes marks as multi-row upserts, chunked to D1's parameter limit, all in one batch (with `answer` read at its end). */
async function upsert<T>(
  ctx: UserContext,
  marks: { userId: string; status: Row["status"]; reason: string | null }[],
  date: string,
  answer: Reads<T> = known(undefined as T),
): Promise<T> {
  if (!marks.length) return runReads(ctx.env.DB, answer);
  const now = nowIso();
  const rows = marks.map((m) => ({
    userId: m.userId,
    date,
    status: m.status,
    reason: m.reason,
    markedBy: ctx.actor.userId,
    updatedAt: now,
  }));
  const statements = chunkRows(rows, Object.keys(getTableColumns(attendance)).length).map((chunk) =>
    ctx.db
      .insert(attendance)
      .values(chunk)
      .onConflictDoUpdate({
        target: [attendance.userId, attendance.date],
        set: {
          status: sql`excluded.status`,
          reason: sql`excluded.reason`,
          markedBy: sql`excluded.marked_by`,
          updatedAt: sql`excluded.updated_at`,
        },
      }),
  );
  const writes = statements.map((q) => statementOf(ctx.env.DB, q));
  const results = await ctx.env.DB.batch([...writes, ...answer.statements]);
  return answer.finish(results.slice(writes.length));
}

export async function mark(
  ctx: UserContext,
  input: { user_id: string; date: string; status: Row["status"]; reason?: string },
) {
  await assertManages(ctx, [input.user_id]);
  // The mark and its answer in one batch.
  const [row] = await upsert(
    ctx,
    [{ userId: input.user_id, status: input.status, reason: input.reason ?? null }],
    input.date,
    reads(
      ctx.db
        .select({ a: attendance, first: users.firstName, last: users.lastName, username: users.username })
        .from(attendance)
        .innerJoin(users, eq(users.id, attendance.userId))
        .where(and(eq(attendance.userId, input.user_id), eq(attendance.date, input.date)))
        .limit(1),
    ),
  );
  return row && toResponse(row.a, displayName(row.first, row.last, row.username));
}

export async function bulkMark(
  ctx: UserContext,
  input: { date: string; present: string[]; absent: string[]; reason?: string },
) {
  await assertManages(ctx, [...input.present, ...input.absent]);
  await upsert(
    ctx,
    [
      ...input.present.map((userId) => ({ userId, status: "present" as const, reason: null })),
      ...input.absent.map((userId) => ({ userId, status: "absent" as const, reason: input.reason ?? null })),
    ],
    input.date,
  );
  return {
    ...(await list(ctx, { limit: 100, date: input.date })),
    marked: { present: new Set(input.present).size, absent: new Set(input.absent).size },
  };
}

/** The caller's record for today in the deployment's zone, or `unmarked`. */
export async function today(ctx: UserContext) {
  const date = todayIn(ctx.settings.timeZone);
  const row = await ctx.db.query.attendance.findFirst({
    where: and(eq(attendance.userId, ctx.actor.userId), eq(attendance.date, date)),
  });
  return {
    date,
    status: row?.status ?? ("unmarked" as const),
    reason: row?.reason ?? null,
    marked_by: row?.markedBy ?? null,
    updated_at: row?.updatedAt ?? null,
  };
}

export async function list(
  ctx: UserContext,
  query: {
    limit: number;
    cursor?: string;
    user_id?: string;
    date?: string;
    date_from?: string;
    date_to?: string;
    status?: Row["status"];
  },
  onlyUserId?: string,
) {
  const page = keyset({ order: "-date", column: attendance.date, idColumn: attendance.userId, cursor: query.cursor });
  const filters: (SQL | undefined)[] = [page.where];
  if (onlyUserId) filters.push(eq(attendance.userId, onlyUserId));
  else if (!ctx.actor.permissions.has("users:update")) {
    filters.push(
      inList(
        attendance.userId,
        ctx.db
          .select({ id: technicianProfiles.userId })
          .from(technicianProfiles)
          .where(eq(technicianProfiles.supervisorId, ctx.actor.userId)),
      ),
    );
  }
  if (query.user_id) filters.push(eq(attendance.userId, query.user_id));
  if (query.date) filters.push(eq(attendance.date, query.date));
  if (query.date_from) filters.push(gte(attendance.date, dayOf(query.date_from, ctx.settings.timeZone)));
  if (query.date_to) filters.push(lte(attendance.date, dayOf(query.date_to, ctx.settings.timeZone)));
  if (query.status) filters.push(eq(attendance.status, query.status));
  const rows = await ctx.db
    .select({ a: attendance, first: users.firstName, last: users.lastName, username: users.username })
    .from(attendance)
    .innerJoin(users, eq(users.id, attendance.userId))
    .where(and(...filters))
    .orderBy(...page.orderBy)
    .limit(query.limit + 1);
  const result = page.page(
    rows.map((r) => ({ ...r, id: r.a.userId })),
    query.limit,
    (r) => r.a.date,
  );
  return {
    data: result.data.map((r) => toResponse(r.a, displayName(r.first, r.last, r.username))),
    next_cursor: result.next_cursor,
    has_more: result.next_cursor !== null,
  };
}
