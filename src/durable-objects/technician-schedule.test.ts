import { abortAllDurableObjects } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const HOUR = 3_600_000;
const day = Date.UTC(2030, 0, 15);
const stubFor = (name: string) => env.SCHEDULES.get(env.SCHEDULES.idFromName(name));
const booking = (id: string, startsMs: number, endsMs: number) => ({
  appointment_id: id,
  ticket_id: `tkt_${id}`,
  starts_ms: startsMs,
  ends_ms: endsMs,
});

describe("TechnicianSchedule overlap queries stay bounded and exact", () => {
  it("a long booking still clashes with a short one inside it, also after the object restarts", async () => {
    const name = `sched-long-${crypto.randomUUID()}`;
    // Many short bookings before it, so a wrong bound would be easy to hit.
    for (let i = 0; i < 30; i++)
      expect(
        await stubFor(name).book(booking(`short${i}`, day - (i + 1) * 2 * HOUR, day - (i + 1) * 2 * HOUR + HOUR)),
      ).toEqual({ ok: true });
    expect(await stubFor(name).book(booking("long", day + 8 * HOUR, day + 18 * HOUR))).toEqual({ ok: true });
    expect(await stubFor(name).book(booking("inner", day + 16 * HOUR, day + 16.5 * HOUR))).toMatchObject({
      ok: false,
      clash_with: "long",
    });

    await abortAllDurableObjects(); // the longest span is recomputed from storage
    expect(await stubFor(name).book(booking("inner", day + 17 * HOUR, day + 17.5 * HOUR))).toMatchObject({
      ok: false,
      clash_with: "long",
    });
    expect(await stubFor(name).book(booking("after", day + 18 * HOUR, day + 19 * HOUR))).toEqual({ ok: true });
    // A day's window sees a booking that began the day before and runs into it.
    const window = await stubFor(name).between(day + 12 * HOUR, day + 36 * HOUR);
    expect(window.map((b) => b.appointment_id)).toEqual(["long", "after"]);
  });

  it("a reschedule into a longer span widens the bound", async () => {
    const name = `sched-resched-${crypto.randomUUID()}`;
    expect(await stubFor(name).book(booking("a", day, day + HOUR))).toEqual({ ok: true });
    expect(await stubFor(name).reschedule("a", day, day + 12 * HOUR)).toEqual({ ok: true });
    expect(await stubFor(name).book(booking("b", day + 11 * HOUR, day + 11.5 * HOUR))).toMatchObject({
      ok: false,
      clash_with: "a",
    });
  });
});
