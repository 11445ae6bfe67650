import { createExecutionContext, createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../../../test/helpers";
import { raiseTicket, staff, technicianAccount } from "../../../test/work-factories";
import { flagSlaBreaches } from "./sla-breaches";
import { systemContext } from "../../lib/context";
import { CRON_FREQUENT, runScheduled } from "../../cron";

describe("WO-6 SLA", () => {
  it("takes response targets from the priority and lets admins set targets", async () => {
    const admin = await staff("admin");
    const low = await raiseTicket(admin.token, { priority: "low" });
    expect(Date.parse(low.sla.response_due_at) - Date.parse(low.created_at)).toBe(24 * 3600_000);
    const medium = await raiseTicket(admin.token, { priority: "medium" });
    expect(Date.parse(medium.sla.response_due_at) - Date.parse(medium.created_at)).toBe(2 * 3600_000);
    const res = await call(`/v1/tickets/${low.id}/sla`, {
      token: admin.token,
      body: { resolution_due_at: "2030-05-01T12:00:00+02:00", estimated_resolution_at: "2030-04-30T12:00:00Z" },
    });
    expect(res.json.sla).toMatchObject({
      resolution_due_at: "2030-05-01T10:00:00.000Z",
      estimated_resolution_at: "2030-04-30T12:00:00.000Z",
    });
    const dispatcher = await staff("dispatcher");
    expectProblem(
      await call(`/v1/tickets/${low.id}/sla`, {
        token: dispatcher.token,
        body: { resolution_due_at: "2030-05-01T12:00:00Z" },
      }),
      403,
      "forbidden",
    );
  });

  it("flags breaches once, writes one history row and one event per ticket and target, and catches up", async () => {
    const admin = await staff("admin");
    const t = await raiseTicket(admin.token, { priority: "high" });
    const past = new Date(Date.now() - 3600_000).toISOString();
    await env.DB.prepare("UPDATE tickets SET response_due_at = ?1, resolution_due_at = ?1 WHERE id = ?2")
      .bind(past, t.id)
      .run();
    // A missed run: the job runs an hour later and still finds it.
    const first = await flagSlaBreaches(systemContext(env, "test"), Date.now());
    expect(first.breached).toBeGreaterThanOrEqual(2);
    const again = await flagSlaBreaches(systemContext(env, "test"), Date.now());
    expect(again.breached).toBe(0);
    const detail = await call(`/v1/tickets/${t.id}`, { token: admin.token });
    expect(detail.json.sla).toMatchObject({ response_breached: true, resolution_breached: true });
    const rows = await env.DB.prepare(
      "SELECT to_value FROM ticket_history WHERE ticket_id = ?1 AND action = 'sla_breached' ORDER BY to_value",
    )
      .bind(t.id)
      .all();
    expect(rows.results).toEqual([{ to_value: "resolution" }, { to_value: "response" }]);
    const events = await env.DB.prepare(
      "SELECT id FROM domain_events WHERE subject_id = ?1 AND type = 'sla.breached' ORDER BY id",
    )
      .bind(t.id)
      .all();
    expect(events.results.map((e) => String(e.id).replace(/_\d+$/, ""))).toEqual([
      `evt_sla_resolution_${t.id}`,
      `evt_sla_response_${t.id}`,
    ]);
    await runScheduled(
      createScheduledController({ cron: CRON_FREQUENT, scheduledTime: Date.now() }),
      env,
      createExecutionContext(),
    );
    expect(
      (await env.DB.prepare("SELECT count(*) AS n FROM ticket_history WHERE ticket_id = ?1 AND action = 'sla_breached'")
        .bind(t.id)
        .first<{ n: number }>())!.n,
    ).toBe(2);
  });

  it("a breach reaches the assigned technician's phone in its next delta, with a new version", async () => {
    const admin = await staff("admin");
    const tech = await technicianAccount();
    const t = await raiseTicket(admin.token, { priority: "high" });
    await call(`/v1/tickets/${t.id}/assign`, { token: admin.token, body: { technician_ids: [tech.user.id] } });
    const device = { id: crypto.randomUUID(), platform: "android", app_version: "2.4.1" };
    let sync = await call("/v1/mobile/sync", { token: tech.token, body: { device } });
    while (sync.json.has_more)
      sync = await call("/v1/mobile/sync", { token: tech.token, body: { device, cursor: sync.json.cursor } });
    const before = sync.json.changes.find((c: { id: string }) => c.id === t.id).data;
    await env.DB.prepare("UPDATE tickets SET resolution_due_at = ?1 WHERE id = ?2")
      .bind(new Date(Date.now() - 60_000).toISOString(), t.id)
      .run();
    await flagSlaBreaches(systemContext(env, "test"), Date.now());
    const delta = await call("/v1/mobile/sync", { token: tech.token, body: { device, cursor: sync.json.cursor } });
    const after = delta.json.changes.find(
      (c: { id: string; entity: string }) => c.entity === "ticket" && c.id === t.id,
    );
    expect(after, JSON.stringify(delta.json.changes)).toBeDefined();
    expect(after.data.version).toBe(before.version + 1);
    expect(after.data.sla).toMatchObject({ resolution_breached: true });
  });

  it("does not breach a met response, nor a ticket on hold", async () => {
    const admin = await staff("admin");
    const tech = await technicianAccount();
    const met = await raiseTicket(admin.token);
    await call(`/v1/tickets/${met.id}/open`, { token: admin.token, body: {} });
    const held = await raiseTicket(admin.token);
    await call(`/v1/tickets/${held.id}/assign`, { token: admin.token, body: { technician_ids: [tech.user.id] } });
    await call(`/v1/tickets/${held.id}/hold`, { token: tech.token, body: {} });
    const past = new Date(Date.now() - 60_000).toISOString();
    await env.DB.prepare("UPDATE tickets SET response_due_at = ?1 WHERE id IN (?2, ?3)")
      .bind(past, met.id, held.id)
      .run();
    await flagSlaBreaches(systemContext(env, "test"), Date.now());
    for (const id of [met.id, held.id]) {
      expect((await call(`/v1/tickets/${id}`, { token: admin.token })).json.sla.response_breached).toBe(false);
    }
  });

  it("pauses the clock on hold and keeps the paused time", async () => {
    const admin = await staff("admin");
    const tech = await technicianAccount();
    const t = await raiseTicket(admin.token, { priority: "low" });
    await call(`/v1/tickets/${t.id}/assign`, { token: admin.token, body: { technician_ids: [tech.user.id] } });
    await call(`/v1/tickets/${t.id}/start`, { token: tech.token, body: {} });
    // Pretend the clock has run for three hours, then the hold began two hours ago.
    await env.DB.prepare("UPDATE tickets SET sla_clock_from = ?1 WHERE id = ?2")
      .bind(new Date(Date.now() - 5 * 3600_000).toISOString(), t.id)
      .run();
    await call(`/v1/tickets/${t.id}/hold`, { token: tech.token, body: { reason: "waiting_for_customer" } });
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000).toISOString();
    await env.DB.prepare("UPDATE tickets SET sla_paused_at = ?1 WHERE id = ?2").bind(twoHoursAgo, t.id).run();
    const held = (await call(`/v1/tickets/${t.id}`, { token: admin.token })).json.sla;
    expect(held).toMatchObject({ paused: true, pause_reason: "waiting_for_customer" });
    const resumed = (await call(`/v1/tickets/${t.id}/resume`, { token: tech.token, body: {} })).json.sla;
    expect(resumed.paused).toBe(false);
    expect(resumed.paused_seconds).toBeGreaterThanOrEqual(7200);
    // Five hours on the wall clock, of which two on hold: three hours used, the rest runs on from now.
    const expected = Date.now() + (7200 - 300) * 60_000;
    expect(Math.abs(Date.parse(resumed.resolution_due_at) - expected)).toBeLessThan(120_000);
    const explained = (await call(`/v1/tickets/${t.id}/sla`, { token: admin.token })).json;
    expect(explained.periods.map((p: { state: string; reason: string }) => `${p.state}:${p.reason}`)).toEqual([
      "running:paused",
      "paused:waiting_for_customer",
      "running:running",
    ]);
    expect(explained.periods[0].working_minutes).toBeGreaterThanOrEqual(299);
    expect(explained.used_minutes).toBeGreaterThanOrEqual(299);
    expect(explained.used_minutes).toBeLessThan(302);
  });
});
