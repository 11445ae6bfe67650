import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../../../test/helpers";
import { securitySuite } from "../../../test/security-suite";
import { customerAccount, makeAsset, staff, technicianAccount } from "../../../test/work-factories";
import { planNextService } from "./follow-up";
import { systemContext } from "../../lib/context";
import { addDays, todayIn } from "../../lib/time";
import { generateMaintenance } from "./generator";
import { applyHolidayRule, occurrenceInstant, occurrencesBetween } from "./recurrence";

securitySuite("maintenance");

describe("recurrence (pure)", () => {
  it("every 3 months on the first Monday at 09:00 in Berlin stays 09:00 local across the daylight-saving change", () => {
    const rec = {
      rrule: "FREQ=MONTHLY;INTERVAL=3;BYDAY=1MO",
      timeZone: "Europe/Berlin",
      startDate: "2030-01-01",
      startTime: "09:00",
      endDate: null,
      count: null,
    };
    const dates = occurrencesBetween(rec, "2030-01-01", "2030-12-31");
    expect(dates).toEqual(["2030-01-07", "2030-04-01", "2030-07-01", "2030-10-07"]);
    // Winter (UTC+1) then summer (UTC+2): the instants differ by the offset, the local time does not.
    expect(dates.map((d) => occurrenceInstant(rec, d))).toEqual([
      "2030-01-07T08:00:00.000Z",
      "2030-04-01T07:00:00.000Z",
      "2030-07-01T07:00:00.000Z",
      "2030-10-07T07:00:00.000Z",
    ]);
  });

  it("a closed day moves to the next working day, is skipped, or kept, by the plan's rule", () => {
    const office = {
      timeZone: "Africa/Gaborone",
      week: { mon: [{ start: "08:00", end: "17:00" }], tue: [{ start: "08:00", end: "17:00" }] },
      holidays: [{ date: "--12-25" }],
    };
    // Christmas 2028 is a Monday: the next working day is Tuesday the 26th.
    expect(applyHolidayRule(office, "next_working_day", "2028-12-25")).toEqual({ date: "2028-12-26", moved: true });
    expect(applyHolidayRule(office, "skip", "2028-12-25")).toBeNull();
    expect(applyHolidayRule(office, "keep", "2028-12-25")).toEqual({ date: "2028-12-25", moved: false });
    expect(applyHolidayRule(null, "skip", "2028-12-25")).toEqual({ date: "2028-12-25", moved: false });
  });
});

async function fixture() {
  const admin = await staff("admin");
  const customer = await customerAccount();
  const template = await call("/v1/job-templates", {
    token: admin.token,
    body: {
      name: `Purifier service ${crypto.randomUUID().slice(0, 6)}`,
      kind: "maintenance",
      estimated_minutes: 45,
      checklist: [{ label: "Replace the filter cartridge" }],
    },
  });
  expect(template.status, template.text).toBe(201);
  return { admin, customerId: customer.customerId, templateId: template.json.id as string };
}

const ticketsOf = async (planId: string) =>
  (
    await env.DB.prepare(
      "SELECT o.occurrence_date, o.status, o.ticket_id, t.id AS real FROM maintenance_occurrences o LEFT JOIN tickets t ON t.id = o.ticket_id WHERE o.plan_id = ? ORDER BY o.occurrence_date",
    )
      .bind(planId)
      .all<{ occurrence_date: string; status: string; ticket_id: string | null; real: string | null }>()
  ).results;

describe("maintenance plans", () => {
  it("raise one ticket per occurrence inside the lead time, never twice across double runs, and catch up a missed day", async () => {
    const { admin, customerId, templateId } = await fixture();
    const today = todayIn("Africa/Gaborone");
    const plan = await call("/v1/maintenance-plans", {
      token: admin.token,
      body: {
        name: "Weekly check",
        customer_id: customerId,
        template_id: templateId,
        rrule: "FREQ=WEEKLY",
        start_date: addDays(today, 3),
        start_time: "10:00",
        lead_days: 7,
        holiday_rule: "keep",
      },
    });
    expect(plan.status, plan.text).toBe(201);
    expect(plan.json.next_date).toBe(addDays(today, 3));
    const ctx = systemContext(env, "test");
    // Two runs at once, then again: one ticket for the one occurrence inside seven days.
    const [a, b] = await Promise.all([generateMaintenance(ctx, Date.now()), generateMaintenance(ctx, Date.now())]);
    expect(a.raised + b.raised).toBe(1);
    await generateMaintenance(ctx, Date.now());
    let rows = await ticketsOf(plan.json.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ occurrence_date: addDays(today, 3), status: "raised" });
    expect(rows[0].real).toBe(rows[0].ticket_id);
    // The ticket is the template's, for the customer, with its checklist.
    const ticket = await call(`/v1/tickets/${rows[0].ticket_id}`, { token: admin.token });
    expect(ticket.json).toMatchObject({ kind: "maintenance", estimated_minutes: 45, customer_id: customerId });
    const checklist = await call(`/v1/tickets/${rows[0].ticket_id}/checklist`, { token: admin.token });
    expect(checklist.json.items).toHaveLength(1);
    // Three weeks later (runs missed meanwhile): the next three weekly occurrences are raised, each once.
    await generateMaintenance(ctx, Date.now() + 21 * 86_400_000);
    await generateMaintenance(ctx, Date.now() + 21 * 86_400_000);
    rows = await ticketsOf(plan.json.id);
    expect(rows.map((r) => r.occurrence_date)).toEqual([0, 7, 14, 21].map((d) => addDays(today, 3 + d)));
    expect(rows.every((r) => r.status === "raised" && r.real === r.ticket_id)).toBe(true);
    const got = await call(`/v1/maintenance-plans/${plan.json.id}`, { token: admin.token });
    expect(got.json.next_date).toBe(addDays(today, 31));
  });

  it("an occurrence on a holiday moves to the next working day or is skipped, and the occurrences list says so", async () => {
    const { admin, customerId, templateId } = await fixture();
    const today = todayIn("Africa/Gaborone");
    const target = addDays(today, 5);
    const calendar = await call("/v1/calendars", {
      token: admin.token,
      body: {
        name: `Plan office ${crypto.randomUUID().slice(0, 6)}`,
        time_zone: "Africa/Gaborone",
        week: Object.fromEntries(
          ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, [{ start: "08:00", end: "17:00" }]]),
        ),
        holidays: [{ date: target, name: "Plan holiday" }],
      },
    });
    expect(calendar.status, calendar.text).toBe(201);
    const make = async (holiday_rule: string) =>
      (
        await call("/v1/maintenance-plans", {
          token: admin.token,
          body: {
            name: `Daily ${holiday_rule}`,
            customer_id: customerId,
            template_id: templateId,
            rrule: "FREQ=DAILY;INTERVAL=30",
            start_date: target,
            lead_days: 10,
            holiday_rule,
            calendar_id: calendar.json.id,
          },
        })
      ).json.id as string;
    const moved = await make("next_working_day");
    const skipped = await make("skip");
    const upcoming = await call(`/v1/maintenance-plans/${moved}/occurrences`, { token: admin.token });
    expect(upcoming.json.data[0]).toMatchObject({ date: target, status: "upcoming", moved_from: target });
    await generateMaintenance(systemContext(env, "test"), Date.now());
    const m = await call(`/v1/maintenance-plans/${moved}/occurrences`, { token: admin.token });
    expect(m.json.data[0]).toMatchObject({ date: target, status: "raised", moved_from: target });
    expect(m.json.data[0].due_at.slice(0, 10)).toBe(addDays(target, 1));
    const s = await call(`/v1/maintenance-plans/${skipped}/occurrences`, { token: admin.token });
    expect(s.json.data[0]).toMatchObject({ date: target, status: "skipped", ticket_id: null });
    expect(s.json.data[0].reason).toContain("closed day");
  });

  it("pause stops raising, a skipped occurrence is recorded, bad rules are refused, and ids are scoped", async () => {
    const { admin, customerId, templateId } = await fixture();
    const today = todayIn("Africa/Gaborone");
    const base = {
      name: "Monthly",
      customer_id: customerId,
      template_id: templateId,
      rrule: "FREQ=MONTHLY",
      start_date: addDays(today, 2),
      lead_days: 5,
    };
    for (const rrule of ["FREQ=HOURLY", "FREQ=WEEKLY;COUNT=3", "NOT A RULE", "FREQ=DAILY;BYHOUR=9"]) {
      const bad = await call("/v1/maintenance-plans", { token: admin.token, body: { ...base, rrule } });
      expectProblem(bad, 400, "validation_failed");
      expect(bad.json.errors[0].path).toBe("rrule");
    }
    expectProblem(
      await call("/v1/maintenance-plans", { token: admin.token, body: { ...base, customer_id: "cus_nope" } }),
      400,
      "validation_failed",
    );
    const plan = (await call("/v1/maintenance-plans", { token: admin.token, body: base })).json;
    const skip = await call(`/v1/maintenance-plans/${plan.id}/occurrences/${addDays(today, 2)}/skip`, {
      token: admin.token,
      body: { reason: "Customer away" },
    });
    expect(skip.status, skip.text).toBe(200);
    expect((await call(`/v1/maintenance-plans/${plan.id}`, { token: admin.token })).json.next_date).not.toBe(
      addDays(today, 2),
    );
    const paused = await call(`/v1/maintenance-plans/${plan.id}/pause`, { token: admin.token, body: {} });
    expect(paused.status, paused.text).toBe(200);
    expect(paused.json.status).toBe("paused");
    await generateMaintenance(systemContext(env, "test"), Date.now() + 90 * 86_400_000);
    const rows = await ticketsOf(plan.id);
    expect(rows).toEqual([expect.objectContaining({ occurrence_date: addDays(today, 2), status: "skipped" })]);
    expectProblem(
      await call(`/v1/maintenance-plans/${plan.id}/pause`, { token: admin.token, body: {} }),
      409,
      "invalid_transition",
    );
    const listed = await call(`/v1/maintenance-plans?customer_id=${customerId}&status=paused`, { token: admin.token });
    expect(listed.json.data.map((p: { id: string }) => p.id)).toEqual([plan.id]);
    // A technician reads no plans.
    const tech = await technicianAccount();
    expect((await call(`/v1/maintenance-plans/${plan.id}`, { token: tech.token })).status).toBe(403);
  });
});

describe("a work log's next service date", () => {
  it("plans a one-off visit on the card with the card's plan's template, once however often the event comes", async () => {
    const { admin, customerId, templateId } = await fixture();
    const assetId = await makeAsset(customerId);
    const today = todayIn("Africa/Gaborone");
    const plan = await call("/v1/maintenance-plans", {
      token: admin.token,
      body: {
        name: "Card plan",
        customer_id: customerId,
        asset_id: assetId,
        template_id: templateId,
        rrule: "FREQ=YEARLY",
        start_date: addDays(today, 200),
        lead_days: 3,
      },
    });
    expect(plan.status, plan.text).toBe(201);
    const tech = await technicianAccount();
    const ticket = await call("/v1/tickets", {
      token: admin.token,
      body: { kind: "repair", title: "Purifier leaking", customer_id: customerId, asset_id: assetId },
    });
    await call(`/v1/tickets/${ticket.json.id}/assign`, {
      token: admin.token,
      body: { technician_ids: [tech.user.id] },
    });
    const next = addDays(today, 60);
    const log = await call(`/v1/tickets/${ticket.json.id}/work-logs`, {
      token: tech.token,
      body: { work_detail: "Replaced the seal", next_service_date: next },
    });
    expect(log.status, log.text).toBe(201);
    const event = {
      kind: "event" as const,
      id: "evt_test",
      type: "ticket.work_logged",
      subject_id: ticket.json.id as string,
      actor_id: tech.user.id,
      data: { work_log_id: log.json.id as string },
      occurred_at: new Date().toISOString(),
    };
    const ctx = systemContext(env, "test");
    expect(await planNextService(ctx, event)).toMatchObject({ planned: true });
    expect(await planNextService(ctx, event)).toMatchObject({ planned: false });
    const oneOff = await call(`/v1/maintenance-plans/mpl_next_${log.json.id}`, { token: admin.token });
    expect(oneOff.json).toMatchObject({
      asset_id: assetId,
      template_id: templateId,
      count: 1,
      next_date: next,
      lead_days: 3,
      status: "active",
    });
    // The generator raises it inside the lead time like any occurrence, then the plan ends.
    await generateMaintenance(ctx, Date.parse(`${next}T06:00:00Z`));
    const rows = await ticketsOf(`mpl_next_${log.json.id}`);
    expect(rows).toEqual([expect.objectContaining({ occurrence_date: next, status: "raised" })]);
    expect((await call(`/v1/maintenance-plans/mpl_next_${log.json.id}`, { token: admin.token })).json.status).toBe(
      "ended",
    );
  });
});

describe("booking links for planned visits", () => {
  it("texts the customer a link to book the raised visit on a day of its window, once, and the link holds to that window", async () => {
    const { admin, customerId, templateId } = await fixture();
    const today = todayIn("Africa/Gaborone");
    const start = addDays(today, 3);
    const plan = await call("/v1/maintenance-plans", {
      token: admin.token,
      body: {
        name: "Linked service",
        customer_id: customerId,
        template_id: templateId,
        rrule: "FREQ=MONTHLY",
        start_date: start,
        lead_days: 5,
        send_booking_link: true,
        booking_window_days: 3,
        holiday_rule: "keep",
      },
    });
    expect(plan.status, plan.text).toBe(201);
    expect(plan.json).toMatchObject({ send_booking_link: true, booking_window_days: 3 });
    const ctx = systemContext(env, "test");
    await generateMaintenance(ctx, Date.now());
    await generateMaintenance(ctx, Date.now());
    const occ = await call(`/v1/maintenance-plans/${plan.json.id}/occurrences`, { token: admin.token });
    expect(occ.json.data[0]).toMatchObject({ date: start, status: "raised", link_sent: true });
    const ticketId = occ.json.data[0].ticket_id as string;
    const links = await env.DB.prepare(
      "SELECT id, earliest_date, latest_date, sent_to, revoked_at FROM appointment_links WHERE ticket_id = ?",
    )
      .bind(ticketId)
      .all<{ id: string; earliest_date: string; latest_date: string; sent_to: string | null }>();
    expect(links.results).toHaveLength(1);
    expect(links.results[0]).toMatchObject({
      earliest_date: start,
      latest_date: addDays(start, 2),
      sent_to: "+26771112233",
    });
    const sent = await env.DB.prepare(
      "SELECT count(*) AS n FROM domain_events WHERE type = 'appointment.link_sent' AND subject_id = ?",
    )
      .bind(ticketId)
      .first<{ n: number }>();
    expect(sent?.n).toBe(1);

    // The page offers only the window's days; a day outside it is refused, naming the window.
    const { linkUrlById } = await import("../scheduling/links.service");
    const token = (await linkUrlById(ctx, links.results[0].id)).split("/a/")[1];
    const context = await call(`/v1/public/appointments/${token}`);
    expect(context.json).toMatchObject({ first_bookable_date: start, last_bookable_date: addDays(start, 2) });
    const outside = await call(`/v1/public/appointments/${token}/availability?date=${addDays(start, 5)}`);
    expectProblem(outside, 400, "validation_failed");
    expect(outside.json.errors[0].path).toBe("date");
    expect((await call(`/v1/public/appointments/${token}/availability?date=${addDays(start, 1)}`)).status).toBe(200);
  });

  it("a link left pending by a run that stopped is sent by the next", async () => {
    const { admin, customerId, templateId } = await fixture();
    const start = addDays(todayIn("Africa/Gaborone"), 2);
    const plan = await call("/v1/maintenance-plans", {
      token: admin.token,
      body: {
        name: "Linked later",
        customer_id: customerId,
        template_id: templateId,
        rrule: "FREQ=MONTHLY",
        start_date: start,
        lead_days: 5,
        send_booking_link: true,
        holiday_rule: "keep",
      },
    });
    const ctx = systemContext(env, "test");
    await generateMaintenance(ctx, Date.now());
    // As if the worker died after the ticket's batch: pending, and no link yet.
    await env.DB.prepare(
      "UPDATE maintenance_occurrences SET link_state = 'pending', created_at = '2020-01-01T00:00:00.000Z' WHERE plan_id = ?",
    )
      .bind(plan.json.id)
      .run();
    const ticketId = (await ticketsOf(plan.json.id))[0].ticket_id!;
    await env.DB.prepare("DELETE FROM appointment_links WHERE ticket_id = ?").bind(ticketId).run();
    await generateMaintenance(ctx, Date.now());
    const links = await env.DB.prepare("SELECT count(*) AS n FROM appointment_links WHERE ticket_id = ?")
      .bind(ticketId)
      .first<{ n: number }>();
    expect(links?.n).toBe(1);
    const occ = await call(`/v1/maintenance-plans/${plan.json.id}/occurrences`, { token: admin.token });
    expect(occ.json.data[0]).toMatchObject({ link_sent: true });
  });

  it("plan changes are in the audit log", async () => {
    const { admin, customerId, templateId } = await fixture();
    const plan = await call("/v1/maintenance-plans", {
      token: admin.token,
      body: {
        name: "Audited",
        customer_id: customerId,
        template_id: templateId,
        rrule: "FREQ=MONTHLY",
        start_date: addDays(todayIn("Africa/Gaborone"), 20),
      },
    });
    await call(`/v1/maintenance-plans/${plan.json.id}`, {
      method: "PATCH",
      token: admin.token,
      body: { lead_days: 3 },
    });
    await call(`/v1/maintenance-plans/${plan.json.id}/pause`, { token: admin.token, method: "POST" });
    const audit = await env.DB.prepare(
      "SELECT action FROM audit_log WHERE target_type = 'maintenance_plan' AND target_id = ? ORDER BY occurred_at",
    )
      .bind(plan.json.id)
      .all<{ action: string }>();
    expect(audit.results.map((r) => r.action)).toEqual([
      "maintenance_plan.created",
      "maintenance_plan.updated",
      "maintenance_plan.paused",
    ]);
  });
});

describe("occurrences list", () => {
  it("pages what was handled, newest page first, the upcoming ones on the first page only", async () => {
    const { admin, customerId, templateId } = await fixture();
    const start = addDays(todayIn("Africa/Gaborone"), 1);
    const plan = await call("/v1/maintenance-plans", {
      token: admin.token,
      body: {
        name: "Daily check",
        customer_id: customerId,
        template_id: templateId,
        rrule: "FREQ=DAILY",
        start_date: start,
        lead_days: 9,
        holiday_rule: "keep",
      },
    });
    await generateMaintenance(systemContext(env, "test"), Date.now());
    const handled = (await ticketsOf(plan.json.id)).map((o) => o.occurrence_date);
    expect(handled.length).toBeGreaterThanOrEqual(8);
    const pages: string[][] = [];
    let cursor: string | null = null;
    let first = true;
    do {
      const res = await call(
        `/v1/maintenance-plans/${plan.json.id}/occurrences?limit=3${cursor ? `&cursor=${cursor}` : ""}`,
        { token: admin.token },
      );
      expect(res.status, res.text).toBe(200);
      const raised = res.json.data.filter((o: { status: string }) => o.status !== "upcoming");
      const upcoming = res.json.data.filter((o: { status: string }) => o.status === "upcoming");
      expect(upcoming.length).toBe(first ? 10 : 0);
      pages.push(raised.map((o: { date: string }) => o.date));
      cursor = res.json.next_cursor;
      first = false;
    } while (cursor);
    // Newest page first; within a page, oldest first; together every handled occurrence once.
    expect(pages[0]).toEqual(handled.slice(-3));
    expect(pages.reverse().flat()).toEqual(handled);
  });
});
