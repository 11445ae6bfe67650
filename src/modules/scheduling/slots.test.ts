import { describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { settingsFrom, type Env } from "../../lib/env";
import { daySlots, slotWindow, validateSlot } from "./slots";
import { zonedTimeToUtc } from "../../lib/time";
import { travelClash, travelMs, type TravelRule } from "../../lib/travel";

const berlin = settingsFrom({ ...env, TIME_ZONE: "Europe/Berlin" } as Env);
const gaborone = settingsFrom(env);

describe("SCH-1 slots", () => {
  it("steps through the working day with the seed's defaults", () => {
    const slots = daySlots(gaborone, "2030-01-30", 30, [], { now: new Date("2030-01-01T00:00:00Z") });
    expect(slots).toHaveLength(18);
    expect(slots[0]).toMatchObject({ start_time: "08:00:00", end_time: "08:30:00", is_available: true, why: null });
    expect(slots.at(-1)).toMatchObject({ start_time: "16:30:00", end_time: "17:00:00", is_available: true });
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

describe("DSP-3 travel between visits", () => {
  // Gaborone's CBD and Mogoditshane, ~13 km apart in a straight line.
  const cbd = { lat: -24.6545, lng: 25.9086 };
  const mogoditshane = { lat: -24.6269, lng: 25.7814 };
  const rule: TravelRule = { roadFactor: 1.4, speedKmh: 35, bufferMs: 15 * 60_000 };
  const visit = (id: string, start: string, end: string, place: { lat: number | null; lng: number | null }) => ({
    appointment_id: id,
    starts_ms: slotWindow(gaborone, "2030-01-30", start, 0).startsMs,
    ends_ms: slotWindow(gaborone, "2030-01-30", end, 0).startsMs,
    ...place,
  });
  const now = new Date("2030-01-01T00:00:00Z");

  it("distance × road factor ÷ speed, to the minute; no coordinates take the buffer; the same place takes nothing", () => {
    // 13.3 km × 1.4 = 18.6 km at 35 km/h = 31.9 → 32 minutes.
    expect(travelMs(rule, cbd, mogoditshane)).toBe(32 * 60_000);
    expect(travelMs(rule, cbd, { lat: null, lng: null })).toBe(15 * 60_000);
    expect(travelMs(rule, cbd, cbd)).toBe(0);
  });

  it("hides a slot the technician cannot reach from the visit before, or leave in time for the visit after", () => {
    const day = [visit("apt_a", "09:00", "10:00", cbd), visit("apt_b", "13:00", "14:00", cbd)];
    const slots = daySlots(gaborone, "2030-01-30", 30, day, { now, travel: { rule, here: mogoditshane } });
    const at = (t: string) => slots.find((s) => s.start_time === `${t}:00`)!;
    // 10:00 and 10:30 are too close after the 09:00–10:00 visit 32 minutes away; 11:00 is fine.
    expect(at("10:00")).toMatchObject({ is_available: false, why: "travel" });
    expect(at("10:00").detail).toBe("needs 32 min to travel from the visit before, has 0");
    expect(at("10:30").is_available).toBe(false);
    expect(at("11:00").is_available).toBe(true);
    // 12:30–13:00 would leave no time to get to the 13:00 visit; 12:00–12:30 leaves 30 < 32 minutes.
    expect(at("12:30")).toMatchObject({ is_available: false, why: "travel" });
    expect(at("12:00").is_available).toBe(false);
    expect(at("11:30").is_available).toBe(true);
    // Without the rule (TRAVEL_RULE=off) only the overlaps are hidden.
    const off = daySlots(gaborone, "2030-01-30", 30, day, { now });
    expect(off.find((s) => s.start_time === "10:00:00")!.is_available).toBe(true);
    // At the same address, back to back is fine.
    const same = daySlots(gaborone, "2030-01-30", 30, day, { now, travel: { rule, here: cbd } });
    expect(same.find((s) => s.start_time === "10:00:00")!.is_available).toBe(true);
  });

  it("a routing engine's answer replaces the distance rule for the neighbours it knows; leave needs no travel", () => {
    const before = visit("apt_a", "09:00", "10:00", cbd);
    const here = {
      ...mogoditshane,
      ...{ startsMs: before.ends_ms + 40 * 60_000, endsMs: before.ends_ms + 70 * 60_000 },
    };
    expect(travelClash(rule, here, [before])).toBeNull();
    const slow = { ...rule, known: { apt_a: { toMs: 45 * 60_000, fromMs: 45 * 60_000 } } };
    expect(travelClash(slow, here, [before])).toMatchObject({ with: "apt_a", side: "before", needMs: 45 * 60_000 });
    const leave = visit("tof_x", "09:00", "10:00", { lat: null, lng: null });
    expect(travelClash(rule, { ...here, startsMs: leave.ends_ms, endsMs: leave.ends_ms + 1 }, [leave])).toBeNull();
  });
});
