import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ROUND_TRIP_BUDGET, SWEPT_STATUS } from "../reliability/round-trip-budget";

describe("docs/round-trips.md", () => {
  it("publishes exactly the budget table the tests enforce", () => {
    const doc = readFileSync("docs/round-trips.md", "utf8");
    const published: Record<string, number> = {};
    const statuses: Record<string, number> = {};
    for (const m of doc.matchAll(/^\| `([^`]+)` \| (\d+) \| (\d+|—) \|/gm)) {
      published[m[1]] = Number(m[2]);
      if (m[3] !== "—") statuses[m[1]] = Number(m[3]);
    }
    expect(published).toEqual(ROUND_TRIP_BUDGET);
    expect(statuses).toEqual(SWEPT_STATUS);
  });
});
