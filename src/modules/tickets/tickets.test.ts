import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../../../test/helpers";
import { securitySuite } from "../../../test/security-suite";
import {
  assignedTicket,
  customerAccount,
  makeAsset,
  makeCustomer,
  raiseTicket,
  staff,
  technicianAccount,
} from "../../../test/work-factories";

securitySuite("tickets");

const history = async (id: string) =>
  (
    await env.DB.prepare(
      "SELECT action, from_value, to_value FROM ticket_history WHERE ticket_id = ?1 ORDER BY created_at, rowid",
    )
      .bind(id)
      .all<{ action: string; from_value: string | null; to_value: string | null }>()
  ).results;

describe("WO-1 create", () => {
  it("lets a customer raise a ticket for themselves, with a number, SLA targets, history and an event", async () => {
    const { token, customerId, user } = await customerAccount();
    const before = Date.now();
    const res = await call("/v1/tickets", {
      token,
      body: { kind: "service_down", priority: "high", title: "Fibre down", description: "Since 8am" },
    });
    expect(res.status, res.text).toBe(201);
    const t = res.json;
    expect(t).toMatchObject({
      kind: "service_down",
      priority: "high",
      status: "new",
      customer_id: customerId,
      created_by: user.id,
    });
    expect(t.number).toMatch(/^TR-\d{6}$/);
    expect(t.id).toMatch(/^tkt_/);
    const responseDue = Date.parse(t.sla.response_due_at);
    expect(responseDue - before).toBeGreaterThanOrEqual(30 * 60_000 - 5_000);
    expect(responseDue - before).toBeLessThanOrEqual(30 * 60_000 + 5_000);
    expect(t.sla).toMatchObject({ response_breached: false, resolution_breached: false, paused: false });
    expect(await history(t.id)).toEqual([{ action: "created", from_value: null, to_value: "new" }]);
    const event = await env.DB.prepare("SELECT type FROM domain_events WHERE subject_id = ?1").bind(t.id).first();
    expect(event).toEqual({ type: "ticket.created" });
  });

  it("accepts `normal` for medium and takes location and area from the customer", async () => {
    const dispatcher = await staff("dispatcher");
    const customerId = await makeCustomer({ serviceArea: "francistown" });
    const t = await raiseTicket(dispatcher.token, {
      priority: "normal",
      customer_id: customerId,
      kind: "installation",
    });
    expect(t).toMatchObject({
      priority: "medium",
      service_area: "francistown",
      location: { lat: -24.65, lng: 25.91, address: "1 Main St" },
    });
  });

  it("refuses unknown enums, a foreign customer id and a stranger's card, writing nothing", async () => {
    const { token } = await customerAccount();
    const other = await makeCustomer();
    const asset = await makeAsset(other);
    const count = async () => (await env.DB.prepare("SELECT count(*) AS n FROM tickets").first<{ n: number }>())!.n;
    const before = await count();
    expectProblem(
      await call("/v1/tickets", { token, body: { kind: "teleport", title: "x" } }),
      400,
      "validation_failed",
    );
    expectProblem(
      await call("/v1/tickets", { token, body: { kind: "repair", priority: "urgent", title: "x" } }),
      400,
      "validation_failed",
    );
    expectProblem(
      await call("/v1/tickets", { token, body: { kind: "repair", title: "x", customer_id: other } }),
      400,
      "validation_failed",
    );
    expectProblem(
      await call("/v1/tickets", { token, body: { kind: "repair", title: "x", asset_id: asset } }),
      400,
      "validation_failed",
    );
    expectProblem(
      await call("/v1/tickets", { token, body: { kind: "repair", title: "x", status: "closed" } }),
      400,
      "validation_failed",
    );
    expectProblem(
      await call("/v1/tickets", { token, body: { kind: "repair", title: "x", location: { lat: 200, lng: 0 } } }),
      400,
      "validation_failed",
    );
    expect(await count()).toBe(before);
  });
});

describe("WO-2 role-scoped lists and WO-3 detail", () => {
  it("shows customers their own, technicians their assigned, supervisors their team, dispatch everything", async () => {
    const dispatcher = await staff("dispatcher");
    const supervisor = await staff("supervisor");
    const tech = await technicianAccount({ supervisorId: supervisor.user.id });
    const outsider = await technicianAccount();
    const alice = await customerAccount();
    const bob = await customerAccount();
    const a = await raiseTicket(alice.token, { title: "Alice's" });
    const b = await raiseTicket(bob.token, { title: "Bob's" });
    await call(`/v1/tickets/${a.id}/assign`, { token: dispatcher.token, body: { technician_ids: [tech.user.id] } });

    const ids = async (token: string) =>
      (await call("/v1/tickets?limit=100", { token })).json.data.map((t: { id: string }) => t.id);
    expect(await ids(alice.token)).toEqual([a.id]);
    expect(await ids(bob.token)).toEqual([b.id]);
    expect(await ids(tech.token)).toEqual([a.id]);
    expect(await ids(outsider.token)).toEqual([]);
    expect(await ids(supervisor.token)).toEqual([a.id]);
    expect(await ids(dispatcher.token)).toEqual(expect.arrayContaining([a.id, b.id]));

    // Not visible → 404, never 403: existence is not revealed.
    expectProblem(await call(`/v1/tickets/${a.id}`, { token: bob.token }), 404, "not_found");
    expectProblem(await call(`/v1/tickets/${a.id}`, { token: outsider.token }), 404, "not_found");
    expectProblem(await call(`/v1/tickets/${a.id}/cancel`, { token: bob.token, body: {} }), 404, "not_found");
    expectProblem(await call(`/v1/tickets/${a.id}/comments`, { token: bob.token }), 404, "not_found");
    const detail = await call(`/v1/tickets/${a.id}`, { token: alice.token });
    expect(detail.status).toBe(200);
    expect(detail.json.assignees.map((x: { technician_id: string }) => x.technician_id)).toEqual([tech.user.id]);
    expect(detail.json.history.map((h: { action: string }) => h.action)).toEqual([
      "created",
      "assigned",
      "status_changed",
    ]);
  });

  it("finds a case by its number, only among the tickets the caller may see", async () => {
    const cust = await customerAccount();
    const other = await customerAccount();
    const dispatcher = await staff("dispatcher");
    const mine = await raiseTicket(cust.token);
    const byNumber = await call(`/v1/tickets?number=${mine.number.toLowerCase()}`, { token: dispatcher.token });
    expect(byNumber.json.data.map((t: { id: string }) => t.id)).toEqual([mine.id]);
    expect((await call(`/v1/tickets?number=${mine.number}`, { token: cust.token })).json.data).toHaveLength(1);
    expect((await call(`/v1/tickets?number=${mine.number}`, { token: other.token })).json.data).toEqual([]);
  });

  it("filters by status, priority, kind, technician and customer, pages with a cursor and rejects bad filters", async () => {
    const dispatcher = await staff("dispatcher");
    const customerId = await makeCustomer();
    const made = [];
    for (const priority of ["low", "high", "high", "emergency", "high"])
      made.push(
        await raiseTicket(dispatcher.token, {
          priority,
          customer_id: customerId,
          kind: priority === "low" ? "upgrade" : "repair",
        }),
      );
    const list = async (q: string) =>
      (await call(`/v1/tickets?customer_id=${customerId}&${q}`, { token: dispatcher.token })).json;
    expect((await list("priority=high")).data).toHaveLength(3);
    expect((await list("priority=low,emergency")).data).toHaveLength(2);
    expect((await list("kind=upgrade")).data).toHaveLength(1);
    expect((await list("status=new")).data).toHaveLength(5);
    const pages: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { data: { id: string }[]; next_cursor: string | null } = await list(
        `limit=2${cursor ? `&cursor=${cursor}` : ""}`,
      );
      pages.push(...page.data.map((t) => t.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(pages).toEqual(made.map((t) => t.id).reverse());
    expectProblem(await call("/v1/tickets?status=flying", { token: dispatcher.token }), 400, "validation_failed");
    expectProblem(
      await call("/v1/tickets?created_from=yesterday", { token: dispatcher.token }),
      400,
      "validation_failed",
    );
  });
});

describe("WO-4 workflow", () => {
  it("walks new → opened → assigned → in_progress → on_hold → in_progress → waiting_approval → closed with milestones", async () => {
    const dispatcher = await staff("dispatcher");
    const tech = await technicianAccount();
    const cust = await customerAccount();
    const t = await raiseTicket(cust.token);
    const act = (token: string, action: string, body: object = {}) =>
      call(`/v1/tickets/${t.id}/${action}`, { token, body });

    expect((await act(dispatcher.token, "open")).json).toMatchObject({
      status: "opened",
      milestones: { opened_at: expect.any(String) },
      sla: { responded_at: expect.any(String) },
    });
    expect((await act(dispatcher.token, "assign", { technician_ids: [tech.user.id] })).json.status).toBe("assigned");
    const started = await act(tech.token, "start");
    expect(started.json).toMatchObject({ status: "in_progress" });
    expect(started.json.allowed_actions).toEqual(expect.arrayContaining(["hold", "resolve"]));
    expect((await act(tech.token, "hold", { comment: "waiting for a part" })).json).toMatchObject({
      status: "on_hold",
      sla: { paused: true },
    });
    expect((await act(tech.token, "resume")).json).toMatchObject({ status: "in_progress", sla: { paused: false } });
    const resolved = await act(tech.token, "resolve", { comment: "replaced ONT" });
    expect(resolved.json).toMatchObject({
      status: "waiting_approval",
      milestones: { resolved_at: expect.any(String) },
    });
    // The technician cannot approve their own work; the customer can.
    expectProblem(await act(tech.token, "approve"), 403, "forbidden");
    expect((await act(cust.token, "approve", { comment: "works" })).json).toMatchObject({
      status: "closed",
      milestones: { closed_at: expect.any(String) },
    });
    expectProblem(await act(dispatcher.token, "start"), 409, "invalid_transition");

    const rows = await history(t.id);
    expect(rows.map((r) => r.action)).toEqual([
      "created",
      "open",
      "assigned",
      "status_changed",
      "start",
      "hold",
      "resume",
      "resolve",
      "approve",
    ]);
    expect(rows.find((r) => r.action === "hold")).toMatchObject({ from_value: "in_progress", to_value: "on_hold" });
  });

  it("sends a rejected resolution back to work", async () => {
    const { tech, cust, ticket: t } = await assignedTicket();
    await call(`/v1/tickets/${t.id}/start`, { token: tech.token, body: {} });
    await call(`/v1/tickets/${t.id}/resolve`, { token: tech.token, body: {} });
    const rejected = await call(`/v1/tickets/${t.id}/reject`, { token: cust.token, body: { comment: "still down" } });
    expect(rejected.json).toMatchObject({ status: "in_progress", milestones: { resolved_at: null } });
  });

  it("guards who may move a ticket", async () => {
    const tech = await technicianAccount();
    const cust = await customerAccount();
    const t = await raiseTicket(cust.token);
    expectProblem(await call(`/v1/tickets/${t.id}/open`, { token: cust.token, body: {} }), 403, "forbidden");
    expectProblem(await call(`/v1/tickets/${t.id}/start`, { token: cust.token, body: {} }), 403, "forbidden");
    // An unassigned technician does not even see it.
    expectProblem(await call(`/v1/tickets/${t.id}/start`, { token: tech.token, body: {} }), 404, "not_found");
    expectProblem(
      await call(`/v1/tickets/${t.id}/approve`, { token: cust.token, body: {} }),
      409,
      "invalid_transition",
    );
    expectProblem(
      await call(`/v1/tickets/${t.id}/open`, { token: cust.token, body: { comment: 5 } }),
      400,
      "validation_failed",
    );
  });

  it("lets customers cancel before work starts but not after", async () => {
    const dispatcher = await staff("dispatcher");
    const tech = await technicianAccount();
    const cust = await customerAccount();
    const early = await raiseTicket(cust.token);
    expect((await call(`/v1/tickets/${early.id}/cancel`, { token: cust.token, body: {} })).json.status).toBe(
      "cancelled",
    );
    const late = await raiseTicket(cust.token);
    await call(`/v1/tickets/${late.id}/assign`, { token: dispatcher.token, body: { technician_ids: [tech.user.id] } });
    await call(`/v1/tickets/${late.id}/start`, { token: tech.token, body: {} });
    expectProblem(
      await call(`/v1/tickets/${late.id}/cancel`, { token: cust.token, body: {} }),
      409,
      "invalid_transition",
    );
    expect((await call(`/v1/tickets/${late.id}/cancel`, { token: dispatcher.token, body: {} })).json.status).toBe(
      "cancelled",
    );
    expect((await call(`/v1/tickets/${late.id}/reopen`, { token: dispatcher.token, body: {} })).json).toMatchObject({
      status: "opened",
      milestones: { cancelled_at: null },
    });
  });

  it("records field edits in history, one row per field", async () => {
    const dispatcher = await staff("dispatcher");
    const t = await raiseTicket(dispatcher.token, { priority: "low" });
    const res = await call(`/v1/tickets/${t.id}`, {
      method: "PATCH",
      token: dispatcher.token,
      body: { title: "Renamed", priority: "emergency" },
    });
    expect(res.status, res.text).toBe(200);
    expect(Date.parse(res.json.sla.response_due_at) - Date.parse(res.json.created_at)).toBe(10 * 60_000);
    const rows = await history(t.id);
    expect(rows.slice(1)).toEqual([
      { action: "title_changed", from_value: "No internet", to_value: "Renamed" },
      { action: "priority_changed", from_value: "low", to_value: "emergency" },
    ]);
    const cust = await customerAccount();
    const own = await raiseTicket(cust.token);
    expectProblem(
      await call(`/v1/tickets/${own.id}`, { method: "PATCH", token: cust.token, body: { priority: "emergency" } }),
      403,
      "forbidden",
    );
  });
});

describe("staff-only fields stay with staff", () => {
  it("hides assignment reasons and workflow comments from the customer, like internal notes", async () => {
    const dispatcher = await staff("dispatcher");
    const tech = await technicianAccount();
    const cust = await customerAccount();
    const ticket = await raiseTicket(cust.token);
    await call(`/v1/tickets/${ticket.id}/assign`, {
      token: dispatcher.token,
      body: { technician_ids: [tech.user.id], comment: "Cheapest contractor, customer is difficult" },
    });
    await call(`/v1/tickets/${ticket.id}/start`, { token: tech.token, body: {} });
    expect(
      (
        await call(`/v1/tickets/${ticket.id}/hold`, {
          token: tech.token,
          body: { comment: "Waiting on stock, van 3 lost the ONT" },
        })
      ).status,
    ).toBe(200);
    await call(`/v1/tickets/${ticket.id}/comments`, { token: cust.token, body: { body: "When will you come?" } });

    const mine = await call(`/v1/tickets/${ticket.id}`, { token: cust.token });
    expect(mine.json.assignees[0].reason).toBeNull();
    expect(mine.text).not.toContain("Cheapest contractor");
    expect(mine.text).not.toContain("van 3");
    const history = await call(`/v1/tickets/${ticket.id}/history`, { token: cust.token });
    expect(history.text).not.toContain("van 3");
    expect(history.text).not.toContain("Cheapest contractor");
    expect(history.json.data.find((h: { action: string }) => h.action === "commented")?.comment).toBe(
      "When will you come?",
    );

    const staffView = await call(`/v1/tickets/${ticket.id}`, { token: dispatcher.token });
    expect(staffView.json.assignees[0].reason).toBe("Cheapest contractor, customer is difficult");
    expect((await call(`/v1/tickets/${ticket.id}/history`, { token: dispatcher.token })).text).toContain("van 3");
  });
});
