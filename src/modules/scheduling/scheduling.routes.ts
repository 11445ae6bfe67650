import { deprecatedQuery } from "../../lib/query-dialect";
import { createRoute, z } from "@hono/zod-openapi";
import { requires } from "../../middleware/auth";
import { idempotencyHeader, idempotent } from "../../middleware/idempotency";
import { PUBLIC, jsonBody, jsonResponse, noContent } from "../../lib/openapi";
import { errorResponses } from "../../lib/problem";
import { TechnicianIdParam } from "../technicians";
import { TicketIdParam } from "../tickets";
import {
  AppointmentCreateSchema,
  AppointmentIdParam,
  AppointmentListQuery,
  AppointmentPageSchema,
  AppointmentSchema,
  AvailabilityQuery,
  AvailabilitySchema,
  LanguageChoiceSchema,
  CandidatesQuery,
  CandidatesSchema,
  HoldCreateSchema,
  HoldIdParam,
  HoldSchema,
  ConfirmSchema,
  FeedbackListQuery,
  FeedbackPageSchema,
  FeedbackSchema,
  LinkSchema,
  LocationUpdateSchema,
  PublicSlotRequest,
  RatingSchema,
  RescheduleSchema,
  StepSchema,
  SummaryQuery,
  SummarySchema,
  TicketAvailabilityQuery,
  TokenContextSchema,
  TokenFeedbackSchema,
  TokenParam,
} from "./scheduling.schemas";
import { STEPS, type AppointmentStep } from "./appointments.workflow";

const tags = ["scheduling"];

export const getTechnicianAvailability = createRoute({
  method: "get",
  path: "/v1/technicians/{id}/availability",
  tags,
  operationId: "getTechnicianAvailability",
  summary: "A technician's free slots on a day",
  description:
    "Working window, slot step, lead time and horizon are settings; a date beyond the horizon or in the past is 422.",
  ...requires("appointments:read"),
  request: { params: TechnicianIdParam, query: AvailabilityQuery },
  responses: { 200: jsonResponse(AvailabilitySchema, "Slots"), ...errorResponses(400, 401, 403, 404, 422) },
});

export const getTicketAvailability = createRoute({
  method: "get",
  path: "/v1/availability",
  tags,
  operationId: "getTicketAvailability",
  summary: "Slots for a ticket: free when its technician (or any eligible one) is free",
  ...requires("appointments:read"),
  request: { query: TicketAvailabilityQuery },
  responses: { 200: jsonResponse(AvailabilitySchema, "Slots"), ...errorResponses(400, 401, 403, 404, 422) },
});

export const getTicketCandidates = createRoute({
  method: "get",
  path: "/v1/tickets/{id}/candidates",
  tags,
  operationId: "getTicketCandidates",
  summary: "Who could take a ticket at a moment, and why each other technician is passed over",
  description:
    "Every technician the caller dispatches: eligible ones in the pool rule's order (fewest visits that day, nearest to their visit before, in turn) with the reason, the others with codes for why not (skill missing, out of area, another team, switched unavailable, on time off, not working then, at the day's cap). For dispatch.",
  ...requires("tickets:assign"),
  request: { params: TicketIdParam, query: CandidatesQuery },
  responses: { 200: jsonResponse(CandidatesSchema, "The candidates"), ...errorResponses(400, 401, 403, 404) },
});

export const createSlotHold = createRoute({
  method: "post",
  path: "/v1/availability/holds",
  tags,
  operationId: "createSlotHold",
  summary: "Hold a slot for a ticket while its booking is confirmed",
  description:
    "The ticket's technician — or, for a ticket nobody holds, the first of the pool order who is free then — keeps the slot for SLOT_HOLD_MINUTES (5): busy for every other booking and hold meanwhile. Book it with POST /v1/appointments and `hold_id`; it ends by itself when it expires.",
  ...requires("appointments:write", idempotent()),
  request: { headers: idempotencyHeader, body: jsonBody(HoldCreateSchema) },
  responses: { 201: jsonResponse(HoldSchema, "Held"), ...errorResponses(400, 401, 403, 404, 409, 422) },
});

export const deleteSlotHold = createRoute({
  method: "delete",
  path: "/v1/availability/holds/{id}",
  tags,
  operationId: "deleteSlotHold",
  summary: "Let a held slot go before it expires",
  ...requires("appointments:write"),
  request: { params: HoldIdParam },
  responses: { 204: noContent, ...errorResponses(400, 401, 403, 404) },
});

export const createAppointment = createRoute({
  method: "post",
  path: "/v1/appointments",
  tags,
  operationId: "createAppointment",
  summary: "Book a technician's slot",
  description: "Serialised per technician; any overlap is 409 slot_unavailable.",
  ...requires("appointments:write", idempotent()),
  request: { headers: idempotencyHeader, body: jsonBody(AppointmentCreateSchema) },
  responses: { 201: jsonResponse(AppointmentSchema, "Booked"), ...errorResponses(400, 401, 403, 404, 409, 422) },
});

export const listAppointments = createRoute({
  method: "get",
  path: "/v1/appointments",
  tags,
  operationId: "listAppointments",
  summary: "Appointments with their feedback",
  description:
    "Filters: supervisor_id, technician_id (or technician_username), date_from, date_to, status. Ordered by start. `supervisor` and `technician` are deprecated names of the first two.",
  ...requires("appointments:read", deprecatedQuery({ supervisor: "supervisor_id", technician: "technician_id" })),
  request: { query: AppointmentListQuery },
  responses: { 200: jsonResponse(AppointmentPageSchema, "A page of appointments"), ...errorResponses(400, 401, 403) },
});

export const getAppointmentSummary = createRoute({
  method: "get",
  path: "/v1/appointments/summary",
  tags,
  operationId: "getAppointmentSummary",
  summary: "pending_confirmation, date_not_confirmed and no_date counts",
  ...requires("appointments:read"),
  request: { query: SummaryQuery },
  responses: { 200: jsonResponse(SummarySchema, "Counts"), ...errorResponses(400, 401, 403) },
});

export const getAppointment = createRoute({
  method: "get",
  path: "/v1/appointments/{id}",
  tags,
  operationId: "getAppointment",
  summary: "An appointment",
  ...requires("appointments:read"),
  request: { params: AppointmentIdParam },
  responses: { 200: jsonResponse(AppointmentSchema, "The appointment"), ...errorResponses(400, 401, 403, 404) },
});

export const rescheduleAppointment = createRoute({
  method: "post",
  path: "/v1/appointments/{id}/reschedule",
  tags,
  operationId: "rescheduleAppointment",
  summary: "Move to another slot; the old one is freed and the new one taken atomically",
  ...requires("appointments:write", idempotent()),
  request: { headers: idempotencyHeader, params: AppointmentIdParam, body: jsonBody(RescheduleSchema) },
  responses: { 200: jsonResponse(AppointmentSchema, "Moved"), ...errorResponses(400, 401, 403, 404, 409, 422) },
});

const STEP_SUMMARY: Record<AppointmentStep, string> = {
  confirm: "Confirm, optionally adjusting date and time",
  depart: "Technician departs",
  arrive: "Technician arrives",
  start: "Work starts",
  complete: "Visit complete",
  cancel: "Cancel the visit (frees the slot)",
};

/** A visit step's route; its path and operationId are written out where it is declared, and must follow the step. */
function stepRoute(step: AppointmentStep, path: string, operationId: string) {
  if (path !== `/v1/appointments/{id}/${step}` || operationId !== `${step}Appointment`)
    throw new Error(`The ${step} route must be /v1/appointments/{id}/${step}, operationId ${step}Appointment.`);
  return createRoute({
    method: "post",
    path,
    tags,
    operationId,
    summary: `${STEP_SUMMARY[step]}`,
    description: `From ${STEPS[step].from.join(", ")} to ${STEPS[step].to}.`,
    ...requires("appointments:write", idempotent()),
    request: {
      headers: idempotencyHeader,
      params: AppointmentIdParam,
      body: {
        required: false,
        content: { "application/json": { schema: step === "confirm" ? ConfirmSchema : StepSchema } },
      },
    },
    responses: {
      200: jsonResponse(AppointmentSchema, "The appointment"),
      ...errorResponses(400, 401, 403, 404, 409, 422),
    },
  });
}
export type AppointmentStepRoute = ReturnType<typeof stepRoute>;

export const confirmAppointment = stepRoute("confirm", "/v1/appointments/{id}/confirm", "confirmAppointment");
export const departAppointment = stepRoute("depart", "/v1/appointments/{id}/depart", "departAppointment");
export const arriveAppointment = stepRoute("arrive", "/v1/appointments/{id}/arrive", "arriveAppointment");
export const startAppointment = stepRoute("start", "/v1/appointments/{id}/start", "startAppointment");
export const completeAppointment = stepRoute("complete", "/v1/appointments/{id}/complete", "completeAppointment");
export const cancelAppointment = stepRoute("cancel", "/v1/appointments/{id}/cancel", "cancelAppointment");

export const createAppointmentLink = createRoute({
  method: "post",
  path: "/v1/tickets/{id}/appointment-link",
  tags,
  operationId: "createAppointmentLink",
  summary: "Create a customer booking link and text it to the customer",
  description: "The response carries the link so it can be sent another way too. A new link replaces older ones.",
  ...requires("appointments:links", idempotent()),
  request: { headers: idempotencyHeader, params: TicketIdParam },
  responses: {
    201: jsonResponse(LinkSchema.extend({ sms_sent: z.boolean() }), "The link"),
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

export const rateTicket = createRoute({
  method: "post",
  path: "/v1/tickets/{id}/rating",
  tags,
  operationId: "rateTicket",
  summary: "Rate a resolved ticket, once",
  ...requires("tickets:read", idempotent()),
  request: { headers: idempotencyHeader, params: TicketIdParam, body: jsonBody(RatingSchema) },
  responses: { 201: jsonResponse(FeedbackSchema, "Stored"), ...errorResponses(400, 401, 403, 404, 409) },
});

export const listFeedback = createRoute({
  method: "get",
  path: "/v1/feedback",
  tags,
  operationId: "listFeedback",
  summary: "Feedback and ratings",
  description:
    "Filters: supervisor_id, technician_id, date_from, date_to, kind. `supervisor` and `technician` are deprecated names of the first two.",
  ...requires("feedback:read", deprecatedQuery({ supervisor: "supervisor_id", technician: "technician_id" })),
  request: { query: FeedbackListQuery },
  responses: { 200: jsonResponse(FeedbackPageSchema, "A page of feedback"), ...errorResponses(400, 401, 403) },
});

// ---- the public API behind the SMS link (no login; the token is the credential) ----

const publicTags = ["public"];
const publicErrors = errorResponses(400, 401, 404, 409, 422, 429);

export const getPublicAppointment = createRoute({
  method: "get",
  path: "/v1/public/appointments/{token}",
  tags: publicTags,
  operationId: "getPublicAppointment",
  security: PUBLIC,
  summary: "What the link is for: case, technician, service type, appointment state, allowed actions",
  request: { params: TokenParam },
  responses: { 200: jsonResponse(TokenContextSchema, "Token context"), ...publicErrors },
});

export const getPublicAvailability = createRoute({
  method: "get",
  path: "/v1/public/appointments/{token}/availability",
  tags: publicTags,
  operationId: "getPublicAvailability",
  security: PUBLIC,
  summary: "Slots for the linked visit",
  request: { params: TokenParam, query: AvailabilityQuery.pick({ date: true }) },
  responses: { 200: jsonResponse(AvailabilitySchema, "Slots"), ...publicErrors },
});

export const publicHold = createRoute({
  method: "post",
  path: "/v1/public/appointments/{token}/hold",
  tags: publicTags,
  operationId: "publicHold",
  security: PUBLIC,
  middleware: [idempotent()],
  summary: "Keep a time for a few minutes while the customer confirms (one held time per link)",
  request: { headers: idempotencyHeader, params: TokenParam, body: jsonBody(PublicSlotRequest) },
  responses: { 200: jsonResponse(HoldSchema, "Held"), ...publicErrors },
});

export const publicSchedule = createRoute({
  method: "post",
  path: "/v1/public/appointments/{token}/schedule",
  tags: publicTags,
  operationId: "publicSchedule",
  security: PUBLIC,
  middleware: [idempotent()],
  summary: "Book the visit",
  request: { headers: idempotencyHeader, params: TokenParam, body: jsonBody(PublicSlotRequest) },
  responses: { 200: jsonResponse(TokenContextSchema, "Booked"), ...publicErrors },
});

export const publicReschedule = createRoute({
  method: "post",
  path: "/v1/public/appointments/{token}/reschedule",
  tags: publicTags,
  operationId: "publicReschedule",
  security: PUBLIC,
  middleware: [idempotent()],
  summary: "Move the visit (the link keeps working)",
  request: { headers: idempotencyHeader, params: TokenParam, body: jsonBody(PublicSlotRequest) },
  responses: { 200: jsonResponse(TokenContextSchema, "Moved"), ...publicErrors },
});

export const publicShareLocation = createRoute({
  method: "patch",
  path: "/v1/public/appointments/{token}/location",
  tags: publicTags,
  operationId: "publicShareLocation",
  security: PUBLIC,
  summary: "Share the visit's location",
  request: { params: TokenParam, body: jsonBody(LocationUpdateSchema) },
  responses: {
    200: jsonResponse(z.object({ message: z.string() }).openapi("PublicMessage"), "Stored"),
    ...publicErrors,
  },
});

export const publicSetLanguage = createRoute({
  method: "put",
  path: "/v1/public/appointments/{token}/language",
  tags: publicTags,
  operationId: "publicSetLanguage",
  security: PUBLIC,
  summary: "Choose the language of the visit page and messages",
  description:
    "The customer's choice is kept on their customer record: the page opens in it next time and their text messages follow it. A ticket without a customer record keeps nothing; the answer's `language` says what is in force.",
  request: { params: TokenParam, body: jsonBody(LanguageChoiceSchema) },
  responses: { 200: jsonResponse(TokenContextSchema, "The context in the chosen language"), ...publicErrors },
});

export const publicCancel = createRoute({
  method: "post",
  path: "/v1/public/appointments/{token}/cancel",
  tags: publicTags,
  operationId: "publicCancel",
  security: PUBLIC,
  middleware: [idempotent()],
  summary: "Cancel the visit",
  description:
    "Allowed before the technician sets out and until a set number of hours before the visit (`cancel_until` in the context); afterwards 409 with the reason. The slot is freed and a new time can be chosen with the same link.",
  request: { headers: idempotencyHeader, params: TokenParam },
  responses: { 200: jsonResponse(TokenContextSchema, "Cancelled"), ...publicErrors },
});

export const publicRenewLink = createRoute({
  method: "post",
  path: "/v1/public/appointments/{token}/renew",
  tags: publicTags,
  operationId: "publicRenewLink",
  security: PUBLIC,
  middleware: [idempotent()],
  summary: "Send a new link in place of an expired one",
  description:
    "For an expired link of an open case, a new link is texted to the phone the expired one was sent to. The answer is the same for every token, so it reveals nothing about links or phone numbers; a few requests per link and hour.",
  request: { headers: idempotencyHeader, params: TokenParam },
  responses: {
    202: jsonResponse(z.object({ message: z.string() }).openapi("PublicRenewal"), "Accepted"),
    ...errorResponses(400, 429),
  },
});

export const publicFeedback = createRoute({
  method: "post",
  path: "/v1/public/appointments/{token}/feedback",
  tags: publicTags,
  operationId: "publicFeedback",
  security: PUBLIC,
  middleware: [idempotent()] as const,
  summary: "Technician or service feedback, once each",
  request: { headers: idempotencyHeader, params: TokenParam, body: jsonBody(TokenFeedbackSchema) },
  responses: { 201: jsonResponse(FeedbackSchema, "Stored"), ...publicErrors },
});
