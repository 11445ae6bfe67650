import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../../../test/helpers";
import { securitySuite } from "../../../test/security-suite";
import { customerAccount, makeAsset, raiseTicket, staff, technicianAccount } from "../../../test/work-factories";
import { systemContext } from "../../lib/context";
import { addDays, todayIn } from "../../lib/time";
import { nextTermEnd, periodOf } from "./contracts.service";
import { renewServiceContracts } from "./renewals";

securitySuite("service-contracts");

const today = () => todayIn("Africa/Gaborone");
const inDays = (n: number) => addDays(today(), n);

function expectField(res: Awaited<ReturnType<typeof call>>, path: string) {
  expectProblem(res, 400, "validation_failed");
  expect(res.json.errors.map((e: { path: string }) => e.path)).toContain(path);
}

async function contract(token: string, body: Record<string, unknown>) {
  const res = await call("/v1/service-contracts", {
    token,
    body: { name: "Purifier care plan", starts_on: inDays(-10), ends_on: inDays(200), ...body },
  });
  expect(res.status, res.text).toBe(201);
  return res.json as { id: string; [k: string]: any };
}

describe("service contract periods (pure)", () => {
  it("counts periods from the start date and renews term after term", () => {
    expect(periodOf("2027-01-15", 3, "2027-01-15")).toEqual({ from: "2027-01-15", to: "2027-04-14" });
    expect(periodOf("2027-01-15", 3, "2027-04-14")).toEqual({ from: "2027-01-15", to: "2027-04-14" });
    expect(periodOf("2027-01-15", 3, "2027-04-15")).toEqual({ from: "2027-04-15", to: "2027-07-14" });
    expect(periodOf("2027-01-31", 1, "2027-03-01")).toEqual({ from: "2027-02-28", to: "2027-03-30" });
    expect(periodOf("2027-01-01", 12, "2029-06-30")).toEqual({ from: "2029-01-01", to: "2029-12-31" });
    expect(nextTermEnd("2027-12-31", 12)).toBe("2028-12-31");
    expect(nextTermEnd("2027-02-28", 1)).toBe("2027-03-31");
  });
});

describe("service contracts decide free or paid", () => {
  it("a covered card gets its included visits free in each period, then paid; cancelling gives the visit back", async () => {
    const admin = await staff("admin");
    const cust = await customerAccount();
    // Out of warranty: without the contract every booking would be paid.
    const card = await makeAsset(cust.customerId, { warrantyStart: "2015-01-01", warrantyEnd: "2016-01-01" });
    const c = await contract(admin.token, {
      customer_id: cust.customerId,
      asset_ids: [card],
      visits_per_period: 1,
      period_months: 3,
    });
    expect(c).toMatchObject({ status: "active", charge: "free", renewal: "manual", asset_ids: [card] });
    const first = await raiseTicket(cust.token, { kind: "service_booking", asset_id: card, preferred_date: inDays(3) });
    expect(first).toMatchObject({ service_type: "free", contract_id: c.id });
    const second = await raiseTicket(cust.token, {
      kind: "service_booking",
      asset_id: card,
      preferred_date: inDays(5),
    });
    expect(second).toMatchObject({ service_type: "paid", contract_id: null });
    const detail = await call(`/v1/service-contracts/${c.id}`, { token: admin.token });
    expect(detail.json.current_period).toMatchObject({ visits_used: 1, visits_left: 0 });
    // Cancel the free one: moving the paid one now uses the contract's visit.
    await call(`/v1/tickets/${first.id}/cancel`, { token: cust.token, body: {} });
    const moved = await call(`/v1/tickets/${second.id}/reschedule`, {
      token: cust.token,
      body: { preferred_date: inDays(6) },
    });
    expect(moved.json).toMatchObject({ service_type: "free", contract_id: c.id });
  });

  it("a paid contract charges even inside warranty; a contract naming the card wins over one for every card", async () => {
    const admin = await staff("admin");
    const cust = await customerAccount();
    const card = await makeAsset(cust.customerId); // in warranty
    const other = await makeAsset(cust.customerId);
    const everyCard = await contract(admin.token, { customer_id: cust.customerId, charge: "paid" });
    const named = await contract(admin.token, {
      customer_id: cust.customerId,
      asset_ids: [other],
      charge: "free",
      visits_per_period: 2,
    });
    const onCard = await raiseTicket(cust.token, {
      kind: "service_booking",
      asset_id: card,
      preferred_date: inDays(2),
    });
    expect(onCard).toMatchObject({ service_type: "paid", contract_id: everyCard.id });
    const onOther = await raiseTicket(cust.token, {
      kind: "service_booking",
      asset_id: other,
      preferred_date: inDays(2),
    });
    expect(onOther).toMatchObject({ service_type: "free", contract_id: named.id });
    // Cancelled: the warranty rule decides again.
    await call(`/v1/service-contracts/${everyCard.id}/cancel`, { token: admin.token, body: { reason: "Moved away" } });
    const after = await raiseTicket(cust.token, { kind: "service_booking", asset_id: card, preferred_date: inDays(4) });
    expect(after).toMatchObject({ service_type: "free", contract_id: null });
    // A contract that has not started yet covers nothing today.
    const future = await contract(admin.token, {
      customer_id: cust.customerId,
      starts_on: inDays(30),
      ends_on: inDays(60),
      charge: "paid",
    });
    expect(future.status).toBe("upcoming");
  });
});

describe("service contract administration", () => {
  it("checks every id, lists with filters, audits writes, and keeps reading scoped", async () => {
    const admin = await staff("admin");
    const cust = await customerAccount();
    const stranger = await customerAccount();
    const card = await makeAsset(cust.customerId);
    const foreign = await makeAsset(stranger.customerId);
    expectField(
      await call("/v1/service-contracts", {
        token: admin.token,
        body: {
          name: "X",
          customer_id: cust.customerId,
          asset_ids: [foreign],
          starts_on: inDays(0),
          ends_on: inDays(9),
        },
      }),
      "asset_ids.0",
    );
    expectField(
      await call("/v1/service-contracts", {
        token: admin.token,
        body: { name: "X", customer_id: "cus_nobody", starts_on: inDays(0), ends_on: inDays(9) },
      }),
      "customer_id",
    );
    expectField(
      await call("/v1/service-contracts", {
        token: admin.token,
        body: { name: "X", customer_id: cust.customerId, starts_on: inDays(9), ends_on: inDays(0) },
      }),
      "ends_on",
    );
    const c = await contract(admin.token, { customer_id: cust.customerId, asset_ids: [card] });
    const list = await call(`/v1/service-contracts?asset_id=${card}&status=active`, { token: admin.token });
    expect(list.json.data.map((r: { id: string }) => r.id)).toEqual([c.id]);
    expect((await call(`/v1/service-contracts?asset_id=${foreign}`, { token: admin.token })).json.data).toEqual([]);
    const changed = await call(`/v1/service-contracts/${c.id}`, {
      method: "PATCH",
      token: admin.token,
      body: { visits_per_period: 4, renewal: "auto" },
    });
    expect(changed.json).toMatchObject({ visits_per_period: 4, renewal: "auto" });
    const renewed = await call(`/v1/service-contracts/${c.id}/renew`, { token: admin.token, method: "POST" });
    expect(renewed.json).toMatchObject({ ends_on: nextTermEnd(inDays(200), 12), renewals: 1 });
    const audit = await env.DB.prepare(
      "SELECT action FROM audit_log WHERE target_type = 'service_contract' AND target_id = ? ORDER BY occurred_at",
    )
      .bind(c.id)
      .all<{ action: string }>();
    expect(audit.results.map((r) => r.action)).toEqual([
      "service_contract.created",
      "service_contract.updated",
      "service_contract.renewed",
    ]);

    // Dispatchers read; only managers and admins write; technicians and customers see nothing.
    const dispatcher = await staff("dispatcher");
    expect((await call(`/v1/service-contracts/${c.id}`, { token: dispatcher.token })).status).toBe(200);
    expectProblem(
      await call("/v1/service-contracts", {
        token: dispatcher.token,
        body: { name: "X", customer_id: cust.customerId, starts_on: inDays(0), ends_on: inDays(9) },
      }),
      403,
    );
    const tech = await technicianAccount();
    expectProblem(await call(`/v1/service-contracts/${c.id}`, { token: tech.token }), 403);
    expectProblem(await call(`/v1/service-contracts/${c.id}`, { token: cust.token }), 403);
    const supervisor = await staff("supervisor");
    expect((await call(`/v1/service-contracts/${c.id}`, { token: supervisor.token })).status).toBe(200);
    expectProblem(
      await call(`/v1/service-contracts/${c.id}/cancel`, { token: supervisor.token, body: { reason: "No" } }),
      403,
    );
  });
});

describe("renewal and reminders (daily job)", () => {
  it("auto contracts run on for another term; customers are reminded once per term before the end", async () => {
    const admin = await staff("admin");
    const cust = await customerAccount();
    const ended = await contract(admin.token, {
      customer_id: cust.customerId,
      starts_on: inDays(-400),
      ends_on: inDays(-1),
      renewal: "auto",
      term_months: 12,
    });
    const ending = await contract(admin.token, {
      customer_id: cust.customerId,
      ends_on: inDays(10),
      renewal: "manual",
      reminder_days: 30,
    });
    const notYet = await contract(admin.token, {
      customer_id: cust.customerId,
      ends_on: inDays(60),
      reminder_days: 30,
    });
    const never = await contract(admin.token, { customer_id: cust.customerId, ends_on: inDays(5), renewal: "none" });
    const ctx = systemContext(env, "renewServiceContracts");
    await renewServiceContracts(ctx, Date.now());
    await renewServiceContracts(ctx, Date.now()); // a second run changes nothing
    const read = async (id: string) => (await call(`/v1/service-contracts/${id}`, { token: admin.token })).json;
    expect(await read(ended.id)).toMatchObject({ ends_on: nextTermEnd(inDays(-1), 12), renewals: 1, status: "active" });
    expect(await read(ending.id)).toMatchObject({ reminded_for: inDays(10) });
    expect(await read(notYet.id)).toMatchObject({ reminded_for: null });
    expect(await read(never.id)).toMatchObject({ reminded_for: null });
    const events = await env.DB.prepare(
      "SELECT id, subject_id, data FROM domain_events WHERE type = 'service_contract.ending' AND subject_id IN (?, ?, ?, ?)",
    )
      .bind(ended.id, ending.id, notYet.id, never.id)
      .all<{ id: string; subject_id: string; data: string }>();
    expect(events.results.map((e) => e.subject_id)).toEqual([ending.id]);
    expect(JSON.parse(events.results[0].data)).toMatchObject({ ends_on: inDays(10), will_renew: false });
    const renewedAudit = await env.DB.prepare(
      "SELECT count(*) AS n FROM audit_log WHERE target_id = ? AND action = 'service_contract.renewed'",
    )
      .bind(ended.id)
      .first<{ n: number }>();
    expect(renewedAudit?.n).toBe(1);

    // The report: contracts ending in the month asked for, with the customer's name.
    const month = inDays(10).slice(0, 7);
    const report = await call(`/v1/reports/contracts-ending?month=${month}`, { token: admin.token });
    expect(report.status, report.text).toBe(200);
    const row = report.json.data.find((r: { id: string }) => r.id === ending.id);
    expect(row).toMatchObject({ will_renew: false, ends_on: inDays(10) });
    expect(typeof row.customer_name).toBe("string");
  });

  it("the customer's message names the contract and its end, on their channels", async () => {
    const { planContractMessages } = await import("../notifications/customer-messages");
    const ctx = systemContext(env, "test");
    const out = planContractMessages(
      ctx,
      {
        kind: "event",
        id: "evt_contract_ending_sct_x_2027-12-31",
        type: "service_contract.ending",
        subject_id: "sct_x",
        actor_id: null,
        data: {},
        occurred_at: new Date().toISOString(),
      },
      { name: "Purifier care plan", ends_on: "2027-12-31", will_renew: true },
      {
        id: "cus_x",
        userId: null,
        phone: "+26771234567",
        email: null,
        whatsapp: null,
        messageChannels: ["sms"],
        language: null,
      },
      0,
    );
    expect(out.messages).toHaveLength(1);
    expect(out.messages[0].body).toMatchObject({ channel: "sms", recipient: { address: "+26771234567" } });
    expect((out.messages[0].body as { body: string }).body).toContain('"Purifier care plan" renews');
    expect((out.messages[0].body as { body: string }).body).toContain("1 January 2028");
  });
});
