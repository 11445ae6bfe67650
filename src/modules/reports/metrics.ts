/**
 * Every report figure, defined once (docs/reports.md says the same in words). Inputs are sums of
 * report_daily rows over a period; nothing here touches storage.
 */

export interface Sums {
  created: number;
  created_done: number;
  created_cancelled: number;
  completed: number;
  resolve_seconds: number;
  on_time: number;
  on_time_of: number;
  first_time_fixed: number;
  rated: number;
  rating_sum: number;
  nps_count: number;
  promoters: number;
  detractors: number;
}

export const ZERO: Sums = {
  created: 0,
  created_done: 0,
  created_cancelled: 0,
  completed: 0,
  resolve_seconds: 0,
  on_time: 0,
  on_time_of: 0,
  first_time_fixed: 0,
  rated: 0,
  rating_sum: 0,
  nps_count: 0,
  promoters: 0,
  detractors: 0,
};

export function addSums(a: Sums, b: Partial<Sums>): Sums {
  const out = { ...a };
  for (const k of Object.keys(ZERO) as (keyof Sums)[]) out[k] += Number(b[k] ?? 0);
  return out;
}

const ratio = (part: number, whole: number, digits = 4) => (whole > 0 ? Number((part / whole).toFixed(digits)) : null);

export interface Figures {
  /** Tickets created in the period. */
  total: number;
  /** Of those, finished (resolved, waiting for approval or closed) now. */
  completed: number;
  /** Of those, cancelled. */
  cancelled: number;
  /** completed ÷ (total − cancelled). */
  completion_rate: number | null;
  /** Tickets resolved in the period (whenever created). */
  resolved: number;
  /** Mean of (resolved − created − time on hold) over the tickets resolved in the period. */
  average_completion_seconds: number | null;
  /** Resolved by the resolution target ÷ resolved with a target. */
  on_time_rate: number | null;
  /** Resolved without a rejection, a reopen after finishing or a second visit ÷ resolved. */
  first_time_fix_rate: number | null;
  /** Mean customer rating (1–5) of the tickets resolved in the period. */
  average_rating: number | null;
  ratings: number;
  /** % promoters (9–10) − % detractors (0–6) among the tickets resolved in the period with an NPS answer. */
  nps: number | null;
  nps_responses: number;
}

export function figures(s: Sums): Figures {
  return {
    total: s.created,
    completed: s.created_done,
    cancelled: s.created_cancelled,
    completion_rate: ratio(s.created_done, s.created - s.created_cancelled),
    resolved: s.completed,
    average_completion_seconds: s.completed > 0 ? Math.round(s.resolve_seconds / s.completed) : null,
    on_time_rate: ratio(s.on_time, s.on_time_of),
    first_time_fix_rate: ratio(s.first_time_fixed, s.completed),
    average_rating: ratio(s.rating_sum, s.rated, 2),
    ratings: s.rated,
    nps: s.nps_count > 0 ? Math.round(((s.promoters - s.detractors) / s.nps_count) * 100) : null,
    nps_responses: s.nps_count,
  };
}

export type Direction = "up" | "down" | "flat";

export interface Trend {
  current: number | null;
  previous: number | null;
  change: number | null;
  direction: Direction | null;
}

export const TREND_FIGURES = [
  "total",
  "completed",
  "completion_rate",
  "resolved",
  "average_completion_seconds",
  "on_time_rate",
  "first_time_fix_rate",
  "average_rating",
  "nps",
] as const;

/** This period against the previous one of the same length: the difference and its direction (no direction without both). */
export function trends(current: Figures, previous: Figures): Record<(typeof TREND_FIGURES)[number], Trend> {
  const out = {} as Record<(typeof TREND_FIGURES)[number], Trend>;
  for (const key of TREND_FIGURES) {
    const c = current[key];
    const p = previous[key];
    const change = c === null || p === null ? null : Number((c - p).toFixed(4));
    out[key] = {
      current: c,
      previous: p,
      change,
      direction: change === null ? null : change > 0 ? "up" : change < 0 ? "down" : "flat",
    };
  }
  return out;
}

/**
 * The lowest performer: among technicians with at least `minTickets` tickets in the period, the
 * lowest completion rate; ties go to the lower on-time rate (none counts as 0), then the longer
 * average completion time, then the technician id. Null when nobody qualifies.
 */
export function lowestPerformer<T extends { technician_id: string; figures: Figures }>(
  rows: T[],
  minTickets: number,
): T | null {
  const eligible = rows.filter((r) => r.figures.total >= minTickets && r.figures.completion_rate !== null);
  eligible.sort(
    (a, b) =>
      a.figures.completion_rate! - b.figures.completion_rate! ||
      (a.figures.on_time_rate ?? 0) - (b.figures.on_time_rate ?? 0) ||
      (b.figures.average_completion_seconds ?? 0) - (a.figures.average_completion_seconds ?? 0) ||
      a.technician_id.localeCompare(b.technician_id),
  );
  return eligible[0] ?? null;
}
