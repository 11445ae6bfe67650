import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const SYNC_ENTITIES = [
  "ticket",
  "comment",
  "work_log",
  "appointment",
  "attachment",
  "customer",
  "asset",
  "equipment",
  "notification",
  "checklist_item",
  "job_template",
] as const;
export type SyncEntity = (typeof SYNC_ENTITIES)[number];
export const SYNC_OPS = ["upsert", "grant", "revoke", "delete"] as const;
export type SyncOp = (typeof SYNC_OPS)[number];
export const DEVICE_PLATFORMS = ["ios", "android", "web"] as const;
export const UPLOAD_KINDS = ["photo", "document", "signature"] as const;
export type UploadKind = (typeof UPLOAD_KINDS)[number];

/**
 * The change log the mobile sync reads: one row per changed entity, written in the same D1 batch
 * as the change. `seq` is SQLite's AUTOINCREMENT rowid: D1 has one writer, so sequence order is
 * commit order and a cursor never skips a row that commits later with a smaller number.
 * `scope` says whose sync it belongs to: `t:<ticket>` (everyone working the ticket),
 * `c:<customer>`, `a:<asset>`, or `u:<user>` (a ticket granted to or taken from that user).
 */
export const syncChanges = sqliteTable(
  "sync_changes",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    scope: text("scope").notNull(),
    entity: text("entity", { enum: SYNC_ENTITIES }).notNull(),
    entityId: text("entity_id").notNull(),
    op: text("op", { enum: SYNC_OPS }).notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("sync_changes_scope_seq_idx").on(t.scope, t.seq)],
);

/** A phone or tablet that syncs: registered on its first sync, revocable by its user or an administrator. */
export const mobileDevices = sqliteTable(
  "mobile_devices",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    /** The app's own identifier of the installation. */
    deviceKey: text("device_key").notNull(),
    platform: text("platform", { enum: DEVICE_PLATFORMS }).notNull(),
    appVersion: text("app_version").notNull(),
    pushToken: text("push_token"),
    /** The sign-in session that registered (or last re-registered) the device: revoking the device ends it. */
    sessionId: text("session_id"),
    lastSyncAt: text("last_sync_at"),
    lastSeq: integer("last_seq"),
    revokedAt: text("revoked_at"),
    revokedBy: text("revoked_by"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("mobile_devices_user_key_unique").on(t.userId, t.deviceKey),
    index("mobile_devices_user_idx").on(t.userId, t.createdAt, t.id),
    index("mobile_devices_session_idx").on(t.sessionId),
  ],
);

/** Offline actions by their client-generated id: a replayed action is answered, never applied twice. */
export const mobileActions = sqliteTable(
  "mobile_actions",
  {
    userId: text("user_id").notNull(),
    clientId: text("client_id").notNull(),
    deviceId: text("device_id").notNull(),
    type: text("type").notNull(),
    outcome: text("outcome", { enum: ["pending", "applied", "conflict", "rejected"] }).notNull(),
    result: text("result", { mode: "json" }).$type<Record<string, unknown>>(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [uniqueIndex("mobile_actions_pk").on(t.userId, t.clientId), index("mobile_actions_age_idx").on(t.createdAt)],
);

/** Files sent from the field, attached to a ticket (then also one of its attachments) or waiting to be. */
export const uploads = sqliteTable(
  "uploads",
  {
    id: text("id").primaryKey(),
    uploadedBy: text("uploaded_by").notNull(),
    kind: text("kind", { enum: UPLOAD_KINDS }).notNull(),
    filename: text("filename").notNull(),
    contentType: text("content_type").notNull(),
    sizeBytes: integer("size_bytes").notNull(),
    objectKey: text("object_key").notNull(),
    ticketId: text("ticket_id"),
    workLogId: text("work_log_id"),
    attachedAt: text("attached_at"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    index("uploads_unattached_idx").on(t.attachedAt, t.createdAt),
    index("uploads_owner_idx").on(t.uploadedBy, t.createdAt),
  ],
);
