import { eq } from "drizzle-orm";
import { appointments, users } from "../../db/schema";
import type { ServiceContext } from "../../lib/context";
import { displayName } from "../../lib/names";
import { visitPosition, type Eta } from "./eta";
import { linkUrlById, visitLinkUrl } from "./links.service";

export interface VisitMessageFacts {
  appointment: {
    startsAt: string;
    endsAt: string;
    timezone: string;
    status: string;
    /** The arrival window the customer was promised, when they booked one. */
    window: { startsAt: string; endsAt: string } | null;
  } | null;
  technician: string | null;
  eta: Eta | null;
  /** The customer's visit page for this message (the announced link for `appointment.link_sent`). */
  url: string;
}

/** What a message to the customer about a visit event says: when, who, how soon, and their link. */
export async function visitMessageFacts(
  ctx: ServiceContext,
  event: { id: string; type: string; subject_id: string; data: Record<string, unknown> },
  customer: { id: string; phone: string | null },
): Promise<VisitMessageFacts> {
  const appointmentId = typeof event.data.appointment_id === "string" ? event.data.appointment_id : null;
  const appt = appointmentId
    ? await ctx.db.query.appointments.findFirst({ where: eq(appointments.id, appointmentId) })
    : await ctx.db.query.appointments.findFirst({
        where: eq(appointments.ticketId, event.subject_id),
        orderBy: (a, { desc }) => desc(a.createdAt),
      });
  const tech = appt ? await ctx.db.query.users.findFirst({ where: eq(users.id, appt.technicianId) }) : undefined;
  // Worded for the moment of departure, even when the message is (re)planned after the visit moved on.
  const eta =
    appt && event.type === "appointment.en_route"
      ? (await visitPosition(ctx, { ...appt, status: "en_route" }, customer.id)).eta
      : null;
  const url =
    event.type === "appointment.link_sent" && typeof event.data.link_id === "string"
      ? await linkUrlById(ctx, event.data.link_id)
      : await visitLinkUrl(ctx, event.subject_id, event.id, customer.phone, appt?.endsAt);
  return {
    appointment: appt
      ? {
          startsAt: appt.startsAt,
          endsAt: appt.endsAt,
          timezone: appt.timezone,
          status: appt.status,
          window:
            appt.windowStartsAt && appt.windowEndsAt
              ? { startsAt: appt.windowStartsAt, endsAt: appt.windowEndsAt }
              : null,
        }
      : null,
    technician: tech ? displayName(tech.firstName, tech.lastName, tech.username) : null,
    eta,
    url,
  };
}
