import { and, asc, eq, isNull, sql, type SQL } from "drizzle-orm";
import { takeCounter } from "../../lib/counters";
import { allReads, inList, rawReads, readInBatch, reads, runReads } from "../../lib/d1";
import { commitAudited, commitAuditedAndRead, commitChange, statementOf } from "../../lib/change-batch";
import { applicationGrants, applicationRoles, applications, users } from "../../db/schema";
import type { ServiceContext, UserContext } from "../../lib/context";
import { newId, nowIso } from "../../lib/ids";
import { displayName } from "../../lib/names";
import { keyset } from "../../lib/pagination";
import { AppError } from "../../lib/problem";
import { assertMayChangeUser } from "../users";
import { forgetAllowedOrigins } from "./cors";

type ApplicationRow = typeof applications.$inferSelect;
type RoleRow = typeof applicationRoles.$inferSelect;

const present = (a: ApplicationRow) => ({
  id: a.id,
  key: a.key,
  name: a.name,
  description: a.description,
  listed: a.listed,
  logo_url: a.logoUrl,
  allowed_origins: a.allowedOrigins,
  active: a.active,
  created_at: a.createdAt,
  updated_at: a.updatedAt,
});

async function findApplication(ctx: ServiceContext, id: string): Promise<ApplicationRow> {
  const row = await ctx.db.query.applications.findFirst({ where: eq(applications.id, id) });
  if (!row) throw new AppError("not_found", "No such application.");
  return row;
}

async function assertKeyFree(ctx: ServiceContext, key: string) {
  if (await ctx.db.query.applications.findFirst({ where: eq(applications.key, key), columns: { id: true } })) {
    throw new AppError("conflict", "An application with this key exists.", {
      errors: [{ path: "key", message: "Already in use" }],
    });
  }
}

// ---- applications ----

export async function listApplications(ctx: UserContext, query: { limit: number; cursor?: string }) {
  const page = keyset({
    order: "created_at",
    column: applications.createdAt,
    idColumn: applications.id,
    cursor: query.cursor,
  });
  const rows = await ctx.db
    .select()
    .from(applications)
    .where(page.where)
    .orderBy(...page.orderBy)
    .limit(query.limit + 1);
  const result = page.page(rows, query.limit, (r) => r.createdAt);
  return { data: result.data.map(present), next_cursor: result.next_cursor, has_more: result.next_cursor !== null };
}

/** For a login screen: listed, active applications, without anything internal. */
export async function publicApplications(ctx: ServiceContext) {
  const rows = await ctx.db
    .select()
    .from(applications)
    .where(and(eq(applications.listed, true), eq(applications.active, true)))
    .orderBy(asc(applications.name))
    .limit(100);
  return { data: rows.map((a) => ({ key: a.key, name: a.name, description: a.description, logo_url: a.logoUrl })) };
}

export async function createApplication(
  ctx: UserContext,
  input: {
    key: string;
    name: string;
    description?: string;
    listed?: boolean;
    logo_url?: string;
    allowed_origins?: string[];
  },
) {
  await assertKeyFree(ctx, input.key);
  const now = nowIso();
  const row: ApplicationRow = {
    id: newId("app"),
    key: input.key,
    name: input.name,
    description: input.description ?? "",
    listed: input.listed ?? false,
    logoUrl: input.logo_url ?? null,
    allowedOrigins: [...new Set(input.allowed_origins ?? [])],
    active: true,
    createdAt: now,
    updatedAt: now,
  };
  await commitAudited(ctx, [ctx.db.insert(applications).values(row)], {
    action: "application.created",
    targetType: "application",
    targetId: row.id,
    after: present(row),
  });
  forgetAllowedOrigins();
  return present(row);
}

export async function getApplication(ctx: UserContext, id: string) {
  return present(await findApplication(ctx, id));
}

export async function updateApplication(
  ctx: UserContext,
  id: string,
  input: {
    name?: string;
    description?: string;
    listed?: boolean;
    logo_url?: string | null;
    allowed_origins?: string[];
    active?: boolean;
  },
) {
  const before = present(await findApplication(ctx, id));
  const set: Partial<ApplicationRow> = { updatedAt: nowIso() };
  if (input.name !== undefined) set.name = input.name;
  if (input.description !== undefined) set.description = input.description;
  if (input.listed !== undefined) set.listed = input.listed;
  if (input.logo_url !== undefined) set.logoUrl = input.logo_url;
  if (input.allowed_origins !== undefined) set.allowedOrigins = [...new Set(input.allowed_origins)];
  if (input.active !== undefined) set.active = input.active;
  const [row] = await commitAuditedAndRead(
    ctx,
    [ctx.db.update(applications).set(set).where(eq(applications.id, id))],
    [{ action: "application.updated", targetType: "application", targetId: id, before, after: set }],
    ctx.db.select().from(applications).where(eq(applications.id, id)).limit(1),
  );
  forgetAllowedOrigins();
  return row ? present(row) : getApplication(ctx, id);
}

// ---- the application's own roles ----

async function findRole(ctx: ServiceContext, applicationId: string, roleId: string): Promise<RoleRow> {
  const row = await ctx.db.query.applicationRoles.findFirst({
    where: and(eq(applicationRoles.id, roleId), eq(applicationRoles.applicationId, applicationId)),
  });
  if (!row) throw new AppError("not_found", "No such role in this application.");
  return row;
}

const holders = sql<number>`(SELECT count(*) FROM application_grants g WHERE g.role_id = application_roles.id)`;
const presentRole = (r: RoleRow & { holders: number }) => ({
  id: r.id,
  application_id: r.applicationId,
  key: r.key,
  name: r.name,
  description: r.description,
  holders: r.holders,
  created_at: r.createdAt,
  updated_at: r.updatedAt,
});

export async function listRoles(ctx: UserContext, applicationId: string) {
  const [app, rows] = await ctx.db.batch([
    ctx.db.select({ id: applications.id }).from(applications).where(eq(applications.id, applicationId)).limit(1),
    ctx.db
      .select({ role: applicationRoles, holders })
      .from(applicationRoles)
      .where(eq(applicationRoles.applicationId, applicationId))
      .orderBy(asc(applicationRoles.key)),
  ]);
  if (!app.length) throw new AppError("not_found", "No such application.");
  return { data: rows.map((r) => presentRole({ ...r.role, holders: r.holders })) };
}

export async function createRole(
  ctx: UserContext,
  applicationId: string,
  input: { key: string; name: string; description?: string },
) {
  await findApplication(ctx, applicationId);
  const now = nowIso();
  const row: RoleRow = {
    id: newId("apr"),
    applicationId,
    key: input.key,
    name: input.name,
    description: input.description ?? "",
    createdAt: now,
    updatedAt: now,
  };
  const { results } = await commitChange(ctx, {
    statements: [
      statementOf(
        ctx.env.DB,
        ctx.db.insert(applicationRoles).values(row).onConflictDoNothing().returning({ id: applicationRoles.id }),
      ),
    ],
    guard: { sql: "EXISTS (SELECT 1 FROM application_roles WHERE id = ?)", params: [row.id] },
    audit: [{ action: "application_role.created", targetType: "application_role", targetId: row.id, after: row }],
  });
  if (!results[0]?.results.length)
    throw new AppError("conflict", "The application has a role with this key.", {
      errors: [{ path: "key", message: "Already in use" }],
    });
  return presentRole({ ...row, holders: 0 });
}

export async function updateRole(
  ctx: UserContext,
  applicationId: string,
  roleId: string,
  input: { name?: string; description?: string },
) {
  const before = await findRole(ctx, applicationId, roleId);
  const set = { ...input, updatedAt: nowIso() };
  const [row] = await commitAuditedAndRead(
    ctx,
    [ctx.db.update(applicationRoles).set(set).where(eq(applicationRoles.id, roleId))],
    [{ action: "application_role.updated", targetType: "application_role", targetId: roleId, before, after: set }],
    ctx.db.select({ role: applicationRoles, holders }).from(applicationRoles).where(eq(applicationRoles.id, roleId)),
  );
  return presentRole({ ...row.role, holders: row.holders });
}

export async function deleteRole(ctx: UserContext, applicationId: string, roleId: string) {
  const before = await findRole(ctx, applicationId, roleId);
  const {
    results: [deleted],
  } = await commitChange(ctx, {
    statements: [
      ctx.env.DB.prepare(
        "DELETE FROM application_roles WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM application_grants WHERE role_id = ?1)",
      ).bind(roleId),
    ],
    guard: { sql: "NOT EXISTS (SELECT 1 FROM application_roles WHERE id = ?)", params: [roleId] },
    audit: [{ action: "application_role.deleted", targetType: "application_role", targetId: roleId, before }],
  });
  if (!deleted?.meta.changes) throw new AppError("conflict", "Users hold this role; remove their grants first.");
}

// ---- grants ----

// Every selected column has its own name (the ids come from the grant, the keys are aliased), so
// the query can also go into a batch, where D1 answers rows as objects keyed by column name.
const grantColumns = {
  id: applicationGrants.id,
  grantedBy: applicationGrants.grantedBy,
  createdAt: applicationGrants.createdAt,
  updatedAt: applicationGrants.updatedAt,
  applicationId: applicationGrants.applicationId,
  applicationKey: sql<string>`${applications.key}`.as("application_key"),
  roleId: applicationGrants.roleId,
  roleKey: sql<string>`${applicationRoles.key}`.as("role_key"),
  roleName: sql<string>`${applicationRoles.name}`.as("role_name"),
  userId: applicationGrants.userId,
  username: users.username,
  firstName: users.firstName,
  lastName: users.lastName,
};
type GrantRow = { [K in keyof typeof grantColumns]: string | null } & { id: string; createdAt: string };

const presentGrant = (g: GrantRow) => ({
  id: g.id,
  application: { id: g.applicationId!, key: g.applicationKey! },
  role: { id: g.roleId!, key: g.roleKey!, name: g.roleName! },
  user: {
    id: g.userId!,
    username: g.username!,
    display_name: displayName(g.firstName ?? "", g.lastName ?? "", g.username!),
  },
  granted_by: g.grantedBy,
  created_at: g.createdAt,
  updated_at: g.updatedAt!,
});

function grantQuery(ctx: ServiceContext, where: SQL | undefined) {
  return ctx.db
    .select(grantColumns)
    .from(applicationGrants)
    .innerJoin(applications, eq(applications.id, applicationGrants.applicationId))
    .innerJoin(applicationRoles, eq(applicationRoles.id, applicationGrants.roleId))
    .innerJoin(users, eq(users.id, applicationGrants.userId))
    .where(where);
}

export async function listGrants(
  ctx: UserContext,
  query: { limit: number; cursor?: string; application_id?: string; user_id?: string; role?: string },
) {
  const page = keyset({
    order: "created_at",
    column: applicationGrants.createdAt,
    idColumn: applicationGrants.id,
    cursor: query.cursor,
  });
  const role = query.role
    ? query.application_id
      ? eq(applicationRoles.key, query.role)
      : eq(applicationRoles.id, query.role)
    : undefined;
  const rows = await grantQuery(
    ctx,
    and(
      page.where,
      query.application_id ? eq(applicationGrants.applicationId, query.application_id) : undefined,
      query.user_id ? eq(applicationGrants.userId, query.user_id) : undefined,
      role,
    ),
  )
    .orderBy(...page.orderBy)
    .limit(query.limit + 1);
  const result = page.page(rows as GrantRow[], query.limit, (r) => r.createdAt);
  return {
    data: result.data.map(presentGrant),
    next_cursor: result.next_cursor,
    has_more: result.next_cursor !== null,
  };
}

export async function getGrant(ctx: UserContext, id: string) {
  const [row] = await grantQuery(ctx, eq(applicationGrants.id, id));
  if (!row) throw new AppError("not_found", "No such grant.");
  return presentGrant(row as GrantRow);
}

const invalid = (path: string, message: string): never => {
  throw new AppError("validation_failed", message, { errors: [{ path, message }] });
};

export async function createGrant(
  ctx: UserContext,
  input: { application_id: string; role_id: string; user_id: string },
) {
  // What the grant names, in one batch; the grant is read back at the end of its change's batch.
  const [app, role, [user]] = await ctx.db.batch([
    ctx.db.select({ id: applications.id }).from(applications).where(eq(applications.id, input.application_id)),
    ctx.db
      .select({ id: applicationRoles.id })
      .from(applicationRoles)
      .where(and(eq(applicationRoles.id, input.role_id), eq(applicationRoles.applicationId, input.application_id))),
    ctx.db
      .select({ id: users.id, role: users.role })
      .from(users)
      .where(and(eq(users.id, input.user_id), isNull(users.deletedAt))),
  ]);
  if (!app.length) invalid("application_id", "No such application");
  if (!role.length) invalid("role_id", "No such role in this application");
  if (!user) invalid("user_id", "No such user");
  await assertMayChangeUser(ctx, user);
  const now = nowIso();
  const id = newId("apg");
  const grant = {
    id,
    applicationId: input.application_id,
    roleId: input.role_id,
    userId: input.user_id,
    grantedBy: ctx.actor.userId,
    createdAt: now,
    updatedAt: now,
  };
  const answer = readInBatch(grantQuery(ctx, eq(applicationGrants.id, id)));
  const { results, reads } = await commitChange(
    ctx,
    {
      statements: [
        statementOf(
          ctx.env.DB,
          ctx.db.insert(applicationGrants).values(grant).onConflictDoNothing().returning({ id: applicationGrants.id }),
        ),
      ],
      guard: { sql: "EXISTS (SELECT 1 FROM application_grants WHERE id = ?)", params: [id] },
      audit: [{ action: "grant.created", targetType: "grant", targetId: id, after: grant }],
    },
    undefined,
    [answer.statement],
  );
  if (!results[0]?.results.length)
    throw new AppError("conflict", "The user already holds this role in this application.");
  const [row] = answer.map(reads[0]);
  return row ? presentGrant(row as GrantRow) : getGrant(ctx, id);
}

export async function updateGrant(ctx: UserContext, id: string, input: { role_id: string }) {
  // The grant, the new role in its application and its holder in one batch; the grant read back at the end of the change's.
  const [[row], role, [holder]] = await ctx.db.batch([
    grantQuery(ctx, eq(applicationGrants.id, id)),
    ctx.db
      .select({ id: applicationRoles.id })
      .from(applicationRoles)
      .where(
        and(
          eq(applicationRoles.id, input.role_id),
          eq(
            applicationRoles.applicationId,
            sql`(SELECT g.application_id FROM application_grants g WHERE g.id = ${id})`,
          ),
        ),
      ),
    ctx.db
      .select({ id: users.id, role: users.role })
      .from(users)
      .where(
        and(
          eq(users.id, sql`(SELECT g.user_id FROM application_grants g WHERE g.id = ${id})`),
          isNull(users.deletedAt),
        ),
      ),
  ]);
  if (!row) throw new AppError("not_found", "No such grant.");
  const grant = presentGrant(row as GrantRow);
  if (!role.length) invalid("role_id", "No such role in this application");
  if (!holder) throw new AppError("not_found", "No such user.");
  await assertMayChangeUser(ctx, holder);
  const answer = readInBatch(grantQuery(ctx, eq(applicationGrants.id, id)));
  const {
    results: [updated],
    reads,
  } = await commitChange(
    ctx,
    {
      statements: [
        ctx.env.DB.prepare(
          `UPDATE application_grants SET role_id = ?2, granted_by = ?3, updated_at = ?4
          WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM application_grants o WHERE o.application_id = application_grants.application_id AND o.user_id = application_grants.user_id AND o.role_id = ?2)`,
        ).bind(id, input.role_id, ctx.actor.userId, nowIso()),
      ],
      guard: {
        sql: "EXISTS (SELECT 1 FROM application_grants WHERE id = ? AND role_id = ?)",
        params: [id, input.role_id],
      },
      audit: [
        {
          action: "grant.updated",
          targetType: "grant",
          targetId: id,
          before: { role_id: grant.role.id },
          after: { role_id: input.role_id },
        },
      ],
    },
    undefined,
    [answer.statement],
  );
  if (!updated?.meta.changes && grant.role.id !== input.role_id)
    throw new AppError("conflict", "The user already holds that role in this application.");
  const [after] = answer.map(reads[0]);
  return after ? presentGrant(after as GrantRow) : getGrant(ctx, id);
}

export async function deleteGrant(ctx: UserContext, id: string) {
  // The grant and its holder in one batch.
  const [[row], [holder]] = await ctx.db.batch([
    grantQuery(ctx, eq(applicationGrants.id, id)),
    ctx.db
      .select({ id: users.id, role: users.role })
      .from(users)
      .where(eq(users.id, sql`(SELECT g.user_id FROM application_grants g WHERE g.id = ${id})`))
      .limit(1),
  ]);
  if (!row || !holder) throw new AppError("not_found", "No such grant.");
  const grant = presentGrant(row as GrantRow);
  await assertMayChangeUser(ctx, holder);
  await commitAudited(ctx, [ctx.db.delete(applicationGrants).where(eq(applicationGrants.id, id))], {
    action: "grant.deleted",
    targetType: "grant",
    targetId: id,
    before: grant,
  });
}

// ---- round-robin pools ----

/**
 * A role's round-robin pool in one batch: the application, the role, its active holders, and where
 * the turn stands (the counter is named by the role's id, found by a subquery).
 */
async function poolOf(ctx: ServiceContext, applicationId: string, roleKey: string) {
  const roleId = ctx.db
    .select({ id: applicationRoles.id })
    .from(applicationRoles)
    .where(and(eq(applicationRoles.applicationId, applicationId), eq(applicationRoles.key, roleKey)));
  const { app, role, members, turn } = await runReads(
    ctx.env.DB,
    allReads({
      app: reads(
        ctx.db
          .select({ id: applications.id, key: applications.key })
          .from(applications)
          .where(eq(applications.id, applicationId)),
      ),
      role: reads(
        ctx.db
          .select({ id: applicationRoles.id, key: applicationRoles.key })
          .from(applicationRoles)
          .where(and(eq(applicationRoles.applicationId, applicationId), eq(applicationRoles.key, roleKey))),
      ),
      members: reads(
        ctx.db
          .select({ id: users.id })
          .from(applicationGrants)
          .innerJoin(users, eq(users.id, applicationGrants.userId))
          .where(and(inList(applicationGrants.roleId, roleId), eq(users.status, "active"), isNull(users.deletedAt)))
          .orderBy(asc(users.id)),
      ),
      turn: rawReads<{ value: number }>(
        ctx.env.DB.prepare(
          `SELECT value FROM counters WHERE name = 'rr:app:' || ?1 || ':' || (SELECT id FROM application_roles WHERE application_id = ?1 AND key = ?2)`,
        ).bind(applicationId, roleKey),
      ),
    }),
  );
  if (!app[0] || !role[0]) throw new AppError("not_found", "No such application, or no such role in it.");
  return {
    app: app[0],
    role: role[0],
    ids: members.map((r) => r.id),
    counter: `rr:app:${app[0].id}:${role[0].id}`,
    position: turn[0]?.value,
  };
}

export async function applicationPool(ctx: UserContext, applicationId: string, roleKey: string) {
  const { app, role, ids, position } = await poolOf(ctx, applicationId, roleKey);
  const next = ids.length ? ids[(position === undefined ? 0 : position + 1) % ids.length] : null;
  return { application: app.key, role: role.key, user_ids: ids, next_user_id: next };
}

export async function takePoolTurn(ctx: UserContext, applicationId: string, roleKey: string) {
  const { app, role, ids, counter } = await poolOf(ctx, applicationId, roleKey);
  if (!ids.length) throw new AppError("unprocessable", "Nobody active holds this role.");
  const position = (await takeCounter(ctx.env.DB, counter, { first: 0 })) % ids.length;
  return { application: app.key, role: role.key, user_id: ids[position], position: position + 1, of: ids.length };
}

// ---- sign-in for an application ----

/**
 * The application a sign-in names and the user's roles in it; 403 `application_denied` when the
 * application is inactive or the user holds no role there, 400 when no application has the key.
 */
export async function applicationAccess(
  ctx: ServiceContext,
  applicationKey: string,
  userId: string,
): Promise<{ id: string; key: string; roles: string[] }> {
  const access = await accessWhere(ctx, eq(applications.key, applicationKey), userId);
  if (!access) invalid("application", "No such application");
  return access!;
}

/** The same for a session already bound to an application (refresh), by the application's id. */
export async function accessById(
  ctx: ServiceContext,
  applicationId: string,
  userId: string,
): Promise<{ id: string; key: string; roles: string[] }> {
  const access = await accessWhere(ctx, eq(applications.id, applicationId), userId);
  if (!access) throw new AppError("application_denied", "This application no longer exists.");
  return access;
}

/** One statement: the application, whether it is active, and the user's roles in it; null when there is no such application. */
async function accessWhere(ctx: ServiceContext, which: SQL, userId: string) {
  const rows = await ctx.db
    .select({ id: applications.id, key: applications.key, active: applications.active, role: applicationRoles.key })
    .from(applications)
    .leftJoin(
      applicationGrants,
      and(eq(applicationGrants.applicationId, applications.id), eq(applicationGrants.userId, userId)),
    )
    .leftJoin(applicationRoles, eq(applicationRoles.id, applicationGrants.roleId))
    .where(which);
  if (!rows.length) return null;
  const roles = rows.flatMap((r) => (r.role ? [r.role] : [])).sort();
  if (!rows[0].active) throw new AppError("application_denied", "This application is not active.");
  if (!roles.length)
    throw new AppError("application_denied", "You have no role in this application; ask its administrator for access.");
  return { id: rows[0].id, key: rows[0].key, roles };
}
