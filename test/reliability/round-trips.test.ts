import { beforeAll, describe, expect, it } from "vitest";
import { call, createUser, login } from "../helpers";
import { dayAhead, linkFor } from "../scheduling-helpers";
import { customerAccount, raiseTicket, staff, technicianAccount } from "../work-factories";
import { ROUND_TRIP_BUDGET } from "./round-trip-budget";

const HEADER = "x-d1-round-trips";

/** A fresh sign-in per measured call: the session check is part of every cold request. */
async function freshToken(role: string) {
  const user = await createUser({ role });
  return { user, token: (await login(user)).access_token };
}

describe("D1 round trips per operation stay within their budget", () => {
  const measured: Record<string, number> = {};
  let w: Record<string, any>;

  beforeAll(async () => {
    const dispatcher = await staff("dispatcher");
    const tech = await technicianAccount();
    const cust = await customerAccount();
    const ticket = await raiseTicket(cust.token);
    await call(`/v1/tickets/${ticket.id}/assign`, {
      token: dispatcher.token,
      body: { technician_ids: [tech.user.id] },
    });
    await call(`/v1/tickets/${ticket.id}/comments`, { token: cust.token, body: { body: "Hello" } });
    const appt = await call("/v1/appointments", {
      token: dispatcher.token,
      body: { ticket_id: ticket.id, technician_id: tech.user.id, date: dayAhead(3), start_time: "10:00" },
    });
    const linkTicket = await raiseTicket(cust.token);
    await call(`/v1/tickets/${linkTicket.id}/assign`, {
      token: dispatcher.token,
      body: { technician_ids: [tech.user.id] },
    });
    // The customer's link: one ticket to look at, one to hold a time on, one to book.
    const linkTickets = [];
    for (let i = 0; i < 2; i++) {
      const t = await raiseTicket(cust.token);
      await call(`/v1/tickets/${t.id}/assign`, { token: dispatcher.token, body: { technician_ids: [tech.user.id] } });
      linkTickets.push(await linkFor(dispatcher.token, t.id));
    }
    w = {
      dispatcher,
      tech,
      cust,
      ticket,
      appointment: appt.json,
      link: await linkFor(dispatcher.token, linkTicket.id),
      holdLink: linkTickets[0],
      bookLink: linkTickets[1],
    };
  });

  /** Each operation: who calls it (a fresh sign-in of that role, or none) and the request. */
  const operations: Record<
    string,
    () => Promise<{ token?: string; path: string; method?: string; body?: unknown; expect: number }>
  > = {
    "GET /v1/me": async () => ({ token: (await freshToken("technician")).token, path: "/v1/me", expect: 200 }),
    "GET /v1/tickets": async () => ({
      token: (await freshToken("dispatcher")).token,
      path: "/v1/tickets",
      expect: 200,
    }),
    "GET /v1/tickets/{id}": async () => ({
      token: (await freshToken("dispatcher")).token,
      path: `/v1/tickets/${w.ticket.id}`,
      expect: 200,
    }),
    "GET /v1/tickets/{id}/history": async () => ({
      token: (await freshToken("dispatcher")).token,
      path: `/v1/tickets/${w.ticket.id}/history`,
      expect: 200,
    }),
    "GET /v1/tickets/{id}/comments": async () => ({
      token: (await freshToken("dispatcher")).token,
      path: `/v1/tickets/${w.ticket.id}/comments`,
      expect: 200,
    }),
    "GET /v1/customers": async () => ({
      token: (await freshToken("dispatcher")).token,
      path: "/v1/customers",
      expect: 200,
    }),
    "GET /v1/customers/{id}": async () => ({
      token: (await freshToken("dispatcher")).token,
      path: `/v1/customers/${w.cust.customerId}`,
      expect: 200,
    }),
    "GET /v1/users": async () => ({ token: (await freshToken("manager")).token, path: "/v1/users", expect: 200 }),
    "GET /v1/technicians": async () => ({
      token: (await freshToken("dispatcher")).token,
      path: "/v1/technicians",
      expect: 200,
    }),
    "GET /v1/appointments": async () => ({
      token: (await freshToken("dispatcher")).token,
      path: "/v1/appointments",
      expect: 200,
    }),
    "GET /v1/appointments/{id}": async () => ({
      token: (await freshToken("dispatcher")).token,
      path: `/v1/appointments/${w.appointment.id}`,
      expect: 200,
    }),
    "GET /v1/availability": async () => ({
      token: (await freshToken("dispatcher")).token,
      path: `/v1/availability?ticket_id=${w.ticket.id}&date=${dayAhead(4)}`,
      expect: 200,
    }),
    "GET /v1/notifications": async () => ({
      token: (await freshToken("technician")).token,
      path: "/v1/notifications",
      expect: 200,
    }),
    "GET /v1/workload": async () => ({
      token: (await freshToken("dispatcher")).token,
      path: "/v1/workload",
      expect: 200,
    }),
    "GET /v1/feedback": async () => ({
      token: (await freshToken("dispatcher")).token,
      path: "/v1/feedback",
      expect: 200,
    }),
    "GET /v1/assets": async () => ({ token: (await freshToken("dispatcher")).token, path: "/v1/assets", expect: 200 }),
    "GET /v1/public/appointments/{token}": async () => ({ path: `/v1/public/appointments/${w.link}`, expect: 200 }),
    // The technician's day, step by step on their own visit (each step right after the last write).
    ...Object.fromEntries(
      ["confirm", "depart", "arrive", "start", "complete"].map((s) => [
        `POST /v1/appointments/{id}/${s}`,
        async () => ({ token: w.tech.token, path: `/v1/appointments/${w.appointment.id}/${s}`, body: {}, expect: 200 }),
      ]),
    ),
    "GET /v1/public/appointments/{token}/availability": async () => ({
      path: `/v1/public/appointments/${w.link}/availability?date=${dayAhead(5)}`,
      expect: 200,
    }),
    "POST /v1/public/appointments/{token}/hold": async () => ({
      path: `/v1/public/appointments/${w.holdLink}/hold`,
      body: { date: dayAhead(6), start_time: "09:00" },
      expect: 200,
    }),
    "POST /v1/public/appointments/{token}/schedule": async () => ({
      path: `/v1/public/appointments/${w.bookLink}/schedule`,
      body: { date: dayAhead(6), start_time: "11:00" },
      expect: 200,
    }),
    "POST /v1/auth/login": async () => {
      const user = await createUser({ role: "technician" });
      return { path: "/v1/auth/login", body: { identifier: user.username, password: user.password }, expect: 200 };
    },
    "POST /v1/auth/refresh": async () => {
      const user = await createUser({ role: "technician" });
      return { path: "/v1/auth/refresh", body: { refresh_token: (await login(user)).refresh_token }, expect: 200 };
    },
    "PATCH /v1/me": async () => ({
      token: (await freshToken("technician")).token,
      path: "/v1/me",
      method: "PATCH",
      body: { first_name: "Budget" },
      expect: 200,
    }),
    "POST /v1/tickets": async () => ({
      token: (await freshToken("dispatcher")).token,
      path: "/v1/tickets",
      body: { kind: "repair", priority: "high", title: "Measured" },
      expect: 201,
    }),
    "PATCH /v1/tickets/{id}": async () => ({
      token: (await freshToken("dispatcher")).token,
      path: `/v1/tickets/${w.ticket.id}`,
      method: "PATCH",
      body: { title: `Renamed ${Math.random()}` },
      expect: 200,
    }),
    "POST /v1/tickets/{id}/assign": async () => {
      const t = await raiseTicket(w.cust.token);
      return {
        token: (await freshToken("dispatcher")).token,
        path: `/v1/tickets/${t.id}/assign`,
        body: { technician_ids: [w.tech.user.id] },
        expect: 200,
      };
    },
    "POST /v1/tickets/{id}/start": async () => {
      const t = await raiseTicket(w.cust.token);
      await call(`/v1/tickets/${t.id}/assign`, {
        token: w.dispatcher.token,
        body: { technician_ids: [w.tech.user.id] },
      });
      return { token: w.tech.token, path: `/v1/tickets/${t.id}/start`, body: {}, expect: 200 };
    },
    "POST /v1/tickets/{id}/comments": async () => ({
      token: (await freshToken("dispatcher")).token,
      path: `/v1/tickets/${w.ticket.id}/comments`,
      body: { body: "Measured" },
      expect: 201,
    }),
    "POST /v1/appointments": async () => {
      const t = await raiseTicket(w.cust.token);
      await call(`/v1/tickets/${t.id}/assign`, {
        token: w.dispatcher.token,
        body: { technician_ids: [w.tech.user.id] },
      });
      return {
        token: (await freshToken("dispatcher")).token,
        path: "/v1/appointments",
        body: {
          ticket_id: t.id,
          technician_id: w.tech.user.id,
          date: dayAhead(5),
          start_time: `${10 + Math.floor(Math.random() * 6)}:00`,
        },
        expect: 201,
      };
    },
    "POST /v1/appointments/{id}/confirm": async () => ({
      token: (await freshToken("dispatcher")).token,
      path: `/v1/appointments/${w.appointment.id}/confirm`,
      body: {},
      expect: 200,
    }),
    "POST /v1/customers": async () => ({
      token: (await freshToken("dispatcher")).token,
      path: "/v1/customers",
      body: { full_name: "Measured Customer", phone: "+26771234888" },
      expect: 201,
    }),
    "POST /v1/attendance/mark": async () => ({
      token: (await freshToken("manager")).token,
      path: "/v1/attendance/mark",
      body: { user_id: w.tech.user.id, date: dayAhead(1), status: "present" },
      expect: 200,
    }),
  };

  it("measures only operations that have a budget", () => {
    expect(Object.keys(operations).filter((name) => ROUND_TRIP_BUDGET[name] === undefined)).toEqual([]);
  });

  for (const [name, build] of Object.entries(operations)) {
    it(`${name} ≤ ${ROUND_TRIP_BUDGET[name]}`, async () => {
      const req = await build();
      const res = await call(req.path, {
        method: req.method ?? (req.body === undefined ? "GET" : "POST"),
        token: req.token,
        body: req.body,
      });
      expect(res.status, res.text.slice(0, 200)).toBe(req.expect);
      const trips = Number(res.headers.get(HEADER));
      measured[name] = trips;
      console.log(`ROUND_TRIPS ${name} ${trips}`);
      expect(trips).toBeGreaterThan(0);
      expect(
        trips,
        `${name} took ${trips} D1 round trips; its budget is ${ROUND_TRIP_BUDGET[name]}`,
      ).toBeLessThanOrEqual(ROUND_TRIP_BUDGET[name]);
    });
  }
});

describe("the technician's phone within the round-trip goal", () => {
  const trips = (res: { headers: Headers }) => Number(res.headers.get(HEADER));

  it("syncs a snapshot in 3, a delta with changes in 3 and a delta with nothing new in 2", async () => {
    const dispatcher = await staff("dispatcher");
    const tech = await technicianAccount();
    const cust = await customerAccount();
    for (let i = 0; i < 3; i++) {
      const t = await raiseTicket(cust.token);
      await call(`/v1/tickets/${t.id}/assign`, { token: dispatcher.token, body: { technician_ids: [tech.user.id] } });
      await call(`/v1/tickets/${t.id}/comments`, { token: cust.token, body: { body: `Note ${i}` } });
    }
    const phone = { id: crypto.randomUUID(), platform: "android", app_version: "2.4.1", push_token: "push-abc" };
    const sync = (cursor?: string) => call("/v1/mobile/sync", { token: tech.token, body: { cursor, device: phone } });

    const snapshot = await sync();
    expect(snapshot.status, snapshot.text).toBe(200);
    expect(snapshot.json.changes.filter((c: { entity: string }) => c.entity === "ticket")).toHaveLength(3);
    expect(trips(snapshot)).toBeLessThanOrEqual(3);
    const settled = await sync(snapshot.json.cursor);
    expect(trips(settled)).toBeLessThanOrEqual(3);
    const idle = await sync(settled.json.cursor);
    expect(idle.json.changes).toEqual([]);
    expect(trips(idle)).toBeLessThanOrEqual(2);

    const t = await raiseTicket(cust.token);
    await call(`/v1/tickets/${t.id}/assign`, { token: dispatcher.token, body: { technician_ids: [tech.user.id] } });
    const changed = await sync(idle.json.cursor);
    expect(
      changed.json.changes.some((c: { entity: string; id: string }) => c.entity === "ticket" && c.id === t.id),
    ).toBe(true);
    expect(trips(changed)).toBeLessThanOrEqual(3);
    console.log(
      `ROUND_TRIPS phone sync snapshot ${trips(snapshot)} settled ${trips(settled)} idle ${trips(idle)} changed ${trips(changed)}`,
    );
  });
  it("answers an action batch's conflicts and refusals from its opening read, and applies its steps, comments and work logs in its closing batch", async () => {
    const dispatcher = await staff("dispatcher");
    const tech = await technicianAccount();
    const cust = await customerAccount();
    const t = await raiseTicket(cust.token);
    await call(`/v1/tickets/${t.id}/assign`, { token: dispatcher.token, body: { technician_ids: [tech.user.id] } });
    const phone = { id: crypto.randomUUID(), platform: "android", app_version: "2.4.1" };
    await call("/v1/mobile/sync", { token: tech.token, body: { device: phone } });
    const version = (await call(`/v1/tickets/${t.id}`, { token: tech.token })).json.version as number;
    const send = (actions: unknown[]) =>
      call("/v1/mobile/actions", { token: tech.token, body: { device_id: phone.id, actions } });
    const action = (type: string, extra: Record<string, unknown> = {}) => ({
      client_id: crypto.randomUUID(),
      type,
      ticket_id: t.id,
      ...extra,
    });

    // Moves based on an old version, and a ticket the technician cannot see: nothing to apply.
    const refused = await send([
      action("start", { base_version: version - 1 }),
      action("hold", { base_version: version - 1 }),
      action("start", { ticket_id: "tkt_not_theirs", base_version: 1 }),
    ]);
    expect(refused.status, refused.text).toBe(200);
    expect(refused.json.results.map((r: { status: string }) => r.status)).toEqual(["conflict", "conflict", "rejected"]);
    expect(refused.json.results[0].ticket.version).toBe(version);
    expect(trips(refused)).toBeLessThanOrEqual(3);

    // A day's moves on one ticket, planned from the opening read and written in the closing batch:
    // the session, the opening batch and the closing batch, however many actions apply.
    const applied = await send([
      action("start", { base_version: version }),
      action("add_comment", { body: "On site", visibility: "public" }),
    ]);
    expect(applied.json.results.map((r: { status: string }) => r.status)).toEqual(["applied", "applied"]);
    expect(applied.json.results[1].ticket.status).toBe("in_progress");
    expect(trips(applied)).toBeLessThanOrEqual(3);
    const day = await send([
      action("hold", { base_version: version + 2, comment: "Waiting for a part" }),
      action("add_work_log", {
        work_detail: "Fitted the splitter",
        parts: [{ name: "Splitter", quantity: 1, unit_price: 1200, source: "unstocked" }],
      }),
      action("resume", { base_version: version + 2 }),
      action("add_comment", { body: "Line tested", visibility: "public" }),
      action("resolve", { base_version: version + 2, comment: "Done" }),
      { client_id: crypto.randomUUID(), type: "report_location", lat: -24.65, lng: 25.91, accuracy_m: 12 },
    ]);
    expect(day.status, day.text).toBe(200);
    expect(day.json.results.map((r: { status: string }) => r.status)).toEqual([
      "applied",
      "applied",
      "applied",
      "applied",
      "applied",
      "applied",
    ]);
    expect(day.json.results[5].result).toMatchObject({ technician_id: tech.user.id, lat: -24.65, lng: 25.91 });
    expect(trips(day)).toBeLessThanOrEqual(3);
    const after = await call(`/v1/tickets/${t.id}`, { token: tech.token });
    expect(["resolved", "waiting_approval"]).toContain(after.json.status);
    expect(day.json.results[4].ticket).toMatchObject({ status: after.json.status, version: after.json.version });
    expect(after.json.version).toBe(version + 7);
    const replay = await send(
      applied.json.results.map((r: { client_id: string }, i: number) => ({
        ...action(
          i ? "add_comment" : "start",
          i ? { body: "On site", visibility: "public" } : { base_version: version },
        ),
        client_id: r.client_id,
      })),
    );
    expect(replay.json.results.map((r: { status: string }) => r.status)).toEqual(["duplicate", "duplicate"]);
    expect(trips(replay)).toBeLessThanOrEqual(3);
    console.log(
      `ROUND_TRIPS phone actions refused ${trips(refused)} applied ${trips(applied)} day of five ${trips(day)} replay ${trips(replay)}`,
    );
  });

  it("applies a visit's steps taken offline in the batch's three round trips, and refuses a visit of another ticket before writing", async () => {
    const dispatcher = await staff("dispatcher");
    const tech = await technicianAccount();
    const cust = await customerAccount();
    const book = async (date: string) => {
      const t = await raiseTicket(cust.token);
      await call(`/v1/tickets/${t.id}/assign`, { token: dispatcher.token, body: { technician_ids: [tech.user.id] } });
      const appt = await call("/v1/appointments", {
        token: dispatcher.token,
        body: { ticket_id: t.id, technician_id: tech.user.id, date, start_time: "09:00" },
      });
      expect(appt.status, appt.text).toBe(201);
      return { ticket: t.id as string, visit: appt.json.id as string };
    };
    const first = await book(dayAhead(4));
    const second = await book(dayAhead(5));
    const phone = { id: crypto.randomUUID(), platform: "android", app_version: "2.4.1" };
    await call("/v1/mobile/sync", { token: tech.token, body: { device: phone } });
    const version = (await call(`/v1/tickets/${first.ticket}`, { token: tech.token })).json.version as number;
    const step = (name: string, extra: Record<string, unknown> = {}) => ({
      client_id: crypto.randomUUID(),
      type: "appointment_step",
      ticket_id: first.ticket,
      appointment_id: first.visit,
      step: name,
      base_version: version,
      ...extra,
    });
    const wrong = await call("/v1/mobile/actions", {
      token: tech.token,
      body: { device_id: phone.id, actions: [step("confirm", { appointment_id: second.visit })] },
    });
    expect(wrong.json.results[0]).toMatchObject({ status: "rejected", problem: { code: "validation_failed" } });
    expect((await call(`/v1/appointments/${second.visit}`, { token: tech.token })).json.status).toBe("scheduled");
    // Applied in turn (a batch holding an upload), the same refusal comes before the visit is stepped.
    const inTurn = await call("/v1/mobile/actions", {
      token: tech.token,
      body: {
        device_id: phone.id,
        actions: [
          { client_id: crypto.randomUUID(), type: "attach_upload", ticket_id: first.ticket, upload_id: "upl_missing" },
          step("confirm", { appointment_id: second.visit }),
        ],
      },
    });
    expect(inTurn.json.results[1]).toMatchObject({ status: "rejected", problem: { code: "validation_failed" } });
    expect((await call(`/v1/appointments/${second.visit}`, { token: tech.token })).json.status).toBe("scheduled");
    const untouched = await call(`/v1/tickets/${first.ticket}`, { token: tech.token });
    expect(untouched.json.version).toBe(version);

    const visit = await call("/v1/mobile/actions", {
      token: tech.token,
      body: {
        device_id: phone.id,
        actions: ["confirm", "depart", "arrive", "start", "complete"].map((name) => step(name)),
      },
    });
    expect(visit.status, visit.text).toBe(200);
    expect(visit.json.results.map((r: { status: string }) => r.status)).toEqual([
      "applied",
      "applied",
      "applied",
      "applied",
      "applied",
    ]);
    expect(visit.json.results[4].result).toMatchObject({ id: first.visit, status: "completed" });
    expect(trips(visit)).toBeLessThanOrEqual(3);
    const done = await call(`/v1/appointments/${first.visit}`, { token: tech.token });
    expect(done.json).toMatchObject({ status: "completed" });
    const ticket = await call(`/v1/tickets/${first.ticket}`, { token: tech.token });
    // The customer has an account: the resolution waits for their approval, as online.
    expect(ticket.json.status).toBe("waiting_approval");
    // Each visit step is one change of the ticket.
    expect(ticket.json.version).toBe(version + 5);
    expect(visit.json.results[4].ticket).toMatchObject({ status: ticket.json.status, version: ticket.json.version });
  });
});
