import { createScheduledController, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { EVENT_TYPES, eventDataProblem } from "../../src/contracts/events";
import { runScheduled } from "../../src/cron";
import { CRON_FREQUENT } from "../../src/cron";
import { commitChange, domainEvent } from "../../src/lib/change-batch";
import { systemContext } from "../../src/lib/context";
import { WEBHOOK_EVENTS } from "../../src/modules/notifications/notifications.schemas";
import { api } from "../client";
import { assignedTicket } from "../work-factories";

/**
 * The event catalogue holds every producer: the outbox refuses an event whose data does not fit
 * (so every test that produces events checks them), and here a day's work is run and every event
 * it recorded is read back and parsed against its schema.
 */
describe("event catalogue", () => {
  it("webhooks subscribe to exactly the catalogue's events", () => {
    expect(WEBHOOK_EVENTS.filter((t) => t !== "*").sort()).toEqual([...EVENT_TYPES].sort());
  });

  it("an event outside its schema is refused and nothing of its change is written", async () => {
    const ctx = systemContext(env, "test");
    const id = `evt_bad_${crypto.randomUUID().slice(0, 8)}`;
    const bad = domainEvent({ type: "ticket.updated", data: { changes: ["title"] } }, "tkt_x", null, id);
    await expect(
      commitChange(ctx, { statements: [], events: [{ event: { ...bad, data: { fields: ["title"] } } }] }),
    ).rejects.toThrow(/ticket.updated/);
    await expect(
      commitChange(ctx, { statements: [], events: [{ event: { ...bad, type: "ticket.renamed" } }] }),
    ).rejects.toThrow(/not in the event catalogue/);
    expect(await env.DB.prepare("SELECT 1 FROM domain_events WHERE id = ?1").bind(id).first()).toBeNull();
  });

  it("every event a day's work records fits its schema", async () => {
    const { ticket, tech, dispatcher } = await assignedTicket({ priority: "critical" });
    const id = ticket.id as string;
    const dispatch = api(dispatcher.token);
    const work = api(tech.token);
    const params = { path: { id } };
    const steps = [
      () => dispatch.PATCH("/v1/tickets/{id}", { params, body: { title: "Renamed" } }),
      () => work.POST("/v1/tickets/{id}/comments", { params, body: { body: "On my way", visibility: "public" } }),
      () => work.POST("/v1/tickets/{id}/start", { params, body: {} }),
      () => work.POST("/v1/tickets/{id}/work-logs", { params, body: { work_detail: "Replaced the ONT" } }),
      () => work.POST("/v1/tickets/{id}/resolve", { params, body: {} }),
    ];
    for (const step of steps) expect((await step()).response.status).toBeLessThan(300);
    // An SLA breach, recorded by the cron job's set-based write.
    await env.DB.prepare(
      "UPDATE tickets SET resolution_due_at = '2020-01-01T00:00:00.000Z', resolved_at = NULL, status = 'in_progress' WHERE id = ?1",
    )
      .bind(id)
      .run();
    await runScheduled(createScheduledController({ cron: CRON_FREQUENT, scheduledTime: Date.now() }), env, {
      waitUntil: () => undefined,
      passThroughOnException: () => undefined,
    } as unknown as ExecutionContext);
    const { results } = await env.DB.prepare("SELECT type, data FROM domain_events WHERE subject_id = ?1")
      .bind(id)
      .all<{ type: string; data: string }>();
    const types = new Set(results.map((r) => r.type));
    for (const t of ["ticket.created", "ticket.assigned", "ticket.updated", "ticket.commented", "sla.breached"])
      expect(types).toContain(t);
    expect(results.map((r) => eventDataProblem(r.type, JSON.parse(r.data))).filter(Boolean)).toEqual([]);
  });
});
