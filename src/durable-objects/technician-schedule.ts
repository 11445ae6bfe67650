import { DurableObject } from "cloudflare:workers";
import { type TravelRule, travelClash } from "../lib/travel";

export type Booking = {
  appointment_id: string;
  ticket_id: string;
  starts_ms: number;
  ends_ms: number;
  /** Where the visit is, for the travel rule (DSP-3); null when unknown. */
  lat?: number | null;
  lng?: number | null;
};

/** A booking or hold as `between` answers it: where it is, for the travel rule. */
export type DayEntry = {
  appointment_id: string;
  ticket_id: string;
  starts_ms: number;
  ends_ms: number;
  lat: number | null;
  lng: number | null;
};

export type BookResult =
  | { ok: true }
  | { ok: false; reason: "clash"; clash_with: string }
  | { ok: false; reason: "travel"; clash_with: string; side: "before" | "after"; need_ms: number; gap_ms: number }
  | { ok: false; reason: "holdback"; clash_with?: undefined };

/** How long a claimed start waits for its booking before the next booking may claim it. */
const CLAIM_LEASE_MS = 10_000;

/** How far either side of a visit its neighbours are looked for by the travel rule. */
const TRAVEL_REACH_MS = 12 * 3600_000;

/** DSP-4: routine work may fill at most `maxMs` of [fromMs, toMs) (the rest is kept for emergencies). */
export interface RoutineLimit {
  fromMs: number;
  toMs: number;
  maxMs: number;
}

/**
 * SCH-2. One object per technician owns that technician's bookings in its own SQLite storage.
 * Every method is synchronous between reading and writing (the SQL API is synchronous and there
 * is no await in between), so two requests can never both see a slot free: the object is the
 * single writer, and its input gate serialises calls. D1 holds a copy for queries.
 */
export class TechnicianSchedule extends DurableObject {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS bookings (
      appointment_id TEXT PRIMARY KEY,
      ticket_id TEXT NOT NULL,
      starts_ms INTEGER NOT NULL,
      ends_ms INTEGER NOT NULL
    )`);
    this.sql.exec("CREATE INDEX IF NOT EXISTS bookings_start ON bookings (starts_ms, ends_ms)");
    // DSP-2: slots held while a customer confirms; a live hold is busy for everyone but its holder.
    this.sql.exec(`CREATE TABLE IF NOT EXISTS holds (
      hold_id TEXT PRIMARY KEY,
      ticket_id TEXT NOT NULL,
      starts_ms INTEGER NOT NULL,
      ends_ms INTEGER NOT NULL,
      expires_ms INTEGER NOT NULL
    )`);
    // DSP-3: where each visit and hold is (objects created before travel had no such columns).
    for (const table of ["bookings", "holds"]) {
      const columns = this.sql.exec<{ name: string }>(`PRAGMA table_info(${table})`).toArray();
      if (!columns.some((c) => c.name === "lat")) {
        this.sql.exec(`ALTER TABLE ${table} ADD COLUMN lat REAL`);
        this.sql.exec(`ALTER TABLE ${table} ADD COLUMN lng REAL`);
      }
    }
    this.longestMs =
      this.sql.exec<{ longest: number | null }>("SELECT max(ends_ms - starts_ms) AS longest FROM bookings").one()
        .longest ?? 0;
  }

  /**
   * The longest booking held. A booking that overlaps [from, to) starts after `from - longestMs`,
   * which bounds every overlap query to an index range instead of every booking that starts
   * before `to` (all of a technician's past: found by `npm run bench`, whose insert baseline
   * slowed as its table grew).
   */
  private longestMs: number;

  private noteSpan(startsMs: number, endsMs: number) {
    this.longestMs = Math.max(this.longestMs, endsMs - startsMs);
  }

  /**
   * Bookings racing for one start, by start: the one going through its checks, until when, and
   * how the others waiting on it are woken. Kept in memory only: losing them (the object
   * restarting) costs a race at `book`, which decides alone, never a wrong answer.
   */
  private readonly claims = new Map<
    number,
    { token: string; untilMs: number; settled: () => void; done: Promise<void> }
  >();

  /**
   * A booking's start, claimed before the booking reads what it needs elsewhere. Taken (a visit,
   * time off or someone's live hold covers that minute: every booking starting then would clash)
   * answers what it clashes with. Claimed by another booking still going through its checks: waits
   * until that one books or lets go (or its lease runs out), then looks again. Otherwise this
   * booking owns the start until `book` or `settle` with its token.
   */
  async claim(startsMs: number, token: string, leaseMs = CLAIM_LEASE_MS): Promise<{ taken: string | null }> {
    // Claims whose booking never came back are dropped (their waiters look again).
    for (const [start, lapsed] of this.claims)
      if (lapsed.untilMs <= Date.now()) {
        this.claims.delete(start);
        lapsed.settled();
      }
    for (;;) {
      const taken = this.clash(startsMs, startsMs + 1, null);
      if (taken) return { taken };
      const live = this.claims.get(startsMs);
      if (!live || live.token === token || live.untilMs <= Date.now()) {
        let settled = () => {};
        const done = new Promise<void>((resolve) => {
          settled = resolve;
        });
        this.claims.set(startsMs, { token, untilMs: Date.now() + leaseMs, settled, done });
        return { taken: null };
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        live.done,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, Math.max(0, live.untilMs - Date.now()));
        }),
      ]);
      clearTimeout(timer);
    }
  }

  /** Lets go of a claimed start (the booking stopped before `book`); the next one waiting looks again. */
  settle(startsMs: number, token: string): boolean {
    const live = this.claims.get(startsMs);
    if (!live || live.token !== token) return false;
    this.claims.delete(startsMs);
    live.settled();
    return true;
  }

  /** Any overlap clashes: [a, b) and [c, d) overlap when a < d and c < b. Live holds count, but not the caller's own. */
  private clash(
    startsMs: number,
    endsMs: number,
    exceptAppointmentId: string | null,
    exceptHoldId: string | null = null,
  ): string | null {
    const row = this.sql
      .exec<{ appointment_id: string }>(
        "SELECT appointment_id FROM bookings WHERE starts_ms < ? AND starts_ms >= ? AND ends_ms > ? AND appointment_id IS NOT ? LIMIT 1",
        endsMs,
        startsMs - this.longestMs,
        startsMs,
        exceptAppointmentId,
      )
      .toArray()[0];
    if (row) return row.appointment_id;
    const held = this.sql
      .exec<{ hold_id: string }>(
        "SELECT hold_id FROM holds WHERE starts_ms < ? AND ends_ms > ? AND expires_ms > ? AND hold_id IS NOT ? LIMIT 1",
        endsMs,
        startsMs,
        Date.now(),
        exceptHoldId,
      )
      .toArray()[0];
    return held?.hold_id ?? null;
  }

  /**
   * The travel rule (src/lib/travel.ts) against the visits and live holds around [startsMs, endsMs):
   * the same function availability runs, over the same rows.
   */
  private travel(
    rule: TravelRule | null,
    here: { starts_ms: number; ends_ms: number; lat?: number | null; lng?: number | null },
    exceptId: string | null,
  ): BookResult | null {
    if (!rule) return null;
    const near = this.between(here.starts_ms - TRAVEL_REACH_MS, here.ends_ms + TRAVEL_REACH_MS);
    const clash = travelClash(
      rule,
      { startsMs: here.starts_ms, endsMs: here.ends_ms, lat: here.lat ?? null, lng: here.lng ?? null },
      near,
      exceptId,
    );
    return clash
      ? {
          ok: false,
          reason: "travel",
          clash_with: clash.with,
          side: clash.side,
          need_ms: clash.needMs,
          gap_ms: clash.gapMs,
        }
      : null;
  }

  /**
   * Holds a slot until `expires_ms` for one ticket (a customer confirming): busy for every other
   * booking and hold meanwhile. The same id again moves the hold. Expired holds are ignored at
   * once and purged by the alarm.
   */
  async hold(
    holdId: string,
    ticketId: string,
    startsMs: number,
    endsMs: number,
    expiresMs: number,
    limit: RoutineLimit | null = null,
    place: { lat: number | null; lng: number | null } = { lat: null, lng: null },
    travel: TravelRule | null = null,
  ): Promise<BookResult> {
    const clash = this.clash(startsMs, endsMs, null, holdId);
    if (clash) return { ok: false, reason: "clash", clash_with: clash };
    const far = this.travel(travel, { starts_ms: startsMs, ends_ms: endsMs, ...place }, holdId);
    if (far) return far;
    if (limit && this.bookedIn(limit.fromMs, limit.toMs, holdId) + (endsMs - startsMs) > limit.maxMs)
      return { ok: false, reason: "holdback" };
    this.sql.exec(
      "INSERT OR REPLACE INTO holds (hold_id, ticket_id, starts_ms, ends_ms, expires_ms, lat, lng) VALUES (?, ?, ?, ?, ?, ?, ?)",
      holdId,
      ticketId,
      startsMs,
      endsMs,
      expiresMs,
      place.lat,
      place.lng,
    );
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm === null || alarm > expiresMs) await this.ctx.storage.setAlarm(expiresMs);
    return { ok: true };
  }

  releaseHold(holdId: string): boolean {
    return this.sql.exec("DELETE FROM holds WHERE hold_id = ?", holdId).rowsWritten > 0;
  }

  /** Purges expired holds and wakes again at the next expiry. */
  override async alarm() {
    this.sql.exec("DELETE FROM holds WHERE expires_ms <= ?", Date.now());
    const next = this.sql.exec<{ at: number | null }>("SELECT min(expires_ms) AS at FROM holds").one().at;
    if (next !== null) await this.ctx.storage.setAlarm(next);
  }

  /** Booked time (visits and live holds, not time off) in [fromMs, toMs), leaving out one hold. */
  private bookedIn(fromMs: number, toMs: number, exceptHoldId: string | null): number {
    const overlap = "max(0, min(ends_ms, ?2) - max(starts_ms, ?1))";
    const booked = this.sql
      .exec<{ ms: number | null }>(
        `SELECT sum(${overlap}) AS ms FROM bookings WHERE starts_ms < ?2 AND starts_ms >= ?3 AND ends_ms > ?1 AND substr(appointment_id, 1, 4) <> 'tof_'`,
        fromMs,
        toMs,
        fromMs - this.longestMs,
      )
      .one().ms;
    const held = this.sql
      .exec<{ ms: number | null }>(
        `SELECT sum(${overlap}) AS ms FROM holds WHERE starts_ms < ?2 AND ends_ms > ?1 AND expires_ms > ?3 AND hold_id IS NOT ?4`,
        fromMs,
        toMs,
        Date.now(),
        exceptHoldId,
      )
      .one().ms;
    return (booked ?? 0) + (held ?? 0);
  }

  /**
   * Takes the slot; with `holdId`, the holder's own hold gives way to the booking in the same step;
   * with `limit`, routine work stays within it; with `travel`, the technician can get there from
   * the visit before and on to the visit after; with `claim`, the start claimed for it is let go
   * (whatever the outcome: the bookings waiting on it look again).
   */
  book(
    booking: Booking,
    holdId: string | null = null,
    limit: RoutineLimit | null = null,
    travel: TravelRule | null = null,
    claim: string | null = null,
  ): BookResult {
    const result = this.take(booking, holdId, limit, travel);
    if (claim) this.settle(booking.starts_ms, claim);
    return result;
  }

  private take(
    booking: Booking,
    holdId: string | null,
    limit: RoutineLimit | null,
    travel: TravelRule | null,
  ): BookResult {
    const clash = this.clash(booking.starts_ms, booking.ends_ms, booking.appointment_id, holdId);
    if (clash) return { ok: false, reason: "clash", clash_with: clash };
    // The holder's own hold is no neighbour of the booking that replaces it.
    const far = this.travel(travel, booking, holdId ?? booking.appointment_id);
    if (far) return far;
    if (limit && this.bookedIn(limit.fromMs, limit.toMs, holdId) + (booking.ends_ms - booking.starts_ms) > limit.maxMs)
      return { ok: false, reason: "holdback" };
    if (holdId) this.releaseHold(holdId);
    this.sql.exec(
      "INSERT OR REPLACE INTO bookings (appointment_id, ticket_id, starts_ms, ends_ms, lat, lng) VALUES (?, ?, ?, ?, ?, ?)",
      booking.appointment_id,
      booking.ticket_id,
      booking.starts_ms,
      booking.ends_ms,
      booking.lat ?? null,
      booking.lng ?? null,
    );
    this.noteSpan(booking.starts_ms, booking.ends_ms);
    return { ok: true };
  }

  /** Frees the old slot and takes the new one in one step; on a clash nothing changes. */
  reschedule(appointmentId: string, startsMs: number, endsMs: number, travel: TravelRule | null = null): BookResult {
    const clash = this.clash(startsMs, endsMs, appointmentId);
    if (clash) return { ok: false, reason: "clash", clash_with: clash };
    if (travel) {
      const place = this.sql
        .exec<{ lat: number | null; lng: number | null }>(
          "SELECT lat, lng FROM bookings WHERE appointment_id = ?",
          appointmentId,
        )
        .toArray()[0];
      const far = this.travel(travel, { starts_ms: startsMs, ends_ms: endsMs, ...place }, appointmentId);
      if (far) return far;
    }
    this.sql.exec(
      "UPDATE bookings SET starts_ms = ?, ends_ms = ? WHERE appointment_id = ?",
      startsMs,
      endsMs,
      appointmentId,
    );
    this.noteSpan(startsMs, endsMs);
    return { ok: true };
  }

  /**
   * Approved time off (TIME-3), held here like a booking so no booking lands on it (the same
   * single-writer check). Unlike a booking it is taken even over visits already there: leave is
   * leave. Answers those visits, to be moved.
   */
  holdTimeOff(id: string, startsMs: number, endsMs: number): string[] {
    const visits = this.sql
      .exec<{ appointment_id: string }>(
        "SELECT appointment_id FROM bookings WHERE starts_ms < ? AND starts_ms >= ? AND ends_ms > ? AND substr(appointment_id, 1, 4) <> 'tof_' ORDER BY starts_ms",
        endsMs,
        startsMs - this.longestMs,
        startsMs,
      )
      .toArray()
      .map((r) => r.appointment_id);
    this.sql.exec(
      "INSERT OR REPLACE INTO bookings (appointment_id, ticket_id, starts_ms, ends_ms) VALUES (?, '', ?, ?)",
      id,
      startsMs,
      endsMs,
    );
    this.noteSpan(startsMs, endsMs);
    return visits;
  }

  release(appointmentId: string): boolean {
    return this.sql.exec("DELETE FROM bookings WHERE appointment_id = ?", appointmentId).rowsWritten > 0;
  }

  /** Bookings (and live holds, under their `hld_` ids) that overlap [fromMs, toMs): what availability needs for one day. */
  between(fromMs: number, toMs: number): DayEntry[] {
    const booked = this.sql
      .exec<DayEntry>(
        "SELECT appointment_id, ticket_id, starts_ms, ends_ms, lat, lng FROM bookings WHERE starts_ms < ? AND starts_ms >= ? AND ends_ms > ? ORDER BY starts_ms",
        toMs,
        fromMs - this.longestMs,
        fromMs,
      )
      .toArray();
    const held = this.sql
      .exec<DayEntry>(
        "SELECT hold_id AS appointment_id, ticket_id, starts_ms, ends_ms, lat, lng FROM holds WHERE starts_ms < ? AND ends_ms > ? AND expires_ms > ?",
        toMs,
        fromMs,
        Date.now(),
      )
      .toArray();
    return held.length ? [...booked, ...held].sort((a, b) => a.starts_ms - b.starts_ms) : booked;
  }

  count(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM bookings").one().n;
  }
}
