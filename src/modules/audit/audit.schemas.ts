import { z } from "@hono/zod-openapi";
import { dateOrInstant } from "../../lib/query-dialect";
import { AUDIT_TARGETS } from "../../db/schema";
import { cursorParam, limitParam, pageSchema } from "../../lib/pagination";

const instant = (name: string, description: string) =>
  z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ param: { name, in: "query" }, description });

export const AuditListQuery = z.strictObject({
  actor_id: z
    .string()
    .max(64)
    .optional()
    .openapi({ param: { name: "actor_id", in: "query" }, description: "Changes made by this user" }),
  target_type: z
    .enum(AUDIT_TARGETS)
    .optional()
    .openapi({ param: { name: "target_type", in: "query" }, description: "Changes to this kind of object" }),
  target_id: z
    .string()
    .max(64)
    .optional()
    .openapi({ param: { name: "target_id", in: "query" }, description: "Changes to this object (with target_type)" }),
  action: z
    .string()
    .max(64)
    .optional()
    .openapi({ param: { name: "action", in: "query" }, description: "Exactly this action, e.g. `user.updated`" }),
  occurred_from: dateOrInstant("occurred_from", "At or after"),
  occurred_to: dateOrInstant("occurred_to", "At or before"),
  order: z
    .enum(["-occurred_at", "occurred_at"])
    .default("-occurred_at")
    .openapi({ param: { name: "order", in: "query" }, description: "Newest first (default) or oldest first" }),
  limit: limitParam,
  cursor: cursorParam,
});

export const AuditEntrySchema = z
  .object({
    id: z.string().openapi({ example: "aud_0a1b2c3d4e5f6g7h8i9j" }),
    occurred_at: z.string().openapi({ format: "date-time" }),
    actor_id: z.string().nullable().openapi({ description: "The user (or API key's owner) who made the change" }),
    actor_kind: z.enum(["user", "api_key", "system"]),
    action: z.string().openapi({ example: "user.updated" }),
    target_type: z.enum(AUDIT_TARGETS),
    target_id: z.string(),
    before: z
      .record(z.string(), z.unknown())
      .nullable()
      .openapi({ description: "The object before the change (secrets and password hashes left out)" }),
    after: z
      .record(z.string(), z.unknown())
      .nullable()
      .openapi({ description: "The object, or the fields set, after it" }),
    client_ip: z.string().nullable(),
    request_id: z.string().nullable(),
  })
  .openapi("AuditEntry");

export const AuditPageSchema = pageSchema(AuditEntrySchema, "AuditPage");
