// Work orders: tickets, cases, tasks and service bookings — lifecycle, assignment, SLA, comments,
// attachments, history, work logs and completion by customer code (WO-1…WO-14).
// Leaves first: other modules read these at load time, so they must not wait on a cycle.
export { TicketIdParam, TicketListQuery, TicketPageSchema, TicketSchema } from "./tickets.schemas";
export { slaState } from "./sla";

import { createRouter } from "../../lib/create-router";
import * as h from "./tickets.handlers";
import * as r from "./tickets.routes";
import * as ch from "./checklist.handlers";
import * as cr from "./checklist.routes";
import * as ph from "./sla-policies.handlers";
import * as pr from "./sla-policies.routes";

const router = createRouter()
  .openapi(r.listTickets, h.listTickets)
  .openapi(r.createTicket, h.createTicket)
  .openapi(r.bulkAssignTickets, h.bulkAssignTickets)
  .openapi(r.runAutoAssign, h.runAutoAssign)
  .openapi(r.getTicket, h.getTicket)
  .openapi(r.listCustomerHistory, h.listCustomerHistory)
  .openapi(r.updateTicket, h.updateTicket)
  .openapi(r.assignTicket, h.assignTicket)
  .openapi(r.unassignTicket, h.unassignTicket)
  .openapi(r.getTicketSla, h.getTicketSla)
  .openapi(r.setTicketSla, h.setTicketSla)
  .openapi(r.rescheduleBooking, h.rescheduleBooking)
  .openapi(r.listTicketComments, h.listTicketComments)
  .openapi(r.addTicketComment, h.addTicketComment)
  .openapi(r.listTicketAttachments, h.listTicketAttachments)
  .openapi(r.addTicketAttachment, h.addTicketAttachment)
  .openapi(r.downloadTicketAttachment, h.downloadTicketAttachment)
  .openapi(r.listTicketHistory, h.listTicketHistory)
  .openapi(r.listWorkLogs, h.listWorkLogs)
  .openapi(r.addWorkLog, h.addWorkLog)
  .openapi(r.requestCompletionCode, h.requestCompletionCode)
  .openapi(r.completeTicket, h.completeTicket)
  .openapi(r.listCustomerTickets, h.listCustomerTickets)
  .openapi(r.getWorkload, h.getWorkload)
  .openapi(r.getTechnicianWorkload, h.getTechnicianWorkload)
  .openapi(r.openTicket, h.openTicket)
  .openapi(r.startTicket, h.startTicket)
  .openapi(r.holdTicket, h.holdTicket)
  .openapi(r.resumeTicket, h.resumeTicket)
  .openapi(r.resolveTicket, h.resolveTicket)
  .openapi(r.approveTicket, h.approveTicket)
  .openapi(r.rejectTicket, h.rejectTicket)
  .openapi(r.cancelTicket, h.cancelTicket)
  .openapi(r.reopenTicket, h.reopenTicket)
  .openapi(cr.getTicketChecklist, ch.getTicketChecklist)
  .openapi(cr.updateTicketChecklistItem, ch.updateTicketChecklistItem);

// SLA policies (TIME-2): the ticket's clock is this module's, so its policies are too.
const slaPoliciesRouter = router
  .openapi(pr.listSlaPolicies, ph.listSlaPolicies)
  .openapi(pr.createSlaPolicy, ph.createSlaPolicy)
  .openapi(pr.getSlaPolicy, ph.getSlaPolicy)
  .openapi(pr.updateSlaPolicy, ph.updateSlaPolicy)
  .openapi(pr.deleteSlaPolicy, ph.deleteSlaPolicy);

export const ticketsModule = slaPoliciesRouter;

export { buildTicketListQuery, listTickets } from "./tickets.list";
export { relationTo, seenTicket, ticketAudience } from "./tickets.present";
export { eligibleTechnicians, eligibleTechniciansSql, poolAssignmentChange } from "./assignment.service";
export { changeTicket, type HistoryEntry, type TicketChange } from "./change";
export { flagSlaBreaches } from "./sla-breaches";
export { recomputeSlaClocks, slaClockTick } from "./sla-clock";
export { ticketImport } from "./tickets.import";
export { visitStepChange } from "./tickets.write";
export { runAutoAssignStep } from "./bookings.service";
export { assignedScopesSql, assignedTickets, ticketPartsForSync, ticketsForSync } from "./tickets.sync";
export { addComment, addWorkLog, attachStoredFile } from "./activity.service";
export { transitionTicket } from "./tickets.write";
export { offlineBasisReads, type OfflineBasis, type PlannedStep, planOfflineStep } from "./offline";
export { CommentCreateSchema, WorkLogCreateSchema } from "./tickets.schemas";
export { ChecklistItemUpdateSchema } from "./checklist.schemas";
export { type ChecklistItemBasis, checklistItemReads, updateTicketChecklistItem } from "./checklist.service";
export { raisePlannedTicket } from "./tickets.write";
export { createTicket } from "./tickets.write";
export { ticketErasure } from "./erasure";
export { ticketArchive } from "./archive";
