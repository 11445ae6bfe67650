// Work orders: tickets, cases, tasks and service bookings — lifecycle, assignment, SLA, comments,
// attachments, history, work logs and completion by customer code (WO-1…WO-14).
// Leaves first: other modules read these at load time, so they must not wait on a cycle.
export { TicketIdParam, TicketListQuery, TicketPageSchema, TicketSchema } from "./tickets.schemas";
export { slaState } from "./sla";

import { createRouter } from "../../lib/create-router";
import * as h from "./tickets.handlers";
import * as r from "./tickets.routes";

const router = createRouter()
  .openapi(r.listTickets, h.listTickets)
  .openapi(r.createTicket, h.createTicket)
  .openapi(r.bulkAssign, h.bulkAssign)
  .openapi(r.autoAssignRun, h.autoAssignRun)
  .openapi(r.getTicket, h.getTicket)
  .openapi(r.updateTicket, h.updateTicket)
  .openapi(r.assignTicket, h.assignTicket)
  .openapi(r.unassignTicket, h.unassignTicket)
  .openapi(r.setSla, h.setSla)
  .openapi(r.rescheduleBooking, h.rescheduleBooking)
  .openapi(r.listComments, h.listComments)
  .openapi(r.addComment, h.addComment)
  .openapi(r.listAttachments, h.listAttachments)
  .openapi(r.addAttachment, h.addAttachment)
  .openapi(r.downloadAttachment, h.downloadAttachment)
  .openapi(r.listHistory, h.listHistory)
  .openapi(r.listWorkLogs, h.listWorkLogs)
  .openapi(r.addWorkLog, h.addWorkLog)
  .openapi(r.requestCompletionCode, h.requestCompletionCode)
  .openapi(r.completeWithCode, h.completeWithCode)
  .openapi(r.customerTickets, h.customerTickets)
  .openapi(r.workload, h.workload)
  .openapi(r.technicianWorkload, h.technicianWorkload);

for (const [action, route] of r.actionRoutes) router.openapi(route, h.actionHandler(action) as never);

export const ticketsModule = router;

export { buildTicketListQuery, listTickets } from "./tickets.list";
export { relationTo, ticketAudience } from "./tickets.present";
export { eligibleTechnicians } from "./assignment.service";
export { changeTicket, type HistoryEntry, type TicketChange } from "./change";
export { flagSlaBreaches } from "./sla-breaches";
export { CLEAR_SQL, REFRESH_ALL_SQL, REFRESH_SQL, SUMS, ticketStatsStatements } from "./ticket-stats";
export { ticketImport } from "./tickets.import";
export { visitStepChange } from "./tickets.write";
export { runAutoAssignStep } from "./bookings.service";
export { assignedTickets, ticketPartsForSync, ticketsForSync } from "./tickets.sync";
export { addComment, addWorkLog, attachStoredFile } from "./activity.service";
export { transitionTicket } from "./tickets.write";
export { CommentCreateSchema, WorkLogCreateSchema } from "./tickets.schemas";
export { createTicket } from "./tickets.write";
