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

describe("TechnicianSchedule claims: bookings racing for one start wait for the first", () => {
  it("the others wait while the first goes through its checks, and are refused once it books", async () => {
    const stub = stubFor(`sched-claim-${crypto.randomUUID()}`);
    const start = day + 9 * HOUR;
    expect(await stub.claim(start, "first")).toEqual({ taken: null });
    let answered = false;
    const waiting = stub.claim(start, "second").then((r) => {
      answered = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(answered).toBe(false);
    expect(await stub.book(booking("a", start, start + HOUR), null, null, null, "first")).toEqual({ ok: true });
    expect(await waiting).toEqual({ taken: "a" });
    // A start inside a visit is taken too; other starts are free.
    expect(await stub.claim(start + HOUR / 2, "third")).toEqual({ taken: "a" });
    expect(await stub.claim(start + HOUR, "fourth")).toEqual({ taken: null });
  });

  it("a claim let go without booking, or whose lease ran out, passes to the next booking", async () => {
    const stub = stubFor(`sched-claim-${crypto.randomUUID()}`);
    const start = day + 10 * HOUR;
    expect(await stub.claim(start, "first")).toEqual({ taken: null });
    const next = stub.claim(start, "second");
    expect(await stub.settle(start, "nobody")).toBe(false);
    expect(await stub.settle(start, "first")).toBe(true);
    expect(await next).toEqual({ taken: null });
    // "second" never books nor lets go: after its lease the next booking claims the start.
    const later = start + 2 * HOUR;
    expect(await stub.claim(later, "stuck", 100)).toEqual({ taken: null });
    const t0 = Date.now();
    expect(await stub.claim(later, "after")).toEqual({ taken: null });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(80);
    // A refused booking lets go of its claim as well: the start is still free for the next one.
    expect(await stub.book(booking("long", later - HOUR, later + 1), null, null, null, null)).toEqual({ ok: true });
    expect(await stub.claim(later + HOUR, "x")).toEqual({ taken: null });
    const waiter = stub.claim(later + HOUR, "y");
    expect(await stub.book(booking("clashing", later + HOUR, later + 2 * HOUR), null, null, null, "x")).toEqual({
      ok: true,
    });
    expect(await waiter).toEqual({ taken: "clashing" });
  });
});
