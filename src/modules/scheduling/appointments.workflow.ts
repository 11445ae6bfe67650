import type { AppointmentStatus } from "../../db/schema";

// The rules of a visit, as data and pure functions: no storage, so routes, services and tests share them.

/** An appointment in one of these holds its technician's time. */
export const LIVE_STATUSES: AppointmentStatus[] = ["scheduled", "confirmed", "en_route", "on_site", "in_progress"];

/** Only a visit nobody has set out for yet can be moved. */
export const MOVABLE_STATUSES: AppointmentStatus[] = ["scheduled", "confirmed"];

/** The technician's journey (SCH-3): each step, the statuses it starts from, where it leads and the milestone it stamps. */
export const STEPS = {
  confirm: { from: ["scheduled", "confirmed"], to: "confirmed", column: "confirmed_at" },
  depart: { from: ["scheduled", "confirmed"], to: "en_route", column: "departed_at" },
  arrive: { from: ["en_route"], to: "on_site", column: "arrived_at" },
  start: { from: ["on_site"], to: "in_progress", column: "started_at" },
  complete: { from: ["in_progress"], to: "completed", column: "completed_at" },
  cancel: { from: ["scheduled", "confirmed", "en_route"], to: "cancelled", column: "cancelled_at" },
} as const satisfies Record<string, { from: AppointmentStatus[]; to: AppointmentStatus; column: string }>;
export type AppointmentStep = keyof typeof STEPS;

/** Whether `step` may be taken from `status`. */
export function stepAllowed(step: AppointmentStep, status: AppointmentStatus): boolean {
  return (STEPS[step].from as readonly AppointmentStatus[]).includes(status);
}

/** Ticket statuses in which a customer may still book or move a visit. */
export const OPEN_FOR_BOOKING = ["new", "opened", "assigned", "on_hold"];

/** The customer may book or move the visit: the ticket is open, and there is no visit yet or it has not started. */
export function customerMayReschedule(ticketStatus: string, appointmentStatus?: AppointmentStatus): boolean {
  return (
    OPEN_FOR_BOOKING.includes(ticketStatus) && (!appointmentStatus || MOVABLE_STATUSES.includes(appointmentStatus))
  );
}

/** The customer may share where the visit is until the technician has arrived. */
export function customerMayShareLocation(appointmentStatus?: AppointmentStatus): boolean {
  return appointmentStatus !== undefined && ["scheduled", "confirmed", "en_route"].includes(appointmentStatus);
}
