import { and, eq, isNull, ne } from "drizzle-orm";
import { displayName } from "../../lib/names";
import { enqueueSms } from "../../lib/enqueue";
import { canTriage, findVisibleTicket, type TicketRow } from "../access";
import { appointmentLinks, appointments, customers, feedback, ticketAssignees, tickets, users } from "../../db/schema";
import type { CustomerLinkActor, UserContext, ServiceContext } from "../../lib/context";
import { sha256 } from "../../lib/hmac";
import { newId, nowIso, randomToken } from "../../lib/ids";
import { AppError } from "../../lib/problem";
import { consumeRateLimits } from "../../lib/rate-limit";

import { relationTo } from "../tickets";
import { changeTicket } from "../tickets";
import { book, candidateTechnicians, reschedule, ticketAvailability, type AppointmentRow } from "./appointments.service";
import { OPEN_FOR_BOOKING, customerMayReschedule, customerMayShareLocation } from "./appointments.workflow";
import { withSeconds } from "./slots";

// ---- sending a link (SCH-4) ----

export async function createLink(ctx: UserContext, ticketId: string) {
  const ticket = await findVisibleTicket(ctx, ticketId);
  const { relation } = await relationTo(ctx, ticket);
  if (!canTriage(relation) && !relation.assigned) throw new AppError("forbidden", "Only dispatch or the assigned technician may send a link.");
  if (["closed", "cancelled"].includes(ticket.status)) throw new AppError("invalid_transition", `The ticket is ${ticket.status}.`);
  const customer = ticket.customerId ? await ctx.db.query.customers.findFirst({ where: eq(customers.id, ticket.customerId) }) : undefined;
  // 256 random bits; only the hash is stored, so a database read does not yield working links.
  const token = randomToken(32);
  const now = new Date();
  const expiresAt = new Date(now.getTime() + ctx.settings.appointmentLinkTtlHours * 3600_000).toISOString();
  const url = `${ctx.settings.publicBaseUrl}/a/${token}`;
  await ctx.db.batch([
    // A new link replaces older ones for the ticket.
    ctx.db.update(appointmentLinks).set({ revokedAt: now.toISOString() }).where(and(eq(appointmentLinks.ticketId, ticketId), isNull(appointmentLinks.revokedAt))),
    ctx.db.insert(appointmentLinks).values({ id: newId("lnk"), ticketId, tokenHash: await sha256(token), expiresAt, createdBy: ctx.actor.userId, createdAt: now.toISOString() }),
  ]);
  if (customer?.phone) {
    await enqueueSms(ctx, { event: "appointment.link_sent", to: customer.phone, body: `truckroll: choose a time for your visit (${ticket.number}): ${url}` });
  }
  return { url, expires_at: expiresAt, sms_sent: Boolean(customer?.phone) };
}

// ---- resolving a token ----

/** The customer behind a link: they act on the link's ticket and nothing else. */
export interface LinkContext extends ServiceContext<CustomerLinkActor> {
  ticket: TicketRow;
  expiresAt: string;
}

/** Expired → 401 "Token expired. Renew token."; unknown or revoked → 400 "Invalid token." (the seed's messages). */
export async function resolveToken(ctx: ServiceContext, token: string): Promise<LinkContext> {
  const hash = await sha256(token);
  await consumeRateLimits(ctx, [
    { bucket: "link:token", subject: hash.slice(0, 32), limit: 60, windowSeconds: 60 },
    { bucket: "link:ip", subject: ctx.clientIp, limit: 300, windowSeconds: 60 },
  ]);
  const link = /^[A-Za-z0-9_-]{20,200}$/.test(token) ? await ctx.db.query.appointmentLinks.findFirst({ where: eq(appointmentLinks.tokenHash, hash) }) : undefined;
  if (!link || link.revokedAt) throw new AppError("invalid_link", "Invalid token.");
  if (link.expiresAt <= nowIso()) throw new AppError("token_expired", "Token expired. Renew token.");
  const ticket = await ctx.db.query.tickets.findFirst({ where: eq(tickets.id, link.ticketId) });
  if (!ticket) throw new AppError("invalid_link", "Invalid token.");
  return { ...ctx, actor: { kind: "customer_link", linkId: link.id, ticketId: ticket.id }, ticket, expiresAt: link.expiresAt };
}

async function liveAppointment(ctx: LinkContext): Promise<AppointmentRow | undefined> {
  return ctx.db.query.appointments.findFirst({ where: and(eq(appointments.ticketId, ctx.ticket.id), ne(appointments.status, "cancelled")) });
}

/** Voice, internet or other: from the kind and the words of the ticket (the seed's fallback rule). */
export function detectServiceType(ticket: Pick<TicketRow, "title" | "description">): "voice" | "internet" | "other" {
  const text = `${ticket.title} ${ticket.description}`.toLowerCase();
  if (/\b(voice|landline|phone line|dial tone|telephone)\b/.test(text)) return "voice";
  if (/\b(internet|data|fib(re|er)|wi-?fi|broadband|adsl|router|ont|speed)\b/.test(text)) return "internet";
  return "other";
}


export async function tokenContext(ctx: LinkContext) {
  const appt = await liveAppointment(ctx);
  const technicianId = appt?.technicianId ?? (await ctx.db.query.ticketAssignees.findFirst({ where: eq(ticketAssignees.ticketId, ctx.ticket.id) }))?.technicianId;
  const tech = technicianId ? await ctx.db.query.users.findFirst({ where: eq(users.id, technicianId) }) : undefined;
  const given = await ctx.db.select({ kind: feedback.kind }).from(feedback).where(eq(feedback.ticketId, ctx.ticket.id));
  const finished = ["resolved", "waiting_approval", "closed"].includes(ctx.ticket.status) || appt?.status === "completed";
  return {
    token_valid: true as const,
    expires_at: ctx.expiresAt,
    case_number: ctx.ticket.number,
    task_number: ctx.ticket.externalRef ?? ctx.ticket.number,
    reference_code: ctx.ticket.number,
    technician: tech ? { id: tech.id, username: tech.username, display_name: displayName(tech.firstName, tech.lastName, tech.username) } : null,
    service_type: detectServiceType(ctx.ticket),
    timezone: ctx.settings.timeZone,
    appointment_state: {
      scheduled_date: appt?.date ?? null,
      scheduled_time: appt ? withSeconds(appt.startTime) : null,
      estimated_duration_minutes: appt?.durationMinutes ?? ctx.ticket.estimatedMinutes ?? ctx.settings.defaultAppointmentMinutes,
      confirmed: appt?.confirmed ?? false,
      status: appt?.status ?? ("not_booked" as const),
    },
    allow_reschedule: customerMayReschedule(ctx.ticket.status, appt?.status),
    allow_location_update: customerMayShareLocation(appt?.status),
    allow_feedback: finished,
    feedback_submitted: { technician: given.some((g) => g.kind === "technician"), service: given.some((g) => g.kind === "service") },
  };
}

export async function linkAvailability(ctx: LinkContext, date: string) {
  const appt = await liveAppointment(ctx);
  const techIds = appt ? [appt.technicianId] : await candidateTechnicians(ctx, ctx.ticket);
  return ticketAvailability(ctx, ctx.ticket, techIds, date, appt?.durationMinutes);
}

/** The customer books: the assigned (or first free eligible) technician takes the slot. */
export async function linkSchedule(ctx: LinkContext, date: string, startTime: string) {
  if (!OPEN_FOR_BOOKING.includes(ctx.ticket.status)) throw new AppError("invalid_transition", "This visit can no longer be booked.");
  if (await liveAppointment(ctx)) throw new AppError("conflict", "A visit is already booked; reschedule it instead.");
  const candidates = await candidateTechnicians(ctx, ctx.ticket);
  if (!candidates.length) throw new AppError("slot_unavailable", "No technician is available for this visit yet.");
  let lastError: unknown;
  for (const technicianId of candidates) {
    try {
      await book(ctx, { ticket: ctx.ticket, technicianId, date, startTime });
      return tokenContext({ ...ctx, ticket: (await ctx.db.query.tickets.findFirst({ where: eq(tickets.id, ctx.ticket.id) }))! });
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== "slot_unavailable") throw err;
      lastError = err;
    }
  }
  throw lastError;
}

export async function linkReschedule(ctx: LinkContext, date: string, startTime: string) {
  const appt = await liveAppointment(ctx);
  if (!appt) throw new AppError("conflict", "Nothing is booked yet; schedule a visit first.");
  await reschedule(ctx, appt, date, startTime);
  return tokenContext(ctx);
}

export async function linkLocation(ctx: LinkContext, input: { lat: number; lng: number; address?: string }) {
  const appt = await liveAppointment(ctx);
  if (!appt || !customerMayShareLocation(appt.status)) throw new AppError("invalid_transition", "There is no upcoming visit to share a location for.");
  await changeTicket(ctx, {
    ticketId: ctx.ticket.id,
    statements: (guard) => [
      ctx.env.DB.prepare(`UPDATE appointments SET lat = ?, lng = ?, address = coalesce(?, address), updated_at = ? WHERE id = ? AND ${guard.sql}`).bind(input.lat, input.lng, input.address ?? null, nowIso(), appt.id, ...guard.params),
    ],
    history: [{ action: "location_shared", to: `${input.lat},${input.lng}`, comment: input.address ?? null }],
    events: [{ type: "appointment.location_shared", data: { appointment_id: appt.id, lat: input.lat, lng: input.lng } }],
  });
  return { message: "Location shared." };
}
