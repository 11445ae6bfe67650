import { z } from "@hono/zod-openapi";
import { SERVICE_CATEGORIES, TICKET_KINDS, TICKET_PRIORITIES } from "../../db/schema";
import { cursorParam, limitParam, pageSchema } from "../../lib/pagination";

const minutes = z.number().int().min(1).max(525_600);

const TargetSchema = z
  .strictObject({
    response_minutes: minutes.openapi({ description: "Working minutes to the first response", example: 120 }),
    resolution_minutes: minutes.openapi({ description: "Working minutes to resolution", example: 960 }),
  })
  .refine((t) => t.resolution_minutes >= t.response_minutes, {
    message: "resolution_minutes must not be less than response_minutes",
    path: ["resolution_minutes"],
  })
  .openapi("SlaTarget");

const TargetsSchema = z
  .strictObject(
    Object.fromEntries(TICKET_PRIORITIES.map((p) => [p, TargetSchema.optional()])) as Record<
      (typeof TICKET_PRIORITIES)[number],
      z.ZodOptional<typeof TargetSchema>
    >,
  )
  .refine((t) => Object.values(t).some(Boolean), { message: "Give targets for at least one priority" })
  .openapi("SlaTargets", {
    description: "Targets per priority; a priority left out is not covered by this policy",
    example: { high: { response_minutes: 30, resolution_minutes: 480 } },
  });

const criteria = {
  kinds: z
    .array(z.enum(TICKET_KINDS))
    .max(TICKET_KINDS.length)
    .nullable()
    .optional()
    .openapi({ description: "Only tickets of these kinds (null or left out: any kind)" }),
  service_category: z
    .enum(SERVICE_CATEGORIES)
    .nullable()
    .optional()
    .openapi({ description: "Only tickets about this service (null: any)" }),
  customer_id: z
    .string()
    .min(1)
    .max(64)
    .nullable()
    .optional()
    .openapi({ description: "Only this customer's tickets (null: any customer)" }),
  calendar_id: z.string().min(1).max(64).nullable().optional().openapi({
    description: "The calendar the clock runs on; null or left out: every hour of every day (24×7)",
  }),
  warning_percent: z.number().int().min(1).max(100).optional().openapi({
    description: "Share of a target at which `sla.warning` fires (100: no warning); default 80",
    example: 80,
  }),
  enabled: z.boolean().optional(),
};

export const SlaPolicyCreateSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(80).openapi({ example: "Business customers, office hours" }),
    targets: TargetsSchema,
    ...criteria,
  })
  .openapi("SlaPolicyCreate");

export const SlaPolicyUpdateSchema = z
  .strictObject({ name: z.string().trim().min(1).max(80).optional(), targets: TargetsSchema.optional(), ...criteria })
  .openapi("SlaPolicyUpdate");

export const SlaPolicySchema = z
  .object({
    id: z.string().openapi({ example: "slap_0a1b2c3d4e5f6g7h8i9j" }),
    name: z.string(),
    kinds: z.array(z.enum(TICKET_KINDS)).nullable(),
    service_category: z.enum(SERVICE_CATEGORIES).nullable(),
    customer_id: z.string().nullable(),
    calendar_id: z.string().nullable(),
    targets: z.record(
      z.string(),
      z.object({ response_minutes: z.number().int(), resolution_minutes: z.number().int() }),
    ),
    warning_percent: z.number().int(),
    enabled: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("SlaPolicy");

export const SlaPolicyPageSchema = pageSchema(SlaPolicySchema, "SlaPolicyPage");

export const SlaPolicyListQuery = z.strictObject({
  limit: limitParam,
  cursor: cursorParam,
  calendar_id: z
    .string()
    .max(64)
    .optional()
    .openapi({ param: { name: "calendar_id", in: "query" }, description: "Only policies on this calendar" }),
});

export const SlaPolicyIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({
      param: { name: "id", in: "path" },
      description: "The SLA policy's id",
      example: "slap_0a1b2c3d4e5f6g7h8i9j",
    }),
});

const PeriodSchema = z
  .object({
    state: z.enum(["running", "paused"]),
    reason: z.string().openapi({
      description:
        "Paused: why (on_hold, waiting_for_customer, waiting_for_parts). Running: what ended it (paused, finished, recomputed); `running` while it lasts",
    }),
    calendar_id: z.string().nullable(),
    started_at: z.string(),
    ended_at: z.string().nullable().openapi({ description: "null: still going" }),
    working_minutes: z.number().openapi({ description: "Working minutes on the clock's calendar in this stretch" }),
  })
  .openapi("SlaPeriod");

const TargetStateSchema = z
  .object({
    target: z.enum(["response", "resolution"]),
    minutes: z.number().int().nullable().openapi({ description: "The target, in working minutes" }),
    used_minutes: z.number().openapi({ description: "Working minutes used (up to when it was met, if it was)" }),
    left_minutes: z.number().nullable().openapi({ description: "Working minutes left; negative once breached" }),
    due_at: z.string().nullable(),
    warning_at: z.string().nullable(),
    warned_at: z.string().nullable(),
    met_at: z.string().nullable(),
    breached_at: z.string().nullable(),
    status: z.enum(["met", "breached", "running", "paused", "stopped"]),
  })
  .openapi("SlaTargetState");

export const SlaExplanationSchema = z
  .object({
    ticket_id: z.string(),
    policy: z.object({ id: z.string(), name: z.string() }).nullable().openapi({
      description: "null: the deployment's default targets (SLA_RESPONSE_MINUTES, SLA_RESOLUTION_MINUTES)",
    }),
    calendar: z
      .object({ id: z.string(), name: z.string(), time_zone: z.string() })
      .nullable()
      .openapi({ description: "null: the clock runs every hour of every day (24×7)" }),
    targets_set_by_hand: z.boolean(),
    clock: z.enum(["running", "paused", "stopped"]),
    pause_reason: z.string().nullable(),
    used_minutes: z.number().openapi({ description: "Working minutes the clock has used in all" }),
    targets: z.array(TargetStateSchema),
    periods: z.array(PeriodSchema).openapi({ description: "Every stretch the clock ran or stood still, oldest first" }),
    next_deadline: z
      .object({ target: z.enum(["response", "resolution"]), alert: z.enum(["warning", "breach"]), at: z.string() })
      .nullable()
      .openapi({ description: "The next warning or breach while the clock runs; null when none is coming" }),
  })
  .openapi("SlaExplanation");
