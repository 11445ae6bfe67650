import type { Settings } from "../../lib/env";
import { AppError } from "../../lib/problem";
import { addDays, todayIn, zonedTimeToUtc } from "../../lib/time";
import { type WorkingDay, withinHours } from "./hours";

export interface Slot {
  start_time: string;
  end_time: string;
  is_available: boolean;
}

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const toHhmm = (minutes: number) =>
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

/**
 * SCH-1: every step of the deployment's day that fits the duration; a slot is available when the
 * technician is not blocked, works then (their hours, calendar and holidays), it starts after
 * now + lead time and it overlaps no booking (nor approved time off, held with the bookings).
 * Linear in slots × bookings of that day.
 */
export function daySlots(
  settings: Settings,
  date: string,
  durationMinutes: number,
  bookings: { starts_ms: number; ends_ms: number }[],
  options: { blocked?: boolean; now?: Date; working?: WorkingDay; routineRoomMs?: number | null } = {},
): Slot[] {
  const now = options.now ?? new Date();
  const earliest = now.getTime() + settings.sameDayLeadMinutes * 60_000;
  const slots: Slot[] = [];
  const dayEnd = toMinutes(settings.workDayEnd);
  for (let m = toMinutes(settings.workDayStart); m + durationMinutes <= dayEnd; m += settings.slotStepMinutes) {
    const w = slotWindow(settings, date, toHhmm(m), durationMinutes);
    const free =
      !options.blocked &&
      w.startsMs >= earliest &&
      (!options.working || withinHours(options.working, w.startsMs, w.endsMs)) &&
      (options.routineRoomMs === undefined ||
        options.routineRoomMs === null ||
        w.endsMs - w.startsMs <= options.routineRoomMs) &&
      !bookings.some((b) => b.starts_ms < w.endsMs && b.ends_ms > w.startsMs);
    slots.push({ start_time: withSeconds(w.startTime), end_time: withSeconds(w.endTime), is_available: free });
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
