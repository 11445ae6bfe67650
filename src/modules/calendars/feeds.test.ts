import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api } from "../../../test/client";
import { staff } from "../../../test/work-factories";
import { systemContext } from "../../lib/context";
import { refreshCalendarFeeds } from "./calendars.service";
import { holidaysFromFeed } from "./feeds";

const FEED = [
  "BEGIN:VCALENDAR",
  "VERSION:2.0",
  "PRODID:-//test//holidays//EN",
  "BEGIN:VEVENT",
  "UID:botswana-day@test",
  "DTSTART;VALUE=DATE:20260930",
  "DTEND;VALUE=DATE:20261002",
  "SUMMARY:Botswana Day",
  "END:VEVENT",
  "BEGIN:VEVENT",
  "UID:christmas@test",
  "DTSTART;VALUE=DATE:20251225",
  "RRULE:FREQ=YEARLY",
  "SUMMARY:Christmas Day",
  "END:VEVENT",
  "BEGIN:VEVENT",
  "UID:meeting@test",
  "DTSTART:20261204T090000Z",
  "DTEND:20261204T100000Z",
  "SUMMARY:A timed meeting is not a holiday",
  "END:VEVENT",
  "END:VCALENDAR",
].join("\r\n");

afterEach(() => vi.restoreAllMocks());

describe("iCal feeds", () => {
  it("all-day events close their days (multi-day and yearly ones expanded); timed events do not", () => {
    const days = holidaysFromFeed(FEED, "2026-01-01", "2027-12-31");
    expect(days).toEqual([
      { date: "2026-09-30", name: "Botswana Day" },
      { date: "2026-10-01", name: "Botswana Day" },
      { date: "2026-12-25", name: "Christmas Day" },
      { date: "2027-12-25", name: "Christmas Day" },
    ]);
    expect(() => holidaysFromFeed("not a calendar", "2026-01-01", "2026-12-31")).toThrow();
  });

  it("the daily job reads each feed; its days count as holidays; a failure keeps the last good ones and says why", async () => {
    const admin = api((await staff("admin")).token);
    // Before the calendar exists: creating it also reads the feed, after the answer.
    const fetched: string[] = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
      fetched.push(String(input instanceof Request ? input.url : input));
      return new Response(FEED, { status: 200, headers: { "content-type": "text/calendar" } });
    });
    const created = await admin.POST("/v1/calendars", {
      body: {
        name: "With a feed",
        time_zone: "Africa/Gaborone",
        week: { wed: [{ start: "08:00", end: "17:00" }], thu: [{ start: "08:00", end: "17:00" }] },
        ical_url: "https://holidays.example.com/bw.ics",
      },
    });
    expect(created.response.status).toBe(201);
    const id = created.data?.id ?? "";
    const at = Date.parse("2026-09-01T00:00:00Z");
    expect(await refreshCalendarFeeds(systemContext(env, "test"), at)).toMatchObject({ refreshed: 1 });
    expect(fetched).toContain("https://holidays.example.com/bw.ics");
    const read = await admin.GET("/v1/calendars/{id}", { params: { path: { id } } });
    expect(read.data?.ical_holidays.map((h) => h.date)).toContain("2026-09-30");
    expect(read.data?.ical_error).toBeNull();
    // Wednesday 30 Sept and Thursday 1 Oct are closed: two working hours from Tuesday run into Wednesday 7 Oct.
    const due = await admin.GET("/v1/calendars/{id}/working-time", {
      params: { path: { id }, query: { from: "2026-09-29T12:00:00+02:00", minutes: 120 } },
    });
    expect(due.data?.due_at).toBe("2026-10-07T08:00:00.000Z");

    vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response("gone", { status: 404 }));
    expect(await refreshCalendarFeeds(systemContext(env, "test"), at + 86_400_000)).toMatchObject({ refreshed: 0 });
    const after = await admin.GET("/v1/calendars/{id}", { params: { path: { id } } });
    expect(after.data?.ical_error).toMatch(/404/);
    expect(after.data?.ical_holidays.length).toBe(read.data?.ical_holidays.length);
  });

  it("refuses feeds that are not public https addresses", async () => {
    const admin = api((await staff("admin")).token);
    for (const url of ["http://holidays.example.com/bw.ics", "https://10.0.0.5/bw.ics", "https://intranet/bw.ics"]) {
      const res = await admin.POST("/v1/calendars", {
        body: { name: "Bad feed", time_zone: "Africa/Gaborone", week: {}, ical_url: url },
      });
      expect(res.response.status, url).toBe(400);
      expect(res.error).toMatchObject({ errors: [{ path: "ical_url" }] });
    }
  });
});
