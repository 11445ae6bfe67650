import { and, asc, eq, isNull } from "drizzle-orm";
import { commitAudited, commitAuditedAndRead } from "../../lib/change-batch";
import { roles, users } from "../../db/schema";
import type { UserContext, ServiceContext } from "../../lib/context";
import { nowIso } from "../../lib/ids";
import { AppError } from "../../lib/problem";
import {
  BUILTIN_ROLES,
  BUILTIN_ROLE_KEYS,
  PERMISSIONS,
  isBuiltinRole,
  permissionsOf,
  type Permission,
} from "../../contracts/permissions";

type RoleRow = typeof roles.$inferSelect;

const builtinResponse = (key: keyof typeof BUILTIN_ROLES) => ({
  key,
  name: BUILTIN_ROLES[key].name,
  description: BUILTIN_ROLES[key].description,
  permissions: [...BUILTIN_ROLES[key].permissions],
  is_builtin: true,
  created_at: null,
  updated_at: null,
});

const customResponse = (row: RoleRow) => ({
  key: row.key,
  name: row.name,
  description: row.description,
  permissions: row.permissions,
  is_builtin: false,
  created_at: row.createdAt,
  updated_at: row.updatedAt,
});

export function listPermissions() {
  return { data: Object.entries(PERMISSIONS).map(([key, description]) => ({ key, description })) };
}

export async function roleExists(ctx: ServiceContext, key: string): Promise<boolean> {
  if (isBuiltinRole(key)) return true;
  return Boolean(await ctx.db.query.roles.findFirst({ where: eq(roles.key, key), columns: { key: true } }));
}

/** What a role grants: built-in roles from code, custom roles from D1 (an unknown role grants nothing). */
export async function rolePermissions(ctx: ServiceContext, key: string): Promise<Set<Permission>> {
  if (isBuiltinRole(key)) return permissionsOf(key, null);
  const row = await ctx.db.query.roles.findFirst({ where: eq(roles.key, key), columns: { permissions: true } });
  return permissionsOf(key, row?.permissions ?? []);
}

/**
 * The delegation rule: nobody grants, or acts on the holder of, more than they hold themselves.
 * Returns the permissions in `wanted` the caller lacks; only administrators reach administrators.
 */
export function permissionsBeyond(actor: UserContext["actor"], wanted: Iterable<Permission>): Permission[] {
  return [...wanted].filter((p) => !actor.permissions.has(p)).sort();
}

function assertWithinOwn(ctx: UserContext, permissions: Iterable<Permission>, what: string) {
  const beyond = permissionsBeyond(ctx.actor, permissions);
  if (beyond.length) {
    throw new AppError("forbidden", `${what} would grant permissions you do not hold: ${beyond.join(", ")}.`, {
      errors: [{ path: "permissions", message: `Not yours to grant: ${beyond.join(", ")}` }],
    });
  }
}

export async function listRoles(ctx: UserContext) {
  const custom = await ctx.db.select().from(roles).orderBy(roles.key);
  return { data: [...BUILTIN_ROLE_KEYS.map(builtinResponse), ...custom.map(customResponse)] };
}

export async function getRole(ctx: UserContext, key: string) {
  if (isBuiltinRole(key)) return builtinResponse(key);
  const row = await ctx.db.query.roles.findFirst({ where: eq(roles.key, key) });
  if (!row) throw new AppError("not_found", "No such role.");
  return customResponse(row);
}

export async function createRole(
  ctx: UserContext,
  input: { key: string; name: string; description: string; permissions: Permission[] },
) {
  assertWithinOwn(ctx, input.permissions, "This role");
  if (isBuiltinRole(input.key) || (await roleExists(ctx, input.key))) {
    throw new AppError("conflict", "A role with this key exists.", {
      errors: [{ path: "key", message: "Already exists" }],
    });
  }
  const now = nowIso();
  const row: RoleRow = { ...input, permissions: [...new Set(input.permissions)], createdAt: now, updatedAt: now };
  await commitAudited(ctx, [ctx.db.insert(roles).values(row)], {
    action: "role.created",
    targetType: "role",
    targetId: row.key,
    after: row,
  });
  return customResponse(row);
}

function assertCustom(key: string) {
  if (isBuiltinRole(key)) throw new AppError("forbidden", "Built-in roles cannot be changed or deleted.");
}

export async function updateRole(
  ctx: UserContext,
  key: string,
  input: { name?: string; description?: string; permissions?: Permission[] },
) {
  assertCustom(key);
  const row = await ctx.db.query.roles.findFirst({ where: eq(roles.key, key) });
  if (!row) throw new AppError("not_found", "No such role.");
  const before = customResponse(row);
  // Its holders would be changed by the edit, so they must not outrank the editor either.
  assertWithinOwn(ctx, permissionsOf(key, row.permissions), "Editing this role");
  if (input.permissions) assertWithinOwn(ctx, input.permissions, "This role");
  const patch: Partial<RoleRow> = { updatedAt: nowIso() };
  if (input.name !== undefined) patch.name = input.name;
  if (input.description !== undefined) patch.description = input.description;
  if (input.permissions !== undefined) patch.permissions = [...new Set(input.permissions)];
  // The answer is read at the end of the change's batch.
  const [after] = await commitAuditedAndRead(
    ctx,
    [ctx.db.update(roles).set(patch).where(eq(roles.key, key))],
    [{ action: "role.updated", targetType: "role", targetId: key, before, after: patch }],
    ctx.db.select().from(roles).where(eq(roles.key, key)).limit(1),
  );
  if (!after) throw new AppError("not_found", "No such role.");
  return customResponse(after);
}

export async function deleteRole(ctx: UserContext, key: string) {
  assertCustom(key);
  // The role and whether anyone holds it, in one batch.
  const [[row], holders] = await ctx.db.batch([
    ctx.db.select().from(roles).where(eq(roles.key, key)).limit(1),
    ctx.db.select({ id: users.id }).from(users).where(eq(users.role, key)).limit(1),
  ]);
  if (!row) throw new AppError("not_found", "No such role.");
  const before = customResponse(row);
  assertWithinOwn(ctx, permissionsOf(key, row.permissions), "Deleting this role");
  if (holders.length) throw new AppError("conflict", "The role is still held by users; reassign them first.");
  await commitAudited(ctx, [ctx.db.delete(roles).where(eq(roles.key, key))], {
    action: "role.deleted",
    targetType: "role",
    targetId: key,
    before,
  });
}

/** IAM-16: the active users holding a role, in a stable order, for automatic assignment. */
export async function rolePool(ctx: UserContext, key: string) {
  // A custom role and its holders in one batch.
  const [role, rows] = await ctx.db.batch([
    ctx.db.select({ key: roles.key }).from(roles).where(eq(roles.key, key)).limit(1),
    ctx.db
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.role, key), eq(users.status, "active"), isNull(users.deletedAt)))
      .orderBy(asc(users.id)),
  ]);
  if (!isBuiltinRole(key) && !role.length) throw new AppError("not_found", "No such role.");
  return { role: key, user_ids: rows.map((r) => r.id) };
}
