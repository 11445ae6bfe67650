import { abortAllDurableObjects } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../helpers";
import { dayAhead, doCount } from "../scheduling-helpers";
import { customerAccount, raiseTicket, staff, technicianAccount } from "../work-factories";

/**
 * Fault tests (issue 6). The third — a notification provider failing half the time — lives with
 * the delivery tests (src/modules/notifications/notifications.test.ts, "failing half the time").
 */
describe("a booking Durable Object aborted mid-storm", () => {
  it("never double-books, before or after it restarts", async () => {
    const dispatcher = await staff("dispatcher");
    const tech = await technicianAccount();
    const date = dayAhead(9);
    const slots = ["09:00", "09:30", "10:00", "10:30", "11:00"];
    const tickets = [];
    // One address for all: back-to-back visits there need no travel time.
    for (let i = 0; i < 30; i++)
      tickets.push(await raiseTicket(dispatcher.token, { location: { lat: -24.6282, lng: 25.9231 } }));
    const book = (ticketId: string, start: string) =>
      call("/v1/appointments", {
        token: dispatcher.token,
        body: { ticket_id: ticketId, technician_id: tech.user.id, date, start_time: start },
      });

    // First wave, with the object torn down while requests are in flight.
    const wave = tickets.slice(0, 20).map((t, i) => book(t.id, slots[i % slots.length]));
    await new Promise((r) => setTimeout(r, 5));
    await abortAllDurableObjects();
    const first = await Promise.all(wave);
    for (const r of first) expect([201, 409, 500]).toContain(r.status);
    for (const r of first.filter((x) => x.status === 500)) expectProblem(r, 500, "internal_error");

    // Second wave after the restart, on the same slots.
    const second = await Promise.all(tickets.slice(20).map((t, i) => book(t.id, slots[i % slots.length])));
    for (const r of second) expect([201, 409]).toContain(r.status);

    const rows = (
      await env.DB.prepare("SELECT start_time FROM appointments WHERE technician_id = ?1 AND status <> 'cancelled'")
        .bind(tech.user.id)
        .all<{ start_time: string }>()
    ).results;
    const perSlot = new Map<string, number>();
    for (const r of rows) perSlot.set(r.start_time, (perSlot.get(r.start_time) ?? 0) + 1);
    expect([...perSlot.values()].every((n) => n === 1)).toBe(true);
    expect(perSlot.size).toBe(slots.length); // every slot ends up taken exactly once
    expect(await doCount(tech.user.id)).toBe(rows.length);
  }, 60_000);
});

describe("a D1 batch whose last statement fails", () => {
  it("leaves nothing half-written and answers a problem+json error", async () => {
    const dispatcher = await staff("dispatcher");
    const cust = await customerAccount();
    const ticket = await raiseTicket(cust.token);
    const historyBefore = await env.DB.prepare("SELECT count(*) AS n FROM ticket_history WHERE ticket_id = ?1")
      .bind(ticket.id)
      .first<{ n: number }>();
    // Make the batch's last statement (the domain event insert) fail.
    await env.DB.prepare(
      "CREATE TRIGGER fail_event_insert BEFORE INSERT ON domain_events BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
    ).run();
    try {
      const res = await call(`/v1/tickets/${ticket.id}/open`, {
        token: dispatcher.token,
        body: { comment: "will not stick" },
      });
      expectProblem(res, 500, "internal_error");
      expect(res.text).not.toContain("injected");
      const after = await env.DB.prepare("SELECT status, opened_at FROM tickets WHERE id = ?1").bind(ticket.id).first();
      expect(after).toEqual({ status: "new", opened_at: null });
      const historyAfter = await env.DB.prepare("SELECT count(*) AS n FROM ticket_history WHERE ticket_id = ?1")
        .bind(ticket.id)
        .first<{ n: number }>();
      expect(historyAfter).toEqual(historyBefore);
    } finally {
      await env.DB.prepare("DROP TRIGGER fail_event_insert").run();
    }
    // With the fault gone the same move works.
    expect((await call(`/v1/tickets/${ticket.id}/open`, { token: dispatcher.token, body: {} })).json.status).toBe(
      "opened",
    );
  });
});
