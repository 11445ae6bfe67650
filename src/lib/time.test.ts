import { describe, expect, it } from "vitest";
import { offsetFromIntl as fromIntl, offsetMinutes, zonedTimeToUtc } from "./time";

describe("zone offsets remembered per quarter hour", () => {
  it("agree with Intl at every instant around the year's transitions, in zones with odd offsets and odd change times", () => {
    const zones = [
      "Europe/Berlin",
      "America/New_York",
      "Australia/Lord_Howe",
      "Asia/Kathmandu",
      "Pacific/Chatham",
      "Asia/Gaza",
      "Africa/Gaborone",
    ];
    const start = Date.UTC(2011, 0, 1);
    for (const zone of zones) {
      // Every 7 minutes 13 seconds over 2011 and 2026 (Gaza changed at 00:01 local in 2011), twice: computed, then remembered.
      for (const year of [0, 15]) {
        const from = start + year * 365.25 * 86_400_000;
        for (let pass = 0; pass < 2; pass++)
          for (let ms = from; ms < from + 365 * 86_400_000; ms += 433_000 * 7) {
            const at = new Date(ms);
            if (offsetMinutes(zone, at) !== fromIntl(zone, at)) expect(`${zone} ${at.toISOString()}`).toBe("agreeing");
          }
      }
    }
  });

  it("both sides of a change that falls inside a quarter hour, and of one on a quarter hour", () => {
    // Berlin's 2026 spring change: 01:00 UTC.
    expect(offsetMinutes("Europe/Berlin", new Date("2026-03-29T00:59:59.999Z"))).toBe(60);
    expect(offsetMinutes("Europe/Berlin", new Date("2026-03-29T01:00:00.000Z"))).toBe(120);
    for (const iso of [
      "2011-03-31T22:00:00Z",
      "2011-03-31T22:00:30Z",
      "2011-03-31T22:01:00Z",
      "2011-03-31T22:14:59Z",
    ]) {
      const at = new Date(iso);
      expect(offsetMinutes("Asia/Gaza", at)).toBe(fromIntl("Asia/Gaza", at));
    }
    expect(zonedTimeToUtc("2026-03-29", "03:30", "Europe/Berlin").toISOString()).toBe("2026-03-29T01:30:00.000Z");
  });
});
