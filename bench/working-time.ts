/**
 * CPU of the working-time arithmetic (TIME-1, TIME-2, TIME-3), in Node with the same code the worker
 * runs: a due time over a calendar with split shifts and 20 holidays, and one technician-day of
 * slots on working hours with 100 bookings. Part of `npm run bench`; alone: `npm run bench:working-time`.
 */
import { fileURLToPath } from "node:url";
import { settingsFrom, type Env } from "../src/lib/env";
import { addDays, todayIn } from "../src/lib/time";
import { addWorkingMinutes, type WorkingCalendar } from "../src/lib/working-time";
import { workingDay } from "../src/modules/scheduling/hours";
import { dayBounds, daySlots } from "../src/modules/scheduling/slots";

const split = [
  { start: "07:00", end: "11:00" },
  { start: "13:00", end: "17:30" },
];
/** Split shifts on weekdays, a Saturday morning, 20 holidays (10 yearly, 10 one-off in the coming months). */
export const BENCH_CALENDAR: WorkingCalendar = {
  timeZone: "Africa/Gaborone",
  week: { mon: split, tue: split, wed: split, thu: split, fri: split, sat: [{ start: "08:00", end: "13:00" }] },
  holidays: [
    ...["01-01", "01-02", "05-01", "07-01", "09-30", "10-01", "12-25", "12-26", "03-08", "06-16"].map((d) => ({
      date: `--${d}`,
    })),
    ...Array.from({ length: 10 }, (_, i) => ({ date: addDays(todayIn("Africa/Gaborone"), 7 + i * 9) })),
  ],
};

function cpuPerCall(loops: number, fn: (i: number) => void): number {
  for (let i = 0; i < 200; i++) fn(i); // warm-up
  const c0 = process.cpuUsage();
  for (let i = 0; i < loops; i++) fn(i);
  const c1 = process.cpuUsage(c0);
  return (c1.user + c1.system) / 1000 / loops;
}

export function workingTimeCpu() {
  const env = { ENVIRONMENT: "development", JWT_PRIVATE_KEYS: "x", HMAC_SECRET: "x".repeat(16) } as Env;
  const settings = settingsFrom(env);
  const start = Date.now();
  // A 16-working-hour resolution target from a different instant each time (spread over a month).
  const dueMs = cpuPerCall(5000, (i) => addWorkingMinutes(BENCH_CALENDAR, start + (i % 720) * 3_600_000, 960));
  // A baseline in the same run: parsing and formatting one ISO instant.
  const baselineMs = cpuPerCall(5000, (i) => new Date(Date.parse(new Date(start + i).toISOString())).toISOString());
  const date = addDays(todayIn(settings.timeZone), 3);
  const hours = JSON.stringify({
    week: null,
    calendar: {
      name: "bench",
      time_zone: BENCH_CALENDAR.timeZone,
      week: BENCH_CALENDAR.week,
      exceptions: [],
      holidays: BENCH_CALENDAR.holidays?.map((h) => ({ ...h, name: "Holiday" })),
      ical: [],
    },
  });
  const bounds = dayBounds(settings, date);
  const bookings = Array.from({ length: 100 }, (_, i) => ({
    starts_ms: bounds.fromMs + 7 * 3_600_000 + i * 5 * 60_000,
    ends_ms: bounds.fromMs + 7 * 3_600_000 + i * 5 * 60_000 + 60_000,
  }));
  const dayMs = cpuPerCall(2000, () =>
    daySlots(settings, date, 30, bookings, { now: new Date(0), working: workingDay(settings, hours, date, bounds) }),
  );
  // DSP-3: the travel rule's cost per slot — a day of 8 visits at known places, with and without the rule.
  const rule = { roadFactor: settings.etaRoadFactor, speedKmh: settings.etaAverageSpeedKmh, bufferMs: 15 * 60_000 };
  const here = { lat: -24.65, lng: 25.91 };
  const located = (n: number, salt: number) =>
    Array.from({ length: n }, (_, i) => ({
      appointment_id: `apt_${salt}_${i}`,
      starts_ms: bounds.fromMs + (8 + i) * 3_600_000,
      ends_ms: bounds.fromMs + (8 + i) * 3_600_000 + 30 * 60_000,
      lat: -24.6 - ((i * 7 + salt) % 10) / 100,
      lng: 25.8 + ((i * 3 + salt) % 10) / 100,
    }));
  const eight = located(8, 1);
  const slotsPerDay = daySlots(settings, date, 30, eight, { now: new Date(0) }).length;
  const plainMs = cpuPerCall(5000, () => daySlots(settings, date, 30, eight, { now: new Date(0) }));
  const travelDayMs = cpuPerCall(5000, () =>
    daySlots(settings, date, 30, eight, { now: new Date(0), travel: { rule, here } }),
  );
  // DSP-1: pool availability for 50 technicians × 14 days (each on working hours with 6 visits a day
  // at known places, the travel rule on), merged into one answer per day: the CPU a worker spends
  // once the bookings are read.
  const days = Array.from({ length: 14 }, (_, d) => addDays(date, d));
  const fleet = Array.from({ length: 50 }, (_, t) => days.map((_, d) => located(6, t * 31 + d)));
  const poolMs = cpuPerCall(5, () => {
    days.forEach((day, d) => {
      const b = dayBounds(settings, day);
      const perTech = fleet.map((tech) =>
        daySlots(settings, day, 30, tech[d], {
          now: new Date(0),
          working: workingDay(settings, hours, day, b),
          travel: { rule, here },
        }),
      );
      perTech[0].map((_, i) => perTech.some((slots) => slots[i].is_available));
    });
  });
  return {
    dueMs,
    baselineMs,
    dayMs,
    travelPerSlotUs: ((travelDayMs - plainMs) / slotsPerDay) * 1000,
    plainPerSlotUs: (plainMs / slotsPerDay) * 1000,
    poolMs,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = workingTimeCpu();
  console.log(
    `due time over split shifts + 20 holidays: ${(r.dueMs * 1000).toFixed(1)} µs CPU (${(r.dueMs / r.baselineMs).toFixed(1)}× one ISO parse+format, ${(r.baselineMs * 1000).toFixed(2)} µs)`,
  );
  console.log(`availability, 1 technician-day on working hours, 100 bookings: ${r.dayMs.toFixed(3)} ms CPU`);
  console.log(
    `travel rule: +${r.travelPerSlotUs.toFixed(2)} µs CPU per slot (a slot without it: ${r.plainPerSlotUs.toFixed(2)} µs; 8 visits that day)`,
  );
  console.log(`pool availability, 50 technicians × 14 days, travel on: ${r.poolMs.toFixed(1)} ms CPU (goal ≤ 50)`);
}
