import { z } from "@hono/zod-openapi";
import { DEVICE_PLATFORMS, SYNC_ENTITIES } from "../../db/schema";
import { cursorParam, limitParam, pageSchema } from "../../lib/pagination";

export const DeviceInputSchema = z
  .strictObject({
    id: z.string().trim().min(8).max(100).openapi({
      description: "The app's own identifier of this installation (stable across launches)",
      example: "6f1c2a9e-0b7d-4c1e-9a55-3f0f8c2b7d10",
    }),
    platform: z.enum(DEVICE_PLATFORMS),
    app_version: z.string().trim().min(1).max(40).openapi({ example: "2.4.1" }),
    push_token: z.string().trim().min(1).max(300).nullable().optional().openapi({
      description: "This device's push token (Expo); it becomes the one your notifications go to. `null` clears it",
      example: "ExponentPushToken[xxxxxxxxxxxxxxxxxxxxxx]",
    }),
  })
  .openapi("DeviceInput");

export const SyncRequestSchema = z
  .strictObject({
    cursor: z.string().min(1).max(500).optional().openapi({
      description:
        "The `cursor` of the previous answer; absent on a first sync (or to start over with a full snapshot)",
    }),
    limit: z.number().int().min(1).max(500).optional().openapi({
      description: "Most changes per answer (default 200; a snapshot page holds 25 tickets with everything they carry)",
      example: 200,
    }),
    device: DeviceInputSchema,
  })
  .openapi("SyncRequest");

export const SyncChangeSchema = z
  .object({
    entity: z.enum(SYNC_ENTITIES),
    id: z.string(),
    op: z.enum(["upsert", "delete"]).openapi({
      description: "`upsert`: store `data` (the entity as the matching GET answers it); `delete`: drop it",
    }),
    reason: z
      .enum(["deleted", "revoked"])
      .optional()
      .openapi({ description: "Why a `delete`: the entity is gone, or you no longer work the ticket (reassigned)" }),
    data: z.record(z.string(), z.unknown()).optional().openapi({
      description:
        "The entity: a Ticket, a comment, a WorkLog, an Appointment, an Attachment (with `ticket_id`), a Customer, an Asset, an EquipmentAssignment (issued to you), a Notification (yours), a ChecklistItem (with its sync `id`, its `key` for the checklist routes, and `ticket_id`) or a JobTemplate (of a ticket you work)",
    }),
  })
  .openapi("SyncChange");

export const SyncResponseSchema = z
  .object({
    changes: z.array(SyncChangeSchema),
    cursor: z.string().openapi({ description: "Send it with the next sync; keep it only once the changes are stored" }),
    has_more: z.boolean().openapi({ description: "More is waiting: sync again at once with the new cursor" }),
    snapshot: z.boolean().openapi({
      description:
        "This answer is part of a full snapshot (first sync): after its last page, drop anything the snapshot did not mention",
    }),
    server_time: z.string(),
  })
  .openapi("SyncResponse");

export const DeviceSchema = z
  .object({
    id: z.string(),
    user_id: z.string(),
    device_key: z.string(),
    platform: z.enum(DEVICE_PLATFORMS),
    app_version: z.string(),
    has_push_token: z.boolean(),
    last_sync_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
    revoked_by: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Device");
export const DevicePageSchema = pageSchema(DeviceSchema, "DevicePage");

export const DeviceListQuery = z.strictObject({
  limit: limitParam,
  cursor: cursorParam,
  user_id: z
    .string()
    .max(64)
    .optional()
    .openapi({
      param: { name: "user_id", in: "query" },
      description: "Another user's devices (needs `users:update`); your own when absent",
    }),
});

export const DeviceIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({
      param: { name: "id", in: "path" },
      description: "The device's id (from the device list)",
      example: "dev_0a1b2c3d4e5f6g7h8i9j",
    }),
});
