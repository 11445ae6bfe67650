import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectProblem, randomIp } from "../../../test/helpers";
import { customerAccount, makeAsset, raiseTicket, staff, technicianAccount } from "../../../test/work-factories";
import { addDays, todayIn, zonedTimeToUtc } from "../../lib/time";
import { settingsFrom } from "../../lib/env";

const zone = () => settingsFrom(env).timeZone;
const inDays = (n: number) => addDays(todayIn(zone()), n);
const uniqueArea = () => `area-${crypto.randomUUID().slice(0, 8)}`;

/** A customer with a service card, whose bookings land in `area`. */
async function bookingCustomer(area = uniqueArea()) {
  const cust = await customerAccount();
  await env.DB.prepare("UPDATE customers SET service_area = ?1 WHERE id = ?2").bind(area, cust.customerId).run();
  const asset = await makeAsset(cust.customerId);
  return { ...cust, asset, area };
}

async function book(token: string, asset: string, body: Record<string, unknown> = {}) {
  return raiseTicket(token, {
    kind: "service_booking",
    asset_id: asset,
    title: "Not dispensing water",
    preferred_date: inDays(3),
    ...body,
  });
}

/** The API with other settings (settings are read from the environment per request). */
async function withSettings(vars: Record<string, string>, path: string, token: string, body: unknown) {
  const { default: worker } = await import("../../index");
  const res = await worker.fetch(
    new Request(`https://api.truckroll.test${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "cf-connecting-ip": randomIp() },
      body: JSON.stringify(body),
    }),
    { ...env, ...vars },
    createExecutionContext(),
  );
  return { status: res.status, json: (await res.json()) as any };
}

describe("service bookings: preferred time, visit type, what happens next", () => {
  it("stores the preferred time and visit type, and says a dispatcher will place it", async () => {
    const cust = await bookingCustomer();
    const day = inDays(3);
    const booked = await book(cust.token, cust.asset, {
      preferred_date: day,
      preferred_time: "10:00",
      visit_type: "carry_in",
    });
    expect(booked).toMatchObject({
      status: "new",
      preferred_time: "10:00",
      visit_type: "carry_in",
      scheduled_at: null,
    });
    expect(booked.preferred_at).toBe(zonedTimeToUtc(day, "10:00", zone()).toISOString());
    expect(booked.next_steps).toMatch(/^We will assign a technician and confirm the time of your visit on .+10:00/);
    // Without a visit type a booking is on site; without a time the answer names the day only.
    const plain = await book(cust.token, cust.asset);
    expect(plain).toMatchObject({ visit_type: "onsite", preferred_time: null });
    expect(plain.next_steps).not.toMatch(/\d\d:\d\d/);
    const read = await call(`/v1/tickets/${booked.id}`, { token: cust.token });
    expect(read.json).toMatchObject({ preferred_time: "10:00", visit_type: "carry_in" });
  });

  it("refuses a malformed or past time and changes nothing", async () => {
    const cust = await bookingCustomer();
    const bad = await call("/v1/tickets", {
      token: cust.token,
      body: {
        kind: "service_booking",
        asset_id: cust.asset,
        title: "x",
        preferred_date: inDays(2),
        preferred_time: "25:00",
      },
    });
    expectProblem(bad, 400, "validation_failed");
    expect(bad.json.errors[0].path).toContain("preferred_time");
    const past = await call("/v1/tickets", {
      token: cust.token,
      body: {
        kind: "service_booking",
        asset_id: cust.asset,
        title: "x",
        preferred_date: todayIn(zone()),
        preferred_time: "00:00",
      },
    });
    expectProblem(past, 400, "validation_failed");
    expect(past.json.errors[0].path).toBe("preferred_time");
    const kinds = await call("/v1/tickets?kind=bogus", { token: cust.token });
    expectProblem(kinds, 400, "validation_failed");
    expect((await call(`/v1/tickets?asset_id=${cust.asset}`, { token: cust.token })).json.data).toEqual([]);
  });

  it("with AUTO_ASSIGN_BOOKINGS a booking a technician fits is assigned and scheduled at once", async () => {
    const cust = await bookingCustomer();
    const tech = await technicianAccount({ areas: [cust.area] });
    const day = inDays(4);
    const res = await withSettings({ AUTO_ASSIGN_BOOKINGS: "least_loaded" }, "/v1/tickets", cust.token, {
      kind: "service_booking",
      asset_id: cust.asset,
      title: "Leaking",
      preferred_date: day,
      preferred_time: "14:30",
    });
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    expect(res.json).toMatchObject({
      status: "assigned",
      scheduled_at: zonedTimeToUtc(day, "14:30", zone()).toISOString(),
    });
    expect(res.json.assignees.map((a: { technician_id: string }) => a.technician_id)).toEqual([tech.user.id]);
    expect(res.json.next_steps).toMatch(/will visit on .+14:30/);
    // Placed by truckroll itself, not by the customer.
    const history = await env.DB.prepare(
      "SELECT actor_id FROM ticket_history WHERE ticket_id = ?1 AND action = 'assigned'",
    )
      .bind(res.json.id)
      .all();
    expect(history.results).toEqual([{ actor_id: null }]);
    // Nobody serves this area: the booking waits for a dispatcher.
    const lonely = await bookingCustomer();
    const waiting = await withSettings({ AUTO_ASSIGN_BOOKINGS: "least_loaded" }, "/v1/tickets", lonely.token, {
      kind: "service_booking",
      asset_id: lonely.asset,
      title: "Leaking",
      preferred_date: day,
    });
    expect(waiting.json).toMatchObject({ status: "new", assignees: [] });
    expect(waiting.json.next_steps).toMatch(/^We will assign a technician/);
    // Off (the default): nothing is placed even when someone fits.
    const off = await book(cust.token, cust.asset);
    expect(off.status).toBe("new");
  });
});

describe("auto-assign run", () => {
  /** A supervisor's team of one technician serving `area`, and bookings on that team. */
  async function teamWithBookings(count: number) {
    const supervisor = await staff("supervisor");
    const cust = await bookingCustomer();
    const tech = await technicianAccount({ areas: [cust.area], supervisorId: supervisor.user.id });
    const ids: string[] = [];
    for (let i = 0; i < count; i += 10) {
      const made = await Promise.all(
        Array.from({ length: Math.min(10, count - i) }, () => book(cust.token, cust.asset)),
      );
      ids.push(...made.map((t) => t.id));
    }
    await env.DB.prepare("UPDATE tickets SET team_supervisor_id = ?1 WHERE id IN (SELECT value FROM json_each(?2))")
      .bind(supervisor.user.id, JSON.stringify(ids))
      .run();
    return { supervisor, tech, cust, ids };
  }

  it("places every unassigned booking the caller may see, and a second run places nothing twice", async () => {
    const { supervisor, tech, cust, ids } = await teamWithBookings(3);
    // One more on the team in an area nobody serves.
    const stray = await book(cust.token, cust.asset, { service_area: uniqueArea() });
    await env.DB.prepare("UPDATE tickets SET team_supervisor_id = ?1 WHERE id = ?2")
      .bind(supervisor.user.id, stray.id)
      .run();

    const run = await call("/v1/tickets/auto-assign", { token: supervisor.token, body: {} });
    expect(run.status, run.text).toBe(200);
    expect(run.json).toMatchObject({ strategy: "least_loaded", assigned: 3, left_unassigned: 1 });
    expect(run.json.results.find((r: { ticket_id: string }) => r.ticket_id === stray.id).technician_id).toBeNull();
    for (const id of ids) {
      const t = await call(`/v1/tickets/${id}`, { token: supervisor.token });
      expect(t.json).toMatchObject({ status: "assigned", assignees: [{ technician_id: tech.user.id }] });
    }
    const again = await call("/v1/tickets/auto-assign", { token: supervisor.token, body: { strategy: "round_robin" } });
    expect(again.json).toMatchObject({ assigned: 0, left_unassigned: 1 });
    const { results } = await env.DB.prepare(
      "SELECT count(*) AS n FROM ticket_assignees WHERE ticket_id IN (SELECT value FROM json_each(?1))",
    )
      .bind(JSON.stringify(ids))
      .all<{ n: number }>();
    expect(results[0].n).toBe(3);
  });

  it("leaves a reopened ticket that keeps its technician alone (no duplicate assignee, no 500)", async () => {
    const { supervisor, tech, ids } = await teamWithBookings(1);
    const dispatcher = await staff("dispatcher");
    expect(
      (
        await call(`/v1/tickets/${ids[0]}/assign`, {
          token: dispatcher.token,
          body: { technician_ids: [tech.user.id] },
        })
      ).status,
    ).toBe(200);
    for (const step of ["start", "resolve"])
      expect((await call(`/v1/tickets/${ids[0]}/${step}`, { token: tech.token, body: {} })).status).toBe(200);
    const status = (await call(`/v1/tickets/${ids[0]}`, { token: dispatcher.token })).json.status;
    if (status !== "closed")
      expect((await call(`/v1/tickets/${ids[0]}/approve`, { token: dispatcher.token, body: {} })).status).toBe(200);
    expect((await call(`/v1/tickets/${ids[0]}/reopen`, { token: dispatcher.token, body: {} })).json.status).toBe(
      "opened",
    );
    const run = await call("/v1/tickets/auto-assign", {
      token: supervisor.token,
      body: { strategy: "least_loaded", kind: ["service_booking"] },
    });
    expect(run.status, run.text).toBe(200);
    expect(run.json.results.map((r: { ticket_id: string }) => r.ticket_id)).not.toContain(ids[0]);
    expect((await call(`/v1/tickets/${ids[0]}`, { token: dispatcher.token })).json).toMatchObject({
      status: "opened",
      assignees: [{ technician_id: tech.user.id }],
    });
  });

  it("places many bookings as a background job", async () => {
    const { supervisor, tech, ids } = await teamWithBookings(53);
    const run = await call("/v1/tickets/auto-assign", { token: supervisor.token, body: { kind: ["service_booking"] } });
    expect(run.status, run.text).toBe(202);
    expect(run.json).toMatchObject({ kind: "auto_assign", status: expect.stringMatching(/queued|running|done/) });
    let job = run.json;
    for (let i = 0; i < 200 && job.status !== "done"; i++) {
      await new Promise((r) => setTimeout(r, 50));
      job = (await call(`/v1/jobs/${job.id}`, { token: supervisor.token })).json;
    }
    expect(job).toMatchObject({ status: "done", counts: { assigned: 53, left_unassigned: 0 }, rows_processed: 53 });
    const { results } = await env.DB.prepare("SELECT count(*) AS n FROM ticket_assignees WHERE technician_id = ?1")
      .bind(tech.user.id)
      .all<{ n: number }>();
    expect(results[0].n).toBe(ids.length);
  });

  it("is for those who assign work", async () => {
    const cust = await customerAccount();
    const tech = await technicianAccount();
    expectProblem(await call("/v1/tickets/auto-assign", { token: cust.token, body: {} }), 403, "forbidden");
    expectProblem(await call("/v1/tickets/auto-assign", { token: tech.token, body: {} }), 403, "forbidden");
    const dispatcher = await staff("dispatcher");
    expectProblem(
      await call("/v1/tickets/auto-assign", { token: dispatcher.token, body: { kind: [] } }),
      400,
      "validation_failed",
    );
    expectProblem(
      await call("/v1/tickets/auto-assign", { token: dispatcher.token, body: { strategy: "nearest" } }),
      400,
      "validation_failed",
    );
  });
});

describe("the services list", () => {
  it("lists bookings in visit order: scheduled first by time, unscheduled last by creation; filters by service card", async () => {
    const cust = await bookingCustomer();
    const other = await makeAsset(cust.customerId);
    const dispatcher = await staff("dispatcher");
    // Apart in time, so creation order is unambiguous.
    const tick = () => new Promise((r) => setTimeout(r, 5));
    const first = await book(cust.token, cust.asset);
    await tick();
    const second = await book(cust.token, cust.asset);
    await tick();
    const onOther = await book(cust.token, other);
    await tick();
    const later = await book(cust.token, cust.asset);
    const at = (days: number, time: string) => zonedTimeToUtc(inDays(days), time, zone()).toISOString();
    await call(`/v1/tickets/${later.id}`, {
      method: "PATCH",
      token: dispatcher.token,
      body: { scheduled_at: at(5, "09:00") },
    });
    await call(`/v1/tickets/${second.id}`, {
      method: "PATCH",
      token: dispatcher.token,
      body: { scheduled_at: at(3, "09:00") },
    });

    const ids = (res: { json: { data: { id: string }[] } }) => res.json.data.map((t) => t.id);
    const list = await call("/v1/tickets?kind=service_booking", { token: cust.token });
    expect(ids(list)).toEqual([second.id, later.id, first.id, onOther.id]);
    // Page by page the same order.
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { json: { data: { id: string }[]; next_cursor: string | null } } = await call(
        `/v1/tickets?kind=service_booking&limit=1${cursor ? `&cursor=${cursor}` : ""}`,
        { token: cust.token },
      );
      paged.push(...ids(page));
      cursor = page.json.next_cursor;
    } while (cursor);
    expect(paged).toEqual(ids(list));
    // Descending keeps the unscheduled too; the card filter narrows.
    expect(ids(await call("/v1/tickets?kind=service_booking&order=-scheduled_at", { token: cust.token }))).toEqual([
      onOther.id,
      first.id,
      later.id,
      second.id,
    ]);
    expect(ids(await call(`/v1/tickets?kind=service_booking&asset_id=${other}`, { token: cust.token }))).toEqual([
      onOther.id,
    ]);
    // Other lists keep newest first.
    expect(ids(await call("/v1/tickets", { token: cust.token }))[0]).toBe(later.id);
  });
});

describe("names on tickets", () => {
  it("carries the project, the creator's name and the team's name", async () => {
    const cust = await customerAccount();
    const supervisor = await staff("supervisor");
    const dispatcher = await staff("dispatcher");
    const t = await raiseTicket(dispatcher.token, {
      customer_id: cust.customerId,
      project_name: "Fibre rollout Phase 2",
    });
    expect(t).toMatchObject({
      project_name: "Fibre rollout Phase 2",
      created_by_name: expect.any(String),
      team_name: null,
    });
    expect(t.created_by_name.length).toBeGreaterThan(0);
    await call(`/v1/tickets/${t.id}/assign`, {
      token: dispatcher.token,
      body: { team_supervisor_id: supervisor.user.id },
    });
    const read = await call(`/v1/tickets/${t.id}`, { token: dispatcher.token });
    expect(read.json.team_name).toBeTruthy();
    const listed = (
      await call(`/v1/tickets?project_name=${encodeURIComponent("Fibre rollout Phase 2")}`, { token: dispatcher.token })
    ).json.data;
    expect(listed.find((x: { id: string }) => x.id === t.id)).toMatchObject({
      team_name: read.json.team_name,
      created_by_name: t.created_by_name,
    });
    const renamed = await call(`/v1/tickets/${t.id}`, {
      method: "PATCH",
      token: dispatcher.token,
      body: { project_name: null },
    });
    expect(renamed.json.project_name).toBeNull();
  });
});
