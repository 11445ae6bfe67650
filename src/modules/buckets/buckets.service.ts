import { and, asc, eq } from "drizzle-orm";
import { buckets } from "../../db/schema";
import type { UserContext } from "../../lib/context";
import { rowAndClash } from "../../lib/d1";
import { newId, nowIso } from "../../lib/ids";
import { AppError } from "../../lib/problem";
import { listTickets } from "../tickets";

type BucketRow = typeof buckets.$inferSelect;
type Filters = Record<string, unknown>;

const toResponse = (b: BucketRow) => ({
  id: b.id,
  name: b.name,
  filters: b.filters,
  refreshed_at: b.refreshedAt,
  created_at: b.createdAt,
  updated_at: b.updatedAt,
});

/** Buckets are private to their owner: someone else's bucket is 404. */
async function findOwn(ctx: UserContext, id: string) {
  const row = await ctx.db.query.buckets.findFirst({
    where: and(eq(buckets.id, id), eq(buckets.ownerId, ctx.actor.userId)),
  });
  if (!row) throw new AppError("not_found", "No such bucket.");
  return row;
}

async function assertNameFree(ctx: UserContext, name: string, exceptId?: string) {
  const clash = await ctx.db.query.buckets.findFirst({
    where: and(eq(buckets.ownerId, ctx.actor.userId), eq(buckets.name, name)),
    columns: { id: true },
  });
  if (clash && clash.id !== exceptId) refuseTakenName();
}

function refuseTakenName(): never {
  throw new AppError("conflict", "You already have a bucket with this name.", {
    errors: [{ path: "name", message: "Already exists" }],
  });
}

export async function listBuckets(ctx: UserContext) {
  const rows = await ctx.db
    .select()
    .from(buckets)
    .where(eq(buckets.ownerId, ctx.actor.userId))
    .orderBy(asc(buckets.name));
  return { data: rows.map(toResponse) };
}

export async function createBucket(ctx: UserContext, input: { name: string; filters: Filters }) {
  await assertNameFree(ctx, input.name);
  const now = nowIso();
  const row: BucketRow = {
    id: newId("bkt"),
    ownerId: ctx.actor.userId,
    name: input.name,
    filters: input.filters,
    refreshedAt: null,
    createdAt: now,
    updatedAt: now,
  };
  await ctx.db.insert(buckets).values(row);
  return toResponse(row);
}

export async function updateBucket(ctx: UserContext, id: string, input: { name?: string; filters?: Filters }) {
  // The bucket and a clash of its new name in one batch; the change and its answer in another.
  const own = and(eq(buckets.id, id), eq(buckets.ownerId, ctx.actor.userId));
  const { found, holder } = await rowAndClash(
    ctx.db,
    buckets,
    buckets.id,
    own,
    input.name ? and(eq(buckets.ownerId, ctx.actor.userId), eq(buckets.name, input.name)) : undefined,
  );
  if (!found) throw new AppError("not_found", "No such bucket.");
  if (holder && holder !== id) refuseTakenName();
  const [, [row]] = await ctx.db.batch([
    ctx.db
      .update(buckets)
      .set({
        ...(input.name ? { name: input.name } : {}),
        ...(input.filters ? { filters: input.filters } : {}),
        updatedAt: nowIso(),
      })
      .where(eq(buckets.id, id)),
    ctx.db.select().from(buckets).where(own).limit(1),
  ]);
  return toResponse(row ?? (await findOwn(ctx, id)));
}

export async function deleteBucket(ctx: UserContext, id: string) {
  await findOwn(ctx, id);
  await ctx.db.delete(buckets).where(eq(buckets.id, id));
}

/** Re-runs the bucket's saved filters (within what the caller may see) and stamps refreshed_at. */
export async function refreshBucket(ctx: UserContext, id: string, page: { limit: number; cursor?: string }) {
  // Marking it refreshed is also the ownership check and the read of its filters: one statement.
  const [own] = await ctx.db
    .update(buckets)
    .set({ refreshedAt: nowIso() })
    .where(and(eq(buckets.id, id), eq(buckets.ownerId, ctx.actor.userId)))
    .returning({ filters: buckets.filters });
  if (!own) throw new AppError("not_found", "No such bucket.");
  return listTickets(ctx, { ...(own.filters as Filters), ...page, order: "-created_at" } as Parameters<
    typeof listTickets
  >[1]);
}
