import { DurableObject } from "cloudflare:workers";

/** How long a reservation may wait for its provisioning to settle before it is presumed abandoned. */
export const RESERVATION_TTL_MS = 10 * 60_000;
/** How long a VLAN whose provisioning ended unknown stays held before the element manager's word frees it. */
export const UNKNOWN_HOLD_MS = 2 * 60_000;

export type ReserveResult = { ok: true; vlans: number[] } | { ok: false; reason: "exhausted"; free: number };
export type Settlement = "assigned" | "released" | "unknown";

/**
 * NET-3. One object per network node owns that node's VLAN hand-outs, the same single-writer
 * pattern as technician bookings: between reading what is held and writing the reservation there
 * is no await, so two provisioning requests can never both take the same VLAN. The element
 * manager's list of free VLANs is the candidate set; this object subtracts what it has handed
 * out and not yet seen settle.
 *
 * A reservation is `reserved` until its provisioning settles: `assigned` (the element manager
 * now uses it; held a while longer, for requests that read the free list before it landed), `released` (the element manager failed: the VLAN goes
 * straight back), or `unknown` (the write timed out: held until the element manager lists it as
 * free again after UNKNOWN_HOLD_MS). A reservation whose request died is dropped after
 * RESERVATION_TTL_MS.
 */
export class VlanAllocator extends DurableObject {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS held (
      vlan INTEGER PRIMARY KEY,
      holder TEXT NOT NULL,
      state TEXT NOT NULL,
      since_ms INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS held_holder ON held (holder)`);
  }

  /** Reserves `count` of the candidates for `holder` (the provisioning action); asking again returns the same VLANs. */
  reserve(holder: string, candidates: number[], count: number, nowMs = Date.now()): ReserveResult {
    const mine = this.sql
      .exec<{ vlan: number }>("SELECT vlan FROM held WHERE holder = ? ORDER BY vlan", holder)
      .toArray();
    if (mine.length) return { ok: true, vlans: mine.map((r) => r.vlan) };
    const offered = new Set(candidates);
    // Past the TTL a reservation's request is gone, and an assigned VLAN is in the element manager's
    // own list of used ones (which every candidate list is read from), so neither needs holding.
    this.sql.exec(
      "DELETE FROM held WHERE state IN ('reserved', 'assigned') AND since_ms < ?",
      nowMs - RESERVATION_TTL_MS,
    );
    const held = this.sql
      .exec<{ vlan: number; state: string; since_ms: number }>("SELECT vlan, state, since_ms FROM held")
      .toArray();
    const taken = new Set<number>();
    for (const row of held) {
      // The element manager lists it as free again and the write has had time to land: it never did.
      if (row.state === "unknown" && row.since_ms < nowMs - UNKNOWN_HOLD_MS && offered.has(row.vlan)) {
        this.sql.exec("DELETE FROM held WHERE vlan = ?", row.vlan);
      } else {
        taken.add(row.vlan);
      }
    }
    const free = [...offered].filter((v) => !taken.has(v)).sort((a, b) => a - b);
    if (free.length < count) return { ok: false, reason: "exhausted", free: free.length };
    const vlans = free.slice(0, count);
    for (const vlan of vlans)
      this.sql.exec(
        "INSERT INTO held (vlan, holder, state, since_ms) VALUES (?, ?, 'reserved', ?)",
        vlan,
        holder,
        nowMs,
      );
    return { ok: true, vlans };
  }

  /** Records how the holder's provisioning ended. */
  settle(holder: string, outcome: Settlement, nowMs = Date.now()) {
    if (outcome === "released") this.sql.exec("DELETE FROM held WHERE holder = ?", holder);
    else this.sql.exec("UPDATE held SET state = ?, since_ms = ? WHERE holder = ?", outcome, nowMs, holder);
  }

  /** VLANs the element manager no longer uses (an ONT deleted, unused VLANs cleaned up). */
  free(vlans: number[]) {
    for (const vlan of vlans) this.sql.exec("DELETE FROM held WHERE vlan = ?", vlan);
  }

  held(): { vlan: number; holder: string; state: string; since_ms: number }[] {
    return this.sql
      .exec<{ vlan: number; holder: string; state: string; since_ms: number }>(
        "SELECT vlan, holder, state, since_ms FROM held ORDER BY vlan",
      )
      .toArray();
  }
}
