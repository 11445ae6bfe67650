import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call } from "../../../test/helpers";
import { assignedTicket } from "../../../test/work-factories";

describe("report aggregates follow every ticket change", () => {
  it("a new, assigned, started and resolved ticket moves its facts, days and current counts", async () => {
    const { ticket, tech, dispatcher } = await assignedTicket();
    const facts = () =>
      env.DB.prepare("SELECT * FROM report_ticket_facts WHERE ticket_id = ?1 ORDER BY technician_id")
        .bind(ticket.id)
        .all();
    let rows = (await facts()).results;
    expect(rows.map((r) => r.technician_id)).toEqual(["", tech.user.id]);
    expect(rows[0]).toMatchObject({ status: "assigned", resolved_day: null });
    expect((await call(`/v1/tickets/${ticket.id}/start`, { token: tech.token, body: {} })).status).toBe(200);
    expect((await call(`/v1/tickets/${ticket.id}/resolve`, { token: tech.token, body: {} })).status).toBe(200);
    rows = (await facts()).results;
    expect(rows[1]).toMatchObject({ first_time_fix: 1, on_time: 1 });
    expect(rows[1].resolved_day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const daily = await env.DB.prepare(
      "SELECT sum(created) AS created, sum(completed) AS completed FROM report_daily WHERE technician_id = ?1",
    )
      .bind(tech.user.id)
      .first();
    expect(daily).toEqual({ created: 1, completed: 1 });
    const current = await env.DB.prepare(
      "SELECT status, tickets FROM report_current WHERE technician_id = ?1 AND tickets <> 0",
    )
      .bind(tech.user.id)
      .all();
    expect(current.results).toEqual([{ status: rows[1].status, tickets: 1 }]);
    void dispatcher;
  });
});
