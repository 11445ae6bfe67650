import { index, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const AUDIT_TARGETS = [
  "user",
  "role",
  "application",
  "application_role",
  "grant",
  "api_key",
  "webhook",
  "team",
  "calendar",
  "sla_policy",
  "job_template",
  "maintenance_plan",
  "service_contract",
  "offer",
  "archive_month",
  "customer",
] as const;
export type AuditTarget = (typeof AUDIT_TARGETS)[number];

/** Administrative changes, written by the audit log's owner in the batch of each change; never updated or deleted by the API. */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: text("id").primaryKey(),
    occurredAt: text("occurred_at").notNull(),
    actorId: text("actor_id"),
    /** `user`, `api_key`, `system`: who made the change. */
    actorKind: text("actor_kind").notNull(),
    action: text("action").notNull(),
    targetType: text("target_type", { enum: AUDIT_TARGETS }).notNull(),
    targetId: text("target_id").notNull(),
    before: text("before"),
    after: text("after"),
    clientIp: text("client_ip"),
    requestId: text("request_id"),
  },
  (t) => [
    index("audit_log_time_idx").on(t.occurredAt, t.id),
    index("audit_log_target_idx").on(t.targetType, t.targetId, t.occurredAt),
    index("audit_log_actor_idx").on(t.actorId, t.occurredAt),
  ],
);
