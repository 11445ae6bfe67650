import { z } from "@hono/zod-openapi";
import { dateOrInstant } from "../../lib/query-dialect";
import { cursorParam, limitParam, pageSchema } from "../../lib/pagination";

const day = z.iso.date().openapi({ example: "2026-12-01" });

export const AttendanceSchema = z
  .object({
    user_id: z.string(),
    display_name: z.string(),
    date: z.string(),
    status: z.enum(["present", "absent"]),
    reason: z.string().nullable(),
    marked_by: z.string(),
    updated_at: z.string(),
  })
  .openapi("Attendance");
export const AttendancePageSchema = pageSchema(AttendanceSchema, "AttendancePage");

export const MarkSchema = z
  .strictObject({
    user_id: z.string().min(1).max(64),
    date: day,
    status: z.enum(["present", "absent"]),
    reason: z.string().trim().max(200).optional(),
  })
  .openapi("AttendanceMark");

export const BulkMarkSchema = z
  .strictObject({
    date: day,
    present: z.array(z.string().min(1).max(64)).max(200).default([]),
    absent: z.array(z.string().min(1).max(64)).max(200).default([]),
    reason: z.string().trim().max(200).optional(),
  })
  .refine((v) => v.present.length + v.absent.length > 0, { message: "Mark at least one person", path: ["present"] })
  .refine((v) => !v.present.some((id) => v.absent.includes(id)), {
    message: "Someone is both present and absent",
    path: ["absent"],
  })
  .openapi("AttendanceBulkMark", {
    example: {
      date: "2026-12-01",
      present: ["usr_0a1b2c3d4e5f6g7h8i9j"],
      absent: ["usr_1b2c3d4e5f6g7h8i9j0a"],
      reason: "Sick leave",
    },
  });

export const AttendanceListQuery = z.strictObject({
  limit: limitParam,
  cursor: cursorParam,
  user_id: z
    .string()
    .max(64)
    .optional()
    .openapi({
      param: { name: "user_id", in: "query" },
      description: "Only this person's records (managers and supervisors; others see their own)",
    }),
  date: day.optional().openapi({ param: { name: "date", in: "query" }, description: "Only this day (YYYY-MM-DD)" }),
  date_from: dateOrInstant("date_from", "From this day, inclusive"),
  date_to: dateOrInstant("date_to", "Up to this day, inclusive"),
  status: z
    .enum(["present", "absent"])
    .optional()
    .openapi({ param: { name: "status", in: "query" }, description: "Only records with this mark" }),
});

export const TodaySchema = z
  .object({
    date: z.string().openapi({ description: "Today in the deployment's time zone" }),
    status: z.enum(["present", "absent", "unmarked"]),
    reason: z.string().nullable(),
    marked_by: z.string().nullable(),
    updated_at: z.string().nullable(),
  })
  .openapi("AttendanceToday");

export const BulkResultSchema = AttendancePageSchema.extend({
  marked: z
    .object({ present: z.number().int(), absent: z.number().int() })
    .openapi({ description: "How many this call marked present and absent" }),
}).openapi("AttendanceBulkResult");
