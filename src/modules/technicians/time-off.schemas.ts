import { z } from "@hono/zod-openapi";
import { dateOrInstant } from "../../lib/query-dialect";
import { TIME_OFF_KINDS, TIME_OFF_STATUSES } from "../../db/schema";
import { cursorParam, limitParam, pageSchema } from "../../lib/pagination";

const instant = z.iso.datetime({ offset: true }).openapi({ example: "2026-12-21T08:00:00+02:00" });

export const TimeOffCreateSchema = z
  .strictObject({
    technician_id: z.string().min(1).max(64).optional().openapi({
      description: "Whose time off; left out: the caller's own (a technician asking for leave)",
    }),
    kind: z.enum(TIME_OFF_KINDS),
    starts_at: instant,
    ends_at: instant.openapi({ example: "2026-12-24T17:00:00+02:00" }),
    reason: z.string().trim().max(500).optional(),
  })
  .refine((t) => Date.parse(t.ends_at) > Date.parse(t.starts_at), {
    message: "ends_at must be after starts_at",
    path: ["ends_at"],
  })
  .refine((t) => Date.parse(t.ends_at) - Date.parse(t.starts_at) <= 366 * 86_400_000, {
    message: "At most a year at a time",
    path: ["ends_at"],
  })
  .openapi("TimeOffCreate");

export const TimeOffDecisionSchema = z
  .strictObject({ note: z.string().trim().max(500).optional() })
  .openapi("TimeOffDecision");

const VisitToMoveSchema = z
  .object({
    appointment_id: z.string(),
    ticket_id: z.string(),
    starts_at: z.string(),
    ends_at: z.string(),
  })
  .openapi("VisitToMove");

export const TimeOffSchema = z
  .object({
    id: z.string().openapi({ example: "tof_0a1b2c3d4e5f6g7h8i9j" }),
    technician_id: z.string(),
    kind: z.enum(TIME_OFF_KINDS),
    starts_at: z.string(),
    ends_at: z.string(),
    reason: z.string().nullable(),
    status: z.enum(TIME_OFF_STATUSES),
    requested_by: z.string(),
    decided_by: z.string().nullable(),
    decided_at: z.string().nullable(),
    decision_note: z.string().nullable(),
    visits_to_move: z.array(VisitToMoveSchema).openapi({
      description:
        "While approved and still to come: the technician's booked visits inside it. Move each with POST /v1/appointments/{id}/reschedule (the customer is told) or reassign the ticket",
    }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("TimeOff");

export const TimeOffListItemSchema = TimeOffSchema.omit({ visits_to_move: true }).openapi("TimeOffListItem");
export const TimeOffPageSchema = pageSchema(TimeOffListItemSchema, "TimeOffPage");

export const TimeOffListQuery = z.strictObject({
  limit: limitParam,
  cursor: cursorParam,
  technician_id: z
    .string()
    .max(64)
    .optional()
    .openapi({ param: { name: "technician_id", in: "query" }, description: "Only this technician's time off" }),
  status: z
    .enum(TIME_OFF_STATUSES)
    .optional()
    .openapi({ param: { name: "status", in: "query" }, description: "Only time off in this state" }),
  from: dateOrInstant("from", "Only time off still running at or after (ends after it)"),
});

export const TimeOffIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({
      param: { name: "id", in: "path" },
      description: "The time off's id",
      example: "tof_0a1b2c3d4e5f6g7h8i9j",
    }),
});
