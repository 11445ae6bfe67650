import { createRoute, z } from "@hono/zod-openapi";
import { idempotencyHeader, idempotent } from "../../middleware/idempotency";
import { requires } from "../../middleware/auth";
import { jsonBody, jsonResponse } from "../../lib/openapi";
import { errorResponses } from "../../lib/problem";
import { CustomerIdParam } from "../customers";
import { TechnicianIdParam } from "../technicians";
import { JobSchema } from "../jobs";
import { SlaExplanationSchema } from "./sla-policies.schemas";
import {
  ActionSchema,
  HoldSchema,
  AssignSchema,
  AutoAssignResultSchema,
  AutoAssignRunSchema,
  TicketCreatedSchema,
  AttachmentJsonSchema,
  AttachmentParams,
  AttachmentSchema,
  BulkAssignResultSchema,
  BulkAssignSchema,
  CommentCreateSchema,
  CommentSchema,
  CompleteSchema,
  MessageSchema,
  RescheduleSchema,
  SlaUpdateSchema,
  TicketCreateSchema,
  TicketDetailSchema,
  TicketIdParam,
  TicketListQuery,
  TicketPageSchema,
  TicketSchema,
  TicketUpdateSchema,
  UnassignSchema,
  WorkLogCreateSchema,
  WorkLogSchema,
  WorkloadSchema,
  TicketSubListQuery,
  CommentPageSchema,
  CustomerHistoryPageSchema,
  HistoryPageSchema,
  WorkLogPageSchema,
} from "./tickets.schemas";
import { RULES, type TicketAction } from "./tickets.workflow";

const tags = ["tickets"];

export const listTickets = createRoute({
  method: "get",
  path: "/v1/tickets",
  tags,
  operationId: "listTickets",
  summary: "Tickets you may see",
  description:
    "Admins, managers and dispatchers see all; supervisors their team's; technicians what is assigned to them; customers their own. Filters combine; lists are keyset-paginated.",
  ...requires("tickets:read"),
  request: { query: TicketListQuery },
  responses: { 200: jsonResponse(TicketPageSchema, "A page of tickets"), ...errorResponses(400, 401, 403) },
});

export const createTicket = createRoute({
  method: "post",
  path: "/v1/tickets",
  tags,
  operationId: "createTicket",
  summary: "Raise a ticket or book a service",
  description:
    "Customers raise tickets for themselves; a `service_booking` needs their own service card and a preferred date (and optionally time) inside the booking window, and is free or paid by the warranty rule. When the deployment places bookings automatically (AUTO_ASSIGN_BOOKINGS) and a technician fits, the booking comes back `assigned` (scheduled at the preferred time when one was given). `next_steps` says what happens next in words.",
  ...requires("tickets:create", idempotent()),
  request: { headers: idempotencyHeader, body: jsonBody(TicketCreateSchema) },
  responses: { 201: jsonResponse(TicketCreatedSchema, "Created"), ...errorResponses(400, 401, 403, 409, 413, 422) },
});

export const runAutoAssign = createRoute({
  method: "post",
  path: "/v1/tickets/auto-assign",
  tags,
  operationId: "runAutoAssign",
  summary: "Place every unassigned booking",
  description: `Assigns every new or opened ticket of the given kinds (service bookings by default) that you may see and that has no technician, choosing among available technicians with the skills, area and team. Up to 50 tickets: answered at once (200) with each outcome. More: a background job (202) — follow it at /v1/jobs/{id}; its counts say how many were placed. Tickets nobody fits stay for a dispatcher. Running it twice places nothing twice.`,
  ...requires("tickets:assign", idempotent()),
  request: { headers: idempotencyHeader, body: jsonBody(AutoAssignRunSchema) },
  responses: {
    200: jsonResponse(AutoAssignResultSchema, "Placed"),
    202: jsonResponse(JobSchema, "Many tickets: placing them in the background"),
    ...errorResponses(400, 401, 403, 413),
  },
});

export const bulkAssignTickets = createRoute({
  method: "post",
  path: "/v1/tickets/assign",
  tags,
  operationId: "bulkAssignTickets",
  summary: "Assign many tickets at once",
  description: "Each ticket succeeds or fails on its own; the result lists both.",
  ...requires("tickets:assign", idempotent()),
  request: { headers: idempotencyHeader, body: jsonBody(BulkAssignSchema) },
  responses: { 200: jsonResponse(BulkAssignResultSchema, "Per-ticket results"), ...errorResponses(400, 401, 403, 422) },
});

const IfMatchHeader = z.object({
  "if-match": z
    .string()
    .max(20)
    .optional()
    .openapi({
      param: { name: "if-match", in: "header" },
      description:
        'The ticket\'s `version` as an ETag (`"7"`): the change is refused with 412 if the ticket changed since',
      example: '"7"',
    }),
});

export const getTicket = createRoute({
  method: "get",
  path: "/v1/tickets/{id}",
  tags,
  operationId: "getTicket",
  summary: "A ticket with assignees, SLA, comments, attachments, history and work logs",
  ...requires("tickets:read"),
  request: { params: TicketIdParam },
  responses: { 200: jsonResponse(TicketDetailSchema, "The ticket"), ...errorResponses(400, 401, 403, 404) },
});

export const listCustomerHistory = createRoute({
  method: "get",
  path: "/v1/customers/{id}/history",
  tags,
  operationId: "listCustomerHistory",
  summary: "A customer's tickets, newest first, including those moved to the archive",
  description:
    "Each ticket in brief (open the full record with `GET /v1/tickets/{id}`, which also answers for archived ones); only the tickets the caller may see.",
  ...requires("tickets:read"),
  request: { params: CustomerIdParam, query: TicketSubListQuery },
  responses: {
    200: jsonResponse(CustomerHistoryPageSchema, "The customer's tickets"),
    ...errorResponses(400, 401, 403, 404),
  },
});

export const updateTicket = createRoute({
  method: "patch",
  path: "/v1/tickets/{id}",
  tags,
  operationId: "updateTicket",
  summary: "Edit a ticket's fields (dispatch)",
  description: "Each changed field writes a history row.",
  ...requires("tickets:assign"),
  request: { params: TicketIdParam, headers: IfMatchHeader, body: jsonBody(TicketUpdateSchema) },
  responses: { 200: jsonResponse(TicketSchema, "Updated"), ...errorResponses(400, 401, 403, 404, 409, 412) },
});

const ACTION_SUMMARIES: Record<TicketAction, string> = {
  open: "Acknowledge a new ticket",
  start: "Start work",
  hold: "Put on hold (the SLA clock pauses)",
  resume: "Resume work (the SLA clock runs again)",
  resolve: "Resolve; waits for the customer's approval when they have a login",
  approve: "Approve the resolution (closes)",
  reject: "Reject the resolution (back to work)",
  cancel: "Cancel; customers only before work starts",
  reopen: "Reopen a finished ticket",
};

/** A workflow action's route; its path and operationId are written out where it is declared, and must follow the action. */
function actionRoute(action: TicketAction, path: string, operationId: string) {
  if (path !== `/v1/tickets/{id}/${action}` || operationId !== `${action}Ticket`)
    throw new Error(`The ${action} route must be /v1/tickets/{id}/${action}, operationId ${action}Ticket.`);
  return createRoute({
    method: "post",
    path,
    tags,
    operationId,
    summary: ACTION_SUMMARIES[action],
    description: `From ${RULES[action].from.join(", ")} to ${RULES[action].to}. An illegal move is 409 invalid_transition.`,
    ...requires("tickets:update", idempotent()),
    request: {
      params: TicketIdParam,
      headers: idempotencyHeader.extend(IfMatchHeader.shape),
      body: { required: false, content: { "application/json": { schema: ActionSchema } } },
    },
    responses: {
      200: jsonResponse(TicketSchema, "The ticket after the move"),
      ...errorResponses(400, 401, 403, 404, 409, 412, 422),
    },
  });
}

export type TicketActionRoute = ReturnType<typeof actionRoute>;

// One route per workflow action, so each has its own operationId and documentation.
export const openTicket = actionRoute("open", "/v1/tickets/{id}/open", "openTicket");
export const startTicket = actionRoute("start", "/v1/tickets/{id}/start", "startTicket");
// Hold takes why the work waits; the SLA clock stands still while it does.
export const holdTicket = createRoute({
  method: "post",
  path: "/v1/tickets/{id}/hold",
  tags,
  operationId: "holdTicket",
  summary: ACTION_SUMMARIES.hold,
  description: `From ${RULES.hold.from.join(", ")} to ${RULES.hold.to}. The SLA clock stops until the ticket resumes; \`reason\` says why it waits (on_hold unless given) and shows in the SLA explanation. An illegal move is 409 invalid_transition.`,
  ...requires("tickets:update", idempotent()),
  request: {
    params: TicketIdParam,
    headers: idempotencyHeader.extend(IfMatchHeader.shape),
    body: { required: false, content: { "application/json": { schema: HoldSchema } } },
  },
  responses: {
    200: jsonResponse(TicketSchema, "The ticket after the move"),
    ...errorResponses(400, 401, 403, 404, 409, 412, 422),
  },
});
export const resumeTicket = actionRoute("resume", "/v1/tickets/{id}/resume", "resumeTicket");
export const resolveTicket = actionRoute("resolve", "/v1/tickets/{id}/resolve", "resolveTicket");
export const approveTicket = actionRoute("approve", "/v1/tickets/{id}/approve", "approveTicket");
export const rejectTicket = actionRoute("reject", "/v1/tickets/{id}/reject", "rejectTicket");
export const cancelTicket = actionRoute("cancel", "/v1/tickets/{id}/cancel", "cancelTicket");
export const reopenTicket = actionRoute("reopen", "/v1/tickets/{id}/reopen", "reopenTicket");

export const assignTicket = createRoute({
  method: "post",
  path: "/v1/tickets/{id}/assign",
  tags,
  operationId: "assignTicket",
  summary: "Assign technicians, a team, or let a strategy choose",
  description:
    "`strategy`: round_robin or least_loaded among available technicians with the ticket's skills and area (and team); the choice and its reason are recorded.",
  ...requires("tickets:assign", idempotent()),
  request: { params: TicketIdParam, headers: idempotencyHeader, body: jsonBody(AssignSchema) },
  responses: { 200: jsonResponse(TicketSchema, "Assigned"), ...errorResponses(400, 401, 403, 404, 409, 422) },
});

export const unassignTicket = createRoute({
  method: "post",
  path: "/v1/tickets/{id}/unassign",
  tags,
  operationId: "unassignTicket",
  summary: "Remove technicians from a ticket",
  ...requires("tickets:assign", idempotent()),
  request: { headers: idempotencyHeader, params: TicketIdParam, body: jsonBody(UnassignSchema) },
  responses: { 200: jsonResponse(TicketSchema, "Updated"), ...errorResponses(400, 401, 403, 404, 409) },
});

export const setTicketSla = createRoute({
  method: "post",
  path: "/v1/tickets/{id}/sla",
  tags,
  operationId: "setTicketSla",
  summary: "Set SLA targets",
  ...requires("tickets:sla", idempotent()),
  request: { headers: idempotencyHeader, params: TicketIdParam, body: jsonBody(SlaUpdateSchema) },
  responses: { 200: jsonResponse(TicketSchema, "Updated"), ...errorResponses(400, 401, 403, 404, 409) },
});

export const getTicketSla = createRoute({
  method: "get",
  path: "/v1/tickets/{id}/sla",
  tags,
  operationId: "getTicketSla",
  summary: "Explain the SLA clock: policy, calendar, minutes used and left, pauses, next deadline",
  description:
    'What a dispatcher needs to answer "why is this late?": the policy and calendar the clock runs on, working minutes used and left per target, every stretch the clock ran or stood still (with the reason it paused), and the next warning or breach.',
  ...requires("tickets:read"),
  request: { params: TicketIdParam },
  responses: {
    200: jsonResponse(SlaExplanationSchema, "The SLA clock, explained"),
    ...errorResponses(400, 401, 403, 404),
  },
});

export const rescheduleBooking = createRoute({
  method: "post",
  path: "/v1/tickets/{id}/reschedule",
  tags,
  operationId: "rescheduleBooking",
  summary: "Move a service booking to another day before work starts",
  ...requires("tickets:update", idempotent()),
  request: { headers: idempotencyHeader, params: TicketIdParam, body: jsonBody(RescheduleSchema) },
  responses: { 200: jsonResponse(TicketSchema, "Rescheduled"), ...errorResponses(400, 401, 403, 404, 409) },
});

export const listTicketComments = createRoute({
  method: "get",
  path: "/v1/tickets/{id}/comments",
  tags,
  operationId: "listTicketComments",
  summary: "Comments (customers never see internal notes)",
  ...requires("tickets:read"),
  request: { params: TicketIdParam, query: TicketSubListQuery },
  responses: {
    200: jsonResponse(CommentPageSchema, "A page of comments, oldest first"),
    ...errorResponses(400, 401, 403, 404),
  },
});

export const addTicketComment = createRoute({
  method: "post",
  path: "/v1/tickets/{id}/comments",
  tags,
  operationId: "addTicketComment",
  summary: "Comment, or add an internal note",
  ...requires("tickets:comment", idempotent()),
  request: { headers: idempotencyHeader, params: TicketIdParam, body: jsonBody(CommentCreateSchema) },
  responses: { 201: jsonResponse(CommentSchema, "Added"), ...errorResponses(400, 401, 403, 404, 409) },
});

export const listTicketAttachments = createRoute({
  method: "get",
  path: "/v1/tickets/{id}/attachments",
  tags,
  operationId: "listTicketAttachments",
  summary: "Attachments",
  ...requires("tickets:read"),
  request: { params: TicketIdParam },
  responses: {
    200: jsonResponse(z.object({ data: z.array(AttachmentSchema) }).openapi("AttachmentList"), "Attachments"),
    ...errorResponses(400, 401, 403, 404),
  },
});

export const addTicketAttachment = createRoute({
  method: "post",
  path: "/v1/tickets/{id}/attachments",
  tags,
  operationId: "addTicketAttachment",
  summary: "Upload an attachment",
  description:
    "multipart/form-data with a `file` field, or JSON `{ filename, content_type, data_base64 }`. JPEG, PNG, WebP, HEIC, PDF, plain text or CSV; content must match the type; at most MAX_UPLOAD_BYTES.",
  ...requires("tickets:comment", idempotent()),
  request: {
    headers: idempotencyHeader,
    params: TicketIdParam,
    // Not `required`: each content type is validated only when the request uses it.
    body: {
      required: false,
      content: {
        "application/json": { schema: AttachmentJsonSchema },
        "multipart/form-data": {
          schema: z
            .object({ file: z.any().optional().openapi({ type: "string", format: "binary" }) })
            .openapi("AttachmentMultipart"),
        },
      },
    },
  },
  responses: {
    201: jsonResponse(AttachmentSchema, "Stored"),
    ...errorResponses(400, 401, 403, 404, 409, 413),
    415: { description: "Type not allowed", content: { "application/problem+json": { schema: z.any() } } },
  },
});

export const downloadTicketAttachment = createRoute({
  method: "get",
  path: "/v1/tickets/{id}/attachments/{attachment_id}",
  tags,
  operationId: "downloadTicketAttachment",
  summary: "Download an attachment (only for those who may see the ticket)",
  ...requires("tickets:read"),
  request: { params: AttachmentParams },
  responses: {
    200: {
      description: "The file",
      content: { "application/octet-stream": { schema: z.string().openapi({ format: "binary" }) } },
    },
    ...errorResponses(400, 401, 403, 404),
  },
});

export const listTicketHistory = createRoute({
  method: "get",
  path: "/v1/tickets/{id}/history",
  tags,
  operationId: "listTicketHistory",
  summary: "Every change: who, what, from, to, when",
  ...requires("tickets:read"),
  request: { params: TicketIdParam, query: TicketSubListQuery },
  responses: {
    200: jsonResponse(HistoryPageSchema, "A page of history, oldest first"),
    ...errorResponses(400, 401, 403, 404),
  },
});

export const listWorkLogs = createRoute({
  method: "get",
  path: "/v1/tickets/{id}/work-logs",
  tags,
  operationId: "listWorkLogs",
  summary: "Work logs",
  ...requires("tickets:read"),
  request: { params: TicketIdParam, query: TicketSubListQuery },
  responses: {
    200: jsonResponse(WorkLogPageSchema, "A page of work logs, oldest first"),
    ...errorResponses(400, 401, 403, 404),
  },
});

export const addWorkLog = createRoute({
  method: "post",
  path: "/v1/tickets/{id}/work-logs",
  tags,
  operationId: "addWorkLog",
  summary: "Log work: detail, parts, amount, next service date",
  ...requires("tickets:update", idempotent()),
  request: { headers: idempotencyHeader, params: TicketIdParam, body: jsonBody(WorkLogCreateSchema) },
  responses: { 201: jsonResponse(WorkLogSchema, "Logged"), ...errorResponses(400, 401, 403, 404, 409) },
});

export const requestCompletionCode = createRoute({
  method: "post",
  path: "/v1/tickets/{id}/completion-code",
  tags,
  operationId: "requestCompletionCode",
  summary: "Send the customer a code that confirms the work",
  description: "SMS to the customer's phone; 6 digits, 10 minutes, 5 tries.",
  ...requires("tickets:update", idempotent()),
  request: { headers: idempotencyHeader, params: TicketIdParam },
  responses: { 202: jsonResponse(MessageSchema, "Sent"), ...errorResponses(400, 401, 403, 404, 409, 422, 429) },
});

export const completeTicket = createRoute({
  method: "post",
  path: "/v1/tickets/{id}/complete",
  tags,
  operationId: "completeTicket",
  summary: "Finish with the customer's code: resolves, signs off and writes the work log",
  ...requires("tickets:update", idempotent()),
  request: { params: TicketIdParam, headers: idempotencyHeader, body: jsonBody(CompleteSchema) },
  responses: {
    200: jsonResponse(TicketSchema, "Resolved and signed off"),
    ...errorResponses(400, 401, 403, 404, 409, 422),
  },
});

export const listCustomerTickets = createRoute({
  method: "get",
  path: "/v1/customers/{id}/tickets",
  tags,
  operationId: "listCustomerTickets",
  summary: "A customer's ticket history",
  ...requires("customers:read"),
  request: { params: CustomerIdParam, query: TicketListQuery.omit({ customer_id: true }) },
  responses: { 200: jsonResponse(TicketPageSchema, "A page of tickets"), ...errorResponses(400, 401, 403, 404) },
});

export const getWorkload = createRoute({
  method: "get",
  path: "/v1/workload",
  tags,
  operationId: "getWorkload",
  summary: "Open, in progress, overdue and today's work per technician",
  description: "Scoped: all, your team, or yourself.",
  ...requires("tickets:read"),
  responses: { 200: jsonResponse(WorkloadSchema, "Per technician"), ...errorResponses(401, 403) },
});

export const getTechnicianWorkload = createRoute({
  method: "get",
  path: "/v1/technicians/{id}/workload",
  tags,
  operationId: "getTechnicianWorkload",
  summary: "One technician's workload",
  ...requires("tickets:read"),
  request: { params: TechnicianIdParam },
  responses: { 200: jsonResponse(WorkloadSchema, "The technician's workload"), ...errorResponses(400, 401, 403, 404) },
});
