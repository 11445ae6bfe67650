import { and, eq, isNull, or, sql, type SQL } from "drizzle-orm";
import { accessEnds } from "../../lib/identity";
import { commitAudited, commitAuditedAndRead } from "../../lib/change-batch";
import { displayName } from "../../lib/names";
import { containsText } from "../../lib/search";
import { inList, mapReads, reads, runReads, type Reads } from "../../lib/d1";
import { companies, users } from "../../db/schema";
import type { UserContext, ServiceContext } from "../../lib/context";
import { newId, nowIso } from "../../lib/ids";
import { keyset } from "../../lib/pagination";
import { hashPassword } from "../../lib/passwords";
import { normalisePhone, toE164 } from "../../lib/phone";
import { AppError, type FieldError } from "../../lib/problem";
import { permissionsBeyond, roleExists, rolePermissions } from "../roles";
import type { UserResponse } from "./users.schemas";
import { assertCurrentPassword, pendingContactChanges, requestContactChange } from "./contact-changes.service";

import type { UserRow } from "../../db/schema";
export type { UserRow };

export function toUserResponse(u: UserRow): UserResponse {
  return {
    id: u.id,
    username: u.username,
    email: u.email || null,
    phone: u.phone,
    whatsapp: u.whatsapp,
    department: u.department,
    region: u.region,
    address: u.address,
    first_name: u.firstName,
    last_name: u.lastName,
    display_name: displayName(u.firstName, u.lastName, u.username),
    role: u.role,
    company_id: u.companyId,
    status: u.status,
    is_active: u.status === "active" && !u.deletedAt,
    two_factor_enabled: u.twoFactorEnabled,
    has_push_token: Boolean(u.pushToken),
    avatar_url: u.avatarUploadId ? `/v1/users/${u.id}/avatar` : null,
    last_login_at: u.lastLoginAt,
    created_at: u.createdAt,
    updated_at: u.updatedAt,
  };
}

/** 409 with the fields that are taken, checked before the write; the unique indexes are the backstop. */
export async function assertUnique(
  ctx: ServiceContext,
  fields: { username?: string; email?: string; phone?: string | null },
  exceptUserId?: string,
) {
  const checks: SQL[] = [];
  if (fields.username) checks.push(eq(users.username, fields.username));
  if (fields.email) checks.push(eq(users.email, fields.email));
  if (fields.phone) checks.push(eq(users.phone, fields.phone));
  if (!checks.length) return;
  const clashes = await ctx.db
    .select({ id: users.id, username: users.username, email: users.email, phone: users.phone })
    .from(users)
    .where(or(...checks));
  const errors: FieldError[] = [];
  for (const row of clashes) {
    if (row.id === exceptUserId) continue;
    if (fields.username && row.username === fields.username)
      errors.push({ path: "username", message: "Already taken" });
    if (fields.email && row.email === fields.email) errors.push({ path: "email", message: "Already registered" });
    if (fields.phone && row.phone === fields.phone) errors.push({ path: "phone", message: "Already registered" });
  }
  if (errors.length) throw new AppError("conflict", "An account with these details already exists.", { errors });
}

export function isUniqueViolation(err: unknown): boolean {
  const text = String((err as { cause?: unknown })?.cause ?? "") + String((err as Error)?.message ?? "");
  return text.includes("UNIQUE constraint failed");
}

export async function insertUser(
  ctx: ServiceContext,
  input: {
    username: string;
    email?: string;
    phone?: string | null;
    whatsapp?: string | null;
    department?: string | null;
    region?: string | null;
    address?: string | null;
    password: string;
    first_name?: string;
    last_name?: string;
    role: string;
    status: UserRow["status"];
    company_id?: string | null;
  },
  /** Set when an administrator creates the account: it is audited in the same batch. */
  audit?: { action: string },
): Promise<UserRow> {
  const phone = normalisePhone(ctx, input.phone) ?? null;
  await assertUnique(ctx, { username: input.username, email: input.email, phone });
  const now = nowIso();
  const row: UserRow = {
    id: newId("usr"),
    username: input.username,
    email: input.email ?? "",
    phone,
    whatsapp: normalisePhone(ctx, input.whatsapp, "whatsapp") ?? null,
    department: input.department ?? null,
    region: input.region ?? null,
    address: input.address ?? null,
    passwordHash: await hashPassword(input.password),
    firstName: input.first_name ?? "",
    lastName: input.last_name ?? "",
    role: input.role,
    companyId: input.company_id ?? null,
    status: input.status,
    twoFactorEnabled: false,
    pushToken: null,
    avatarUploadId: null,
    lastLoginAt: null,
    passwordChangedAt: now,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
  };
  try {
    const insert = ctx.db.insert(users).values(row);
    if (audit)
      await commitAudited(ctx, [insert], {
        action: audit.action,
        targetType: "user",
        targetId: row.id,
        after: toUserResponse(row),
      });
    else await insert;
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError("conflict", "An account with these details already exists.");
    throw err;
  }
  return row;
}

export async function findUser(
  ctx: ServiceContext,
  id: string,
  options: { includeDeleted?: boolean } = {},
): Promise<UserRow> {
  const row = await ctx.db.query.users.findFirst({
    where: options.includeDeleted ? eq(users.id, id) : and(eq(users.id, id), isNull(users.deletedAt)),
  });
  if (!row) throw new AppError("not_found", "No such user.");
  return row;
}

// ---- own profile (IAM-9) ----

export async function getMe(ctx: UserContext) {
  return toUserResponse(await findUser(ctx, ctx.actor.userId));
}

/**
 * Your profile. The email and phone you sign in and reset with are different: changing them needs
 * your current password, and a new one counts only once verified through the link sent to it
 * (until then the profile lists it under `pending_contact_changes`); the old one is told.
 */
export async function updateMe(
  ctx: UserContext,
  input: {
    first_name?: string;
    last_name?: string;
    email?: string;
    phone?: string | null;
    whatsapp?: string | null;
    department?: string | null;
    region?: string | null;
    address?: string | null;
    current_password?: string;
  },
) {
  const phone = normalisePhone(ctx, input.phone);
  const whatsapp = normalisePhone(ctx, input.whatsapp, "whatsapp");
  // Only a change of the email or phone needs the stored row (its password hash); a name change does not read it.
  const user = input.email !== undefined || phone !== undefined ? await findUser(ctx, ctx.actor.userId) : null;
  const newEmail = user && input.email !== undefined && input.email !== (user.email || null) ? input.email : undefined;
  const newPhone = user && phone !== undefined && phone !== user.phone ? phone : undefined;
  if (user && (newEmail !== undefined || newPhone !== undefined))
    await assertCurrentPassword(ctx, user, input.current_password);
  await assertUnique(ctx, { email: newEmail, phone: newPhone }, ctx.actor.userId);
  const patch: Partial<UserRow> = { updatedAt: nowIso() };
  if (input.first_name !== undefined) patch.firstName = input.first_name;
  if (input.last_name !== undefined) patch.lastName = input.last_name;
  if (whatsapp !== undefined) patch.whatsapp = whatsapp;
  if (input.department !== undefined) patch.department = input.department;
  if (input.region !== undefined) patch.region = input.region;
  if (input.address !== undefined) patch.address = input.address;
  await ctx.db.update(users).set(patch).where(eq(users.id, ctx.actor.userId));
  if (user && newEmail !== undefined) await requestContactChange(ctx, user, "email", newEmail);
  if (user && newPhone !== undefined) await requestContactChange(ctx, user, "phone", newPhone);
  const [me, pending] = await Promise.all([
    getMe(ctx),
    newEmail !== undefined || newPhone !== undefined ? pendingContactChanges(ctx, ctx.actor.userId) : undefined,
  ]);
  return { ...me, ...(pending ? { pending_contact_changes: pending } : {}) };
}

export async function setPushToken(ctx: UserContext, token: string | null) {
  await ctx.db.update(users).set({ pushToken: token, updatedAt: nowIso() }).where(eq(users.id, ctx.actor.userId));
  return getMe(ctx);
}

// ---- user administration (IAM-10, IAM-11) ----

export async function listUsers(
  ctx: UserContext,
  query: {
    limit: number;
    cursor?: string;
    role?: string;
    phone?: string;
    q?: string;
    is_active?: boolean;
    status?: UserRow["status"];
    order: string;
  },
) {
  const field = query.order.replace(/^-/, "") as "created_at" | "username";
  const column = field === "username" ? users.username : users.createdAt;
  const page = keyset({ order: query.order, column, idColumn: users.id, cursor: query.cursor });
  const filters: (SQL | undefined)[] = [isNull(users.deletedAt), page.where];
  if (query.role) filters.push(eq(users.role, query.role));
  if (query.status) filters.push(eq(users.status, query.status));
  if (query.is_active !== undefined) {
    filters.push(query.is_active ? eq(users.status, "active") : sql`${users.status} <> 'active'`);
  }
  if (query.phone) {
    const phone = toE164(query.phone, ctx.settings.defaultPhoneRegion);
    filters.push(eq(users.phone, phone ?? query.phone));
  }
  filters.push(containsText([users.username, users.email, users.firstName, users.lastName], query.q));
  const rows = await ctx.db
    .select()
    .from(users)
    .where(and(...filters))
    .orderBy(...page.orderBy)
    .limit(query.limit + 1);
  const result = page.page(rows, query.limit, (r) => (field === "username" ? r.username : r.createdAt));
  return {
    data: result.data.map(toUserResponse),
    next_cursor: result.next_cursor,
    has_more: result.next_cursor !== null,
  };
}

export async function createUser(
  ctx: UserContext,
  input: {
    username: string;
    email?: string;
    phone?: string;
    whatsapp?: string;
    department?: string;
    region?: string;
    address?: string;
    password: string;
    first_name: string;
    last_name: string;
    role: string;
    status: "active" | "pending";
    company_id?: string;
  },
) {
  await assertMayGrantRole(ctx, input.role);
  if (input.company_id) await assertCompanyExists(ctx, input.company_id);
  return toUserResponse(await insertUser(ctx, input, { action: "user.created" }));
}

async function assertCompanyExists(ctx: UserContext, companyId: string) {
  const found = await ctx.db.query.companies.findFirst({
    where: and(eq(companies.id, companyId), isNull(companies.deletedAt)),
    columns: { id: true },
  });
  if (!found)
    throw new AppError("validation_failed", "Unknown company.", {
      errors: [{ path: "company_id", message: "No such company" }],
    });
}

/** The grant rule: a role is granted only by someone who holds every permission it carries; admin only by admins. */
async function assertMayGrantRole(ctx: UserContext, role: string) {
  if (!(await roleExists(ctx, role))) {
    throw new AppError("validation_failed", "Unknown role.", {
      errors: [{ path: "role", message: `No role '${role}'` }],
    });
  }
  if (role === "admin" && ctx.actor.role !== "admin")
    throw new AppError("forbidden", "Only administrators may grant the administrator role.");
  const beyond = permissionsBeyond(ctx.actor, await rolePermissions(ctx, role));
  if (beyond.length) {
    throw new AppError("forbidden", `The role '${role}' carries permissions you do not hold: ${beyond.join(", ")}.`, {
      errors: [{ path: "role", message: "Not yours to grant" }],
    });
  }
}

/**
 * Who may change whom: every mutation of another user (profile, identity, role, status, password,
 * deletion) requires that the target's permissions are a subset of the caller's, and only
 * administrators act on administrators. Anything added later that acts on a user calls this.
 */
export async function assertMayChangeUser(ctx: UserContext, target: Pick<UserRow, "id" | "role">) {
  if (target.id === ctx.actor.userId) return;
  if (target.role === "admin" && ctx.actor.role !== "admin")
    throw new AppError("forbidden", "Only administrators may change an administrator.");
  const beyond = permissionsBeyond(ctx.actor, await rolePermissions(ctx, target.role));
  if (beyond.length)
    throw new AppError(
      "forbidden",
      `This user holds permissions you do not (${beyond.join(", ")}); you cannot change them.`,
    );
}

/** The user as a change left them, read at the end of its batch (the answer). */
const userAfter = (ctx: ServiceContext, id: string) =>
  ctx.db
    .select()
    .from(users)
    .where(and(eq(users.id, id), isNull(users.deletedAt)))
    .limit(1);

export async function getUser(ctx: UserContext, id: string) {
  return toUserResponse(await findUser(ctx, id));
}

export async function updateUser(
  ctx: UserContext,
  id: string,
  input: {
    username?: string;
    email?: string;
    phone?: string | null;
    whatsapp?: string | null;
    department?: string | null;
    region?: string | null;
    address?: string | null;
    first_name?: string;
    last_name?: string;
    role?: string;
    company_id?: string | null;
  },
) {
  const existing = await findUser(ctx, id);
  await assertMayChangeUser(ctx, existing);
  if (input.company_id) await assertCompanyExists(ctx, input.company_id);
  if (input.role !== undefined && input.role !== existing.role) {
    if (id === ctx.actor.userId) throw new AppError("forbidden", "You cannot change your own role.");
    await assertMayGrantRole(ctx, input.role);
  }
  const phone = normalisePhone(ctx, input.phone);
  await assertUnique(ctx, { username: input.username, email: input.email, phone }, id);
  const patch: Partial<UserRow> = { updatedAt: nowIso() };
  if (input.username !== undefined) patch.username = input.username;
  if (input.email !== undefined) patch.email = input.email;
  if (phone !== undefined) patch.phone = phone;
  if (input.first_name !== undefined) patch.firstName = input.first_name;
  if (input.last_name !== undefined) patch.lastName = input.last_name;
  if (input.role !== undefined) patch.role = input.role;
  if (input.company_id !== undefined) patch.companyId = input.company_id;
  const whatsapp = normalisePhone(ctx, input.whatsapp, "whatsapp");
  if (whatsapp !== undefined) patch.whatsapp = whatsapp;
  if (input.department !== undefined) patch.department = input.department;
  if (input.region !== undefined) patch.region = input.region;
  if (input.address !== undefined) patch.address = input.address;
  const [row] = await commitAuditedAndRead(
    ctx,
    [ctx.db.update(users).set(patch).where(eq(users.id, id))],
    [
      {
        action: input.role !== undefined && input.role !== existing.role ? "user.role_changed" : "user.updated",
        targetType: "user",
        targetId: id,
        before: toUserResponse(existing),
        after: patch,
      },
    ],
    userAfter(ctx, id),
  );
  return row ? toUserResponse(row) : getUser(ctx, id);
}

async function changeStatus(
  ctx: UserContext,
  id: string,
  to: UserRow["status"],
  allowedFrom: UserRow["status"][],
  revokeReason?: string,
) {
  if (id === ctx.actor.userId) throw new AppError("forbidden", "You cannot change your own account status.");
  const existing = await findUser(ctx, id);
  await assertMayChangeUser(ctx, existing);
  if (existing.status === to) return toUserResponse(existing);
  if (!allowedFrom.includes(existing.status)) {
    throw new AppError("invalid_transition", `A ${existing.status} account cannot become ${to}.`);
  }
  const now = nowIso();
  const update = ctx.db
    .update(users)
    .set({ status: to, updatedAt: now })
    .where(and(eq(users.id, id), eq(users.status, existing.status)));
  const [row] = await commitAuditedAndRead(
    ctx,
    revokeReason ? [update, accessEnds().endSessions(ctx.env.DB, id, revokeReason)] : [update],
    [
      {
        action: `user.${to === "active" ? (existing.status === "pending" ? "approved" : "activated") : to}`,
        targetType: "user",
        targetId: id,
        before: { status: existing.status },
        after: { status: to },
      },
    ],
    userAfter(ctx, id),
  );
  return row ? toUserResponse(row) : getUser(ctx, id);
}

export const activateUser = (ctx: UserContext, id: string) => changeStatus(ctx, id, "active", ["deactivated"]);
export const deactivateUser = (ctx: UserContext, id: string) =>
  changeStatus(ctx, id, "deactivated", ["active"], "deactivated");
export const approveUser = (ctx: UserContext, id: string) => changeStatus(ctx, id, "active", ["pending"]);
export const rejectUser = (ctx: UserContext, id: string) => changeStatus(ctx, id, "rejected", ["pending"]);

export async function deleteUser(ctx: UserContext, id: string) {
  if (id === ctx.actor.userId) throw new AppError("forbidden", "You cannot delete your own account.");
  const existing = await findUser(ctx, id);
  await assertMayChangeUser(ctx, existing);
  const now = nowIso();
  await commitAudited(
    ctx,
    [
      ctx.db.update(users).set({ deletedAt: now, updatedAt: now, pushToken: null }).where(eq(users.id, id)),
      accessEnds().endSessions(ctx.env.DB, id, "deleted"),
    ],
    { action: "user.deleted", targetType: "user", targetId: id, before: toUserResponse(existing) },
  );
}

export async function setUserPassword(ctx: UserContext, id: string, password: string) {
  await assertMayChangeUser(ctx, await findUser(ctx, id));
  const now = nowIso();
  await commitAudited(
    ctx,
    [
      ctx.db
        .update(users)
        .set({ passwordHash: await hashPassword(password), passwordChangedAt: now, updatedAt: now })
        .where(eq(users.id, id)),
      accessEnds().endSessions(ctx.env.DB, id, "password_set_by_admin"),
    ],
    { action: "user.password_set", targetType: "user", targetId: id },
  );
}

// ---- contacts, for notifications ----

export interface Contact {
  id: string;
  role: string;
  email: string;
  phone: string | null;
  whatsapp: string | null;
  pushToken: string | null;
}

/** Active users among `ids`, or holding one of `roles`, with what it takes to reach them. */
export async function contactsOf(
  ctx: ServiceContext,
  who: { ids: string[] } | { roles: string[] },
): Promise<Contact[]> {
  const list = "ids" in who ? who.ids : who.roles;
  if (!list.length) return [];
  return ctx.db
    .select({
      id: users.id,
      role: users.role,
      email: users.email,
      phone: users.phone,
      whatsapp: users.whatsapp,
      pushToken: users.pushToken,
    })
    .from(users)
    .where(
      and(
        "ids" in who ? inList(users.id, who.ids) : inList(users.role, who.roles),
        eq(users.status, "active"),
        isNull(users.deletedAt),
      ),
    );
}

/** Users by id, at most 100 (one statement): the found ones, in the order asked, and the ids nobody has. */
export async function usersByIds(ctx: ServiceContext, ids: string[]): Promise<{ found: UserRow[]; unknown: string[] }> {
  const unique = [...new Set(ids)];
  const rows = unique.length
    ? await ctx.db
        .select()
        .from(users)
        .where(and(inList(users.id, unique), isNull(users.deletedAt)))
    : [];
  const byId = new Map(rows.map((r) => [r.id, r]));
  return {
    found: unique.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : [])),
    unknown: unique.filter((id) => !byId.has(id)),
  };
}

/** A company's people, a keyset page at a time. */
export async function usersOfCompany(
  ctx: ServiceContext,
  companyId: string,
  query: { limit: number; cursor?: string },
) {
  return runReads(ctx.env.DB, usersOfCompanyReads(ctx, companyId, query));
}

/** A page of a company's users, for a caller's batch. */
export function usersOfCompanyReads(ctx: ServiceContext, companyId: string, query: { limit: number; cursor?: string }) {
  const page = keyset({ order: "created_at", column: users.createdAt, idColumn: users.id, cursor: query.cursor });
  return mapReads(
    reads(
      ctx.db
        .select()
        .from(users)
        .where(and(eq(users.companyId, companyId), isNull(users.deletedAt), page.where))
        .orderBy(...page.orderBy)
        .limit(query.limit + 1),
    ),
    (rows) => {
      const result = page.page(rows, query.limit, (r) => r.createdAt);
      return {
        data: result.data.map(toUserResponse),
        next_cursor: result.next_cursor,
        has_more: result.next_cursor !== null,
      };
    },
  );
}

/** A user who is not deleted (undefined when there is none), for a caller's batch. */
export function userReads(ctx: ServiceContext, id: string): Reads<UserRow | undefined> {
  return mapReads(reads(userAfter(ctx, id)), ([row]) => row);
}

// ---- pictures (the avatars module sets them) ----

/** Points the user's picture at an upload (null: none); for the avatars module's batch. */
export function avatarStatement(db: D1Database, userId: string, uploadId: string | null, now: string) {
  return db
    .prepare("UPDATE users SET avatar_upload_id = ?2, updated_at = ?3 WHERE id = ?1")
    .bind(userId, uploadId, now);
}

/** The user's picture upload, if they have one and are not deleted. */
export async function avatarOf(ctx: ServiceContext, userId: string): Promise<string | null> {
  const row = await ctx.db.query.users.findFirst({
    where: and(eq(users.id, userId), isNull(users.deletedAt)),
    columns: { avatarUploadId: true },
  });
  return row?.avatarUploadId ?? null;
}
