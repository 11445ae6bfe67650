import { describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { settingsFrom, type Env } from "../../lib/env";
import { daySlots, slotWindow, validateSlot } from "./slots";
import { zonedTimeToUtc } from "../../lib/time";

const berlin = settingsFrom({ ...env, TIME_ZONE: "Europe/Berlin" } as Env);
const gaborone = settingsFrom(env);

describe("SCH-1 slots", () => {
  it("steps through the working day with the seed's defaults", () => {
    const slots = daySlots(gaborone, "2030-01-30", 30, [], { now: new Date("2030-01-01T00:00:00Z") });
    expect(slots).toHaveLength(18);
    expect(slots[0]).toEqual({ start_time: "08:00:00", end_time: "08:30:00", is_available: true });
    expect(slots.at(-1)).toEqual({ start_time: "16:30:00", end_time: "17:00:00", is_available: true });
    expect(daySlots(gaborone, "2030-01-30", 90, [], { now: new Date("2030-01-01T00:00:00Z") }).at(-1)!.start_time).toBe(
      "15:30:00",
    );
  });

  it("marks overlapping bookings, the lead time and blocked days", () => {
    const booking = slotWindow(gaborone, "2030-01-30", "09:00", 60);
    const slots = daySlots(gaborone, "2030-01-30", 30, [{ starts_ms: booking.startsMs, ends_ms: booking.endsMs }], {
      now: new Date("2030-01-01T00:00:00Z"),
    });
    const taken = slots.filter((s) => !s.is_available).map((s) => s.start_time);
    expect(taken).toEqual(["09:00:00", "09:30:00"]);
    // 10:10 local (UTC+2): with 60 minutes' lead the first bookable slot is 11:30.
    const now = zonedTimeToUtc("2030-01-30", "10:10", "Africa/Gaborone");
    const today = daySlots(gaborone, "2030-01-30", 30, [], { now });
    expect(today.find((s) => s.is_available)!.start_time).toBe("11:30:00");
    expect(
      daySlots(gaborone, "2030-01-30", 30, [], { blocked: true, now: new Date("2030-01-01T00:00:00Z") }).every(
        (s) => !s.is_available,
      ),
    ).toBe(true);
  });

  it("is DST-safe: Berlin's 08:00 is 07:00Z in winter and 06:00Z in summer, across both changes", () => {
    expect(new Date(slotWindow(berlin, "2030-03-30", "08:00", 30).startsMs).toISOString()).toBe(
      "2030-03-30T07:00:00.000Z",
    );
    expect(new Date(slotWindow(berlin, "2030-03-31", "08:00", 30).startsMs).toISOString()).toBe(
      "2030-03-31T06:00:00.000Z",
    );
    expect(new Date(slotWindow(berlin, "2030-10-26", "08:00", 30).startsMs).toISOString()).toBe(
      "2030-10-26T06:00:00.000Z",
    );
    expect(new Date(slotWindow(berlin, "2030-10-27", "08:00", 30).startsMs).toISOString()).toBe(
      "2030-10-27T07:00:00.000Z",
    );
    const slots = daySlots(berlin, "2030-03-31", 30, [], { now: new Date("2030-03-01T00:00:00Z") });
    expect(slots).toHaveLength(18);
  });

  it("rejects slots off the step, outside hours, too soon or beyond the horizon", () => {
    const now = new Date("2030-01-30T06:00:00Z");
    expect(() => validateSlot(gaborone, "2030-01-31", "09:15", 30, now)).toThrow(/step/);
    expect(() => validateSlot(gaborone, "2030-01-31", "16:45", 30, now)).toThrow(/between/);
    expect(() => validateSlot(gaborone, "2030-01-30", "08:30", 30, now)).toThrow(/notice/);
    expect(() => validateSlot(gaborone, "2030-03-15", "09:00", 30, now)).toThrow(/days ahead/);
    expect(() => validateSlot(gaborone, "2030-01-29", "09:00", 30, now)).toThrow(/past/);
    expect(validateSlot(gaborone, "2030-01-31", "09:00", 60, now).endTime).toBe("10:00");
  });
});
