import { describe, expect, it } from "vitest";
import { call } from "../../../test/helpers";
import { dayAhead } from "../../../test/scheduling-helpers";
import { raiseTicket, staff, technicianAccount } from "../../../test/work-factories";
import { DEPRECATED_AT } from "../../lib/query-dialect";

const ids = (res: { json: { data: { id: string }[] } }) => res.json.data.map((r) => r.id);

describe("one dialect: person filters are *_id, sorting is order; the old names still work, marked deprecated", () => {
  it("appointments and feedback: technician_id, supervisor_id, technician_username; technician and supervisor answer with Deprecation", async () => {
    const dispatcher = await staff("dispatcher");
    const supervisor = await staff("supervisor");
    const tech = await technicianAccount({ supervisorId: supervisor.user.id });
    const other = await technicianAccount();
    const date = dayAhead(6);
    for (const [who, time] of [
      [tech, "09:00"],
      [other, "11:00"],
    ] as const) {
      const ticket = await raiseTicket(dispatcher.token);
      const booked = await call("/v1/appointments", {
        token: dispatcher.token,
        body: { ticket_id: ticket.id, technician_id: who.user.id, date, start_time: time },
      });
      expect(booked.status, booked.text).toBe(201);
    }
    const base = `/v1/appointments?date_from=${date}&date_to=${date}`;
    const byId = await call(`${base}&technician_id=${tech.user.id}`, { token: dispatcher.token });
    expect(byId.status, byId.text).toBe(200);
    expect(byId.json.data).toHaveLength(1);
    expect(byId.headers.get("deprecation")).toBeNull();
    const byName = await call(`${base}&technician_username=${tech.user.username}`, { token: dispatcher.token });
    expect(ids(byName)).toEqual(ids(byId));
    const byTeam = await call(`${base}&supervisor_id=${supervisor.user.id}`, { token: dispatcher.token });
    expect(ids(byTeam)).toEqual(ids(byId));

    const old = await call(`${base}&technician=${tech.user.id}`, { token: dispatcher.token });
    expect(old.status, old.text).toBe(200);
    expect(ids(old)).toEqual(ids(byId));
    expect(old.headers.get("deprecation")).toBe(`@${DEPRECATED_AT}`);
    const oldTeam = await call(`${base}&supervisor=${supervisor.user.id}`, { token: dispatcher.token });
    expect(ids(oldTeam)).toEqual(ids(byId));
    expect(oldTeam.headers.get("deprecation")).toBe(`@${DEPRECATED_AT}`);

    const feedback = await call(`/v1/feedback?technician=${tech.user.id}`, { token: dispatcher.token });
    expect(feedback.status, feedback.text).toBe(200);
    expect(feedback.headers.get("deprecation")).toBe(`@${DEPRECATED_AT}`);
    expect((await call(`/v1/feedback?technician_id=${tech.user.id}`, { token: dispatcher.token })).status).toBe(200);
  });

  it("technicians: supervisor_id and order; supervisor and ordering are deprecated aliases", async () => {
    const manager = await staff("manager");
    const supervisor = await staff("supervisor");
    const a = await technicianAccount({ supervisorId: supervisor.user.id });
    const b = await technicianAccount({ supervisorId: supervisor.user.id });
    const now = await call(`/v1/technicians?supervisor_id=${supervisor.user.id}&order=-username`, {
      token: manager.token,
    });
    expect(now.status, now.text).toBe(200);
    const names = now.json.data.map((t: { username: string }) => t.username);
    expect(names).toEqual([a.user.username, b.user.username].sort().reverse());
    expect(now.headers.get("deprecation")).toBeNull();
    const before = await call(`/v1/technicians?supervisor=${supervisor.user.id}&ordering=-username`, {
      token: manager.token,
    });
    expect(before.status, before.text).toBe(200);
    expect(before.json.data.map((t: { username: string }) => t.username)).toEqual(names);
    expect(before.headers.get("deprecation")).toBe(`@${DEPRECATED_AT}`);
    // Both names: the new one wins.
    const both = await call(`/v1/technicians?supervisor=usr_nobody&supervisor_id=${supervisor.user.id}`, {
      token: manager.token,
    });
    expect(both.json.data).toHaveLength(2);
  });
});

describe("one dialect: date filters take a date or a date-time", () => {
  it("tickets, customers and the inventory report read a date as the whole day in the deployment's zone", async () => {
    const { todayIn, addDays } = await import("../../lib/time");
    const manager = await staff("manager");
    const ticket = await raiseTicket(manager.token, { title: `Dialect date ${crypto.randomUUID().slice(0, 6)}` });
    // The ticket's own day: a run at local midnight must not ask for the day after it was made.
    const today = todayIn("Africa/Gaborone", new Date(ticket.created_at));
    const yesterday = addDays(today, -1);
    const tickets = (q: string) => call(`/v1/tickets?limit=100&order=-created_at&${q}`, { token: manager.token });
    const onDay = await tickets(`created_from=${today}&created_to=${today}`);
    expect(onDay.status, onDay.text).toBe(200);
    expect(ids(onDay)).toContain(ticket.id);
    expect(ids(await tickets(`created_to=${yesterday}`))).not.toContain(ticket.id);
    const instant = await tickets(`created_from=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}`);
    expect(ids(instant)).toContain(ticket.id);
    expect((await tickets("created_from=2026-13-01")).status).toBe(400);
    const customers = await call(`/v1/customers?created_from=${today}&limit=1`, { token: manager.token });
    expect(customers.status, customers.text).toBe(200);

    const category = `dialect_${crypto.randomUUID().slice(0, 6)}`;
    const item = await call("/v1/inventory/items", {
      token: manager.token,
      body: {
        sku: `DLC-${crypto.randomUUID().slice(0, 6).toUpperCase()}`,
        name: "Drop cable 50 m",
        category,
        unit_price: 2500,
        currency: "BWP",
        initial_quantity: 4,
      },
    });
    expect(item.status, item.text).toBe(201);
    const report = await call(`/v1/inventory/report?category=${category}&from=${today}&to=${today}`, {
      token: manager.token,
    });
    expect(report.status, report.text).toBe(200);
    expect(report.json.items.map((i: { category: string }) => i.category)).toEqual([category]);
    expect(report.json.items[0].movements.receive).toBe(4);
    // Reports, appointments, feedback and the copper-theft report take both forms too.
    const local = encodeURIComponent(`${today}T10:00:00+02:00`);
    const dashboard = await call(`/v1/reports/dashboard?from=${yesterday}&to=${local}`, { token: manager.token });
    expect(dashboard.status, dashboard.text).toBe(200);
    expect(dashboard.json.period).toMatchObject({ from: yesterday, to: today });
    for (const path of [
      `/v1/appointments?date_from=${local}&date_to=${today}`,
      `/v1/feedback?date_from=${yesterday}&date_to=${local}`,
      `/v1/network/reports/copper-theft?from=${yesterday}&to=${today}`,
      `/v1/network/incidents?reported_from=${yesterday}&reported_to=${local}`,
    ])
      expect((await call(path, { token: manager.token })).status, path).toBe(200);
    const before = await call(`/v1/inventory/report?category=${category}&to=${yesterday}`, { token: manager.token });
    expect(before.json.items[0].movements.receive).toBeUndefined();
  });
});
