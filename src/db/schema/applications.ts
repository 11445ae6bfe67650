import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** Another of the operator's applications for which truckroll is the identity provider (a helpdesk, a partner portal). */
export const applications = sqliteTable(
  "applications",
  {
    id: text("id").primaryKey(),
    /** What a sign-in names (`application` on login) and tokens carry as `azp`. */
    key: text("key").notNull(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    /** Shown on the public list a login screen reads. */
    listed: integer("listed", { mode: "boolean" }).notNull().default(false),
    logoUrl: text("logo_url"),
    allowedOrigins: text("allowed_origins", { mode: "json" }).$type<string[]>().notNull().default([]),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [uniqueIndex("applications_key_unique").on(t.key), index("applications_created_idx").on(t.createdAt, t.id)],
);

/** A role that exists in one application only; truckroll's own permissions are not involved. */
export const applicationRoles = sqliteTable(
  "application_roles",
  {
    id: text("id").primaryKey(),
    applicationId: text("application_id").notNull(),
    key: text("key").notNull(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [uniqueIndex("application_roles_key_unique").on(t.applicationId, t.key)],
);

/** A user holding a role in an application. */
export const applicationGrants = sqliteTable(
  "application_grants",
  {
    id: text("id").primaryKey(),
    applicationId: text("application_id").notNull(),
    roleId: text("role_id").notNull(),
    userId: text("user_id").notNull(),
    grantedBy: text("granted_by"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("application_grants_unique").on(t.applicationId, t.userId, t.roleId),
    index("application_grants_user_idx").on(t.userId, t.applicationId),
    index("application_grants_role_idx").on(t.roleId, t.userId),
    index("application_grants_created_idx").on(t.createdAt, t.id),
  ],
);

/**
 * A credential for a service or integration: the secret is shown once and kept only as its
 * SHA-256; requests with it act with exactly `permissions`.
 */
export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    applicationId: text("application_id"),
    /** The secret's first characters (`trk_…`), to recognise a key in a list or a leaked log. */
    prefix: text("prefix").notNull(),
    secretHash: text("secret_hash").notNull(),
    permissions: text("permissions", { mode: "json" }).$type<string[]>().notNull().default([]),
    expiresAt: text("expires_at"),
    lastUsedAt: text("last_used_at"),
    lastUsedIp: text("last_used_ip"),
    /** The key this one replaced by rotation. */
    rotatedFrom: text("rotated_from"),
    revokedAt: text("revoked_at"),
    createdBy: text("created_by").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [uniqueIndex("api_keys_secret_unique").on(t.secretHash), index("api_keys_created_idx").on(t.createdAt, t.id)],
);

/** Requests made with a key, per day: its use, recorded. */
export const apiKeyUsage = sqliteTable(
  "api_key_usage",
  {
    keyId: text("key_id").notNull(),
    day: text("day").notNull(),
    requests: integer("requests").notNull().default(0),
  },
  (t) => [uniqueIndex("api_key_usage_unique").on(t.keyId, t.day)],
);
