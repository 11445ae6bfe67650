import { z } from "@hono/zod-openapi";
import { ChecklistItemUpdateSchema, CommentCreateSchema, WorkLogCreateSchema } from "../tickets";
import { LocationReportSchema } from "../technicians";

const clientId = z.string().trim().min(8).max(100).openapi({
  description: "Made by the app when the action was taken (a UUID); the same id is never applied twice",
  example: "0d9a7c4e-5b1f-4f0e-8d2a-6c3b9e1f7a20",
});
const ticketId = z.string().min(1).max(64).openapi({ example: "tkt_0a1b2c3d4e5f6g7h8i9j" });
const baseVersion = z
  .number()
  .int()
  .min(1)
  .openapi({ description: "The ticket's `version` the phone had when the action was taken", example: 7 });
const takenAt = z.iso.datetime({ offset: true }).optional().openapi({
  description:
    "When the technician took the action, by the phone's clock (kept for the record; ordering follows the batch)",
});

const workflow = z.strictObject({
  client_id: clientId,
  type: z.enum(["start", "hold", "resume", "resolve"]),
  ticket_id: ticketId,
  base_version: baseVersion,
  comment: z.string().trim().max(2000).optional(),
  taken_at: takenAt,
});
// Spread, not extended: an extension of a named closed schema is an unsatisfiable allOf in the document.
const comment = z.strictObject({
  ...CommentCreateSchema.shape,
  client_id: clientId,
  type: z.literal("add_comment"),
  ticket_id: ticketId,
  base_version: baseVersion.optional(),
  taken_at: takenAt,
});
const workLog = z.strictObject({
  ...WorkLogCreateSchema.shape,
  client_id: clientId,
  type: z.literal("add_work_log"),
  ticket_id: ticketId,
  base_version: baseVersion.optional(),
  taken_at: takenAt,
});
const journey = z.strictObject({
  client_id: clientId,
  type: z.literal("appointment_step"),
  ticket_id: ticketId,
  base_version: baseVersion,
  appointment_id: z.string().min(1).max(64).openapi({ example: "apt_0a1b2c3d4e5f6g7h8i9j" }),
  step: z.enum(["confirm", "depart", "arrive", "start", "complete"]),
  comment: z.string().trim().max(2000).optional(),
  taken_at: takenAt,
});
const location = z.strictObject({
  ...LocationReportSchema.shape,
  client_id: clientId,
  type: z.literal("report_location"),
  taken_at: takenAt,
});

const attachUpload = z.strictObject({
  client_id: clientId,
  type: z.literal("attach_upload"),
  ticket_id: ticketId,
  base_version: baseVersion.optional(),
  taken_at: takenAt,
  upload_id: z.string().min(1).max(64).openapi({
    description: "An upload of yours (POST /v1/uploads, made when the phone was back online)",
    example: "upl_0a1b2c3d4e5f6g7h8i9j",
  }),
  work_log_id: z.string().min(1).max(64).optional(),
});

const checklistItem = z.strictObject({
  ...ChecklistItemUpdateSchema.shape,
  client_id: clientId,
  type: z.literal("checklist_item"),
  ticket_id: ticketId,
  base_version: baseVersion.optional(),
  taken_at: takenAt,
  item: z.string().min(1).max(40).openapi({ description: "The checklist item's key", example: "light-level" }),
});

export const MobileActionSchema = z
  .discriminatedUnion("type", [workflow, comment, workLog, journey, location, attachUpload, checklistItem])
  .openapi("MobileAction");
export type MobileAction = z.infer<typeof MobileActionSchema>;

export const ActionBatchSchema = z
  .strictObject({
    device_id: z.string().trim().min(8).max(100).openapi({
      description: "The `device.id` this installation syncs with",
      example: "6f1c2a9e-0b7d-4c1e-9a55-3f0f8c2b7d10",
    }),
    actions: z.array(MobileActionSchema).min(1).max(50),
  })
  .openapi("MobileActionBatch", {
    example: {
      device_id: "6f1c2a9e-0b7d-4c1e-9a55-3f0f8c2b7d10",
      actions: [
        {
          client_id: "0d9a7c4e-5b1f-4f0e-8d2a-6c3b9e1f7a20",
          type: "start",
          ticket_id: "tkt_0a1b2c3d4e5f6g7h8i9j",
          base_version: 7,
        },
        {
          client_id: "1e8b6d5f-4c2a-4e1f-9b3c-7d4e0f2a8b31",
          type: "add_comment",
          ticket_id: "tkt_0a1b2c3d4e5f6g7h8i9j",
          body: "Replaced the drop cable",
          visibility: "public",
        },
        {
          client_id: "2f7c5e6a-3d1b-4d2e-8c4d-8e5f1a3b9c42",
          type: "resolve",
          ticket_id: "tkt_0a1b2c3d4e5f6g7h8i9j",
          base_version: 7,
          comment: "Signal restored",
        },
      ],
    },
  });

export const ActionResultSchema = z
  .object({
    client_id: z.string(),
    status: z.enum(["applied", "duplicate", "conflict", "rejected", "error"]).openapi({
      description:
        "`applied`; `duplicate`: this client id was applied before (its first result is repeated); `conflict`: the ticket changed meanwhile in a way that makes the action unsafe — nothing was written, `ticket` is its current state; `rejected`: refused as the same request would be online (`problem`); `error`: not applied because of a fault here — send it again",
    }),
    ticket: z
      .record(z.string(), z.unknown())
      .nullable()
      .optional()
      .openapi({ description: "The ticket as it is now (after an applied action, or the state a conflict met)" }),
    result: z.record(z.string(), z.unknown()).nullable().optional().openapi({
      description: "What the action made: the comment, the work log, the appointment or the location report",
    }),
    problem: z
      .record(z.string(), z.unknown())
      .nullable()
      .optional()
      .openapi({ description: "Why: the problem+json the same request would answer online" }),
  })
  .openapi("MobileActionResult");

export const ActionBatchResultSchema = z
  .object({ results: z.array(ActionResultSchema) })
  .openapi("MobileActionBatchResult");
