import type { SlaPauseReason, SlaTargets, TicketKind, TicketPriority } from "../../db/schema";
import type { Settings } from "../../lib/env";
import { newId } from "../../lib/ids";
import { ALWAYS_OPEN, addWorkingMinutes, type WorkingCalendar, workingMinutesBetween } from "../../lib/working-time";

/**
 * The SLA clock (WO-6, TIME-2). A ticket's targets are working minutes on a calendar (24×7 unless a
 * policy names one). The clock keeps what it has used: `sla_used_minutes` before the running
 * stretch that began at `sla_clock_from`; pausing (on hold, waiting for the customer or parts)
 * banks the stretch and stops the clock, finishing the work does too. A due time is always "the
 * instant the unused part of the target runs out from the start of this stretch", so a new
 * calendar or policy moves due times but never gives back time already used.
 */

export interface SlaPolicy {
  id: string;
  kinds: TicketKind[] | null;
  serviceCategory: string | null;
  customerId: string | null;
  calendarId: string | null;
  targets: SlaTargets;
  warningPercent: number;
  enabled: boolean;
  createdAt: string;
}

/** What a clock is computed from: the enabled policies, the calendars they name, and the configuration's revision. */
export interface SlaBasis {
  revision: number;
  policies: SlaPolicy[];
  calendars: Map<string, WorkingCalendar>;
}

export interface ClockPlan {
  policyId: string | null;
  calendarId: string | null;
  calendar: WorkingCalendar;
  responseMinutes: number;
  resolutionMinutes: number;
  warningPercent: number;
}

interface Matchable {
  priority: TicketPriority;
  kind: TicketKind;
  serviceCategory: string | null;
  customerId: string | null;
}

/** A policy covers a ticket when it has targets for its priority and every criterion it names matches. */
function covers(p: SlaPolicy, t: Matchable): boolean {
  return (
    p.enabled &&
    Boolean(p.targets[t.priority]) &&
    (!p.kinds?.length || p.kinds.includes(t.kind)) &&
    (!p.serviceCategory || p.serviceCategory === t.serviceCategory) &&
    (!p.customerId || p.customerId === t.customerId)
  );
}

const specificity = (p: SlaPolicy) => (p.customerId ? 4 : 0) + (p.serviceCategory ? 2 : 0) + (p.kinds?.length ? 1 : 0);

/** The most specific covering policy (customer, then service category, then kind); the oldest wins a tie. */
export function pickPolicy(policies: SlaPolicy[], t: Matchable): SlaPolicy | null {
  let best: SlaPolicy | null = null;
  for (const p of policies) {
    if (!covers(p, t)) continue;
    if (
      !best ||
      specificity(p) > specificity(best) ||
      (specificity(p) === specificity(best) && p.createdAt < best.createdAt)
    )
      best = p;
  }
  return best;
}

/** The targets and calendar a ticket's clock runs on; without a covering policy, the settings' minutes on 24×7. */
export function planFor(settings: Settings, basis: SlaBasis, t: Matchable): ClockPlan {
  const policy = pickPolicy(basis.policies, t);
  const targets = policy?.targets[t.priority];
  if (!policy || !targets)
    return {
      policyId: null,
      calendarId: null,
      calendar: ALWAYS_OPEN,
      responseMinutes: settings.slaResponseMinutes[t.priority],
      resolutionMinutes: settings.slaResolutionMinutes[t.priority],
      warningPercent: settings.slaWarningPercent,
    };
  const calendar = policy.calendarId ? basis.calendars.get(policy.calendarId) : undefined;
  return {
    policyId: policy.id,
    calendarId: calendar ? policy.calendarId : null,
    calendar: calendar ?? ALWAYS_OPEN,
    responseMinutes: targets.response_minutes,
    resolutionMinutes: targets.resolution_minutes,
    warningPercent: policy.warningPercent,
  };
}

const MINUTE = 60_000;
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Working minutes between two instants; 24×7 by plain arithmetic (no day walk, however long the stretch). */
export function usedBetween(calendar: WorkingCalendar, from: number, to: number): number {
  if (calendar === ALWAYS_OPEN) return Math.max(0, to - from) / MINUTE;
  return workingMinutesBetween(calendar, from, to);
}

/** The instant `minutes` working minutes after `from`; null when the calendar never opens. */
export function after(calendar: WorkingCalendar, from: number, minutes: number): number | null {
  if (calendar === ALWAYS_OPEN) return from + Math.max(0, minutes) * MINUTE;
  return addWorkingMinutes(calendar, from, minutes);
}

export type DueColumns = Partial<
  Record<"response_due_at" | "resolution_due_at" | "response_warning_at" | "resolution_warning_at", string | null>
>;

export interface ClockTargets {
  responseMinutes: number | null;
  resolutionMinutes: number | null;
  warningPercent: number;
  calendar: WorkingCalendar;
}

/**
 * Due and warning times of the targets not yet met, for a clock running from `from` with `used`
 * minutes already spent. A target already used up is due at `from` (the breach check flags it on
 * its next run); a warning already passed fires at `from` unless it was given.
 */
export function dueColumns(
  clock: ClockTargets,
  used: number,
  from: number,
  met: { responded: boolean; resolved: boolean },
): DueColumns {
  const out: Record<string, string | null> = {};
  const target = (name: "response" | "resolution", minutes: number | null) => {
    if (minutes === null) return;
    const due = after(clock.calendar, from, minutes - used);
    const warning =
      clock.warningPercent >= 100 ? null : after(clock.calendar, from, (minutes * clock.warningPercent) / 100 - used);
    out[`${name}_due_at`] = iso(due);
    out[`${name}_warning_at`] = iso(warning !== null && due !== null ? Math.min(warning, due) : warning);
  };
  if (!met.responded) target("response", clock.responseMinutes);
  if (!met.resolved) target("resolution", clock.resolutionMinutes);
  return out;
}

/** The first clock of a new ticket: nothing used, running from its creation. */
export function initialClock(plan: ClockPlan, revision: number, createdAt: string) {
  return {
    sla_policy_id: plan.policyId,
    sla_calendar_id: plan.calendarId,
    sla_response_minutes: plan.responseMinutes,
    sla_resolution_minutes: plan.resolutionMinutes,
    sla_warning_percent: plan.warningPercent,
    sla_used_minutes: 0,
    sla_clock_from: createdAt,
    sla_revision: revision,
    ...dueColumns(
      {
        calendar: plan.calendar,
        responseMinutes: plan.responseMinutes,
        resolutionMinutes: plan.resolutionMinutes,
        warningPercent: plan.warningPercent,
      },
      0,
      Date.parse(createdAt),
      { responded: false, resolved: false },
    ),
  };
}

/** The clock of a ticket being created (online or by import) from what it is and whose it is. */
export function newTicketClock(
  settings: Settings,
  basis: SlaBasis,
  input: { priority: TicketPriority; kind: TicketKind; service_category?: string | null },
  customerId: string | null,
  now: string,
) {
  const plan = planFor(settings, basis, {
    priority: input.priority,
    kind: input.kind,
    serviceCategory: input.service_category ?? null,
    customerId,
  });
  return initialClock(plan, basis.revision, now);
}

/** The clock's state as stored on the ticket. */
export interface ClockRow {
  id: string;
  slaCalendarId: string | null;
  slaResponseMinutes: number | null;
  slaResolutionMinutes: number | null;
  slaWarningPercent: number;
  slaUsedMinutes: number;
  slaClockFrom: string | null;
  slaPausedAt: string | null;
  slaPausedSeconds: number;
  slaPauseReason: string | null;
  respondedAt: string | null;
  resolvedAt: string | null;
  status: string;
}

export interface SlaPeriodRow {
  id: string;
  ticket_id: string;
  state: "running" | "paused";
  reason: string;
  calendar_id: string | null;
  started_at: string;
  ended_at: string;
  working_minutes: number;
}

function period(
  t: ClockRow,
  state: "running" | "paused",
  reason: string,
  from: string,
  to: string,
  minutes: number,
): SlaPeriodRow {
  return {
    id: newId("slp"),
    ticket_id: t.id,
    state,
    reason,
    calendar_id: t.slaCalendarId,
    started_at: from,
    ended_at: to,
    working_minutes: Math.round(minutes * 1000) / 1000,
  };
}

const targetsOf = (t: ClockRow, calendar: WorkingCalendar): ClockTargets => ({
  calendar,
  responseMinutes: t.slaResponseMinutes,
  resolutionMinutes: t.slaResolutionMinutes,
  warningPercent: t.slaWarningPercent,
});

export type ClockMove = "pause" | "resume" | "stop" | "restart" | null;

/** What a status change does to the clock: pause into a hold, resume out of it, stop when work finishes, restart when it comes back. */
export function clockMove(from: string, to: string, finished: readonly string[]): ClockMove {
  const wasFinished = finished.includes(from);
  const isFinished = finished.includes(to);
  if (to === "on_hold" && from !== "on_hold") return "pause";
  if (from === "on_hold" && to !== "on_hold") return isFinished ? "stop" : "resume";
  if (!wasFinished && isFinished) return "stop";
  if (wasFinished && !isFinished) return "restart";
  return null;
}

/**
 * The clock's columns and ledger rows for a move at `now`. Pausing and stopping bank the running
 * stretch; resuming records the pause and runs the unmet targets on from now with what is left.
 */
export function moveClock(
  t: ClockRow,
  move: ClockMove,
  now: string,
  calendar: WorkingCalendar,
  pauseReason: SlaPauseReason = "on_hold",
  met: { responded: boolean; resolved: boolean } = { responded: Boolean(t.respondedAt), resolved: false },
): { set: Record<string, string | number | null>; periods: SlaPeriodRow[] } {
  const nowMs = Date.parse(now);
  const set: Record<string, string | number | null> = {};
  const periods: SlaPeriodRow[] = [];
  let used = t.slaUsedMinutes;
  if ((move === "pause" || move === "stop") && t.slaClockFrom) {
    const spent = usedBetween(calendar, Date.parse(t.slaClockFrom), nowMs);
    used += spent;
    periods.push(period(t, "running", move === "pause" ? "paused" : "finished", t.slaClockFrom, now, spent));
    Object.assign(set, { sla_used_minutes: used, sla_clock_from: null });
  }
  if (move === "pause") Object.assign(set, { sla_paused_at: now, sla_pause_reason: pauseReason });
  if ((move === "resume" || move === "stop") && t.slaPausedAt) {
    const pausedSeconds = Math.max(0, Math.round((nowMs - Date.parse(t.slaPausedAt)) / 1000));
    periods.push(
      period(
        t,
        "paused",
        t.slaPauseReason ?? "on_hold",
        t.slaPausedAt,
        now,
        usedBetween(calendar, Date.parse(t.slaPausedAt), nowMs),
      ),
    );
    Object.assign(set, {
      sla_paused_at: null,
      sla_pause_reason: null,
      sla_paused_seconds: t.slaPausedSeconds + pausedSeconds,
    });
  }
  if (move === "resume" || move === "restart") {
    Object.assign(set, { sla_clock_from: now }, dueColumns(targetsOf(t, calendar), used, nowMs, met));
  }
  return { set, periods };
}

/**
 * A clock moved to a new plan (a policy or calendar changed) at `now`: the running stretch is
 * banked on the old calendar, then the unmet targets run on from now on the new one with what is
 * left. Paused clocks keep their pause; only their targets and calendar change.
 */
export function recomputeClock(
  t: ClockRow,
  oldCalendar: WorkingCalendar,
  plan: Pick<ClockPlan, "policyId" | "calendarId" | "calendar"> &
    Partial<Pick<ClockPlan, "responseMinutes" | "resolutionMinutes" | "warningPercent">>,
  revision: number,
  now: string,
): { set: Record<string, string | number | null>; periods: SlaPeriodRow[] } {
  const nowMs = Date.parse(now);
  const periods: SlaPeriodRow[] = [];
  let used = t.slaUsedMinutes;
  const running = Boolean(t.slaClockFrom);
  if (t.slaClockFrom) {
    const spent = usedBetween(oldCalendar, Date.parse(t.slaClockFrom), nowMs);
    used += spent;
    periods.push(period(t, "running", "recomputed", t.slaClockFrom, now, spent));
  }
  const next: ClockTargets = {
    calendar: plan.calendar,
    responseMinutes: plan.responseMinutes ?? t.slaResponseMinutes,
    resolutionMinutes: plan.resolutionMinutes ?? t.slaResolutionMinutes,
    warningPercent: plan.warningPercent ?? t.slaWarningPercent,
  };
  const set: Record<string, string | number | null> = {
    sla_policy_id: plan.policyId,
    sla_calendar_id: plan.calendarId,
    sla_response_minutes: next.responseMinutes,
    sla_resolution_minutes: next.resolutionMinutes,
    sla_warning_percent: next.warningPercent,
    sla_used_minutes: used,
    sla_clock_from: running ? now : null,
    sla_revision: revision,
  };
  // A paused clock's due times are computed as if it resumed now; resuming computes them again.
  Object.assign(set, dueColumns(next, used, nowMs, { responded: Boolean(t.respondedAt), resolved: false }));
  return { set, periods };
}

/** Minutes used so far, counting the running stretch up to `now`. */
export function usedNow(t: ClockRow, calendar: WorkingCalendar, now: number): number {
  return t.slaUsedMinutes + (t.slaClockFrom ? usedBetween(calendar, Date.parse(t.slaClockFrom), now) : 0);
}

export function slaState(t: {
  responseDueAt: string | null;
  resolutionDueAt: string | null;
  respondedAt: string | null;
  responseBreachedAt: string | null;
  resolutionBreachedAt: string | null;
  slaPausedAt: string | null;
  slaPausedSeconds: number;
  estimatedResolutionAt: string | null;
  createdAt: string;
  slaPolicyId: string | null;
  slaCalendarId: string | null;
  slaResponseMinutes: number | null;
  slaResolutionMinutes: number | null;
  slaPauseReason: string | null;
}) {
  return {
    response_due_at: t.responseDueAt,
    resolution_due_at: t.resolutionDueAt,
    responded_at: t.respondedAt,
    response_breached: Boolean(t.responseBreachedAt),
    resolution_breached: Boolean(t.resolutionBreachedAt),
    paused: Boolean(t.slaPausedAt),
    pause_reason: t.slaPauseReason as SlaPauseReason | null,
    paused_seconds: t.slaPausedSeconds,
    estimated_resolution_at: t.estimatedResolutionAt,
    response_minutes: t.slaResponseMinutes,
    resolution_minutes: t.slaResolutionMinutes,
    policy_id: t.slaPolicyId,
    calendar_id: t.slaCalendarId,
  };
}
