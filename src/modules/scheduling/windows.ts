import type { Settings } from "../../lib/env";
import { AppError } from "../../lib/problem";
import { zonedTimeToUtc } from "../../lib/time";
import { toHhmm, toMinutes, withSeconds } from "./slots";

/**
 * DSP-5 arrival windows: the customer books "between 08:00 and 10:00" while the technician's
 * schedule keeps an exact slot inside it. Windows tile the working day from its start in steps of
 * the ticket kind's window (ARRIVAL_WINDOWS); a window is open when some exact slot starting in it
 * is open (the technician arrives within the window, the visit may run past its end).
 */
export interface ArrivalWindow {
  start_time: string;
  end_time: string;
  is_available: boolean;
}

/** Minutes of the arrival window for a ticket kind; 0: exact times. */
export function windowMinutesFor(settings: Settings, kind: string): number {
  return settings.arrivalWindows[kind] ?? settings.arrivalWindows.default ?? 0;
}

function bounds(settings: Settings, minutes: number) {
  const out: [number, number][] = [];
  const end = toMinutes(settings.workDayEnd);
  for (let m = toMinutes(settings.workDayStart); m < end; m += minutes) out.push([m, Math.min(m + minutes, end)]);
  return out;
}

/** The day's windows over its exact slots (HH:MM:SS, as the slots are). */
export function windowsOf(
  settings: Settings,
  slots: { start_time: string; is_available: boolean }[],
  minutes: number,
): ArrivalWindow[] {
  return bounds(settings, minutes).map(([from, to]) => ({
    start_time: withSeconds(toHhmm(from)),
    end_time: withSeconds(toHhmm(to)),
    is_available: slots.some((s) => {
      const m = toMinutes(s.start_time);
      return s.is_available && m >= from && m < to;
    }),
  }));
}

/** The window a requested start names (it must be a window's start), or 422 listing the starts. */
export function windowAt(settings: Settings, minutes: number, startTime: string): { from: string; to: string } {
  const all = bounds(settings, minutes);
  const hit = all.find(([from]) => from === toMinutes(startTime));
  if (!hit)
    throw new AppError("unprocessable", "Pick one of the day's arrival windows.", {
      errors: [
        {
          path: "start_time",
          message: `Not the start of an arrival window (${all.map(([from]) => toHhmm(from)).join(", ")})`,
        },
      ],
    });
  return { from: toHhmm(hit[0]), to: toHhmm(hit[1]) };
}

/** Exact open slot starts (HH:MM) inside a window, earliest first: the times tried for a window booking. */
export function startsInWindow(
  slots: { start_time: string; is_available: boolean }[],
  window: { from: string; to: string },
): string[] {
  const from = toMinutes(window.from);
  const to = toMinutes(window.to);
  return slots
    .filter((s) => s.is_available && toMinutes(s.start_time) >= from && toMinutes(s.start_time) < to)
    .map((s) => s.start_time.slice(0, 5));
}

/** The window as two instants, for the appointment's row and the messages. */
export function windowInstants(settings: Settings, date: string, window: { from: string; to: string }) {
  return {
    windowStartsAt: zonedTimeToUtc(date, window.from, settings.timeZone).toISOString(),
    windowEndsAt: zonedTimeToUtc(date, window.to, settings.timeZone).toISOString(),
  };
}
