import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, login } from "../../test/helpers";
import { assignedTicket } from "../../test/work-factories";
import { systemContext } from "../lib/context";
import { applyRetention } from "./index";

/** The system's context with small chunks, so each table's deletion takes several rounds. */
function smallChunks() {
  const ctx = systemContext(env, "applyRetention");
  return { ...ctx, settings: { ...ctx.settings, retention: { ...ctx.settings.retention, chunkRows: 3 } } };
}

const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString();
const tag = () => crypto.randomUUID().slice(0, 8);

async function seed(sql: string, rows: unknown[][]) {
  await env.DB.batch(rows.map((r) => env.DB.prepare(sql).bind(...r)));
}

async function count(sql: string, ...params: unknown[]) {
  return (
    (await env.DB.prepare(sql)
      .bind(...params)
      .first<{ n: number }>()) as { n: number }
  ).n;
}

describe("retention (daily job)", () => {
  it("deletes each log past its retention in chunks and spares what must stay", async () => {
    const t = tag();
    const old = daysAgo(400);
    const fresh = daysAgo(1);
    const n = (k: number, f: (i: number) => unknown[]) => Array.from({ length: k }, (_, i) => f(i));
    // Notifications: read and old go; unread (however old) and recent stay.
    await seed(
      "INSERT INTO notifications (id, user_id, type, title, body, data, read_at, created_at) VALUES (?1, ?2, 'x', 't', 'b', '{}', ?3, ?4)",
      [
        ...n(7, (i) => [`ntf_${t}_old${i}`, `usr_${t}`, old, old]),
        ...n(2, (i) => [`ntf_${t}_unread${i}`, `usr_${t}`, null, old]),
        ...n(2, (i) => [`ntf_${t}_new${i}`, `usr_${t}`, fresh, fresh]),
      ],
    );
    // Deliveries: sent or failed and old go; pending, retrying and dead stay.
    await seed(
      "INSERT INTO deliveries (id, event_type, channel, recipient, status, message, created_at, updated_at) VALUES (?1, 'x', 'sms', '+1', ?2, '{}', ?3, ?3)",
      [
        ...n(5, (i) => [`dlv_${t}_sent${i}`, "sent", old]),
        ...n(2, (i) => [`dlv_${t}_failed${i}`, "failed", old]),
        [`dlv_${t}_pending`, "pending", old],
        [`dlv_${t}_retrying`, "retrying", old],
        [`dlv_${t}_dead`, "dead", old],
        [`dlv_${t}_recent`, "sent", fresh],
      ],
    );
    // Domain events: published and old go; never one not yet published.
    await seed(
      "INSERT INTO domain_events (id, type, subject_id, data, created_at, published_at) VALUES (?1, 'ticket.updated', ?2, '{}', ?3, ?4)",
      [
        ...n(7, (i) => [`evt_${t}_old${i}`, `tkt_${t}`, old, old]),
        [`evt_${t}_unpublished`, `tkt_${t}`, old, null],
        [`evt_${t}_recent`, `tkt_${t}`, fresh, fresh],
      ],
    );
    // Location trail: old reports go, except each technician's latest.
    await seed(
      "INSERT INTO technician_locations (id, technician_id, lat, lng, reported_at) VALUES (?1, ?2, -24.6, 25.9, ?3)",
      [
        ...n(7, (i) => [`loc_${t}_a${i}`, `usr_${t}_a`, daysAgo(400 + i)]),
        ...n(2, (i) => [`loc_${t}_b${i}`, `usr_${t}_b`, daysAgo(i)]),
      ],
    );
    // Provisioning log: finished and old go; one still running stays.
    await seed(
      "INSERT INTO provisioning_actions (id, action, actor_user_id, request, outcome, started_at) VALUES (?1, 'link_check', 'usr_x', '{}', ?2, ?3)",
      [...n(7, (i) => [`prv_${t}_${i}`, "succeeded", old]), [`prv_${t}_running`, "running", old]],
    );

    const outcome = await applyRetention(smallChunks(), Date.now());
    expect(outcome.notifications.notifications).toMatchObject({ deleted: 7, rounds: 3 });
    expect(outcome.notifications.deliveries).toMatchObject({ deleted: 7, rounds: 3 });
    expect(outcome.notifications.events.deleted).toBeGreaterThanOrEqual(7);
    expect(outcome.locations).toMatchObject({ deleted: 6, rounds: 3 });
    expect(outcome.provisioning).toMatchObject({ deleted: 7, rounds: 3 });

    const like = (table: string, column: string) =>
      env.DB.prepare(`SELECT ${column} AS id FROM ${table} WHERE instr(${column}, ?1) > 0 ORDER BY ${column}`)
        .bind(t)
        .all<{ id: string }>()
        .then((r) => r.results.map((x) => x.id));
    expect(await like("notifications", "id")).toEqual([
      `ntf_${t}_new0`,
      `ntf_${t}_new1`,
      `ntf_${t}_unread0`,
      `ntf_${t}_unread1`,
    ]);
    expect(await like("deliveries", "id")).toEqual([
      `dlv_${t}_dead`,
      `dlv_${t}_pending`,
      `dlv_${t}_recent`,
      `dlv_${t}_retrying`,
    ]);
    expect(await like("domain_events", "id")).toEqual([`evt_${t}_recent`, `evt_${t}_unpublished`]);
    expect(await like("technician_locations", "id")).toEqual([`loc_${t}_a0`, `loc_${t}_b0`, `loc_${t}_b1`]);
    expect(await like("provisioning_actions", "id")).toEqual([`prv_${t}_running`]);

    // A second run finds nothing more to delete.
    const again = await applyRetention(smallChunks(), Date.now());
    expect(again.notifications.notifications.deleted).toBe(0);
    expect(again.provisioning.deleted).toBe(0);
  });

  it("keeps the change log a live phone has not read; a phone behind the deleted part starts over from a snapshot", async () => {
    const { dispatcher, tech, ticket } = await assignedTicket();
    const comment = (body: string) =>
      call(`/v1/tickets/${ticket.id}/comments`, { token: dispatcher.token, body: { body, visibility: "public" } });
    const syncAll = async (token: string, deviceId: string, cursor?: string) => {
      let next = cursor;
      const changes: { entity: string; data?: { body?: string } }[] = [];
      let snapshot = false;
      for (let i = 0; i < 20; i++) {
        const res = await call("/v1/mobile/sync", {
          token,
          body: { cursor: next, device: { id: deviceId, platform: "android", app_version: "2.4.1" } },
        });
        expect(res.status, res.text).toBe(200);
        changes.push(...res.json.changes);
        snapshot ||= res.json.snapshot;
        next = res.json.cursor;
        if (!res.json.has_more) break;
      }
      return { cursor: next!, changes, snapshot };
    };
    // Phone B syncs once and then goes quiet; phone A keeps syncing.
    const b = { token: (await login(tech.user)).access_token, id: crypto.randomUUID() };
    const a = { token: tech.token, id: crypto.randomUUID() };
    const bFirst = await syncAll(b.token, b.id);
    await comment("First visit note");
    await syncAll(a.token, a.id);
    const aDelta = await syncAll(a.token, a.id, (await syncAll(a.token, a.id)).cursor);
    expect(aDelta.changes).toEqual([]);
    // Everything so far is old; phone B was last seen long ago, phone A just now.
    await env.DB.prepare("UPDATE sync_changes SET created_at = ?1").bind(daysAgo(400)).run();
    await env.DB.prepare("UPDATE mobile_devices SET last_sync_at = ?1 WHERE device_key = ?2")
      .bind(daysAgo(400), b.id)
      .run();
    await comment("Second visit note");

    const before = await count("SELECT count(*) AS n FROM sync_changes");
    const outcome = await applyRetention(smallChunks(), Date.now());
    expect(outcome.sync.log.deleted).toBeGreaterThan(0);
    expect(outcome.sync.log.rounds).toBeGreaterThan(1);
    expect(await count("SELECT count(*) AS n FROM sync_changes")).toBe(before - outcome.sync.log.deleted);

    // Phone A reads on from its cursor: the second note, no snapshot.
    const aNext = await syncAll(a.token, a.id, aDelta.cursor);
    expect(aNext.snapshot).toBe(false);
    expect(aNext.changes.some((c) => c.entity === "comment" && c.data?.body === "Second visit note")).toBe(true);
    // Phone B's cursor points into the deleted part: it is answered a full snapshot with both notes.
    const bNext = await syncAll(b.token, b.id, bFirst.cursor);
    expect(bNext.snapshot).toBe(true);
    expect(
      bNext.changes
        .filter((c) => c.entity === "comment")
        .map((c) => c.data?.body)
        .sort(),
    ).toEqual(["First visit note", "Second visit note"]);
  });
});
