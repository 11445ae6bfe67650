import { and, eq, isNull, sql } from "drizzle-orm";
import { technicianProfiles, users } from "../../db/schema";
import type { UserContext } from "../../lib/context";
import { displayName } from "../../lib/names";
import { todayIn, zonedTimeToUtc } from "../../lib/time";
import { canTriage, findVisibleTicket, outsideReach } from "../access";
import { relationTo } from "../tickets";
import { AppError } from "../../lib/problem";
import { technicianHoursOf, withinHours, workingDay } from "./hours";
import { orderPool, poolFacts } from "./pool";
import { PASS_REASONS } from "./scheduling.schemas";
import { dayBounds } from "./slots";
import { slotVerdicts } from "./appointments.service";

export type PassReason = (typeof PASS_REASONS)[number];

const WORDS: Record<PassReason, string> = {
  inactive: "the account is not active",
  switched_unavailable: "switched unavailable",
  other_team: "in another team than the ticket's",
  skill_missing: "lacks a skill the ticket needs",
  out_of_area: "does not cover the ticket's area",
  on_time_off: "on approved time off then",
  not_working: "does not work then",
  full: "at the day's cap of visits",
  booked: "already booked (or a time held) then",
  too_far: "cannot travel there in time from the visit before or to the visit after",
  holdback: "the time left that day is kept for emergencies",
};

/**
 * DSP-5: every technician the caller may dispatch, with why each would or would not take the
 * ticket at a moment (a date, and a time when given): passed over for a reason named by code
 * (skill missing, out of area, on time off, not working, full …), or eligible with their place in
 * the pool rule's order and its reason. What a dispatcher reads to answer "why not Tumi?".
 */
export async function explainCandidates(
  ctx: UserContext,
  ticketId: string,
  query: { date?: string; start_time?: string; duration_minutes?: number },
) {
  const ticket = await findVisibleTicket(ctx, ticketId);
  const { relation } = await relationTo(ctx, ticket);
  if (!canTriage(relation)) throw new AppError("forbidden", "Only dispatch reads who could take a ticket.");
  const date = query.date ?? todayIn(ctx.settings.timeZone);
  const bounds = dayBounds(ctx.settings, date);
  const startsMs = query.start_time ? zonedTimeToUtc(date, query.start_time, ctx.settings.timeZone).getTime() : null;
  const endsMs =
    startsMs === null
      ? null
      : startsMs +
        (query.duration_minutes ?? ticket.estimatedMinutes ?? ctx.settings.defaultAppointmentMinutes) * 60_000;
  const at = new Date(startsMs ?? Date.now()).toISOString();
  const rows = await ctx.db
    .select({
      id: users.id,
      username: users.username,
      firstName: users.firstName,
      lastName: users.lastName,
      status: users.status,
      skills: technicianProfiles.skills,
      areas: technicianProfiles.serviceAreas,
      supervisorId: technicianProfiles.supervisorId,
      available: technicianProfiles.isAvailable,
      hours: technicianHoursOf(sql.raw('"users"."id"')),
      away: sql<number>`EXISTS (SELECT 1 FROM time_off o WHERE o.technician_id = "users"."id" AND o.status = 'approved'
        AND o.starts_at < ${startsMs === null ? new Date(bounds.toMs).toISOString() : new Date(endsMs ?? 0).toISOString()}
        AND o.ends_at > ${startsMs === null ? new Date(bounds.fromMs).toISOString() : at})`,
    })
    .from(users)
    .innerJoin(technicianProfiles, eq(technicianProfiles.userId, users.id))
    .where(and(eq(users.role, "technician"), isNull(users.deletedAt)))
    .orderBy(users.id)
    .limit(500);
  const outside = new Set(
    await outsideReach(
      ctx,
      rows.map((r) => r.id),
    ),
  );
  const inReach = rows.filter((r) => !outside.has(r.id));
  const passed = new Map<string, PassReason[]>();
  for (const r of inReach) {
    const reasons: PassReason[] = [];
    if (r.status !== "active") reasons.push("inactive");
    if (!r.available) reasons.push("switched_unavailable");
    if (ticket.teamSupervisorId && r.supervisorId !== ticket.teamSupervisorId) reasons.push("other_team");
    if (ticket.requiredSkills.some((s) => !r.skills.includes(s))) reasons.push("skill_missing");
    if (ticket.serviceArea && !r.areas.includes(ticket.serviceArea)) reasons.push("out_of_area");
    if (r.away) reasons.push("on_time_off");
    const day = workingDay(ctx.settings, r.hours, date, bounds);
    const works =
      startsMs !== null && endsMs !== null
        ? withinHours(day, startsMs, endsMs)
        : day.intervals === null || day.intervals.length > 0;
    if (!works) reasons.push("not_working");
    passed.set(r.id, reasons);
  }
  // At a given time: the same slot pass availability makes decides booked, travel and holdback.
  const duration = query.duration_minutes ?? ticket.estimatedMinutes ?? ctx.settings.defaultAppointmentMinutes;
  const free = inReach.filter((r) => !passed.get(r.id)?.length).map((r) => r.id);
  const verdicts = query.start_time
    ? await slotVerdicts(ctx, ticket, free, date, query.start_time, duration)
    : new Map<string, { why: string | null; detail: string | null }>();
  const details = new Map<string, string>();
  for (const id of free) {
    const verdict = verdicts.get(id);
    const code: PassReason | null =
      verdict?.why === "booked" || verdict?.why === "held"
        ? "booked"
        : verdict?.why === "travel"
          ? "too_far"
          : verdict?.why === "holdback"
            ? "holdback"
            : null;
    if (code) passed.get(id)?.push(code);
    if (code && verdict?.detail) details.set(id, verdict.detail);
  }
  const open = inReach.filter((r) => !passed.get(r.id)?.length).map((r) => r.id);
  const facts = await poolFacts(ctx, open, date, at);
  const order = orderPool(open, facts, ticket, ctx.settings.poolDailyCap, 0);
  for (const id of open) if (!order.some((o) => o.technicianId === id)) passed.get(id)?.push("full");
  const rank = new Map(order.map((o, i) => [o.technicianId, { rank: i + 1, reason: o.reason }]));
  return {
    ticket_id: ticket.id,
    date,
    start_time: query.start_time ?? null,
    candidates: inReach
      .map((r) => {
        const reasons = passed.get(r.id) ?? [];
        const chosen = rank.get(r.id);
        return {
          technician_id: r.id,
          display_name: displayName(r.firstName, r.lastName, r.username),
          eligible: reasons.length === 0,
          rank: chosen?.rank ?? null,
          passed_over: reasons,
          explanation: chosen
            ? `#${chosen.rank}: ${chosen.reason}`
            : `Passed over: ${reasons.map((c) => WORDS[c]).join("; ")}${details.has(r.id) ? ` (${details.get(r.id)})` : ""}`,
        };
      })
      .sort((a, b) => (a.rank ?? 1e9) - (b.rank ?? 1e9) || a.technician_id.localeCompare(b.technician_id)),
  };
}
