import { and, asc, desc, eq, gt, gte, isNull, ne, sql } from "drizzle-orm";
import { displayName } from "../../lib/names";
import { canTriage, type TicketRow } from "../access";
import {
  appointmentLinks,
  appointments,
  customers,
  feedback,
  slotHolds,
  technicianLocations,
  ticketAssignees,
  tickets,
  users,
  TICKET_STATUSES,
} from "../../db/schema";
import { actorUserId, type CustomerLinkActor, type UserContext, type ServiceContext } from "../../lib/context";
import { hmacSha256, sha256 } from "../../lib/hmac";
import { base64url, newId, nowIso } from "../../lib/ids";
import { AppError } from "../../lib/problem";
import { applyRateLimits, consumeRateLimits, rateLimitQueries } from "../../lib/rate-limit";
import { reads } from "../../lib/d1";

type RateQuery = ReturnType<typeof rateLimitQueries>[number];

import { seenTicket } from "../tickets";
import { changeTicket } from "../tickets";
import {
  book,
  bookingCheckColumns,
  candidateTechnicians,
  poolBook,
  reschedule,
  takeStep,
  ticketAvailability,
  type AppointmentRow,
  type BookingChecks,
} from "./appointments.service";
import {
  MOVABLE_STATUSES,
  OPEN_FOR_BOOKING,
  customerMayReschedule,
  customerMayShareLocation,
} from "./appointments.workflow";
import { positionOf } from "./eta";
import { bookHeld, placeHold } from "./holds";
import { addDays, todayIn } from "../../lib/time";
import { catalogue, type Language } from "../../locales/catalogue";
import { setCustomerLanguage } from "../customers";
import { withSeconds } from "./slots";
import { startsInWindow, windowAt, windowInstants, windowMinutesFor } from "./windows";

// ---- sending a link (SCH-4) ----

/**
 * A link's token is the HMAC of its id under the server's secret: only its hash is stored (a
 * database read yields no working link), yet the server can write the link into any later message
 * (reminder, "on the way") without keeping the token. 256 bits, base64url.
 */
async function linkToken(ctx: Pick<ServiceContext, "settings">, linkId: string): Promise<string> {
  const hex = await hmacSha256(ctx.settings.hmacSecret, `appointment-link:${linkId}`);
  const bytes = Uint8Array.from(hex.match(/../g)!, (h) => parseInt(h, 16));
  return base64url(bytes);
}

const linkUrl = (ctx: Pick<ServiceContext, "settings">, token: string) => `${ctx.settings.publicBaseUrl}/a/${token}`;

/** A new link for the ticket, replacing older ones, texted to `sendTo` by the `appointment.link_sent` event. */
async function issueLink(
  ctx: ServiceContext,
  ticketId: string,
  sendTo: string | null,
  history: string,
  between?: { from: string; to: string },
) {
  const id = newId("lnk");
  const token = await linkToken(ctx, id);
  const now = nowIso();
  const expiresAt = new Date(Date.now() + ctx.settings.appointmentLinkTtlHours * 3600_000).toISOString();
  await changeTicket(ctx, {
    ticketId,
    expectStatus: OPEN_TICKET_STATUSES,
    rows: [
      {
        table: appointmentLinks,
        row: {
          id,
          ticket_id: ticketId,
          token_hash: await sha256(token),
          expires_at: expiresAt,
          created_by: actorUserId(ctx.actor) ?? "customer",
          sent_to: sendTo,
          earliest_date: between?.from ?? null,
          latest_date: between?.to ?? null,
          created_at: now,
        },
      },
    ],
    // A new link replaces older ones for the ticket.
    statements: (guard) => [
      ctx.env.DB.prepare(
        `UPDATE appointment_links SET revoked_at = ? WHERE ticket_id = ? AND id <> ? AND revoked_at IS NULL AND ${guard.sql}`,
      ).bind(now, ticketId, id, ...guard.params),
    ],
    history: [{ action: history, to: expiresAt }],
    events: [{ type: "appointment.link_sent", data: { link_id: id, expires_at: expiresAt, sent_to: sendTo } }],
    conflict: "The ticket changed meanwhile; try again.",
  });
  return { url: linkUrl(ctx, token), expires_at: expiresAt };
}

/** Tickets a link may still be issued for: any but closed or cancelled. */
const OPEN_TICKET_STATUSES: readonly string[] = TICKET_STATUSES.filter((s) => s !== "closed" && s !== "cancelled");

export async function createLink(ctx: UserContext, ticketId: string) {
  // The ticket as the caller sees it, with its people, and its customer, in one batch.
  const {
    ticket,
    people: { relation },
    also: [customer],
  } = await seenTicket(
    ctx,
    ticketId,
    reads(
      ctx.db
        .select()
        .from(customers)
        .where(eq(customers.id, sql`(SELECT t.customer_id FROM tickets t WHERE t.id = ${ticketId})`))
        .limit(1),
    ),
  );
  if (!canTriage(relation) && !relation.assigned)
    throw new AppError("forbidden", "Only dispatch or the assigned technician may send a link.");
  if (!OPEN_TICKET_STATUSES.includes(ticket.status))
    throw new AppError("invalid_transition", `The ticket is ${ticket.status}.`);
  const smsTo = customer?.phone && customer.messageChannels.includes("sms") ? customer.phone : null;
  const link = await issueLink(ctx, ticketId, smsTo, "appointment_link_sent");
  return { ...link, sms_sent: Boolean(smsTo) };
}

/**
 * PM-1: a visit raised by a maintenance plan is texted to the customer as a link to book its exact
 * time, on a day between `between.from` and `between.to` (the occurrence's window). As the system.
 */
export async function sendPlannedVisitLink(
  ctx: ServiceContext,
  ticketId: string,
  between: { from: string; to: string },
) {
  const ticket = await ctx.db.query.tickets.findFirst({ where: eq(tickets.id, ticketId) });
  if (!ticket || !OPEN_TICKET_STATUSES.includes(ticket.status)) return { sent: false };
  const customer = ticket.customerId
    ? await ctx.db.query.customers.findFirst({ where: eq(customers.id, ticket.customerId) })
    : undefined;
  const smsTo = customer?.phone && customer.messageChannels.includes("sms") ? customer.phone : null;
  await issueLink(ctx, ticketId, smsTo, "appointment_link_sent", between);
  return { sent: Boolean(smsTo) };
}

/**
 * The link a customer message carries: the ticket's newest live link when it outlives the visit
 * by a day, else a new one (its id derives from `key`, the event being told, so a redelivered
 * event makes no second link). Older links keep working.
 */
export async function visitLinkUrl(
  ctx: ServiceContext,
  ticketId: string,
  key: string,
  sendTo: string | null,
  visitEndsAt?: string,
): Promise<string> {
  const needUntil = new Date(
    Math.max(Date.now(), visitEndsAt ? Date.parse(visitEndsAt) : 0) + 24 * 3600_000,
  ).toISOString();
  const live = await ctx.db.query.appointmentLinks.findFirst({
    where: and(
      eq(appointmentLinks.ticketId, ticketId),
      isNull(appointmentLinks.revokedAt),
      gt(appointmentLinks.expiresAt, needUntil),
    ),
    orderBy: desc(appointmentLinks.expiresAt),
  });
  if (live) {
    // A link made elsewhere with a random token (not derived from its id) cannot be written again: make a new one.
    const token = await linkToken(ctx, live.id);
    if ((await sha256(token)) === live.tokenHash) return linkUrl(ctx, token);
  }
  const id = `lnk_${(await sha256(`visit-link:${key}`)).slice(0, 20)}`;
  const token = await linkToken(ctx, id);
  const expiresAt = new Date(Date.parse(needUntil) + ctx.settings.appointmentLinkTtlHours * 3600_000).toISOString();
  await ctx.db
    .insert(appointmentLinks)
    .values({
      id,
      ticketId,
      tokenHash: await sha256(token),
      expiresAt,
      createdBy: "system",
      sentTo: sendTo,
      createdAt: nowIso(),
    })
    .onConflictDoNothing();
  return linkUrl(ctx, token);
}

/** The URL of a link by id (for the message that announces it). */
export async function linkUrlById(ctx: Pick<ServiceContext, "settings">, linkId: string): Promise<string> {
  return linkUrl(ctx, await linkToken(ctx, linkId));
}

// ---- resolving a token ----

/** The customer behind a link: they act on the link's ticket and nothing else. */
export interface LinkContext extends ServiceContext<CustomerLinkActor> {
  ticket: TicketRow;
  expiresAt: string;
  /** The days the link books between, when it was sent for a planned visit's window. */
  between: { from: string | null; to: string | null };
  /** Read with the link (as the request began): the ticket's live visit, its technicians, the link's held time. */
  live: AppointmentRow | undefined;
  assigneeIds: string[];
  held: typeof slotHolds.$inferSelect | undefined;
  /** With `bookingDate`: the booking checks for the ticket's first technician on that day, read with the link. */
  firstTechnicianChecks: BookingChecks | undefined;
  checksDate: string | undefined;
}

/** Expired → 401 "Token expired. Renew token."; unknown or revoked → 400 "Invalid token." (the seed's messages). */
export async function resolveToken(
  ctx: ServiceContext,
  token: string,
  options: { bookingDate?: string } = {},
): Promise<LinkContext> {
  const hash = await sha256(token);
  const rules = [
    { bucket: "link:token", subject: hash.slice(0, 32), limit: 60, windowSeconds: 60 },
    { bucket: "link:ip", subject: ctx.clientIp, limit: 300, windowSeconds: 60 },
  ];
  // One round trip: the throttle's counts, the link, its ticket, the ticket's live visit and
  // technicians, and the link's held time (all found by the token's hash).
  const nowMs = Date.now();
  const wellFormed = /^[A-Za-z0-9_-]{20,200}$/.test(token);
  const byHash = eq(appointmentLinks.tokenHash, wellFormed ? hash : "");
  const linkTicket = sql`(SELECT l.ticket_id FROM appointment_links l WHERE l.token_hash = ${wellFormed ? hash : ""})`;
  const firstTechnician = sql`(SELECT ta.technician_id FROM ticket_assignees ta WHERE ta.ticket_id = ${linkTicket} ORDER BY ta.rowid LIMIT 1)`;
  const [tokenCount, ipCount, links, ticketRows, liveRows, assigneeRows, heldRows, checkRows] = await ctx.db.batch([
    ...(rateLimitQueries(ctx, rules, nowMs) as [RateQuery, RateQuery]),
    ctx.db
      .select()
      .from(appointmentLinks)
      .where(eq(appointmentLinks.tokenHash, wellFormed ? hash : ""))
      .limit(1),
    ctx.db
      .select({ ticket: tickets })
      .from(tickets)
      .innerJoin(appointmentLinks, eq(appointmentLinks.ticketId, tickets.id))
      .where(byHash)
      .limit(1),
    ctx.db
      .select({ appointment: appointments })
      .from(appointments)
      .innerJoin(appointmentLinks, eq(appointmentLinks.ticketId, appointments.ticketId))
      .where(and(byHash, ne(appointments.status, "cancelled")))
      .orderBy(desc(appointments.createdAt))
      .limit(1),
    ctx.db
      .select({ technicianId: ticketAssignees.technicianId })
      .from(ticketAssignees)
      .innerJoin(appointmentLinks, eq(appointmentLinks.ticketId, ticketAssignees.ticketId))
      .where(byHash)
      .orderBy(sql`${ticketAssignees}.rowid`),
    ctx.db
      .select({ hold: slotHolds })
      .from(slotHolds)
      .innerJoin(appointmentLinks, eq(appointmentLinks.id, slotHolds.linkId))
      .where(and(byHash, eq(slotHolds.status, "held")))
      .limit(1),
    // A booking's checks for the ticket's first technician, when the day is known (saves the booking a round trip).
    ctx.db
      .select(bookingCheckColumns(linkTicket, firstTechnician, options.bookingDate ?? "0000-00-00"))
      .from(sql`(SELECT 1)`)
      .where(options.bookingDate ? sql`1` : sql`0`),
  ]);
  applyRateLimits(ctx, rules, [tokenCount[0], ipCount[0]], nowMs);
  const link = links[0];
  // Revoked while valid (replaced by a newer link) → invalid; past its expiry → expired (renewable), unless a newer link replaced it since.
  if (!link || (link.revokedAt && link.revokedAt < link.expiresAt))
    throw new AppError("invalid_link", "Invalid token.");
  if (link.expiresAt <= nowIso()) {
    if (await newerLinkExists(ctx, link)) throw new AppError("invalid_link", "Invalid token.");
    throw new AppError("token_expired", "Token expired. Renew token.");
  }
  const ticket = ticketRows[0]?.ticket;
  if (!ticket) throw new AppError("invalid_link", "Invalid token.");
  return {
    ...ctx,
    actor: { kind: "customer_link", linkId: link.id, ticketId: ticket.id },
    ticket,
    expiresAt: link.expiresAt,
    between: { from: link.earliestDate, to: link.latestDate },
    live: liveRows[0]?.appointment,
    assigneeIds: assigneeRows.map((a) => a.technicianId),
    held: heldRows[0]?.hold,
    firstTechnicianChecks: checkRows[0],
    checksDate: options.bookingDate,
  };
}

/** The first and last local dates the link may book: today (or the window's start) to the horizon (or the window's end). */
function bookableDates(ctx: LinkContext) {
  const today = todayIn(ctx.settings.timeZone);
  const horizon = addDays(today, ctx.settings.maxDaysAhead);
  const { from, to } = ctx.between;
  return { first: from && from > today ? from : today, last: to && to < horizon ? to : horizon };
}

/** A day outside the link's window is refused, naming the window. */
function assertBookableDay(ctx: LinkContext, date: string) {
  if (!ctx.between.from && !ctx.between.to) return;
  const { first, last } = bookableDates(ctx);
  if (date < first || date > last)
    throw new AppError("validation_failed", `Pick a day from ${first} to ${last}.`, {
      errors: [{ path: "date", message: `From ${first} to ${last}` }],
    });
}

async function newerLinkExists(ctx: ServiceContext, link: { ticketId: string; createdAt: string; id: string }) {
  const newer = await ctx.db.query.appointmentLinks.findFirst({
    where: and(
      eq(appointmentLinks.ticketId, link.ticketId),
      gt(appointmentLinks.createdAt, link.createdAt),
      ne(appointmentLinks.id, link.id),
    ),
    columns: { id: true },
  });
  return Boolean(newer);
}

/** Voice, internet or other: from the kind and the words of the ticket (the seed's fallback rule). */
export function detectServiceType(ticket: Pick<TicketRow, "title" | "description">): "voice" | "internet" | "other" {
  const text = `${ticket.title} ${ticket.description}`.toLowerCase();
  if (/\b(voice|landline|phone line|dial tone|telephone)\b/.test(text)) return "voice";
  if (/\b(internet|data|fib(re|er)|wi-?fi|broadband|adsl|router|ont|speed)\b/.test(text)) return "internet";
  return "other";
}

/** The visit the page shows: the live one, else the latest (a cancelled visit stays visible until another is booked). */
async function shownAppointment(ctx: LinkContext): Promise<AppointmentRow | undefined> {
  return ctx.db.query.appointments.findFirst({
    where: eq(appointments.ticketId, ctx.ticket.id),
    orderBy: (a, { asc, desc }) => [asc(sql`${a.status} = 'cancelled'`), desc(a.createdAt)],
  });
}

/** Until when the customer may cancel online: CUSTOMER_CANCEL_MIN_HOURS before the visit, and only before anyone set out. */
function cancelDeadline(ctx: ServiceContext, appt: AppointmentRow | undefined): string | null {
  if (!appt || !MOVABLE_STATUSES.includes(appt.status)) return null;
  return new Date(Date.parse(appt.startsAt) - ctx.settings.customerCancelMinHours * 3600_000).toISOString();
}

/**
 * What the link lets the customer do now: the context answers these flags and every action checks
 * the same one on the server, so nothing the page would not offer can be done by calling the API.
 */
function linkAllows(ctx: LinkContext, live: AppointmentRow | undefined) {
  const open = OPEN_FOR_BOOKING.includes(ctx.ticket.status);
  const cancelUntil = open ? cancelDeadline(ctx, live) : null;
  return {
    schedule: open && !live,
    reschedule: customerMayReschedule(ctx.ticket.status, live?.status),
    location: open && customerMayShareLocation(live?.status),
    cancel: cancelUntil !== null && cancelUntil > nowIso(),
    cancelUntil,
  };
}

export async function tokenContext(ctx: LinkContext) {
  return (await contextAndLanguage(ctx)).context;
}

/** The link's context, and the language on the customer's record (null when none is chosen). */
async function contextAndLanguage(linkCtx: LinkContext) {
  // One round trip: the ticket as it is now (an action may just have changed it), the visit shown,
  // its technician (else the ticket's first), feedback given, the customer's language and address
  // point, and the technician's latest position while en route.
  const ticketId = linkCtx.ticket.id;
  const technicianId = sql`coalesce(
    (SELECT a.technician_id FROM appointments a WHERE a.ticket_id = ${ticketId} AND a.status != 'cancelled' ORDER BY a.created_at DESC LIMIT 1),
    (SELECT ta.technician_id FROM ticket_assignees ta WHERE ta.ticket_id = ${ticketId} LIMIT 1))`;
  const enRoute = sql`(SELECT a.technician_id FROM appointments a WHERE a.ticket_id = ${ticketId} AND a.status = 'en_route' ORDER BY a.created_at DESC LIMIT 1)`;
  const since = new Date(Date.now() - linkCtx.settings.etaLocationMaxAgeMinutes * 60_000).toISOString();
  const db = linkCtx.db;
  const [ticketRows, shownRows, techRows, given, customer, located] = await db.batch([
    db.select().from(tickets).where(eq(tickets.id, ticketId)).limit(1),
    db
      .select()
      .from(appointments)
      .where(eq(appointments.ticketId, ticketId))
      .orderBy(asc(sql`${appointments.status} = 'cancelled'`), desc(appointments.createdAt))
      .limit(1),
    db.select().from(users).where(eq(users.id, technicianId)).limit(1),
    db.select({ kind: feedback.kind }).from(feedback).where(eq(feedback.ticketId, ticketId)),
    db
      .select({ language: customers.language, lat: customers.lat, lng: customers.lng })
      .from(customers)
      .where(eq(customers.id, linkCtx.ticket.customerId ?? "")),
    db
      .select()
      .from(technicianLocations)
      .where(and(eq(technicianLocations.technicianId, enRoute), gte(technicianLocations.reportedAt, since)))
      .orderBy(desc(technicianLocations.reportedAt))
      .limit(1),
  ]);
  const ctx: LinkContext = { ...linkCtx, ticket: ticketRows[0] ?? linkCtx.ticket };
  const shown = shownRows[0];
  const live = shown && shown.status !== "cancelled" ? shown : undefined;
  const tech = techRows[0];
  const whereabouts =
    live?.status === "en_route"
      ? positionOf(ctx.settings, live, located[0], customer[0])
      : { eta: null, position: null };
  const finished =
    ["resolved", "waiting_approval", "closed"].includes(ctx.ticket.status) || live?.status === "completed";
  const allows = linkAllows(ctx, live);
  const serviceType = ctx.ticket.serviceCategory ?? detectServiceType(ctx.ticket);
  const customerLanguage = customer[0]?.language ?? null;
  const language = customerLanguage ?? ctx.settings.language;
  const context = {
    token_valid: true as const,
    expires_at: ctx.expiresAt,
    case_number: ctx.ticket.number,
    task_number: ctx.ticket.externalRef ?? ctx.ticket.number,
    reference_code: ctx.ticket.number,
    technician: tech
      ? {
          id: tech.id,
          username: tech.username,
          display_name: displayName(tech.firstName, tech.lastName, tech.username),
        }
      : null,
    service_type: serviceType,
    service_name: catalogue(language).services[serviceType],
    timezone: ctx.settings.timeZone,
    first_bookable_date: bookableDates(ctx).first,
    last_bookable_date: bookableDates(ctx).last,
    language,
    company: { name: ctx.settings.companyName, phone: ctx.settings.companyPhone || null },
    appointment_state: {
      scheduled_date: shown?.date ?? null,
      scheduled_time: shown ? withSeconds(shown.startTime) : null,
      starts_at: shown?.startsAt ?? null,
      ends_at: shown?.endsAt ?? null,
      estimated_duration_minutes:
        shown?.durationMinutes ?? ctx.ticket.estimatedMinutes ?? ctx.settings.defaultAppointmentMinutes,
      arrival_window:
        shown?.windowStartsAt && shown.windowEndsAt
          ? {
              start_time: `${localClock(shown.windowStartsAt, shown.timezone)}:00`,
              end_time: `${localClock(shown.windowEndsAt, shown.timezone)}:00`,
              starts_at: shown.windowStartsAt,
              ends_at: shown.windowEndsAt,
            }
          : null,
      confirmed: live?.confirmed ?? false,
      status: shown?.status ?? ("not_booked" as const),
    },
    eta: whereabouts.eta,
    technician_position: whereabouts.position,
    allow_reschedule: allows.reschedule,
    allow_location_update: allows.location,
    allow_cancel: allows.cancel,
    cancel_until: allows.cancelUntil,
    allow_feedback: finished,
    feedback_submitted: {
      technician: given.some((g) => g.kind === "technician"),
      service: given.some((g) => g.kind === "service"),
    },
  };
  return { context, customerLanguage };
}

/**
 * What the visit page needs for its first paint, so the server sends it inside the page and the
 * page draws without calling the API first: the context, the language on the customer's record,
 * and the day of slots the page opens on. A link that does not work answers its problem instead.
 */
export async function visitPageData(ctx: ServiceContext, token: string) {
  try {
    const link = await resolveToken(ctx, token);
    const { context, customerLanguage } = await contextAndLanguage(link);
    let first: { date: string; day: Awaited<ReturnType<typeof linkAvailability>> } | null = null;
    if (context.allow_reschedule) {
      const booked = context.appointment_state.scheduled_date;
      const date = booked && booked >= context.first_bookable_date ? booked : context.first_bookable_date;
      first = await linkAvailability(link, date).then(
        (day) => ({ date, day }),
        () => null, // the page asks for it itself
      );
    }
    return { context, customerLanguage, first, problem: null };
  } catch (err) {
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    return {
      context: null,
      customerLanguage: null,
      first: null,
      problem: { code: err.code, status: err.status, detail: err.message },
    };
  }
}

/** The customer picks the page's language: it is kept on their record, so their texts follow it too. */
export async function linkSetLanguage(ctx: LinkContext, language: Language) {
  if (ctx.ticket.customerId) await setCustomerLanguage(ctx, ctx.ticket.customerId, language);
  return tokenContext(ctx);
}

/** The customer cancels their own visit: before anyone set out and CUSTOMER_CANCEL_MIN_HOURS ahead. */
export async function linkCancel(ctx: LinkContext) {
  const appt = ctx.live;
  if (!appt) throw new AppError("invalid_transition", "There is no booked visit to cancel.");
  if (!OPEN_FOR_BOOKING.includes(ctx.ticket.status))
    throw new AppError("invalid_transition", "This visit can no longer be changed online; please call us.");
  const deadline = cancelDeadline(ctx, appt);
  if (!deadline)
    throw new AppError("invalid_transition", "The technician is already on the way; please call us to cancel.");
  if (deadline <= nowIso()) {
    throw new AppError(
      "invalid_transition",
      `Visits can be cancelled online until ${ctx.settings.customerCancelMinHours} hours before they start; please call us.`,
    );
  }
  await takeStep(ctx, appt, "cancel", "Cancelled by the customer on their link");
  return tokenContext(ctx);
}

/**
 * "Send me a new link" from an expired link: a new link goes to the phone the expired one was
 * sent to, when the ticket is still open. The answer is the same whatever the token, so it tells
 * nobody whether a link, a ticket or a phone number exists; throttled per link and per address.
 */
export async function renewLink(ctx: ServiceContext, token: string) {
  const hash = await sha256(token);
  await consumeRateLimits(ctx, [
    { bucket: "link-renew:token", subject: hash.slice(0, 32), limit: 3, windowSeconds: 3600 },
    { bucket: "link-renew:ip", subject: ctx.clientIp, limit: 20, windowSeconds: 3600 },
  ]);
  // Malformed text was never a link (that reveals nothing); any well-formed token gets the same answer.
  if (!/^[A-Za-z0-9_-]{20,200}$/.test(token)) throw new AppError("invalid_link", "Invalid token.");
  const answer = { message: "If this link can be renewed, a new one is on its way to the phone it was sent to." };
  const link = await ctx.db.query.appointmentLinks.findFirst({ where: eq(appointmentLinks.tokenHash, hash) });
  // Expired (the expiry sweep stamps revoked_at at or after the expiry; an earlier stamp means it was replaced while valid).
  const expired = link && link.expiresAt <= nowIso() && (!link.revokedAt || link.revokedAt >= link.expiresAt);
  if (!link || !expired || !link.sentTo) return answer;
  const ticket = await ctx.db.query.tickets.findFirst({ where: eq(tickets.id, link.ticketId) });
  if (!ticket || !OPEN_TICKET_STATUSES.includes(ticket.status)) return answer;
  if (await newerLinkExists(ctx, link)) return answer; // a newer link was sent already; that one is the customer's way in
  await issueLink(
    { ...ctx, actor: { kind: "customer_link", linkId: link.id, ticketId: ticket.id } },
    ticket.id,
    link.sentTo,
    "appointment_link_renewed",
  );
  return answer;
}

export async function linkAvailability(ctx: LinkContext, date: string) {
  assertBookableDay(ctx, date);
  const appt = ctx.live;
  const candidates = appt
    ? { ids: [appt.technicianId], pool: false }
    : ctx.assigneeIds.length
      ? { ids: ctx.assigneeIds, pool: false }
      : await candidateTechnicians(ctx, ctx.ticket);
  return ticketAvailability(ctx, ctx.ticket, candidates, date, appt?.durationMinutes);
}

/** 08:00 in a zone, for a window's bounds. */
const localClock = (iso: string, timeZone: string) =>
  new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(
    new Date(iso),
  );

type ArrivalWindowInstants = ReturnType<typeof windowInstants>;

/**
 * With arrival windows on for the ticket's kind, the customer names a window by its start: the
 * window, and the exact open times inside it to try (earliest first). Null: exact times.
 */
async function windowChoice(ctx: LinkContext, date: string, startTime: string) {
  const minutes = windowMinutesFor(ctx.settings, ctx.ticket.kind);
  if (!minutes) return null;
  const window = windowAt(ctx.settings, minutes, startTime.slice(0, 5));
  const day = await linkAvailability(ctx, date);
  const starts = startsInWindow(day.slots, window);
  if (!starts.length) throw new AppError("slot_unavailable", "That arrival window has just filled up; pick another.");
  return { window, instants: windowInstants(ctx.settings, date, window), starts };
}

/** Tries each exact time in turn until one lands; a taken time moves on to the next. */
async function firstThatLands<T>(starts: string[], attempt: (start: string) => Promise<T>): Promise<T> {
  let lastError: unknown;
  for (const start of starts) {
    try {
      return await attempt(start);
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== "slot_unavailable") throw err;
      lastError = err;
    }
  }
  throw lastError;
}

/**
 * The customer books: the assigned (or first free eligible) technician takes the slot. With arrival
 * windows, the customer names a window and the earliest exact time in it that anyone can take is booked.
 */
export async function linkSchedule(ctx: LinkContext, date: string, startTime: string) {
  assertBookableDay(ctx, date);
  if (!OPEN_FOR_BOOKING.includes(ctx.ticket.status))
    throw new AppError("invalid_transition", "This visit can no longer be booked.");
  if (ctx.live) throw new AppError("conflict", "A visit is already booked; reschedule it instead.");
  // The ticket's technicians and the link's held time came with the link.
  const held = ctx.held;
  const assigned = ctx.assigneeIds;
  // The context re-reads the ticket with everything else, so the answer shows the booking.
  const refreshed = () => tokenContext(ctx);
  const choice = await windowChoice(ctx, date, startTime);
  // The time the customer holds (or a time they hold inside the window they chose): the hold gives way to the booking.
  const heldHere =
    held &&
    held.date === date &&
    (choice
      ? held.startTime >= choice.window.from && held.startTime < choice.window.to
      : held.startTime === startTime.slice(0, 5));
  if (heldHere) {
    await bookHeld(ctx, ctx.ticket, held.id, choice?.instants);
    return refreshed();
  }
  const bookAt = async (start: string, arrivalWindow?: ArrivalWindowInstants) => {
    // Nobody holds the ticket yet: the pool rule picks who comes, and the ticket is theirs with the booking.
    if (!assigned.length) return poolBook(ctx, ctx.ticket, date, start, undefined, arrivalWindow);
    return firstThatLands(assigned, (technicianId) =>
      book(ctx, {
        ticket: ctx.ticket,
        technicianId,
        date,
        startTime: start,
        arrivalWindow,
        // Read with the link for this day and this technician (the first one).
        checks: technicianId === assigned[0] && date === ctx.checksDate ? ctx.firstTechnicianChecks : undefined,
      }),
    );
  };
  if (choice) await firstThatLands(choice.starts, (start) => bookAt(start, choice.instants));
  else await bookAt(startTime);
  return refreshed();
}

/** The customer keeps a time (with arrival windows: the earliest open time in the window) while they confirm it (one held time per link; a new one lets the last go). */
export async function linkHold(ctx: LinkContext, date: string, startTime: string) {
  assertBookableDay(ctx, date);
  if (!OPEN_FOR_BOOKING.includes(ctx.ticket.status))
    throw new AppError("invalid_transition", "This visit can no longer be booked.");
  if (ctx.live) throw new AppError("conflict", "A visit is already booked; reschedule it instead.");
  const choice = await windowChoice(ctx, date, startTime);
  // The link's last hold and the ticket's technicians came with the link.
  const known = { previous: ctx.held, assigneeIds: ctx.assigneeIds };
  if (!choice) return placeHold(ctx, ctx.ticket, { date, startTime }, ctx.actor.linkId, known);
  let released = false;
  return firstThatLands(choice.starts, (start) => {
    // The last hold is let go once, by the first try.
    const attempt = placeHold(ctx, ctx.ticket, { date, startTime: start }, ctx.actor.linkId, {
      ...known,
      previous: released ? undefined : known.previous,
    });
    released = true;
    return attempt;
  });
}

export async function linkReschedule(ctx: LinkContext, date: string, startTime: string) {
  assertBookableDay(ctx, date);
  const appt = ctx.live;
  if (!appt) throw new AppError("conflict", "Nothing is booked yet; schedule a visit first.");
  if (!linkAllows(ctx, appt).reschedule)
    throw new AppError("invalid_transition", "This visit can no longer be moved online; please call us.");
  const choice = await windowChoice(ctx, date, startTime);
  if (choice)
    await firstThatLands(choice.starts, (start) =>
      reschedule(ctx, appt, date, start, { arrivalWindow: choice.instants }),
    );
  else await reschedule(ctx, appt, date, startTime);
  return tokenContext(ctx);
}

export async function linkLocation(ctx: LinkContext, input: { lat: number; lng: number; address?: string }) {
  const appt = ctx.live;
  if (!appt || !linkAllows(ctx, appt).location)
    throw new AppError("invalid_transition", "There is no upcoming visit to share a location for.");
  await changeTicket(ctx, {
    ticketId: ctx.ticket.id,
    statements: (guard) => [
      ctx.env.DB.prepare(
        `UPDATE appointments SET lat = ?, lng = ?, address = coalesce(?, address), updated_at = ? WHERE id = ? AND ${guard.sql}`,
      ).bind(input.lat, input.lng, input.address ?? null, nowIso(), appt.id, ...guard.params),
    ],
    history: [{ action: "location_shared", to: `${input.lat},${input.lng}`, comment: input.address ?? null }],
    events: [
      { type: "appointment.location_shared", data: { appointment_id: appt.id, lat: input.lat, lng: input.lng } },
    ],
    changed: [{ table: appointments, id: appt.id, of: appt.ticketId }],
  });
  return { message: "Location shared." };
}
