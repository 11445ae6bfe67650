import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const USER_STATUSES = ["active", "pending", "rejected", "deactivated"] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    username: text("username").notNull(),
    /** "" when the account has none (registration by phone): D1 cannot rebuild this table to drop NOT NULL. */
    email: text("email").notNull(),
    phone: text("phone"),
    /** WhatsApp number when it differs from `phone` or is the only one (E.164); messages go there by default. */
    whatsapp: text("whatsapp"),
    department: text("department"),
    /** Where the person lives or works (the appliance CRM's profile): a service area or region name, and a street address. */
    region: text("region"),
    address: text("address"),
    passwordHash: text("password_hash").notNull(),
    firstName: text("first_name").notNull().default(""),
    lastName: text("last_name").notNull().default(""),
    role: text("role").notNull(),
    /** Contractor the user works for (IAM-13); null for the operator's own staff and customers. */
    companyId: text("company_id"),
    status: text("status", { enum: USER_STATUSES }).notNull().default("active"),
    twoFactorEnabled: integer("two_factor_enabled", { mode: "boolean" }).notNull().default(false),
    pushToken: text("push_token"),
    /** The user's picture: one of their own photo uploads (`/v1/users/{id}/avatar` serves it). */
    avatarUploadId: text("avatar_upload_id"),
    lastLoginAt: text("last_login_at"),
    passwordChangedAt: text("password_changed_at"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    deletedAt: text("deleted_at"),
  },
  (t) => [
    uniqueIndex("users_username_unique").on(t.username),
    uniqueIndex("users_email_unique").on(t.email).where(sql`${t.email} <> ''`),
    uniqueIndex("users_phone_unique").on(t.phone),
    index("users_created_idx").on(t.createdAt, t.id),
    index("users_role_idx").on(t.role, t.createdAt),
    index("users_status_idx").on(t.status, t.createdAt),
    index("users_company_idx").on(t.companyId),
  ],
);

/** A login: the refresh-token family. Revoking it ends every token issued from that login. */
export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    via: text("via", { enum: ["bearer", "cookie"] })
      .notNull()
      .default("bearer"),
    /** The application signed in to (its tokens carry `azp` and the user's roles there); null for truckroll itself. */
    applicationId: text("application_id"),
    csrfHash: text("csrf_hash"),
    userAgent: text("user_agent"),
    ipAddress: text("ip_address"),
    createdAt: text("created_at").notNull(),
    lastUsedAt: text("last_used_at").notNull(),
    expiresAt: text("expires_at").notNull(),
    revokedAt: text("revoked_at"),
    revokeReason: text("revoke_reason"),
  },
  (t) => [index("sessions_user_idx").on(t.userId), index("sessions_expires_idx").on(t.expiresAt)],
);

export const refreshTokens = sqliteTable(
  "refresh_tokens",
  {
    jti: text("jti").primaryKey(),
    sessionId: text("session_id")
      .notNull()
      .references(() => sessions.id),
    issuedAt: text("issued_at").notNull(),
    expiresAt: text("expires_at").notNull(),
    rotatedAt: text("rotated_at"),
  },
  (t) => [index("refresh_tokens_session_idx").on(t.sessionId)],
);

export const passwordResetTokens = sqliteTable(
  "password_reset_tokens",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    tokenHash: text("token_hash").notNull(),
    expiresAt: text("expires_at").notNull(),
    usedAt: text("used_at"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("password_reset_tokens_hash_unique").on(t.tokenHash),
    index("password_reset_tokens_user_idx").on(t.userId),
  ],
);

export const OTP_PURPOSES = ["login", "enable_2fa", "disable_2fa"] as const;
export type OtpPurpose = (typeof OTP_PURPOSES)[number];

export const otpCodes = sqliteTable(
  "otp_codes",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    purpose: text("purpose", { enum: OTP_PURPOSES }).notNull(),
    codeHash: text("code_hash").notNull(),
    attempts: integer("attempts").notNull().default(0),
    expiresAt: text("expires_at").notNull(),
    consumedAt: text("consumed_at"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("otp_codes_user_purpose_idx").on(t.userId, t.purpose, t.createdAt)],
);

/** Custom roles only; built-in roles live in code (src/modules/roles/permissions.ts). */
export const roles = sqliteTable("roles", {
  key: text("key").primaryKey(),
  name: text("name").notNull(),
  description: text("description").notNull().default(""),
  permissions: text("permissions", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});
export type UserRow = typeof users.$inferSelect;

/**
 * Failed sign-ins, per account, per account and client address, and per client address (keys
 * `account:…`, `account-client:…|…`, `client:…`). A row is forgotten once `window` passes with no
 * new failure on it (a sliding window: a burst across a clock boundary gets no fresh allowance).
 */
export const signInFailures = sqliteTable(
  "sign_in_failures",
  {
    key: text("key").primaryKey(),
    failures: integer("failures").notNull(),
    lastFailureAt: integer("last_failure_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("sign_in_failures_expires_idx").on(t.expiresAt)],
);

/**
 * A change of the email or phone a user signs in and resets with. The new address takes effect
 * only once verified (a link sent to it); then the old address is told, with a link to undo it.
 */
export const contactChanges = sqliteTable(
  "contact_changes",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    kind: text("kind", { enum: ["email", "phone"] }).notNull(),
    oldValue: text("old_value"),
    newValue: text("new_value"),
    verifyHash: text("verify_hash"),
    verifyExpiresAt: text("verify_expires_at"),
    verifiedAt: text("verified_at"),
    undoHash: text("undo_hash"),
    undoExpiresAt: text("undo_expires_at"),
    undoneAt: text("undone_at"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    index("contact_changes_user_idx").on(t.userId, t.kind),
    uniqueIndex("contact_changes_verify_unique").on(t.verifyHash),
    uniqueIndex("contact_changes_undo_unique").on(t.undoHash),
  ],
);
