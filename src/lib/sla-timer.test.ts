import { describe, expect, it } from "vitest";
import type { Env } from "./env";
import { armSlaTimerSoon } from "./sla-timer";

describe("arming the SLA timer after a burst of ticket writes", () => {
  it("asks the timer once, for the earliest deadline of the moment", async () => {
    const asked: number[] = [];
    const env = {
      SLA_TIMER: {
        idFromName: (name: string) => name,
        get: () => ({ arm: async (at: number) => void asked.push(at) }),
      },
    } as unknown as Env;
    const waits: Promise<unknown>[] = [];
    const waitUntil = (p: Promise<unknown>) => void waits.push(p);
    armSlaTimerSoon(env, 3_000_000, waitUntil);
    armSlaTimerSoon(env, 1_000_000, waitUntil);
    armSlaTimerSoon(env, 2_000_000, waitUntil);
    expect(waits).toHaveLength(1);
    expect(asked).toEqual([]);
    await Promise.all(waits);
    expect(asked).toEqual([1_000_000]);
    // The next moment is asked for on its own.
    armSlaTimerSoon(env, 5_000_000, waitUntil);
    await Promise.all(waits.slice(1));
    expect(asked).toEqual([1_000_000, 5_000_000]);
  });
});
