import type { Settings } from "../../lib/env";
import type { TicketPriority } from "../../db/schema";

const addMinutes = (iso: string, minutes: number) => new Date(Date.parse(iso) + minutes * 60_000).toISOString();
const addSeconds = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000).toISOString();

/** Response and resolution targets from the priority at creation (WO-6); all minutes are settings. */
export function initialTargets(settings: Settings, priority: TicketPriority, createdAt: string) {
  return {
    responseDueAt: addMinutes(createdAt, settings.slaResponseMinutes[priority]),
    resolutionDueAt: addMinutes(createdAt, settings.slaResolutionMinutes[priority]),
  };
}

/**
 * Leaving on_hold: the paused time is added to the running total and to every target not yet
 * met or breached, so time on hold never counts against the SLA.
 */
export function resumeClock(
  ticket: {
    slaPausedAt: string | null;
    slaPausedSeconds: number;
    responseDueAt: string | null;
    resolutionDueAt: string | null;
    respondedAt: string | null;
    resolvedAt: string | null;
    responseBreachedAt: string | null;
    resolutionBreachedAt: string | null;
  },
  now: string,
) {
  if (!ticket.slaPausedAt) return {};
  const paused = Math.max(0, Math.round((Date.parse(now) - Date.parse(ticket.slaPausedAt)) / 1000));
  const shift = (due: string | null, done: string | null, breached: string | null) =>
    due && !done && !breached ? addSeconds(due, paused) : due;
  return {
    sla_paused_at: null,
    sla_paused_seconds: ticket.slaPausedSeconds + paused,
    response_due_at: shift(ticket.responseDueAt, ticket.respondedAt, ticket.responseBreachedAt),
    resolution_due_at: shift(ticket.resolutionDueAt, ticket.resolvedAt, ticket.resolutionBreachedAt),
  };
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
}) {
  const minutes = (due: string | null) =>
    due ? Math.round((Date.parse(due) - Date.parse(t.createdAt)) / 60_000) : null;
  return {
    response_due_at: t.responseDueAt,
    resolution_due_at: t.resolutionDueAt,
    responded_at: t.respondedAt,
    response_breached: Boolean(t.responseBreachedAt),
    resolution_breached: Boolean(t.resolutionBreachedAt),
    paused: Boolean(t.slaPausedAt),
    paused_seconds: t.slaPausedSeconds,
    estimated_resolution_at: t.estimatedResolutionAt,
    response_minutes: minutes(t.responseDueAt),
    resolution_minutes: minutes(t.resolutionDueAt),
  };
}
