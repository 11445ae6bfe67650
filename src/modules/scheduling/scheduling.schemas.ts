import { z } from "@hono/zod-openapi";
import { dateOrInstant, deprecatedAlias } from "../../lib/query-dialect";
import { APPOINTMENT_STATUSES, CUSTOMER_LANGUAGES } from "../../db/schema";
import { cursorParam, limitParam, pageSchema } from "../../lib/pagination";
import { HIDDEN_REASONS } from "./slots";

const day = z.iso.date().openapi({ example: "2026-12-01" });
const hhmm = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d(:00)?$/, "HH:MM")
  .transform((v) => v.slice(0, 5))
  .openapi({ example: "09:00" });

export const AppointmentIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({
      param: { name: "id", in: "path" },
      description: "The appointment's id",
      example: "apt_0a1b2c3d4e5f6g7h8i9j",
    }),
});
export const TokenParam = z.object({
  token: z
    .string()
    .min(1)
    .max(200)
    .openapi({
      param: { name: "token", in: "path" },
      description: "The token in the customer's link (the part after /a/)",
    }),
});

export const HiddenBecauseSchema = z
  .object({
    technician_id: z.string(),
    reason: z.enum(HIDDEN_REASONS).openapi({
      description:
        "unavailable (switched off, absent or inactive that day), full (at the day's visit cap), too_soon (before now + the lead time), not_working (outside their hours, a holiday or a day off), booked, held (another customer is confirming it), time_off, travel (cannot get there from the visit before, or on to the visit after, in time), holdback (the share kept for emergencies)",
    }),
    detail: z.string().nullable().openapi({ example: "needs 26 min to travel from the visit before, has 0" }),
  })
  .openapi("HiddenBecause");
export const SlotSchema = z
  .object({
    start_time: z.string(),
    end_time: z.string(),
    is_available: z.boolean(),
    hidden_because: z.array(HiddenBecauseSchema).optional().openapi({
      description:
        "With `explain=true`, for a slot not offered: each technician who could have come and why they cannot",
    }),
  })
  .openapi("Slot");
export const AvailabilitySchema = z
  .object({
    date: z.string(),
    timezone: z.string(),
    duration_minutes: z.number().int(),
    weekday: z.string().openapi({ description: "The date's weekday, in English", example: "Saturday" }),
    technician_id: z.string().nullable(),
    slots: z.array(SlotSchema),
    arrival_window_minutes: z.number().int().nullable().optional().openapi({
      description:
        "For a ticket whose customer books arrival windows (ARRIVAL_WINDOWS): the window's length; null: exact times",
    }),
    windows: z
      .array(z.object({ start_time: z.string(), end_time: z.string(), is_available: z.boolean() }))
      .nullable()
      .optional()
      .openapi({
        description:
          "The arrival windows the customer chooses from (open when some slot starting in it is open); book one by its start_time",
      }),
    closed_reason: z.string().nullable().openapi({
      description:
        "Why no slot is open when nobody works that day (a public holiday, not a working day, approved leave); null when someone works",
      example: "No visits on public holidays (Christmas Day)",
    }),
    closed_code: z
      .enum(["holiday", "closed", "day_off", "no_time_left"])
      .nullable()
      .openapi({ description: "The same as a code, to say it in the page's own language" }),
    closed_name: z
      .string()
      .nullable()
      .openapi({ description: "The holiday's (or closed date's) name, when it has one", example: "Christmas Day" }),
  })
  .openapi("Availability");

export const AvailabilityQuery = z.strictObject({
  date: day.openapi({
    param: { name: "date", in: "query" },
    description: "The day to offer slots on (YYYY-MM-DD, the deployment's time zone)",
  }),
  duration: z.coerce
    .number()
    .int()
    .min(5)
    .max(600)
    .optional()
    .openapi({
      param: { name: "duration", in: "query" },
      description: "Minutes; default from the ticket's estimate or 30",
    }),
  explain: z
    .enum(["true", "false"])
    .optional()
    .transform((v) => v === "true")
    .openapi({
      param: { name: "explain", in: "query" },
      description: "true: every slot not offered says why, per technician (hidden_because)",
    }),
});
export const TicketAvailabilityQuery = AvailabilityQuery.extend({
  ticket_id: z
    .string()
    .min(1)
    .max(64)
    .openapi({
      param: { name: "ticket_id", in: "query" },
      description: "The ticket the visit is for: slots are those of technicians who fit it",
    }),
});

/** Why a technician would not take a ticket at a moment (GET /v1/tickets/{id}/candidates). */
export const PASS_REASONS = [
  "inactive",
  "switched_unavailable",
  "other_team",
  "skill_missing",
  "out_of_area",
  "on_time_off",
  "not_working",
  "full",
  "booked",
  "too_far",
  "holdback",
] as const;

export const CandidatesQuery = z.strictObject({
  date: day.optional().openapi({
    param: { name: "date", in: "query" },
    description: "The day to judge (YYYY-MM-DD, the deployment's zone); default today",
  }),
  start_time: hhmm.optional().openapi({
    param: { name: "start_time", in: "query" },
    description:
      "A time that day (HH:MM): hours and time off are judged for the visit starting then; left out, for the whole day",
  }),
  duration_minutes: z.coerce
    .number()
    .int()
    .min(5)
    .max(600)
    .optional()
    .openapi({
      param: { name: "duration_minutes", in: "query" },
      description: "Minutes; default the ticket's estimate or 30",
    }),
});

export const CandidatesSchema = z
  .object({
    ticket_id: z.string(),
    date: z.string(),
    start_time: z.string().nullable(),
    candidates: z.array(
      z.object({
        technician_id: z.string(),
        display_name: z.string(),
        eligible: z.boolean(),
        rank: z
          .number()
          .int()
          .nullable()
          .openapi({ description: "Place in the pool rule's order (1 is tried first); null when passed over" }),
        passed_over: z
          .array(z.enum(PASS_REASONS))
          .openapi({ description: "Why the technician would not take the ticket then; empty when eligible" }),
        explanation: z.string().openapi({
          example: "#1: 0 visits that day, 3.2 km from the visit before, one of 4 under the day's cap",
        }),
      }),
    ),
  })
  .openapi("TicketCandidates");

export const FeedbackSchema = z
  .object({
    id: z.string(),
    ticket_id: z.string(),
    technician_id: z.string().nullable(),
    kind: z.enum(["technician", "service", "rating"]),
    customer_satisfaction: z.number().int().nullable(),
    customer_effort_score: z.number().int().nullable(),
    contractor_identified: z.string().nullable(),
    branded_clothing: z.string().nullable(),
    speedtest_conducted: z.string().nullable(),
    extended: z.string().nullable(),
    net_promoter_score: z.number().int().nullable(),
    service_rating: z.number().int().nullable(),
    comment: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi("Feedback");

export const AppointmentSchema = z
  .object({
    id: z.string(),
    ticket_id: z.string(),
    ticket_number: z.string(),
    task_number: z
      .string()
      .openapi({ description: "The task's number in the system it came from (imports), else the ticket number" }),
    technician_id: z.string(),
    technician_name: z.string(),
    technician_username: z.string(),
    date: z.string(),
    start_time: z.string(),
    end_time: z.string(),
    timezone: z.string(),
    starts_at: z.string(),
    ends_at: z.string(),
    duration_minutes: z.number().int(),
    arrival_window: z.object({ starts_at: z.string(), ends_at: z.string() }).nullable().openapi({
      description: "The window the customer was promised (the technician keeps the exact time); null: the exact time",
    }),
    status: z.enum(APPOINTMENT_STATUSES),
    confirmed: z.boolean(),
    scheduled_via: z.enum(["staff", "link"]),
    location: z
      .object({ lat: z.number().nullable(), lng: z.number().nullable(), address: z.string().nullable() })
      .nullable(),
    milestones: z.object({
      confirmed_at: z.string().nullable(),
      departed_at: z.string().nullable(),
      arrived_at: z.string().nullable(),
      started_at: z.string().nullable(),
      completed_at: z.string().nullable(),
      cancelled_at: z.string().nullable(),
    }),
    feedback: z.array(FeedbackSchema),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Appointment");

export const AppointmentPageSchema = pageSchema(AppointmentSchema, "AppointmentPage");

export const AppointmentCreateSchema = z
  .strictObject({
    ticket_id: z.string().min(1).max(64),
    technician_id: z.string().min(1).max(64).optional().openapi({
      description:
        "Who comes. Left out: the ticket's technician, or — for a ticket nobody holds — whoever of the eligible technicians the pool rule picks at that moment (fewest visits that day, then nearest to their visit before, then in turn); the ticket is assigned to them with the booking",
    }),
    date: day,
    start_time: hhmm,
    duration_minutes: z.number().int().min(5).max(600).optional(),
    holdback_reason: z.string().trim().min(3).max(300).optional().openapi({
      description:
        "Dispatch books a routine visit into the share of the day kept for critical and emergency tickets (HOLDBACK_PERCENT), saying why; recorded in the ticket's history",
    }),
    hold_id: z.string().min(1).max(64).optional().openapi({
      description:
        "A hold on this slot for this ticket (POST /v1/availability/holds): the hold gives way to the booking; its technician, date and time are booked",
    }),
  })
  .openapi("AppointmentCreate");

export const RescheduleSchema = z
  .strictObject({
    date: day,
    start_time: hhmm,
    duration_minutes: z.number().int().min(5).max(600).optional(),
    comment: z.string().trim().max(2000).optional(),
  })
  .openapi("AppointmentReschedule");

export const ConfirmSchema = z
  .strictObject({ date: day.optional(), start_time: hhmm.optional(), comment: z.string().trim().max(2000).optional() })
  .refine((v) => Boolean(v.date) === Boolean(v.start_time), {
    message: "Adjust with both date and start_time",
    path: ["start_time"],
  })
  .openapi("AppointmentConfirm");

export const StepSchema = z
  .strictObject({ comment: z.string().trim().max(2000).optional() })
  .openapi("AppointmentStep");

/** Paging and the team/technician/date filters that appointment and feedback lists share. */
const teamAndDateFilters = {
  limit: limitParam,
  cursor: cursorParam,
  supervisor_id: z
    .string()
    .max(64)
    .optional()
    .openapi({
      param: { name: "supervisor_id", in: "query" },
      description: "Only this supervisor's team (the supervisor's user id)",
      example: "usr_demo_supervisor",
    }),
  technician_id: z
    .string()
    .max(64)
    .optional()
    .openapi({
      param: { name: "technician_id", in: "query" },
      description: "Only this technician's (user id)",
      example: "usr_demo_tech1",
    }),
  supervisor: deprecatedAlias("supervisor", "supervisor_id"),
  technician: deprecatedAlias("technician", "technician_id"),
  date_from: dateOrInstant("date_from", "From this day, inclusive"),
  date_to: dateOrInstant("date_to", "Up to this day, inclusive"),
};

export const AppointmentListQuery = z.strictObject({
  ...teamAndDateFilters,
  technician_username: z
    .string()
    .max(64)
    .optional()
    .openapi({
      param: { name: "technician_username", in: "query" },
      description: "Only this technician's appointments, named by username (as the feeds of other systems name them)",
      example: "tech1",
    }),
  status: z
    .enum(APPOINTMENT_STATUSES)
    .optional()
    .openapi({ param: { name: "status", in: "query" }, description: "Only appointments in this state" }),
});

export const SummaryQuery = z.strictObject({
  date: day.optional().openapi({ param: { name: "date", in: "query" }, description: "Default: today" }),
});
export const SummarySchema = z
  .object({
    date: z.string(),
    pending_confirmation: z.number().int(),
    date_not_confirmed: z.number().int(),
    no_date: z.number().int(),
  })
  .openapi("AppointmentSummary");

// ---- links and the public API ----

export const LinkSchema = z.object({ url: z.string(), expires_at: z.string() }).openapi("AppointmentLink");

export const LanguageChoiceSchema = z
  .strictObject({ language: z.enum(CUSTOMER_LANGUAGES).openapi({ example: "en" }) })
  .openapi("LanguageChoice");

export const TokenContextSchema = z
  .object({
    token_valid: z.literal(true),
    expires_at: z.string(),
    case_number: z.string(),
    task_number: z
      .string()
      .openapi({ description: "The task's number in the system it came from (imports), else the case number" }),
    reference_code: z.string(),
    technician: z.object({ id: z.string(), username: z.string(), display_name: z.string() }).nullable(),
    service_type: z.enum(["voice", "internet", "other"]),
    service_name: z
      .string()
      .openapi({ description: "The service in words, in the deployment's language", example: "Internet" }),
    timezone: z.string(),
    first_bookable_date: z.string().openapi({
      description:
        "The first local date a visit can be booked for: today, or the start of the window a planned visit's link was sent for",
      example: "2026-12-07",
    }),
    last_bookable_date: z.string().openapi({
      description: "The last local date a visit can be booked for (the booking horizon, or the planned visit's window)",
      example: "2027-01-01",
    }),
    language: z.enum(CUSTOMER_LANGUAGES).openapi({
      description: "The customer's language (on their record), else the deployment's, for customer-facing text",
    }),
    company: z
      .object({ name: z.string(), phone: z.string().nullable() })
      .openapi({ description: "Who the customer deals with, and the number to call" }),
    appointment_state: z.object({
      scheduled_date: z.string().nullable().openapi({ description: "Local date in `timezone`" }),
      scheduled_time: z.string().nullable().openapi({ description: "Local start time in `timezone`" }),
      starts_at: z.string().nullable().openapi({ description: "The start as an instant (UTC)" }),
      ends_at: z.string().nullable(),
      estimated_duration_minutes: z.number().int(),
      arrival_window: z
        .object({
          start_time: z.string().openapi({ example: "08:00:00" }),
          end_time: z.string().openapi({ example: "10:00:00" }),
          starts_at: z.string(),
          ends_at: z.string(),
        })
        .nullable()
        .openapi({
          description:
            "When the customer booked an arrival window: the technician arrives within it (local times in `timezone`); on the day the live `eta` narrows it. null: the exact time above was promised",
        }),
      confirmed: z.boolean(),
      status: z.enum([...APPOINTMENT_STATUSES, "not_booked"]).openapi({
        description:
          "The visit's state: `not_booked` before a time is chosen; scheduled → confirmed → en_route → on_site → in_progress → completed, or cancelled (a new time can then be chosen)",
      }),
    }),
    eta: z
      .object({
        minutes: z.number().int().openapi({ description: "Minutes until the expected arrival" }),
        earliest: z.string().openapi({ description: "Start of the arrival window (instant)" }),
        latest: z.string().openapi({ description: "End of the arrival window (instant)" }),
        distance_km: z.number().openapi({ description: "Estimated road distance" }),
        location_reported_at: z
          .string()
          .openapi({ description: "When the technician's location the estimate is based on was reported" }),
      })
      .nullable()
      .openapi({
        description:
          "Expected arrival while the technician is on the way and has reported a recent location; null otherwise",
      }),
    technician_position: z
      .object({
        lat: z.number(),
        lng: z.number(),
        reported_at: z.string(),
        distance_km: z
          .number()
          .nullable()
          .openapi({ description: "Straight-line distance to the visit's location, when it is known", example: 2.4 }),
        map_url: z.string().openapi({
          description: "The position on OpenStreetMap, for a browser",
          example: "https://www.openstreetmap.org/?mlat=-24.65410&mlon=25.90870#map=16/-24.65410/25.90870",
        }),
        geo_uri: z.string().openapi({
          description: "The position as a geo: URI (RFC 5870), for a phone's map app",
          example: "geo:-24.65410,25.90870",
        }),
      })
      .nullable()
      .openapi({
        description:
          "The technician's last reported position, only while they are on their way to this visit. Show the distance and the map links rather than the raw coordinates.",
      }),
    allow_reschedule: z.boolean(),
    allow_location_update: z.boolean(),
    allow_cancel: z.boolean().openapi({ description: "The customer may cancel online now" }),
    cancel_until: z.string().nullable().openapi({ description: "Online cancelling closes at this instant" }),
    allow_feedback: z.boolean(),
    feedback_submitted: z.object({ technician: z.boolean(), service: z.boolean() }),
  })
  .openapi("TokenContext");

export const PublicSlotRequest = z.strictObject({ date: day, start_time: hhmm }).openapi("PublicSlotRequest");

export const HoldCreateSchema = z
  .strictObject({
    ticket_id: z.string().min(1).max(64),
    date: day,
    start_time: hhmm,
    duration_minutes: z.number().int().min(5).max(600).optional(),
  })
  .openapi("SlotHoldCreate");

export const HoldSchema = z
  .object({
    id: z.string().openapi({ example: "hld_0a1b2c3d4e5f6g7h8i9j" }),
    ticket_id: z.string(),
    date: z.string(),
    start_time: z.string(),
    end_time: z.string(),
    expires_at: z.string().openapi({ description: "Until when the slot is kept (SLOT_HOLD_MINUTES after the hold)" }),
  })
  .openapi("SlotHold");

export const HoldIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, description: "The hold's id", example: "hld_0a1b2c3d4e5f6g7h8i9j" }),
});
export const LocationUpdateSchema = z
  .strictObject({
    lat: z.number().min(-90).max(90),
    lng: z.number().min(-180).max(180),
    address: z.string().trim().max(300).optional(),
  })
  .openapi("LocationUpdate");

const yesNo = z.enum(["Yes", "No"]);
export const TokenFeedbackSchema = z
  .discriminatedUnion("type", [
    z.strictObject({
      type: z.literal("technician"),
      customer_satisfaction: z.number().int().min(1).max(5),
      customer_effort_score: z.number().int().min(1).max(5),
      contractor_identified: yesNo,
      branded_clothing: yesNo,
      speedtest_conducted: yesNo,
      extended: z.string().trim().max(2000).optional(),
    }),
    z.strictObject({
      type: z.literal("service"),
      net_promoter_score: z.number().int().min(0).max(10),
      service_rating: z.number().int().min(1).max(5),
      service_feedback: z.string().trim().max(2000).optional(),
    }),
  ])
  .openapi("TokenFeedback");

export const RatingSchema = z
  .strictObject({ rating: z.number().int().min(1).max(5), comment: z.string().trim().max(2000).optional() })
  .openapi("RatingCreate");

export const FeedbackListQuery = z.strictObject({
  ...teamAndDateFilters,
  kind: z
    .enum(["technician", "service", "rating"])
    .optional()
    .openapi({
      param: { name: "kind", in: "query" },
      description: "Only this kind of feedback: about the technician, about the service, or a ticket rating",
    }),
});
export const FeedbackPageSchema = pageSchema(FeedbackSchema, "FeedbackPage");
