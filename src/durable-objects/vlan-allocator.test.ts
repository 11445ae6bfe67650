import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { RESERVATION_TTL_MS, UNKNOWN_HOLD_MS } from "./vlan-allocator";

const allocator = () => env.VLANS.get(env.VLANS.idFromName(`node-${crypto.randomUUID()}`));
const T = Date.UTC(2030, 0, 15);

describe("VlanAllocator hands each VLAN out once", () => {
  it("gives concurrent holders distinct VLANs from the same candidate list, and the same ones to a holder that asks again", async () => {
    const node = allocator();
    const candidates = [10, 11, 12, 13, 14];
    const results = await Promise.all(
      ["a", "b", "c", "d", "e"].map((holder) => node.reserve(holder, candidates, 1, T)),
    );
    expect(results.map((r) => (r.ok ? r.vlans[0] : null)).sort()).toEqual(candidates);
    expect(await node.reserve("a", candidates, 1, T)).toEqual(results[0]);
    expect(await node.reserve("f", candidates, 1, T)).toEqual({ ok: false, reason: "exhausted", free: 0 });
  });

  it("takes a failed holder's VLAN back at once, keeps an unknown one until the element manager lists it free after the hold, and drops abandoned reservations", async () => {
    const node = allocator();
    expect(await node.reserve("failed", [20, 21], 1, T)).toEqual({ ok: true, vlans: [20] });
    await node.settle("failed", "released", T);
    expect(await node.reserve("next", [20, 21], 1, T)).toEqual({ ok: true, vlans: [20] });

    await node.settle("next", "unknown", T);
    // Within the hold, or not offered as free: still held.
    expect(await node.reserve("x", [20, 21, 22], 3, T + UNKNOWN_HOLD_MS - 1)).toMatchObject({ ok: false, free: 2 });
    expect(await node.reserve("y", [21], 1, T + UNKNOWN_HOLD_MS + 1)).toEqual({ ok: true, vlans: [21] });
    expect(await node.reserve("z", [20], 1, T + UNKNOWN_HOLD_MS + 1)).toEqual({ ok: true, vlans: [20] });

    // "y" never settles: after the TTL its VLAN is free again; an assigned one is left to the element manager's list.
    await node.settle("z", "assigned", T + UNKNOWN_HOLD_MS + 1);
    expect(await node.reserve("late", [21], 1, T + UNKNOWN_HOLD_MS + RESERVATION_TTL_MS + 2)).toEqual({
      ok: true,
      vlans: [21],
    });
    expect((await node.held()).map((h) => `${h.vlan}:${h.holder}:${h.state}`)).toEqual(["21:late:reserved"]);
    await node.free([21]);
    expect(await node.held()).toEqual([]);
  });
});
