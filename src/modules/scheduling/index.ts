// Scheduling: availability, per-technician booking in Durable Objects, the technician's journey,
// customer appointment links with their public API, and feedback (SCH-1…6, FB-1, FB-2).
import { createRouter } from "../../lib/create-router";
import { onTicketEnding } from "../../contracts/ticket-endings";
import { cancelVisitsOfEndingTicket } from "./appointments.service";
import * as h from "./scheduling.handlers";
import * as r from "./scheduling.routes";

const router = createRouter()
  .openapi(r.getTechnicianAvailability, h.getTechnicianAvailability)
  .openapi(r.getTicketAvailability, h.getTicketAvailability)
  .openapi(r.getTicketCandidates, h.getTicketCandidates)
  .openapi(r.createSlotHold, h.createSlotHold)
  .openapi(r.deleteSlotHold, h.deleteSlotHold)
  .openapi(r.createAppointment, h.createAppointment)
  .openapi(r.listAppointments, h.listAppointments)
  .openapi(r.getAppointmentSummary, h.getAppointmentSummary)
  .openapi(r.getAppointment, h.getAppointment)
  .openapi(r.rescheduleAppointment, h.rescheduleAppointment)
  .openapi(r.createAppointmentLink, h.createAppointmentLink)
  .openapi(r.rateTicket, h.rateTicket)
  .openapi(r.listFeedback, h.listFeedback)
  .openapi(r.getPublicAppointment, h.getPublicAppointment)
  .openapi(r.getPublicAvailability, h.getPublicAvailability)
  .openapi(r.publicHold, h.publicHold)
  .openapi(r.publicSchedule, h.publicSchedule)
  .openapi(r.publicReschedule, h.publicReschedule)
  .openapi(r.publicShareLocation, h.publicShareLocation)
  .openapi(r.publicSetLanguage, h.publicSetLanguage)
  .openapi(r.publicCancel, h.publicCancel)
  .openapi(r.publicRenewLink, h.publicRenewLink)
  .openapi(r.publicFeedback, h.publicFeedback)
  .openapi(r.confirmAppointment, h.confirmAppointment)
  .openapi(r.departAppointment, h.departAppointment)
  .openapi(r.arriveAppointment, h.arriveAppointment)
  .openapi(r.startAppointment, h.startAppointment)
  .openapi(r.completeAppointment, h.completeAppointment)
  .openapi(r.cancelAppointment, h.cancelAppointment);

export const schedulingModule = router;
onTicketEnding(cancelVisitsOfEndingTicket);

export { appointmentBrief } from "./appointments.service";
export { revokeExpiredLinks, sendAppointmentReminders } from "./reminders";
export { sendPlannedVisitLink, visitPageData } from "./links.service";
export { visitMessageFacts } from "./visit-facts";
export {
  appointmentsForSync,
  plannedVisitStep,
  stepAppointment,
  visitStepReads,
  type VisitStepBasis,
} from "./appointments.service";
export { schedulingErasure } from "./erasure";
export { schedulingArchive } from "./archive";
