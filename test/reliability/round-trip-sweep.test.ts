import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { DEFAULT_PASSWORD, call, createUser, login } from "../helpers";
import { exampleOf, finishDocument } from "../../src/lib/openapi-reference";
import { responseProblems } from "../response-check";
import { dayAhead, linkFor } from "../scheduling-helpers";
import { customerAccount, makeAsset, raiseTicket, staff, technicianAccount } from "../work-factories";
import { ROUND_TRIP_BUDGET, SWEPT_STATUS } from "./round-trip-budget";

/**
 * Every operation of the OpenAPI document, called once by an administrator with real ids and the
 * document's own example body (ids in it replaced by real ones), with a cold session check. The
 * D1 round trips it needs must stay within its budget in round-trip-budget.ts, and the status it
 * answers must be the one recorded there: a change that turns a measured success into a refusal
 * (or back) shows up here, so the table never silently measures a different path.
 */
const HEADER = "x-d1-round-trips";
type Json = any;
const doc: Json = finishDocument(
  createApp().getOpenAPI31Document({ openapi: "3.1.0", info: { title: "sweep", version: "1" } }),
);

interface Op {
  key: string;
  method: string;
  path: string;
  bodySchema?: Json;
  secured: boolean;
}

const ops: Op[] = [];
for (const [path, item] of Object.entries<Json>(doc.paths)) {
  for (const [method, op] of Object.entries<Json>(item)) {
    if (!op?.operationId) continue;
    ops.push({
      key: `${method.toUpperCase()} ${path}`,
      method: method.toUpperCase(),
      path,
      bodySchema: op.requestBody?.content?.["application/json"]?.schema,
      secured: Boolean(op["x-permission"]),
    });
  }
}
// Destructive operations last, so every other operation finds its objects alive.
const rank = (op: Op) =>
  op.method === "DELETE"
    ? 2
    : /\/(deactivate|reject|cancel|password)$/.test(op.path) && !op.path.startsWith("/v1/auth/")
      ? 1
      : 0;
ops.sort((a, b) => rank(a) - rank(b));

describe("D1 round trips of every operation", () => {
  const w: Record<string, string> = {};
  let admin = "";

  beforeAll(async () => {
    const a = await staff("admin");
    admin = a.token;
    const supervisor = await staff("supervisor");
    const tech = await technicianAccount();
    const cust = await customerAccount();
    const victim = await createUser({ role: "technician" });
    const ticket = await raiseTicket(cust.token);
    await call(`/v1/tickets/${ticket.id}/assign`, { token: admin, body: { technician_ids: [tech.user.id] } });
    const appt = await call("/v1/appointments", {
      token: admin,
      body: { ticket_id: ticket.id, technician_id: tech.user.id, date: dayAhead(3), start_time: "10:00" },
    });
    const linkTicket = await raiseTicket(cust.token);
    await call(`/v1/tickets/${linkTicket.id}/assign`, { token: admin, body: { technician_ids: [tech.user.id] } });
    // A ticket of its own to approve: approving closes it, and closing cancels a ticket's live visit.
    const approvable = await raiseTicket(cust.token);
    await call(`/v1/tickets/${approvable.id}/assign`, { token: admin, body: { technician_ids: [tech.user.id] } });
    for (const step of ["start", "resolve"])
      await call(`/v1/tickets/${approvable.id}/${step}`, { token: tech.token, body: {} });
    const company = await call("/v1/companies", {
      token: admin,
      body: { name: `Sweep Co ${crypto.randomUUID().slice(0, 6)}` },
    });
    const offer = await call("/v1/offers", {
      token: admin,
      body: { code: `SWEEP-${crypto.randomUUID().slice(0, 6)}`, name: "Sweep offer", service: "internet" },
    });
    const role = await call("/v1/roles", {
      token: admin,
      body: { key: `sweep_${crypto.randomUUID().slice(0, 6)}`, name: "Sweep", permissions: ["tickets:read"] },
    });
    const bucket = await call("/v1/buckets", { token: admin, body: { name: "Sweep", filters: {} } });
    const application = await call("/v1/applications", {
      token: admin,
      body: { key: `sweep-${crypto.randomUUID().slice(0, 6)}`, name: "Sweep app" },
    });
    const appRole = await call(`/v1/applications/${application.json?.id}/roles`, {
      token: admin,
      body: { key: "agent", name: "Agent" },
    });
    const grant = await call("/v1/application-grants", {
      token: admin,
      body: { application_id: application.json?.id, role_id: appRole.json?.id, user_id: tech.user.id },
    });
    const apiKey = await call("/v1/api-keys", {
      token: admin,
      body: { name: "Sweep key", permissions: ["users:lookup"] },
    });
    const calendar = await call("/v1/calendars", {
      token: admin,
      body: { name: "Sweep calendar", time_zone: "Africa/Gaborone", week: { mon: [{ start: "08:00", end: "17:00" }] } },
    });
    const slaPolicy = await call("/v1/sla-policies", {
      token: admin,
      body: {
        name: "Sweep policy",
        customer_id: cust.customerId,
        calendar_id: calendar.json?.id,
        targets: { high: { response_minutes: 60, resolution_minutes: 480 } },
      },
    });
    const template = await call("/v1/job-templates", {
      token: admin,
      body: { name: "Sweep template", kind: "installation", checklist: [{ label: "Sweep check" }] },
    });
    const plan = await call("/v1/maintenance-plans", {
      token: admin,
      body: {
        name: "Sweep plan",
        customer_id: cust.customerId,
        template_id: template.json?.id,
        rrule: "FREQ=MONTHLY",
        start_date: dayAhead(40),
      },
    });
    const contract = await call("/v1/service-contracts", {
      token: admin,
      body: { name: "Sweep contract", customer_id: cust.customerId, starts_on: dayAhead(-30), ends_on: dayAhead(300) },
    });
    const timeOff = await call("/v1/time-off", {
      token: admin,
      body: {
        technician_id: tech.user.id,
        kind: "training",
        starts_at: `${dayAhead(20)}T08:00:00+02:00`,
        ends_at: `${dayAhead(20)}T10:00:00+02:00`,
      },
    });
    // Switched off at once: a live webhook would make every event of the sweep call the internet.
    const webhook = await call("/v1/webhooks", {
      token: admin,
      body: { url: "https://hooks.example.com/sweep", events: ["sla.breached"] },
    });
    await call(`/v1/webhooks/${webhook.json?.id}`, { method: "PATCH", token: admin, body: { active: false } });
    const stocked = await call("/v1/inventory/items", {
      token: admin,
      body: {
        sku: `SWEEP-${crypto.randomUUID().slice(0, 6)}`,
        name: "Sweep router",
        category: "router",
        unit_price: 100,
        currency: "BWP",
        initial_quantity: 50,
      },
    });
    const issued = await call("/v1/inventory/assignments", {
      token: admin,
      body: { item_id: stocked.json?.id, technician_id: tech.user.id, quantity: 5 },
    });
    // A finished export, so the job routes have a real job to read, download and (fail to) cancel.
    const exported = await call("/v1/reports/exports", {
      token: admin,
      body: { report: "tickets", filters: { number: ticket.number } },
    });
    for (
      let i = 0;
      i < 100 && (await call(`/v1/jobs/${exported.json?.id}`, { token: admin })).json?.status !== "done";
      i++
    )
      await new Promise((r) => setTimeout(r, 100));
    Object.assign(w, {
      job: exported.json?.id,
      item: stocked.json?.id,
      equipment: issued.json?.id,
      admin: a.user.id,
      supervisor: supervisor.user.id,
      tech: tech.user.id,
      victim: victim.id,
      customer: cust.customerId,
      ticket: ticket.id,
      appointment: appt.json?.id,
      approvable: approvable.id,
      link: await linkFor(admin, linkTicket.id),
      asset: await makeAsset(cust.customerId),
      company: company.json?.id,
      offer: offer.json?.id,
      role: role.json?.key,
      bucket: bucket.json?.id,
      webhook: webhook.json?.id,
      calendar: calendar.json?.id,
      slaPolicy: slaPolicy.json?.id,
      timeOff: timeOff.json?.id,
      template: template.json?.id,
      plan: plan.json?.id,
      contract: contract.json?.id,
      application: application.json?.id,
      appRole: appRole.json?.id,
      grant: grant.json?.id,
      apiKey: apiKey.json?.id,
      apiSecret: apiKey.json?.secret,
    });
  });

  afterAll(async () => {
    await env.DB.prepare("UPDATE webhooks SET active = 0").run();
  });

  /** Calls whose example body or query cannot work as generated: a real value, or a signed-in user of their own (sign-out, password and 2FA changes would end the administrator's session). */
  const OVERRIDES: Record<
    string,
    () => Promise<{ path?: string; body?: Json; token?: string; headers?: Record<string, string> }>
  > = {
    // The example's code belongs to the offer the example POST creates.
    "PATCH /v1/offers/{id}": async () => ({ body: { name: "Sweep offer, renamed", active: true } }),
    "POST /v1/maintenance-plans": async () => ({
      body: {
        name: "Sweep plan 2",
        customer_id: w.customer,
        template_id: w.template,
        rrule: "FREQ=MONTHLY;INTERVAL=3;BYDAY=1MO",
        start_date: dayAhead(30),
        calendar_id: w.calendar,
      },
    }),
    "PATCH /v1/maintenance-plans/{id}": async () => ({ body: { lead_days: 10, holiday_rule: "skip" } }),
    "POST /v1/service-contracts": async () => ({
      body: {
        name: "Sweep contract 2",
        customer_id: w.customer,
        asset_ids: [w.asset],
        starts_on: dayAhead(0),
        ends_on: dayAhead(365),
      },
    }),
    "POST /v1/auth/login": async () => {
      const u = await createUser({ role: "technician" });
      return { body: { identifier: u.username, password: u.password } };
    },
    "POST /v1/auth/refresh": async () => ({
      body: { refresh_token: (await login(await createUser({ role: "technician" }))).refresh_token },
    }),
    "POST /v1/auth/logout": async () => ({ token: await ownSession() }),
    "POST /v1/auth/password/change": async () => ({
      token: await ownSession(),
      body: { old_password: DEFAULT_PASSWORD, new_password: "another horse battery staple" },
    }),
    "POST /v1/auth/password/verify": async () => ({ token: await ownSession(), body: { password: DEFAULT_PASSWORD } }),
    "POST /v1/auth/password/forgot": async () => ({
      body: { identifier: (await createUser({ role: "technician" })).username },
    }),
    "POST /v1/auth/2fa/request-otp": async () => ({ token: await ownSession(), body: {} }),
    "POST /v1/auth/2fa/enable": async () => ({ token: await ownSession() }),
    "POST /v1/auth/2fa/disable": async () => ({ token: await ownSession() }),
    // Webhooks stay off and subscribed to an event the sweep never raises: a live one would call the internet.
    "POST /v1/webhooks": async () => ({
      body: { url: "https://hooks.example.com/sweep-created", events: ["sla.breached"] },
    }),
    "PATCH /v1/webhooks/{id}": async () => ({ body: { description: "Swept", active: false } }),
    "GET /v1/calendars/{id}/working-time": async () => ({
      path: `/v1/calendars/${w.calendar}/working-time?from=2026-12-04T16:30:00%2B02:00&minutes=120`,
    }),
    "POST /v1/sla-policies": async () => ({
      body: {
        name: "Swept policy",
        customer_id: w.customer,
        targets: { low: { response_minutes: 600, resolution_minutes: 4800 } },
      },
    }),
    "PATCH /v1/sla-policies/{id}": async () => ({ body: { warning_percent: 90 } }),
    // The named technician's path (the pool's, without technician_id, is measured in pool.test.ts terms: see docs/round-trips.md).
    "POST /v1/appointments": async () => ({
      body: { ticket_id: w.ticket, technician_id: w.tech, date: dayAhead(4), start_time: "10:00" },
    }),
    "POST /v1/availability/holds": async () => ({
      body: { ticket_id: w.ticket, date: dayAhead(4), start_time: "15:00" },
    }),
    "POST /v1/public/appointments/{token}/hold": async () => ({
      body: { date: dayAhead(4), start_time: "15:30" },
    }),
    "POST /v1/time-off": async () => ({
      body: {
        technician_id: w.tech,
        kind: "leave",
        starts_at: `${dayAhead(21)}T08:00:00+02:00`,
        ends_at: `${dayAhead(21)}T10:00:00+02:00`,
      },
    }),
    "POST /v1/inventory/transfers": async () => ({
      body: { item_id: w.item, from: "warehouse", to: `van:${w.tech}`, quantity: 1 },
    }),
    "GET /v1/availability": async () => ({ path: `/v1/availability?ticket_id=${w.ticket}&date=${dayAhead(4)}` }),
    "GET /v1/technicians/{id}/availability": async () => ({
      path: `/v1/technicians/${w.tech}/availability?date=${dayAhead(4)}`,
    }),
    "GET /v1/public/appointments/{token}/availability": async () => ({
      path: `/v1/public/appointments/${w.link}/availability?date=${dayAhead(4)}`,
    }),
    // Imports take the CSV file itself as the body.
    "POST /v1/imports/customers": async () =>
      csvBody(`account_number,full_name,phone\nSWEEP-${crypto.randomUUID().slice(0, 8)},Sweep Customer,71234567\n`),
    "POST /v1/imports/subscribers": async () =>
      csvBody(
        `subscriber_id,full_name,phone,locality\nSWEEP-${crypto.randomUUID().slice(0, 8)},Sweep Subscriber,71234567,\n`,
      ),
    "POST /v1/imports/tickets": async () =>
      csvBody(`external_ref,title,kind\nSWEEP-${crypto.randomUUID().slice(0, 8)},Sweep outage,repair\n`),
    "POST /v1/imports/service-cards": async () =>
      csvBody(`serial_number,customer_id,model\nSWEEP-${crypto.randomUUID().slice(0, 8)},${w.customer},Sweep AC\n`),
    "POST /v1/imports/inventory-items": async () =>
      csvBody(
        `sku,name,category,unit_price,currency\nSWEEP-${crypto.randomUUID().slice(0, 8)},Sweep ONT,ont,100,BWP\n`,
      ),
    "GET /v1/imports/{kind}/template": async () => ({ path: "/v1/imports/customers/template" }),
    // Application routes name a role of that application, and pools a role by its key.
    "PATCH /v1/applications/{id}/roles/{role_id}": async () => ({
      path: `/v1/applications/${w.application}/roles/${w.appRole}`,
    }),
    "DELETE /v1/applications/{id}/roles/{role_id}": async () => {
      const spare = await call(`/v1/applications/${w.application}/roles`, {
        token: admin,
        body: { key: `spare-${crypto.randomUUID().slice(0, 6)}`, name: "Spare" },
      });
      return { path: `/v1/applications/${w.application}/roles/${spare.json?.id}` };
    },
    "GET /v1/applications/{id}/pool": async () => ({ path: `/v1/applications/${w.application}/pool?role=agent` }),
    "POST /v1/applications/{id}/pool/next": async () => ({
      path: `/v1/applications/${w.application}/pool/next?role=agent`,
      body: {},
    }),
    "POST /v1/applications/{id}/roles": async () => ({
      body: { key: `role-${crypto.randomUUID().slice(0, 6)}`, name: "Swept role" },
    }),
    "POST /v1/application-grants": async () => ({
      body: { application_id: w.application, role_id: w.appRole, user_id: w.supervisor },
    }),
    "PATCH /v1/application-grants/{id}": async () => ({ body: { role_id: w.appRole } }),
    "POST /v1/api-keys/{id}/revoke": async () => {
      const spare = await call("/v1/api-keys", {
        token: admin,
        body: { name: "Spare key", permissions: ["users:lookup"] },
      });
      return { path: `/v1/api-keys/${spare.json?.id}/revoke`, body: {} };
    },
    // Provisioning names the simulated element manager's demo network (its subscribers, ONTs and nodes).
    "GET /v1/network/link-check": async () => ({ path: "/v1/network/link-check?serial=HWTC1A2B0001" }),
    "GET /v1/network/health": async () => ({ path: "/v1/network/health?subscriber_id=SUB-100001" }),
    "GET /v1/network/subscribers": async () => ({ path: "/v1/network/subscribers?q=SUB-1000" }),
    "GET /v1/network/subscribers/{subscriber_id}": async () => ({ path: "/v1/network/subscribers/SUB-100001" }),
    "GET /v1/network/nodes/{node}/vlans/available": async () => ({
      path: "/v1/network/nodes/GBE-OLT-02/vlans/available",
    }),
    "POST /v1/network/nodes/{node}/vlans": async () => ({
      path: "/v1/network/nodes/GBE-OLT-02/vlans",
      body: { metro: "GBE", service_type: "iptv" },
    }),
    "DELETE /v1/network/onts/{serial}": async () => ({ path: "/v1/network/onts/HWTC1A2B0002" }),
    "POST /v1/oauth/token": async () => ({ body: { grant_type: "client_credentials", client_secret: w.apiSecret } }),
    "POST /v1/tickets/{id}/approve": async () => ({ path: `/v1/tickets/${w.approvable}/approve`, body: {} }),
    // The profile's everyday edit; a new email or phone needs the password and a verification (tested in users).
    "PATCH /v1/me": async () => ({ body: { first_name: "Swept", region: "Gaborone" } }),
  };

  const csvBody = (csv: string) => ({ body: csv, headers: { "content-type": "text/csv" } });

  async function ownSession() {
    return (await login(await createUser({ role: "technician" }))).access_token;
  }

  /** The real object a path parameter names, by the collection it sits in. */
  function concrete(path: string): string {
    return path.replace(/\/([a-z-]+)\/\{([a-z_]+)\}/g, (_m, collection: string, param: string) => {
      const id: Record<string, string | undefined> = {
        users: w.victim,
        technicians: w.tech,
        teams: w.supervisor,
        customers: w.customer,
        assets: w.asset,
        companies: w.company,
        offers: w.offer,
        tickets: w.ticket,
        appointments: path.startsWith("/v1/public/") ? w.link : w.appointment,
        roles: w.role,
        buckets: w.bucket,
        webhooks: w.webhook,
        calendars: w.calendar,
        "sla-policies": w.slaPolicy,
        "time-off": w.timeOff,
        "job-templates": w.template,
        "maintenance-plans": w.plan,
        "service-contracts": w.contract,
        occurrences: dayAhead(40),
        months: "2019-07",
        jobs: w.job,
        applications: w.application,
        "application-grants": w.grant,
        "api-keys": w.apiKey,
        employees: w.tech,
        items: w.item,
        assignments: w.equipment,
        vans: w.tech,
        attachments: "att_000000000000000000x",
        notifications: "ntf_000000000000000000x",
        deliveries: "dlv_000000000000000000x",
      };
      return `/${collection}/${id[collection] ?? (param === "token" ? w.link : "x")}`;
    });
  }

  /** The document's example body with its ids replaced by real ones. */
  function bodyFor(op: Op): Json {
    if (!op.bodySchema) return ["POST", "PUT", "PATCH"].includes(op.method) ? {} : undefined;
    const body = exampleOf(doc, op.bodySchema, false);
    const ids: Record<string, Json> = {
      ticket_id: w.ticket,
      ticket_ids: [w.ticket],
      technician_id: w.tech,
      technician_ids: [w.tech],
      user_id: w.tech,
      user_ids: [w.tech],
      item_id: w.item,
      customer_id: w.customer,
      asset_id: w.asset,
      company_id: w.company,
      supervisor_id: w.supervisor,
      date: dayAhead(4),
    };
    if (body && typeof body === "object" && !Array.isArray(body))
      for (const key of Object.keys(body)) if (key in ids) body[key] = ids[key];
    return body;
  }

  const measured: Record<string, { trips: number; status: number; why?: string }> = {};

  for (const op of ops) {
    if (op.path === "/v1/events") continue; // a WebSocket upgrade: measured by the realtime tests' connection check
    it(`${op.key} stays within its budget`, async () => {
      // A write empties the isolate's session cache, so the next call checks its session in D1.
      await call("/v1/notifications/read-all", { token: admin, body: {} });
      const override = (await OVERRIDES[op.key]?.()) ?? {};
      const token =
        "token" in override ? override.token : op.secured || op.path.startsWith("/v1/auth/") ? admin : undefined;
      const res = await call(override.path ?? concrete(op.path), {
        method: op.method,
        token,
        headers: override.headers,
        body: "body" in override ? override.body : bodyFor(op),
      });
      const trips = Number(res.headers.get(HEADER));
      measured[op.key] = { trips, status: res.status, ...(res.status >= 300 ? { why: res.text.slice(0, 140) } : {}) };
      expect(res.status, `${op.key}: ${res.text.slice(0, 200)}`).toBeLessThan(500);
      // The answer is one the document describes: its status, and its body to the schema.
      expect(responseProblems(doc, op.method, op.path, res.status, res.headers.get("content-type"), res.text)).toEqual(
        [],
      );
      expect(
        ROUND_TRIP_BUDGET[op.key],
        `${op.key} has no budget in test/reliability/round-trip-budget.ts (measured ${trips} with status ${res.status})`,
      ).toBeDefined();
      expect(trips, `${op.key}: ${trips} round trips, budget ${ROUND_TRIP_BUDGET[op.key]}`).toBeLessThanOrEqual(
        ROUND_TRIP_BUDGET[op.key],
      );
      if (SWEPT_STATUS[op.key] !== undefined)
        expect(res.status, `${op.key} answered a different status than the table records`).toBe(SWEPT_STATUS[op.key]);
    });
  }

  it("every operation has a budget and every budget an operation (the line below is what a budget update starts from)", () => {
    console.log(`ROUND_TRIPS ${JSON.stringify(measured)}`);
    const keys = ops.map((op) => op.key);
    expect(keys.filter((k) => ROUND_TRIP_BUDGET[k] === undefined)).toEqual([]);
    expect(Object.keys(ROUND_TRIP_BUDGET).filter((k) => !keys.includes(k))).toEqual([]);
    expect(Object.keys(measured).length).toBeGreaterThan(100);
  });
});
