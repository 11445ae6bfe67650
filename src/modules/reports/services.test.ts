import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../../../test/helpers";
import { makeAsset, makeCustomer, staff, technicianAccount } from "../../../test/work-factories";
import { systemContext } from "../../lib/context";
import { permissionsOf } from "../../contracts/permissions";
import { generateMaintenance } from "../maintenance";
import { buildUpcomingQuery } from "./services";

async function booking(over: {
  assetId?: string | null;
  customerId: string;
  serviceType?: string;
  preferred?: string | null;
  scheduled?: string | null;
  status?: string;
}) {
  const id = `tkt_svc_${crypto.randomUUID().slice(0, 12)}`;
  const now = new Date().toISOString();
  await env.DB.prepare(
    `INSERT INTO tickets (id, number, kind, priority, status, title, created_by, customer_id, asset_id, service_type, preferred_at, scheduled_at, required_skills, created_at, updated_at)
     VALUES (?1, ?1, 'service_booking', 'medium', ?2, 'Service', 'usr_system', ?3, ?4, ?5, ?6, ?7, '[]', ?8, ?8)`,
  )
    .bind(
      id,
      over.status ?? "new",
      over.customerId,
      over.assetId ?? null,
      over.serviceType ?? "free",
      over.preferred ?? null,
      over.scheduled ?? null,
      now,
    )
    .run();
  return id;
}

describe("warranty-eligible service cards", () => {
  it("lists cards in warranty with no free service in the interval before, by the booking rule", async () => {
    const manager = await staff("manager");
    const customerId = await makeCustomer();
    const fresh = await makeAsset(customerId, { warrantyStart: "2030-01-01", warrantyEnd: "2031-12-31" });
    const servicedRecently = await makeAsset(customerId, { warrantyStart: "2030-01-01", warrantyEnd: "2031-12-31" });
    await booking({ customerId, assetId: servicedRecently, preferred: "2030-05-20T08:00:00.000Z" });
    const servicedLongAgo = await makeAsset(customerId, { warrantyStart: "2030-01-01", warrantyEnd: "2031-12-31" });
    await booking({ customerId, assetId: servicedLongAgo, preferred: "2030-02-10T08:00:00.000Z" });
    const cancelledFree = await makeAsset(customerId, { warrantyStart: "2030-01-01", warrantyEnd: "2031-12-31" });
    await booking({ customerId, assetId: cancelledFree, preferred: "2030-06-01T08:00:00.000Z", status: "cancelled" });
    const expired = await makeAsset(customerId, { warrantyStart: "2028-01-01", warrantyEnd: "2030-05-31" });
    const endsBeforeFreeAgain = await makeAsset(customerId, { warrantyStart: "2029-01-01", warrantyEnd: "2030-06-10" });
    await booking({ customerId, assetId: endsBeforeFreeAgain, preferred: "2030-04-01T08:00:00.000Z" });

    const res = await call("/v1/reports/warranty-eligible?month=2030-06&limit=100", { token: manager.token });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ month: "2030-06", interval_months: 3 });
    const mine = res.json.data.filter((c: any) => c.customer_id === customerId);
    const byId = Object.fromEntries(mine.map((c: any) => [c.asset_id, c]));
    expect(Object.keys(byId).sort()).toEqual([fresh, servicedLongAgo, cancelledFree].sort());
    expect(byId[fresh]).toMatchObject({
      last_free_service: null,
      eligible_from: "2030-06-01",
      warranty_end: "2031-12-31",
    });
    expect(byId[servicedLongAgo]).toMatchObject({ last_free_service: "2030-02-10", eligible_from: "2030-06-01" });
    void expired;
    // In August the recently serviced card is free again from the 20th.
    const august = await call("/v1/reports/warranty-eligible?month=2030-08&limit=100", { token: manager.token });
    expect(august.json.data.find((c: any) => c.asset_id === servicedRecently)).toMatchObject({
      eligible_from: "2030-08-20",
    });
  });

  it("refuses bad months, and callers without reports", async () => {
    const manager = await staff("manager");
    expectProblem(
      await call("/v1/reports/warranty-eligible?month=2030-13", { token: manager.token }),
      400,
      "validation_failed",
    );
    expectProblem(
      await call("/v1/reports/warranty-eligible?month=June", { token: manager.token }),
      400,
      "validation_failed",
    );
    const tech = await technicianAccount();
    expectProblem(await call("/v1/reports/warranty-eligible", { token: tech.token }), 403, "forbidden");
  });
});

describe("upcoming services", () => {
  it("lists bookings to do by scheduled, else preferred, time within the period, soonest first, in pages", async () => {
    const manager = await staff("manager");
    const customerId = await makeCustomer();
    const a = await booking({
      customerId,
      scheduled: "2031-03-03T09:00:00.000Z",
      preferred: "2031-03-01T08:00:00.000Z",
    });
    const b = await booking({ customerId, preferred: "2031-03-02T08:00:00.000Z" });
    await booking({ customerId, preferred: "2031-03-04T08:00:00.000Z", status: "closed" });
    await booking({ customerId, preferred: "2031-04-04T08:00:00.000Z" });
    const c = await booking({ customerId, scheduled: "2031-03-09T21:30:00.000Z" }); // 23:30 local on the 9th
    const first = await call("/v1/reports/upcoming-services?from=2031-03-01&to=2031-03-09&limit=2", {
      token: manager.token,
    });
    expect(first.status).toBe(200);
    expect(first.json.data.map((r: any) => [r.ticket_id, r.basis])).toEqual([
      [b, "preferred"],
      [a, "scheduled"],
    ]);
    const second = await call(
      `/v1/reports/upcoming-services?from=2031-03-01&to=2031-03-09&limit=2&cursor=${first.json.next_cursor}`,
      { token: manager.token },
    );
    expect(second.json.data.map((r: any) => r.ticket_id)).toEqual([c]);
    expect(second.json.next_cursor).toBeNull();
    expectProblem(
      await call("/v1/reports/upcoming-services?from=2031-03-09&to=2031-03-01", { token: manager.token }),
      400,
      "validation_failed",
    );
  });

  it("includes maintenance plans: a visit not raised yet by the plan, then its raised ticket", async () => {
    const admin = await staff("admin");
    const customerId = await makeCustomer();
    const template = await call("/v1/job-templates", {
      token: admin.token,
      body: { name: `Upcoming check ${crypto.randomUUID().slice(0, 6)}`, kind: "maintenance" },
    });
    const plan = await call("/v1/maintenance-plans", {
      token: admin.token,
      body: {
        name: "Yearly boiler check",
        customer_id: customerId,
        template_id: template.json.id,
        rrule: "FREQ=YEARLY",
        start_date: "2032-03-05",
        time_zone: "Africa/Gaborone",
        lead_days: 7,
      },
    });
    expect(plan.status, plan.text).toBe(201);
    const report = async () =>
      (
        await call("/v1/reports/upcoming-services?from=2032-03-01&to=2032-03-09", { token: admin.token })
      ).json.data.filter((r: { plan_id: string | null }) => r.plan_id === plan.json.id);
    expect(await report()).toEqual([
      expect.objectContaining({
        source: "plan",
        basis: "planned",
        ticket_id: null,
        due_at: "2032-03-05T07:00:00.000Z",
      }),
    ]);
    await generateMaintenance(systemContext(env, "generateMaintenance"), Date.parse("2032-02-27T08:00:00Z"));
    const [raised] = await report();
    expect(raised).toMatchObject({ source: "plan", basis: "preferred", status: "new" });
    expect(raised.ticket_id).toMatch(/^tkt_/);
  });

  it("is read from its index", async () => {
    const ctx = {
      ...systemContext(env, "test"),
      actor: {
        kind: "user" as const,
        userId: "usr_x",
        sessionId: "s",
        role: "admin",
        permissions: permissionsOf("admin", null),
        via: "bearer" as const,
        tokenExpiresAt: 0,
      },
    };
    const { statement, raised, planned } = await buildUpcomingQuery(ctx, {
      from: "2031-03-01",
      to: "2031-03-09",
      limit: 20,
    });
    const explain = async (query: { toSQL(): { sql: string; params: unknown[] } }) => {
      const q = query.toSQL();
      const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${q.sql}`)
        .bind(...q.params)
        .all<{ detail: string }>();
      return plan.results.map((r) => r.detail).join("\n");
    };
    expect(await explain(statement)).toContain("USING INDEX tickets_booking_due_idx");
    expect(await explain(raised)).toContain("USING INDEX maintenance_occurrences_due_idx");
    expect(await explain(planned)).toContain("USING INDEX maintenance_plans_next_due_idx");
  });
});
