import type { UserRow } from "../../db/schema";
import type { SessionCaller } from "../../lib/identity";
import { permissionsOf, type Permission } from "../../contracts/permissions";

export interface SessionRow {
  session_id: string;
  revoked_at: string | null;
  expires_at: string;
  csrf_hash: string | null;
  user_id: string;
  role: string;
  status: UserRow["status"];
  deleted_at: string | null;
  custom_permissions: string | null;
  username: string;
  email: string;
  phone: string | null;
  whatsapp: string | null;
  department: string | null;
  password_hash: string;
  region: string | null;
  address: string | null;
  first_name: string;
  last_name: string;
  company_id: string | null;
  two_factor_enabled: number;
  push_token: string | null;
  avatar_upload_id: string | null;
  last_login_at: string | null;
  password_changed_at: string | null;
  created_at: string;
  updated_at: string;
}

/** The session query already reads the whole user: handlers that need it need no second query. */
export function userOf(r: SessionRow): UserRow {
  return {
    id: r.user_id,
    username: r.username,
    email: r.email,
    phone: r.phone,
    whatsapp: r.whatsapp,
    department: r.department,
    region: r.region,
    address: r.address,
    passwordHash: r.password_hash,
    firstName: r.first_name,
    lastName: r.last_name,
    role: r.role,
    companyId: r.company_id,
    status: r.status,
    twoFactorEnabled: Boolean(r.two_factor_enabled),
    pushToken: r.push_token,
    avatarUploadId: r.avatar_upload_id,
    lastLoginAt: r.last_login_at,
    passwordChangedAt: r.password_changed_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    deletedAt: r.deleted_at,
  };
}

export type LiveSession = { row: SessionRow; problem: null } | { row: null; problem: "ended" | "inactive" };

/**
 * The one live-session check: the session exists, belongs to `userId`, is neither revoked nor
 * expired, and its user is active and not deleted — with the user and their custom role's
 * permissions, in one query. Every authenticated request and every realtime connection uses it.
 */
export async function readLiveSession(db: D1Database, sessionId: string, userId: string): Promise<LiveSession> {
  const row = await db
    .prepare(
      `SELECT s.id AS session_id, s.revoked_at, s.expires_at, s.csrf_hash,
              u.id AS user_id, u.role, u.status, u.deleted_at, r.permissions AS custom_permissions,
              u.username, u.email, u.phone, u.whatsapp, u.department, u.region, u.address, u.password_hash, u.first_name, u.last_name, u.company_id, u.two_factor_enabled,
              u.push_token, u.avatar_upload_id, u.last_login_at, u.password_changed_at, u.created_at, u.updated_at
         FROM sessions s
         JOIN users u ON u.id = s.user_id
         LEFT JOIN roles r ON r.key = u.role
        WHERE s.id = ?1`,
    )
    .bind(sessionId)
    .first<SessionRow>();
  if (!row || row.user_id !== userId || row.revoked_at || row.expires_at <= new Date().toISOString())
    return { row: null, problem: "ended" };
  if (row.status !== "active" || row.deleted_at) return { row: null, problem: "inactive" };
  return { row, problem: null };
}

/** What the session's user may do: their built-in role's permissions, or their custom role's. */
export function sessionPermissions(row: SessionRow): ReadonlySet<Permission> {
  return permissionsOf(row.role, row.custom_permissions ? (JSON.parse(row.custom_permissions) as string[]) : null);
}

/** The session check as the auth middleware (and realtime connections) ask it. */
export async function sessionCaller(db: D1Database, sessionId: string, userId: string): Promise<SessionCaller> {
  const { row, problem } = await readLiveSession(db, sessionId, userId);
  if (!row) return { problem: problem ?? "ended", caller: null };
  return {
    problem: null,
    caller: {
      actor: {
        kind: "user",
        userId: row.user_id,
        sessionId: row.session_id,
        role: row.role,
        permissions: sessionPermissions(row),
        via: "bearer",
        tokenExpiresAt: 0,
      },
      user: userOf(row),
      csrfHash: row.csrf_hash,
      sessionExpiresAt: row.expires_at,
    },
  };
}
