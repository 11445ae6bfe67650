import { describe, expect, it } from "vitest";
import {
  ALWAYS_OPEN,
  addWorkingMinutes,
  framesOn,
  nextWorkingInstant,
  type WorkingCalendar,
  workingMinutesBetween,
} from "./working-time";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The demo calendar: Mon–Fri 08:00–17:00, Sat 08:00–13:00, Gaborone (UTC+2, no DST). */
const gaborone: WorkingCalendar = {
  timeZone: "Africa/Gaborone",
  week: {
    mon: [{ start: "08:00", end: "17:00" }],
    tue: [{ start: "08:00", end: "17:00" }],
    wed: [{ start: "08:00", end: "17:00" }],
    thu: [{ start: "08:00", end: "17:00" }],
    fri: [{ start: "08:00", end: "17:00" }],
    sat: [{ start: "08:00", end: "13:00" }],
  },
  holidays: [{ date: "--12-25" }, { date: "--12-26" }, { date: "2026-07-01" }],
};

describe("working time", () => {
  it("a ticket at 16:30 on a Friday with a 2-hour target is due Saturday 09:30 (Monday 09:30 without Saturdays)", () => {
    // Friday 2026-12-04 16:30 local = 14:30Z.
    const raised = at("2026-12-04T14:30:00Z");
    expect(iso(addWorkingMinutes(gaborone, raised, 120))).toBe("2026-12-05T07:30:00.000Z");
    const weekdays = { ...gaborone, week: { ...gaborone.week, sat: [] } };
    expect(iso(addWorkingMinutes(weekdays, raised, 120))).toBe("2026-12-07T07:30:00.000Z");
  });

  it("the clock does not run on a holiday (one-off or yearly)", () => {
    // Thursday 24 Dec 16:00 local, 3 hours: 1 h on the 24th, none on the 25th/26th (Fri/Sat), Sunday closed, Monday 10:00.
    expect(iso(addWorkingMinutes(gaborone, at("2026-12-24T14:00:00Z"), 180))).toBe("2026-12-28T08:00:00.000Z");
    expect(framesOn(gaborone, "2027-12-25")).toEqual([]);
    expect(framesOn(gaborone, "2026-07-01")).toEqual([]);
    expect(framesOn(gaborone, "2027-07-01")).toHaveLength(1);
    expect(workingMinutesBetween(gaborone, at("2026-12-25T00:00:00Z"), at("2026-12-27T00:00:00Z"))).toBe(0);
  });

  it("split shifts, dated exceptions and a closed exception", () => {
    const split: WorkingCalendar = {
      timeZone: "Africa/Gaborone",
      week: {
        mon: [
          { start: "13:00", end: "17:00" },
          { start: "08:00", end: "12:00" },
        ],
      },
      exceptions: [
        { date: "2026-12-14", frames: [] },
        { date: "2026-12-21", frames: [{ start: "10:00", end: "11:00" }] },
      ],
    };
    // Monday 7 Dec 11:00 local, 2 hours: 11–12, then 13–14.
    expect(iso(addWorkingMinutes(split, at("2026-12-07T09:00:00Z"), 120))).toBe("2026-12-07T12:00:00.000Z");
    // Monday 14 Dec is closed: the 8 hours of the 7th, then the 21st's single hour, then the 28th.
    expect(workingMinutesBetween(split, at("2026-12-07T00:00:00Z"), at("2026-12-28T00:00:00Z"))).toBe(8 * 60 + 60);
  });

  it("an overnight frame crosses midnight and belongs to the day it starts on", () => {
    const nights: WorkingCalendar = { timeZone: "Africa/Gaborone", week: { fri: [{ start: "22:00", end: "06:00" }] } };
    // Saturday 02:00 local is inside Friday's night.
    expect(nextWorkingInstant(nights, at("2026-12-05T00:00:00Z"))).toBe(at("2026-12-05T00:00:00Z"));
    expect(workingMinutesBetween(nights, at("2026-12-04T00:00:00Z"), at("2026-12-06T00:00:00Z"))).toBe(8 * 60);
    // Saturday 05:00 local: one hour left of Friday's night, the other 30 minutes next Friday from 22:00.
    expect(iso(addWorkingMinutes(nights, at("2026-12-05T03:00:00Z"), 60))).toBe("2026-12-05T04:00:00.000Z");
    expect(iso(addWorkingMinutes(nights, at("2026-12-05T03:00:00Z"), 90))).toBe("2026-12-11T20:30:00.000Z");
  });

  it("frames follow the wall clock across a DST change (Europe/Berlin)", () => {
    const berlin: WorkingCalendar = { timeZone: "Europe/Berlin", week: { sun: [{ start: "00:00", end: "06:00" }] } };
    // 29 March 2026: clocks jump 02:00 → 03:00, so 00:00–06:00 local is 5 real hours.
    expect(workingMinutesBetween(berlin, at("2026-03-28T12:00:00Z"), at("2026-03-29T12:00:00Z"))).toBe(5 * 60);
    // 25 October 2026: 03:00 → 02:00, 7 real hours.
    expect(workingMinutesBetween(berlin, at("2026-10-24T12:00:00Z"), at("2026-10-25T12:00:00Z"))).toBe(7 * 60);
    const office: WorkingCalendar = { timeZone: "Europe/Berlin", week: { mon: [{ start: "09:00", end: "17:00" }] } };
    expect(iso(nextWorkingInstant(office, at("2026-03-28T00:00:00Z")))).toBe("2026-03-30T07:00:00.000Z");
    expect(iso(nextWorkingInstant(office, at("2026-03-21T00:00:00Z")))).toBe("2026-03-23T08:00:00.000Z");
  });

  it("the 24×7 calendar is wall-clock time; a calendar that never opens answers null", () => {
    expect(iso(addWorkingMinutes(ALWAYS_OPEN, at("2026-12-04T14:30:00Z"), 60 * 24 * 3))).toBe(
      "2026-12-07T14:30:00.000Z",
    );
    expect(workingMinutesBetween(ALWAYS_OPEN, at("2026-12-04T00:00:00Z"), at("2026-12-05T00:00:00Z"))).toBe(1440);
    expect(addWorkingMinutes({ timeZone: "UTC", week: {} }, at("2026-12-04T00:00:00Z"), 10)).toBeNull();
  });
});
