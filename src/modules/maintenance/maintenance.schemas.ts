import { z } from "@hono/zod-openapi";
import { dateOrInstant } from "../../lib/query-dialect";
import { HOLIDAY_RULES, PLAN_STATUSES } from "../../db/schema";
import { cursorParam, limitParam, pageSchema } from "../../lib/pagination";
import { TimeZoneSchema } from "../calendars";

const date = z.iso.date().openapi({ example: "2027-01-04" });
const time = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "A local time, HH:MM")
  .openapi({ example: "09:00" });
const priority = z.enum(["low", "medium", "high", "critical", "emergency"]);
const rrule = z.string().trim().min(7).max(500).openapi({
  description:
    "An RFC 5545 recurrence rule without DTSTART, UNTIL, COUNT or times (the plan's own fields give them), at most daily, e.g. every 3 months on the first Monday",
  example: "FREQ=MONTHLY;INTERVAL=3;BYDAY=1MO",
});

export const PlanCreateSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(120).openapi({ example: "Quarterly purifier service" }),
    customer_id: z.string().min(1).max(64).openapi({ example: "cus_0a1b2c3d4e5f6g7h8i9j" }),
    asset_id: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .openapi({ description: "The service card the visits are for", example: "ast_0a1b2c3d4e5f6g7h8i9j" }),
    template_id: z.string().min(1).max(64).openapi({ example: "tpl_0a1b2c3d4e5f6g7h8i9j" }),
    rrule,
    time_zone: TimeZoneSchema.optional().openapi({ description: "Default: the deployment's zone" }),
    start_date: date,
    start_time: time.default("09:00"),
    end_date: date.optional().openapi({ description: "The last day an occurrence may fall on (instead of count)" }),
    count: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .optional()
      .openapi({ description: "Stop after this many occurrences (instead of end_date)", example: 8 }),
    lead_days: z
      .number()
      .int()
      .min(0)
      .max(90)
      .default(14)
      .openapi({ description: "Raise the ticket this many days before" }),
    holiday_rule: z.enum(HOLIDAY_RULES).default("next_working_day").openapi({
      description:
        "An occurrence on a closed day of the calendar: move it to the next working day, skip it, or keep it",
    }),
    calendar_id: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .openapi({ description: "Whose closed days count; default the deployment's default calendar" }),
    priority: priority.default("medium"),
    send_booking_link: z.boolean().default(false).openapi({
      description:
        "Text the customer a link for each raised visit, to book its exact time on a day of the occurrence's window",
    }),
    booking_window_days: z
      .number()
      .int()
      .min(1)
      .max(60)
      .default(7)
      .openapi({ description: "The window the customer books in: this many days from the occurrence's date" }),
  })
  .refine((p) => !(p.end_date && p.count), { message: "Give end_date or count, not both", path: ["count"] })
  .openapi("MaintenancePlanCreate", {
    example: {
      name: "Quarterly purifier service",
      customer_id: "cus_0a1b2c3d4e5f6g7h8i9j",
      asset_id: "ast_0a1b2c3d4e5f6g7h8i9j",
      template_id: "tpl_0a1b2c3d4e5f6g7h8i9j",
      rrule: "FREQ=MONTHLY;INTERVAL=3;BYDAY=1MO",
      time_zone: "Africa/Gaborone",
      start_date: "2027-01-04",
      start_time: "09:00",
      end_date: "2028-12-31",
      lead_days: 14,
      holiday_rule: "next_working_day",
      calendar_id: "cal_demo_gaborone",
      priority: "medium",
      send_booking_link: true,
      booking_window_days: 7,
    },
  });

export const PlanUpdateSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(120).optional(),
    template_id: z.string().min(1).max(64).optional(),
    rrule: rrule.optional(),
    start_time: time.optional(),
    end_date: date.nullable().optional(),
    count: z.number().int().min(1).max(1000).nullable().optional(),
    lead_days: z.number().int().min(0).max(90).optional(),
    holiday_rule: z.enum(HOLIDAY_RULES).optional(),
    calendar_id: z.string().min(1).max(64).nullable().optional(),
    priority: priority.optional(),
    send_booking_link: z.boolean().optional(),
    booking_window_days: z.number().int().min(1).max(60).optional(),
  })
  .openapi("MaintenancePlanUpdate", {
    description: "Applies to occurrences not yet handled; tickets already raised (and skips recorded) stay",
  });

export const PlanSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    customer_id: z.string(),
    asset_id: z.string().nullable(),
    template_id: z.string(),
    rrule: z.string(),
    time_zone: z.string(),
    start_date: z.string(),
    start_time: z.string(),
    end_date: z.string().nullable(),
    count: z.number().int().nullable(),
    lead_days: z.number().int(),
    holiday_rule: z.enum(HOLIDAY_RULES),
    calendar_id: z.string().nullable(),
    priority: z.string(),
    send_booking_link: z.boolean(),
    booking_window_days: z.number().int(),
    status: z.enum(PLAN_STATUSES),
    next_date: z.string().nullable().openapi({ description: "The next occurrence not yet handled (local date)" }),
    next_raise_at: z.string().nullable().openapi({ description: "When its ticket is raised (the lead time before)" }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("MaintenancePlan");

export const PlanPageSchema = pageSchema(PlanSchema, "MaintenancePlanPage");

export const OccurrenceSchema = z
  .object({
    date: z.string().openapi({ description: "The rule's local date for this occurrence" }),
    due_at: z
      .string()
      .nullable()
      .openapi({ description: "When the visit is due (after the holiday rule); null when skipped" }),
    status: z.enum(["raised", "skipped", "upcoming"]),
    ticket_id: z.string().nullable(),
    link_sent: z
      .boolean()
      .nullable()
      .openapi({ description: "Whether the booking link went out; null when the plan sends none" }),
    moved_from: z.string().nullable().openapi({ description: "The closed day it was moved from" }),
    reason: z.string().nullable(),
  })
  .openapi("MaintenanceOccurrence");

export const OccurrencesSchema = z
  .object({
    plan_id: z.string(),
    data: z.array(OccurrenceSchema),
    next_cursor: z.string().nullable().openapi({
      description: "Older handled occurrences: pass it as `cursor` (the next ten upcoming come on the first page only)",
    }),
    has_more: z.boolean().openapi({ description: "Whether another page follows (then `next_cursor` fetches it)" }),
  })
  .openapi("MaintenanceOccurrences");

export const OccurrencesQuery = z.strictObject({ limit: limitParam, cursor: cursorParam });

export const PlanIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, description: "The plan", example: "mpl_0a1b2c3d4e5f6g7h8i9j" }),
});

export const OccurrenceParams = PlanIdParam.extend({
  date: z.iso.date().openapi({
    param: { name: "date", in: "path" },
    description: "The occurrence's local date (as the occurrences list names it)",
    example: "2027-04-05",
  }),
});

export const SkipSchema = z
  .strictObject({ reason: z.string().trim().min(1).max(300).openapi({ example: "Customer away until May" }) })
  .openapi("MaintenanceSkip");

export const PlanListQuery = z.strictObject({
  customer_id: z
    .string()
    .max(64)
    .optional()
    .openapi({ param: { name: "customer_id", in: "query" }, description: "Only this customer's plans" }),
  asset_id: z
    .string()
    .max(64)
    .optional()
    .openapi({ param: { name: "asset_id", in: "query" }, description: "Only plans on this service card" }),
  status: z
    .enum(PLAN_STATUSES)
    .optional()
    .openapi({ param: { name: "status", in: "query" }, description: "active, paused or ended" }),
  due_from: dateOrInstant("due_from", "Plans whose next occurrence is on or after this day"),
  due_to: dateOrInstant("due_to", "…and on or before this day"),
  limit: limitParam,
  cursor: cursorParam,
});
