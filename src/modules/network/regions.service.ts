import { and, asc, eq, isNull, ne } from "drizzle-orm";
import { localities, regions } from "../../db/schema";
import type { ServiceContext, UserContext } from "../../lib/context";
import { newId, nowIso } from "../../lib/ids";
import { AppError } from "../../lib/problem";

type RegionRow = typeof regions.$inferSelect;
type LocalityRow = typeof localities.$inferSelect;

const toRegion = (r: RegionRow) => ({
  id: r.id,
  name: r.name,
  code: r.code,
  created_at: r.createdAt,
  updated_at: r.updatedAt,
});
const toLocality = (l: LocalityRow) => ({
  id: l.id,
  region_id: l.regionId,
  name: l.name,
  service_area: l.serviceArea,
  created_at: l.createdAt,
  updated_at: l.updatedAt,
});

/** Every region with its localities, by name: one call, as forms and filters need them. */
export async function listRegions(ctx: ServiceContext) {
  const [regionRows, localityRows] = await ctx.db.batch([
    ctx.db.select().from(regions).where(isNull(regions.deletedAt)).orderBy(asc(regions.name)),
    ctx.db.select().from(localities).where(isNull(localities.deletedAt)).orderBy(asc(localities.name)),
  ]);
  return {
    data: regionRows.map((r) => ({
      ...toRegion(r),
      localities: localityRows.filter((l) => l.regionId === r.id).map(toLocality),
    })),
  };
}

export async function findRegion(ctx: ServiceContext, id: string, path = "region_id"): Promise<RegionRow> {
  const row = await ctx.db.query.regions.findFirst({ where: and(eq(regions.id, id), isNull(regions.deletedAt)) });
  if (!row)
    throw path === "id"
      ? new AppError("not_found", "No such region.")
      : new AppError("validation_failed", "No such region.", { errors: [{ path, message: "No such region" }] });
  return row;
}

export async function findLocality(ctx: ServiceContext, id: string, path = "locality_id"): Promise<LocalityRow> {
  const row = await ctx.db.query.localities.findFirst({
    where: and(eq(localities.id, id), isNull(localities.deletedAt)),
  });
  if (!row)
    throw path === "id"
      ? new AppError("not_found", "No such locality.")
      : new AppError("validation_failed", "No such locality.", { errors: [{ path, message: "No such locality" }] });
  return row;
}

async function assertCodeFree(ctx: ServiceContext, code: string, except?: string) {
  const clash = await ctx.db.query.regions.findFirst({
    where: and(eq(regions.code, code), except ? ne(regions.id, except) : undefined),
    columns: { id: true },
  });
  if (clash)
    throw new AppError("conflict", "Another region has this code.", {
      errors: [{ path: "code", message: "Already in use" }],
    });
}

export async function createRegion(ctx: UserContext, input: { name: string; code: string }) {
  await assertCodeFree(ctx, input.code);
  const now = nowIso();
  const row: RegionRow = {
    id: newId("reg"),
    name: input.name,
    code: input.code,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
  };
  await ctx.db.insert(regions).values(row);
  return { ...toRegion(row), localities: [] };
}

export async function updateRegion(ctx: UserContext, id: string, input: { name?: string; code?: string }) {
  await findRegion(ctx, id, "id");
  if (input.code) await assertCodeFree(ctx, input.code, id);
  await ctx.db
    .update(regions)
    .set({ ...input, updatedAt: nowIso() })
    .where(eq(regions.id, id));
  const row = await findRegion(ctx, id, "id");
  const own = await ctx.db
    .select()
    .from(localities)
    .where(and(eq(localities.regionId, id), isNull(localities.deletedAt)))
    .orderBy(asc(localities.name));
  return { ...toRegion(row), localities: own.map(toLocality) };
}

/** Soft: incidents and customers that named it keep their history. A region with localities is emptied first. */
export async function deleteRegion(ctx: UserContext, id: string) {
  await findRegion(ctx, id, "id");
  const inUse = await ctx.db.query.localities.findFirst({
    where: and(eq(localities.regionId, id), isNull(localities.deletedAt)),
    columns: { id: true },
  });
  if (inUse) throw new AppError("conflict", "The region still has localities: move or delete them first.");
  const now = nowIso();
  await ctx.db
    .update(regions)
    .set({ deletedAt: now, updatedAt: now, code: `${id}:deleted` })
    .where(eq(regions.id, id));
}

export async function listLocalities(ctx: ServiceContext, query: { region_id?: string }) {
  const rows = await ctx.db
    .select()
    .from(localities)
    .where(and(isNull(localities.deletedAt), query.region_id ? eq(localities.regionId, query.region_id) : undefined))
    .orderBy(asc(localities.name));
  return { data: rows.map(toLocality) };
}

export async function createLocality(
  ctx: UserContext,
  input: { region_id: string; name: string; service_area?: string },
) {
  await findRegion(ctx, input.region_id);
  const serviceArea = input.service_area ?? input.name.trim().toLowerCase();
  const clash = await ctx.db.query.localities.findFirst({
    where: eq(localities.serviceArea, serviceArea),
    columns: { id: true },
  });
  if (clash)
    throw new AppError("conflict", "Another locality stands for this service area.", {
      errors: [{ path: "service_area", message: "Already in use" }],
    });
  const now = nowIso();
  const row: LocalityRow = {
    id: newId("lcl"),
    regionId: input.region_id,
    name: input.name,
    serviceArea,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
  };
  await ctx.db.insert(localities).values(row);
  return toLocality(row);
}

export async function updateLocality(ctx: UserContext, id: string, input: { name?: string; region_id?: string }) {
  await findLocality(ctx, id, "id");
  if (input.region_id) await findRegion(ctx, input.region_id);
  await ctx.db
    .update(localities)
    .set({
      ...(input.name ? { name: input.name } : {}),
      ...(input.region_id ? { regionId: input.region_id } : {}),
      updatedAt: nowIso(),
    })
    .where(eq(localities.id, id));
  return toLocality(await findLocality(ctx, id, "id"));
}

/** Soft, and frees its service area for another locality. */
export async function deleteLocality(ctx: UserContext, id: string) {
  const row = await findLocality(ctx, id, "id");
  const now = nowIso();
  await ctx.db
    .update(localities)
    .set({ deletedAt: now, updatedAt: now, serviceArea: `${row.serviceArea}#${id}` })
    .where(eq(localities.id, id));
}
