import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../../../test/helpers";
import { makeCustomer, raiseTicket, staff, technicianAccount } from "../../../test/work-factories";
import { systemContext } from "../../lib/context";
import { settingsFrom } from "../../lib/env";
import { ALWAYS_OPEN, addWorkingMinutes, type WorkingCalendar } from "../../lib/working-time";
import { initialClock, planFor, recomputeClock, type SlaBasis } from "./sla";
import { recomputeSlaClocks, slaClockTick } from "./sla-clock";

const office = {
  name: "SLA office",
  time_zone: "Africa/Gaborone",
  week: {
    mon: [{ start: "08:00", end: "17:00" }],
    tue: [{ start: "08:00", end: "17:00" }],
    wed: [{ start: "08:00", end: "17:00" }],
    thu: [{ start: "08:00", end: "17:00" }],
    fri: [{ start: "08:00", end: "17:00" }],
    sat: [{ start: "08:00", end: "13:00" }],
  },
  holidays: [{ date: "--12-25", name: "Christmas Day" }],
};
const officeCalendar: WorkingCalendar = { timeZone: office.time_zone, week: office.week, holidays: office.holidays };
const settings = settingsFrom(env);
const basis = (calendar: WorkingCalendar | null): SlaBasis => ({
  revision: 1,
  calendars: new Map(calendar ? [["cal_office", calendar]] : []),
  policies: [
    {
      id: "slap_office",
      kinds: null,
      serviceCategory: null,
      customerId: null,
      calendarId: calendar ? "cal_office" : null,
      targets: { medium: { response_minutes: 120, resolution_minutes: 960 } },
      warningPercent: 80,
      enabled: true,
      createdAt: "2026-01-01T00:00:00Z",
    },
  ],
});
const ticket = { priority: "medium" as const, kind: "repair" as const, serviceCategory: null, customerId: null };

describe("SLA clocks in working time", () => {
  it("a ticket raised Friday 16:30 with a 2-working-hour target is due Saturday 09:30; Monday 09:30 without Saturdays", () => {
    const plan = planFor(settings, basis(officeCalendar), ticket);
    // 2026-12-11 is a Friday; Gaborone is UTC+2.
    expect(initialClock(plan, 1, "2026-12-11T14:30:00.000Z")).toMatchObject({
      sla_policy_id: "slap_office",
      sla_calendar_id: "cal_office",
      sla_response_minutes: 120,
      response_due_at: "2026-12-12T07:30:00.000Z",
      // 80 % of 120 minutes: 30 on Friday, then 66 from Saturday 08:00.
      response_warning_at: "2026-12-12T07:06:00.000Z",
    });
    const noSaturday = planFor(settings, basis({ ...officeCalendar, week: { ...office.week, sat: [] } }), ticket);
    expect(initialClock(noSaturday, 1, "2026-12-11T14:30:00.000Z").response_due_at).toBe("2026-12-14T07:30:00.000Z");
  });

  it("the clock does not run on a holiday", () => {
    const plan = planFor(settings, basis(officeCalendar), ticket);
    // Thursday 24 December 16:30: 30 minutes that day, Christmas Day closed, then Saturday from 08:00.
    expect(initialClock(plan, 1, "2026-12-24T14:30:00.000Z").response_due_at).toBe("2026-12-26T07:30:00.000Z");
  });

  it("without a policy the clock is 24×7 with the deployment's minutes: today's behaviour", () => {
    const plan = planFor(settings, { revision: 0, policies: [], calendars: new Map() }, ticket);
    expect(plan).toMatchObject({ policyId: null, calendarId: null, calendar: ALWAYS_OPEN, responseMinutes: 120 });
    expect(initialClock(plan, 0, "2026-12-11T14:30:00.000Z").response_due_at).toBe("2026-12-11T16:30:00.000Z");
  });

  it("moving a clock to another calendar keeps the time it used", () => {
    const row = {
      id: "tkt_x",
      slaCalendarId: null,
      slaResponseMinutes: 120,
      slaResolutionMinutes: 960,
      slaWarningPercent: 80,
      slaUsedMinutes: 0,
      // Ran 100 minutes on 24×7 before the change.
      slaClockFrom: "2026-12-10T08:00:00.000Z",
      slaPausedAt: null,
      slaPausedSeconds: 0,
      slaPauseReason: null,
      respondedAt: null,
      resolvedAt: null,
      status: "opened",
    };
    const plan = planFor(settings, basis(officeCalendar), ticket);
    // Thursday 11:40 local: 20 minutes left, on office hours: due 12:00 local.
    const { set, periods } = recomputeClock(row, ALWAYS_OPEN, plan, 7, "2026-12-10T09:40:00.000Z");
    expect(set).toMatchObject({
      sla_used_minutes: 100,
      sla_calendar_id: "cal_office",
      sla_revision: 7,
      response_due_at: "2026-12-10T10:00:00.000Z",
    });
    expect(periods).toMatchObject([{ state: "running", reason: "recomputed", working_minutes: 100 }]);
    // Used up already: due at once.
    const late = recomputeClock({ ...row, slaUsedMinutes: 200 }, ALWAYS_OPEN, plan, 8, "2026-12-10T09:40:00.000Z");
    expect(late.set.response_due_at).toBe("2026-12-10T09:40:00.000Z");
  });
});

async function officePolicy(admin: string, customerId: string, extra: Record<string, unknown> = {}) {
  const calendar = await call("/v1/calendars", { token: admin, body: office });
  expect(calendar.status).toBe(201);
  const policy = await call("/v1/sla-policies", {
    token: admin,
    body: {
      name: "Office hours for one customer",
      customer_id: customerId,
      calendar_id: calendar.json.id,
      targets: { high: { response_minutes: 60, resolution_minutes: 480 } },
      ...extra,
    },
  });
  expect(policy.status, policy.text).toBe(201);
  return { calendar: calendar.json, policy: policy.json };
}

describe("SLA policies", () => {
  it("only administrators change policies; staff read them; every id is checked; the audit log keeps each change", async () => {
    const admin = await staff("admin");
    const customerId = await makeCustomer();
    for (const role of ["manager", "dispatcher", "supervisor"] as const) {
      const other = await staff(role);
      expectProblem(
        await call("/v1/sla-policies", {
          token: other.token,
          body: { name: "x", targets: { low: { response_minutes: 1, resolution_minutes: 2 } } },
        }),
        403,
      );
      expect((await call("/v1/sla-policies", { token: other.token })).status).toBe(200);
    }
    const tech = await technicianAccount();
    expectProblem(await call("/v1/sla-policies", { token: tech.token }), 403);
    const bad = await call("/v1/sla-policies", {
      token: admin.token,
      body: {
        name: "x",
        customer_id: "cus_nope",
        calendar_id: "cal_nope",
        targets: { low: { response_minutes: 1, resolution_minutes: 2 } },
      },
    });
    expectProblem(bad, 400, "validation_failed");
    expect(bad.json.errors.map((e: { path: string }) => e.path).sort()).toEqual(["calendar_id", "customer_id"]);
    expectProblem(
      await call("/v1/sla-policies", {
        token: admin.token,
        body: { name: "x", targets: { low: { response_minutes: 10, resolution_minutes: 5 } } },
      }),
      400,
    );
    expectProblem(await call("/v1/sla-policies", { token: admin.token, body: { name: "x", targets: {} } }), 400);
    const { policy, calendar } = await officePolicy(admin.token, customerId);
    const patched = await call(`/v1/sla-policies/${policy.id}`, {
      token: admin.token,
      method: "PATCH",
      body: { warning_percent: 90 },
    });
    expect(patched.json).toMatchObject({ warning_percent: 90, calendar_id: calendar.id, customer_id: customerId });
    // The calendar is in use: it cannot be deleted under the policy.
    expectProblem(await call(`/v1/calendars/${calendar.id}`, { token: admin.token, method: "DELETE" }), 409);
    const audit = await call(`/v1/audit-log?target_type=sla_policy&target_id=${policy.id}`, { token: admin.token });
    expect(audit.json.data.map((e: { action: string }) => e.action).sort()).toEqual([
      "sla_policy.created",
      "sla_policy.updated",
    ]);
    expect((await call(`/v1/sla-policies/${policy.id}`, { token: admin.token, method: "DELETE" })).status).toBe(204);
    expectProblem(await call(`/v1/sla-policies/${policy.id}`, { token: admin.token }), 404);
  });

  it("a covered ticket runs on the policy's calendar; a change recomputes it keeping the time used, with history", async () => {
    const admin = await staff("admin");
    const customerId = await makeCustomer();
    const { policy, calendar } = await officePolicy(admin.token, customerId);
    const t = await raiseTicket(admin.token, { customer_id: customerId, priority: "high" });
    expect(t.sla).toMatchObject({ policy_id: policy.id, calendar_id: calendar.id, response_minutes: 60 });
    const cal: WorkingCalendar = { timeZone: office.time_zone, week: office.week, holidays: office.holidays };
    expect(t.sla.response_due_at).toBe(
      new Date(addWorkingMinutes(cal, Date.parse(t.created_at), 60) ?? 0).toISOString(),
    );
    // Another customer's ticket is not covered.
    const other = await raiseTicket(admin.token, { customer_id: await makeCustomer(), priority: "high" });
    expect(other.sla).toMatchObject({ policy_id: null, calendar_id: null, response_minutes: 30 });

    // Pretend the clock has used 40 minutes (its stretch began 40 working minutes ago, on 24×7).
    await env.DB.prepare(
      "UPDATE tickets SET sla_calendar_id = NULL, sla_clock_from = ?1, sla_used_minutes = 0 WHERE id = ?2",
    )
      .bind(new Date(Date.now() - 40 * 60_000).toISOString(), t.id)
      .run();
    // The policy becomes 24×7 with a longer target.
    await call(`/v1/sla-policies/${policy.id}`, {
      token: admin.token,
      method: "PATCH",
      body: { calendar_id: null, targets: { high: { response_minutes: 100, resolution_minutes: 480 } } },
    });
    const ctx = systemContext(env, "test");
    expect(await recomputeSlaClocks(ctx)).toBeGreaterThanOrEqual(1);
    expect(await recomputeSlaClocks(ctx)).toBe(0);
    const after = (await call(`/v1/tickets/${t.id}`, { token: admin.token })).json.sla;
    expect(after).toMatchObject({ policy_id: policy.id, calendar_id: null, response_minutes: 100 });
    // 100 - 40 used = 60 minutes from now.
    expect(Math.abs(Date.parse(after.response_due_at) - (Date.now() + 60 * 60_000))).toBeLessThan(60_000);
    const history = await call(`/v1/tickets/${t.id}/history`, { token: admin.token });
    expect(history.json.data.some((h: { action: string }) => h.action === "sla_recomputed")).toBe(true);
    const explained = (await call(`/v1/tickets/${t.id}/sla`, { token: admin.token })).json;
    expect(explained).toMatchObject({
      policy: { id: policy.id, name: policy.name },
      calendar: null,
      clock: "running",
      targets_set_by_hand: false,
    });
    expect(explained.periods[0]).toMatchObject({ state: "running", reason: "recomputed" });
    expect(explained.periods[0].working_minutes).toBeGreaterThanOrEqual(39.9);
    const response = explained.targets.find((x: { target: string }) => x.target === "response");
    expect(response.minutes).toBe(100);
    expect(response.left_minutes).toBeGreaterThan(59);
    expect(response.left_minutes).toBeLessThan(60.5);
    expect(explained.next_deadline).toMatchObject({ target: "response", alert: "warning" });
  });

  it("editing the calendar moves the due times of its open tickets, keeping the time used", async () => {
    const admin = await staff("admin");
    const customerId = await makeCustomer();
    const { calendar } = await officePolicy(admin.token, customerId);
    const t = await raiseTicket(admin.token, { customer_id: customerId, priority: "high" });
    // Pretend 20 working minutes are used and the stretch starts now.
    await env.DB.prepare("UPDATE tickets SET sla_used_minutes = 20, sla_clock_from = ?1 WHERE id = ?2")
      .bind(new Date().toISOString(), t.id)
      .run();
    const always = [{ start: "00:00", end: "00:00" }];
    const edited = await call(`/v1/calendars/${calendar.id}`, {
      token: admin.token,
      method: "PATCH",
      body: {
        week: { mon: always, tue: always, wed: always, thu: always, fri: always, sat: always, sun: always },
        holidays: [],
      },
    });
    expect(edited.status, edited.text).toBe(200);
    expect(await recomputeSlaClocks(systemContext(env, "test"))).toBeGreaterThanOrEqual(1);
    const after = (await call(`/v1/tickets/${t.id}`, { token: admin.token })).json.sla;
    // Open every hour now: the 40 minutes left run from now.
    expect(Math.abs(Date.parse(after.response_due_at) - (Date.now() + 40 * 60_000))).toBeLessThan(60_000);
    expect(after.calendar_id).toBe(calendar.id);
  });

  it("the explanation is scoped like the ticket", async () => {
    const admin = await staff("admin");
    const t = await raiseTicket(admin.token);
    const stranger = await technicianAccount();
    expectProblem(await call(`/v1/tickets/${t.id}/sla`, { token: stranger.token }), 404);
    expectProblem(await call(`/v1/tickets/${t.id}/sla`), 401);
    expect((await call(`/v1/tickets/${t.id}/sla`, { token: admin.token })).json).toMatchObject({
      policy: null,
      calendar: null,
      clock: "running",
    });
  });
});

describe("SLA alerts", () => {
  it("writers arm the SLA timer at the exact deadline; its run warns, then breaches, each once; the list filters them", async () => {
    const admin = await staff("admin");
    const t = await raiseTicket(admin.token, { priority: "low" });
    const timer = env.SLA_TIMER.get(env.SLA_TIMER.idFromName("sla"));
    const dueAt = new Date(Date.now() + 30 * 60_000).toISOString();
    await call(`/v1/tickets/${t.id}/sla`, { token: admin.token, body: { response_due_at: dueAt } });
    // The timer holds the earliest deadline asked for: this warning (80 % of the way there) or an earlier one.
    const warningAt = (await call(`/v1/tickets/${t.id}`, { token: admin.token })).json;
    const explained = (await call(`/v1/tickets/${t.id}/sla`, { token: admin.token })).json;
    const response = explained.targets.find((x: { target: string }) => x.target === "response");
    expect(Date.parse(response.warning_at)).toBeLessThan(Date.parse(dueAt));
    expect(warningAt.sla.response_due_at).toBe(dueAt);
    // Armed after the answer (waitUntil): give it a moment.
    for (let i = 0; i < 40 && ((await timer.armedAt()) ?? Infinity) > Date.parse(response.warning_at); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(await timer.armedAt()).toBeLessThanOrEqual(Date.parse(response.warning_at));

    // The warning's time has come.
    await env.DB.prepare("UPDATE tickets SET response_warning_at = ?1 WHERE id = ?2")
      .bind(new Date(Date.now() - 1000).toISOString(), t.id)
      .run();
    const ctx = systemContext(env, "test");
    const first = await slaClockTick(ctx, Date.now());
    expect(first.warned).toBeGreaterThanOrEqual(1);
    await slaClockTick(ctx, Date.now());
    const events = async (type: string) =>
      (await env.DB.prepare("SELECT id FROM domain_events WHERE subject_id = ?1 AND type = ?2").bind(t.id, type).all())
        .results.length;
    expect(await events("sla.warning")).toBe(1);
    const risky = await call("/v1/tickets?sla=at_risk&limit=100", { token: admin.token });
    expect(risky.json.data.some((x: { id: string }) => x.id === t.id)).toBe(true);

    // Then the breach, once, from the timer's run (the same check the cron runs).
    await env.DB.prepare("UPDATE tickets SET response_due_at = ?1 WHERE id = ?2")
      .bind(new Date(Date.now() - 1000).toISOString(), t.id)
      .run();
    await timer.tick();
    await timer.tick();
    expect(await events("sla.breached")).toBe(1);
    const breached = await call("/v1/tickets?sla=breached&limit=100", { token: admin.token });
    expect(breached.json.data.some((x: { id: string }) => x.id === t.id)).toBe(true);
    const stillAtRisk = await call("/v1/tickets?sla=at_risk&limit=100", { token: admin.token });
    expect(stillAtRisk.json.data.some((x: { id: string }) => x.id === t.id)).toBe(false);
    expectProblem(await call("/v1/tickets?sla=late", { token: admin.token }), 400);
  });
});
