import type { Settings } from "../../lib/env";
import { AppError } from "../../lib/problem";
import { type Neighbour, type Place, type TravelRule, travelClash } from "../../lib/travel";
import { addDays, todayIn, zonedTimeToUtc } from "../../lib/time";
import { type WorkingDay, withinHours } from "./hours";

export interface Slot {
  start_time: string;
  end_time: string;
  is_available: boolean;
}

export const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
export const toHhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
/** The seed's wire format for times: HH:MM:SS. */
export const withSeconds = (hhmm: string) => `${hhmm}:00`;

/** 422 outside [today, today + horizon] in the deployment's zone (SCH-1). */
export function assertBookableDate(settings: Settings, date: string, now = new Date()) {
  const today = todayIn(settings.timeZone, now);
  if (date < today)
    throw new AppError("unprocessable", "The date is in the past.", {
      errors: [{ path: "date", message: "In the past" }],
    });
  if (date > addDays(today, settings.maxDaysAhead)) {
    throw new AppError("unprocessable", `Appointments can be booked at most ${settings.maxDaysAhead} days ahead.`, {
      errors: [{ path: "date", message: "Beyond the booking horizon" }],
    });
  }
}

export interface SlotWindow {
  startTime: string;
  endTime: string;
  startsMs: number;
  endsMs: number;
}

/** A slot's wall-clock and UTC bounds; wall-clock arithmetic first, then Intl for the offset (DST-safe). */
export function slotWindow(settings: Settings, date: string, startTime: string, durationMinutes: number): SlotWindow {
  const start = toMinutes(startTime);
  const endTime = toHhmm(start + durationMinutes);
  return {
    startTime,
    endTime,
    startsMs: zonedTimeToUtc(date, startTime, settings.timeZone).getTime(),
    endsMs: zonedTimeToUtc(date, endTime, settings.timeZone).getTime(),
  };
}

/** Checks a requested slot against the working window and step, and the lead time. */
export function validateSlot(
  settings: Settings,
  date: string,
  startTime: string,
  durationMinutes: number,
  now = new Date(),
): SlotWindow {
  assertBookableDate(settings, date, now);
  const start = toMinutes(startTime);
  const dayStart = toMinutes(settings.workDayStart);
  const dayEnd = toMinutes(settings.workDayEnd);
  if (start < dayStart || start + durationMinutes > dayEnd) {
    throw new AppError(
      "unprocessable",
      `Appointments are between ${settings.workDayStart} and ${settings.workDayEnd}.`,
      { errors: [{ path: "start_time", message: "Outside working hours" }] },
    );
  }
  if ((start - dayStart) % settings.slotStepMinutes !== 0) {
    throw new AppError("unprocessable", `Appointments start on a ${settings.slotStepMinutes}-minute step.`, {
      errors: [{ path: "start_time", message: "Not on a slot boundary" }],
    });
  }
  const window = slotWindow(settings, date, startTime, durationMinutes);
  if (window.startsMs < now.getTime() + settings.sameDayLeadMinutes * 60_000) {
    throw new AppError("unprocessable", `Appointments need at least ${settings.sameDayLeadMinutes} minutes' notice.`, {
      errors: [{ path: "start_time", message: "Too soon" }],
    });
  }
  return window;
}

/** Why a slot is not offered (availability's `explain=true`). */
export const HIDDEN_REASONS = [
  "unavailable",
  "full",
  "too_soon",
  "not_working",
  "booked",
  "held",
  "time_off",
  "travel",
  "holdback",
] as const;
export type HiddenReason = (typeof HIDDEN_REASONS)[number];

export interface DaySlot extends Slot {
  why: HiddenReason | null;
  detail: string | null;
}

const minutesOf = (ms: number) => Math.round(ms / 60_000);

/**
 * The day's slot windows, shared by every technician asked about that day: each window needs two
 * time-zone conversions (Intl, the costly part of a slot), so a pool of 50 computes them once.
 * Bounded, so a long-lived isolate keeps only recent days.
 */
const grids = new Map<string, SlotWindow[]>();
function dayGrid(settings: Settings, date: string, durationMinutes: number): SlotWindow[] {
  const key = `${settings.timeZone}|${settings.workDayStart}|${settings.workDayEnd}|${settings.slotStepMinutes}|${date}|${durationMinutes}`;
  let grid = grids.get(key);
  if (!grid) {
    grid = [];
    const dayEnd = toMinutes(settings.workDayEnd);
    for (let m = toMinutes(settings.workDayStart); m + durationMinutes <= dayEnd; m += settings.slotStepMinutes)
      grid.push(slotWindow(settings, date, toHhmm(m), durationMinutes));
    if (grids.size >= 256) grids.delete(grids.keys().next().value as string);
    grids.set(key, grid);
  }
  return grid;
}

/**
 * SCH-1: every step of the deployment's day that fits the duration; a slot is available when the
 * technician is not blocked, works then (their hours, calendar and holidays), it starts after
 * now + lead time, it overlaps no booking (nor a live hold, nor approved time off), the
 * technician can travel to it from the visit before and on to the visit after (the same rule the
 * booking check applies), and routine work leaves the emergency share free. Each hidden slot says
 * why. Linear in slots × bookings of that day.
 */
export function daySlots(
  settings: Settings,
  date: string,
  durationMinutes: number,
  bookings: (Partial<Neighbour> & { starts_ms: number; ends_ms: number })[],
  options: {
    blocked?: boolean | "unavailable" | "full";
    now?: Date;
    working?: WorkingDay;
    routineRoomMs?: number | null;
    travel?: { rule: TravelRule | null; here: Place };
  } = {},
): DaySlot[] {
  const now = options.now ?? new Date();
  const earliest = now.getTime() + settings.sameDayLeadMinutes * 60_000;
  const slots: DaySlot[] = [];
  const rule = options.travel?.rule ?? null;
  const neighbours = rule
    ? bookings.map((b) => ({
        appointment_id: b.appointment_id ?? "",
        starts_ms: b.starts_ms,
        ends_ms: b.ends_ms,
        lat: b.lat ?? null,
        lng: b.lng ?? null,
      }))
    : [];
  for (const w of dayGrid(settings, date, durationMinutes)) {
    let why: HiddenReason | null = null;
    let detail: string | null = null;
    if (options.blocked) {
      why = options.blocked === "full" ? "full" : "unavailable";
    } else if (w.startsMs < earliest) {
      why = "too_soon";
    } else if (options.working && !withinHours(options.working, w.startsMs, w.endsMs)) {
      why = "not_working";
    } else {
      const over = bookings.find((b) => b.starts_ms < w.endsMs && b.ends_ms > w.startsMs);
      if (over) {
        const id = over.appointment_id ?? "";
        why = id.startsWith("tof_") ? "time_off" : id.startsWith("hld_") ? "held" : "booked";
      } else if (rule) {
        const far = travelClash(rule, { ...options.travel!.here, startsMs: w.startsMs, endsMs: w.endsMs }, neighbours);
        if (far) {
          why = "travel";
          detail = `needs ${minutesOf(far.needMs)} min to travel ${far.side === "before" ? "from the visit before" : "to the visit after"}, has ${minutesOf(far.gapMs)}`;
        }
      }
      if (
        !why &&
        options.routineRoomMs !== undefined &&
        options.routineRoomMs !== null &&
        w.endsMs - w.startsMs > options.routineRoomMs
      )
        why = "holdback";
    }
    slots.push({
      start_time: withSeconds(w.startTime),
      end_time: withSeconds(w.endTime),
      is_available: why === null,
      why,
      detail,
    });
  }
  return slots;
}

/** UTC bounds of a local calendar day, for fetching that day's bookings. */
export function dayBounds(settings: Settings, date: string) {
  return {
    fromMs: zonedTimeToUtc(date, "00:00", settings.timeZone).getTime(),
    toMs: zonedTimeToUtc(addDays(date, 1), "00:00", settings.timeZone).getTime(),
  };
}
