import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../../../test/helpers";
import { securitySuite } from "../../../test/security-suite";
import { assignedTicket, customerAccount, staff, technicianAccount } from "../../../test/work-factories";

securitySuite("provisioning");

const simulator = () => env.EM_SIMULATOR!.get(env.EM_SIMULATOR!.idFromName("default"));
const unique = () => crypto.randomUUID().replace(/-/g, "").slice(0, 8).toUpperCase();

/** A fresh OLT node in the simulator with `onts` discovered ONTs, so each test owns its slice of the network. */
async function freshNode(options: { onts?: number; vlans?: number; rx?: number } = {}) {
  const name = `T-OLT-${unique()}`;
  await simulator().addNode({ name, metro: "TST", vlan_min: 1000, vlan_max: 1000 + (options.vlans ?? 50) - 1 });
  const serials: string[] = [];
  for (let i = 0; i < (options.onts ?? 1); i++) {
    const serial = `TSTO${unique()}`;
    await simulator().addOnt({ serial, node: name, port: `0/1/${i + 1}`, rx_power_dbm: options.rx });
    serials.push(serial);
  }
  return { name, serials };
}

async function withAccountNumber(customerId: string) {
  const subscriber = `SUB-${unique()}`;
  await env.DB.prepare("UPDATE customers SET account_number = ? WHERE id = ?").bind(subscriber, customerId).run();
  return subscriber;
}

async function provision(token: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return call("/v1/network/provisioning/services", { token, body: { service_type: "internet", ...body }, headers });
}

describe("NET-3 link checks and subscriber health", () => {
  it("lets a technician check the line of a ticket assigned to them, and nobody else's", async () => {
    const manager = await staff("manager");
    const { tech, cust, ticket, dispatcher } = await assignedTicket();
    const subscriber = await withAccountNumber(cust.customerId);
    const { serials } = await freshNode();
    const done = await provision(manager.token, {
      ont_serial: serials[0],
      customer_id: cust.customerId,
      ticket_id: ticket.id,
    });
    expect(done.status, done.text).toBe(201);
    expect(done.json).toMatchObject({
      ont_serial: serials[0],
      subscriber_id: subscriber,
      vlan: 1000,
      action: { action: "provision_service", outcome: "succeeded", ticket_id: ticket.id, customer_id: cust.customerId },
    });

    const link = await call(`/v1/network/link-check?ticket_id=${ticket.id}`, { token: tech.token });
    expect(link.status, link.text).toBe(200);
    expect(link.json).toMatchObject({
      serial: serials[0],
      status: "up",
      signal: "good",
      subscriber_id: subscriber,
      rx_power_dbm: expect.any(Number),
    });
    const health = await call(`/v1/network/health?ticket_id=${ticket.id}`, { token: tech.token });
    expect(health.status, health.text).toBe(200);
    expect(health.json).toMatchObject({
      status: "degraded",
      problems: ["No CPE is registered for this subscriber."],
      subscriber: { vlan: 1000 },
    });

    // The new router goes in; the line is healthy.
    const cpe = await call("/v1/network/provisioning/change-cpe", {
      token: manager.token,
      body: { cpe_serial: `HH-${unique()}`, customer_id: cust.customerId, ticket_id: ticket.id },
    });
    expect(cpe.status, cpe.text).toBe(200);
    expect((await call(`/v1/network/health?ticket_id=${ticket.id}`, { token: tech.token })).json).toMatchObject({
      status: "healthy",
      problems: [],
    });

    // Only through their own ticket: no serials, subscribers or customers directly, no one else's ticket.
    expectProblem(await call(`/v1/network/link-check?serial=${serials[0]}`, { token: tech.token }), 403, "forbidden");
    expectProblem(
      await call(`/v1/network/health?subscriber_id=${subscriber}`, { token: tech.token }),
      403,
      "forbidden",
    );
    expectProblem(
      await call(`/v1/network/health?customer_id=${cust.customerId}`, { token: tech.token }),
      403,
      "forbidden",
    );
    const otherTech = await technicianAccount();
    expectProblem(
      await call(`/v1/network/link-check?ticket_id=${ticket.id}`, { token: otherTech.token }),
      404,
      "not_found",
    );
    // Seeing the ticket is not enough: the dispatcher and the customer are not its technicians.
    expectProblem(
      await call(`/v1/network/link-check?ticket_id=${ticket.id}`, { token: dispatcher.token }),
      403,
      "forbidden",
    );
    expectProblem(await call(`/v1/network/health?ticket_id=${ticket.id}`, { token: cust.token }), 403, "forbidden");
    expectProblem(
      await call(`/v1/network/link-check?ticket_id=${ticket.id}&serial=${serials[0]}`, { token: manager.token }),
      400,
      "validation_failed",
    );
    expectProblem(await call("/v1/network/health", { token: manager.token }), 400, "validation_failed");

    // Every check is on record with who made it.
    const log = await call(`/v1/network/provisioning/actions?ticket_id=${ticket.id}`, { token: manager.token });
    expect(log.json.data.map((a: { action: string }) => a.action)).toEqual([
      "subscriber_health",
      "change_cpe",
      "subscriber_health",
      "link_check",
      "provision_service",
    ]);
    expect(log.json.data[3]).toMatchObject({
      actor_user_id: tech.user.id,
      outcome: "succeeded",
      ont_serial: serials[0],
      duration_ms: expect.any(Number),
    });
    const one = await call(`/v1/network/provisioning/actions/${log.json.data[0].id}`, { token: manager.token });
    expect(one.json).toMatchObject({ action: "subscriber_health", subscriber_id: subscriber });
    expectProblem(
      await call(`/v1/network/provisioning/actions?ticket_id=${ticket.id}`, { token: tech.token }),
      403,
      "forbidden",
    );
  });

  it("reports weak light and a line that is down in words a technician can act on", async () => {
    const manager = await staff("manager");
    const { serials } = await freshNode({ rx: -26.8 });
    const subscriber = `SUB-${unique()}`;
    expect((await provision(manager.token, { ont_serial: serials[0], subscriber_id: subscriber })).status).toBe(201);
    const health = await call(`/v1/network/health?subscriber_id=${subscriber}`, { token: manager.token });
    expect(health.json.status).toBe("degraded");
    expect(health.json.link.signal).toBe("weak");
    expect(health.json.problems[0]).toMatch(/Weak light at the ONT \(-26\.8 dBm/);
    expectProblem(
      await call("/v1/network/health?subscriber_id=SUB-NOBODY", { token: manager.token }),
      404,
      "not_found",
    );
    expectProblem(await call("/v1/network/link-check?serial=NOSUCHONT1", { token: manager.token }), 404, "not_found");
    // A customer without an account number is not on the network.
    const { customerId } = await customerAccount();
    expectProblem(
      await call(`/v1/network/health?customer_id=${customerId}`, { token: manager.token }),
      422,
      "unprocessable",
    );
  });
});

describe("NET-3 provisioning services and VLANs", () => {
  it("never hands out the same VLAN twice, and a VLAN whose provisioning failed goes back", async () => {
    const manager = await staff("manager");
    const { name, serials } = await freshNode({ onts: 16, vlans: 40 });
    const first = await Promise.all(
      serials
        .slice(0, 8)
        .map((serial) => provision(manager.token, { ont_serial: serial, subscriber_id: `SUB-${unique()}` })),
    );
    expect(first.map((r) => r.status)).toEqual(Array(8).fill(201));
    const vlans = first.map((r) => r.json.vlan as number);
    expect(new Set(vlans).size).toBe(8);

    // Three of the next eight fail at the element manager: the rest still get distinct VLANs, none lost.
    await simulator().injectFault({ operation: "provisionService", kind: "error", times: 3 });
    const second = await Promise.all(
      serials
        .slice(8)
        .map((serial) => provision(manager.token, { ont_serial: serial, subscriber_id: `SUB-${unique()}` })),
    );
    const ok = second.filter((r) => r.status === 201);
    const failed = second.filter((r) => r.status !== 201);
    expect(ok).toHaveLength(5);
    for (const r of failed) expectProblem(r, 502, "element_manager_unavailable");
    const all = [...vlans, ...ok.map((r) => r.json.vlan as number)];
    expect(new Set(all).size).toBe(13);
    const available = await call(`/v1/network/nodes/${name}/vlans/available?limit=100`, { token: manager.token });
    expect(available.json.total).toBe(40 - 13);
    expect(available.json.vlans.some((v: number) => all.includes(v))).toBe(false);
    // The failed attempts' VLANs are free again: the lowest free id is below the highest handed out.
    expect(available.json.vlans[0]).toBeLessThan(Math.max(...all));
    const failures = await call("/v1/network/provisioning/actions?action=provision_service&outcome=failed&limit=100", {
      token: manager.token,
    });
    expect(failures.json.data.filter((a: { node: string }) => a.node === name)).toHaveLength(3);
    expect(failures.json.data.find((a: { node: string }) => a.node === name)).toMatchObject({
      error_code: "element_manager_unavailable",
      upstream: expect.stringContaining("503"),
    });
  });

  it("replays a retried provisioning with the same Idempotency-Key and refuses an ONT or subscriber already served", async () => {
    const manager = await staff("manager");
    const { serials } = await freshNode({ onts: 2 });
    const subscriber = `SUB-${unique()}`;
    const key = `prov-${unique()}`;
    const once = await provision(
      manager.token,
      { ont_serial: serials[0], subscriber_id: subscriber },
      { "idempotency-key": key },
    );
    const again = await provision(
      manager.token,
      { ont_serial: serials[0], subscriber_id: subscriber },
      { "idempotency-key": key },
    );
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.json).toEqual(once.json);
    const log = await call(`/v1/network/provisioning/actions?subscriber_id=${subscriber}`, { token: manager.token });
    expect(log.json.data).toHaveLength(1);
    expectProblem(
      await provision(manager.token, { ont_serial: serials[0], subscriber_id: `SUB-${unique()}` }),
      409,
      "conflict",
    );
    expectProblem(
      await provision(manager.token, { ont_serial: serials[1], subscriber_id: subscriber }),
      409,
      "conflict",
    );
    expectProblem(await provision(manager.token, { ont_serial: serials[1] }), 400, "validation_failed");
    expectProblem(
      await provision(manager.token, { ont_serial: serials[1], subscriber_id: subscriber, customer_id: "cus_x" }),
      400,
      "validation_failed",
    );
  });

  it("says which element-manager failures are safe to retry, and records each without half-done state", async () => {
    const manager = await staff("manager");
    const { name, serials } = await freshNode({ onts: 3, vlans: 5 });
    // A read that fails once is retried and succeeds; one that keeps timing out is a 504 that is safe to retry.
    await simulator().injectFault({ operation: "linkCheck", kind: "timeout", times: 1, delay_ms: 1000 });
    expect((await call(`/v1/network/link-check?serial=${serials[0]}`, { token: manager.token })).status).toBe(200);
    await simulator().injectFault({ operation: "linkCheck", kind: "timeout", times: 3, delay_ms: 1000 });
    expectProblem(
      await call(`/v1/network/link-check?serial=${serials[0]}`, { token: manager.token }),
      504,
      "element_manager_timeout",
    );
    await simulator().injectFault({ operation: "unprovisionedOnts", kind: "malformed", times: 3 });
    expectProblem(
      await call(`/v1/network/onts/unprovisioned?node=${name}`, { token: manager.token }),
      502,
      "element_manager_unavailable",
    );

    // A write that times out may have landed: the caller is told to look first, the log says unknown, the VLAN stays held.
    await simulator().injectFault({ operation: "provisionService", kind: "timeout", times: 1, delay_ms: 1000 });
    const subscriber = `SUB-${unique()}`;
    const slow = await provision(manager.token, { ont_serial: serials[0], subscriber_id: subscriber });
    expectProblem(slow, 504, "element_manager_outcome_unknown");
    const unknown = (
      await call(`/v1/network/provisioning/actions?subscriber_id=${subscriber}`, { token: manager.token })
    ).json.data[0];
    expect(unknown).toMatchObject({
      outcome: "outcome_unknown",
      error_code: "element_manager_outcome_unknown",
      finished_at: expect.any(String),
    });
    expect(
      (await call(`/v1/network/nodes/${name}/vlans/available`, { token: manager.token })).json.vlans,
    ).not.toContain(1000);
    // An unreadable answer to a write is just as uncertain.
    await simulator().injectFault({ operation: "provisionService", kind: "malformed", times: 1 });
    expectProblem(
      await provision(manager.token, { ont_serial: serials[1], subscriber_id: `SUB-${unique()}` }),
      504,
      "element_manager_outcome_unknown",
    );
    // Refused outright: nothing changed, safe to retry, and a retry goes through.
    await simulator().injectFault({ operation: "changeCpe", kind: "error", times: 1 });
    expect((await provision(manager.token, { ont_serial: serials[2], subscriber_id: subscriber })).status).toBe(201);
    const body = { cpe_serial: `HH-${unique()}`, subscriber_id: subscriber };
    expectProblem(
      await call("/v1/network/provisioning/change-cpe", { token: manager.token, body }),
      502,
      "element_manager_unavailable",
    );
    expect((await call("/v1/network/provisioning/change-cpe", { token: manager.token, body })).status).toBe(200);
    const outcomes = (
      await call(`/v1/network/provisioning/actions?subscriber_id=${subscriber}`, { token: manager.token })
    ).json.data.map((a: { action: string; outcome: string }) => `${a.action}:${a.outcome}`);
    expect(outcomes).toEqual([
      "change_cpe:succeeded",
      "change_cpe:failed",
      "provision_service:succeeded",
      "provision_service:outcome_unknown",
    ]);
    await simulator().clearFaults();
  });

  it("creates VLANs on a node for a service type, lists and cleans up unused ones, and frees an ONT's VLAN when it is deleted", async () => {
    const manager = await staff("manager");
    const { name, serials } = await freshNode({ onts: 1, vlans: 6 });
    const created = await call(`/v1/network/nodes/${name}/vlans`, {
      token: manager.token,
      body: { metro: "TST", service_type: "business", count: 2 },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.json.vlans.map((v: { vlan: number }) => v.vlan)).toEqual([1000, 1001]);
    expectProblem(
      await call(`/v1/network/nodes/${name}/vlans`, {
        token: manager.token,
        body: { metro: "GBE", service_type: "iptv" },
      }),
      422,
      "unprocessable",
    );
    expectProblem(
      await call("/v1/network/nodes/NO-SUCH-NODE/vlans", {
        token: manager.token,
        body: { metro: "TST", service_type: "iptv" },
      }),
      404,
      "not_found",
    );
    // A node name is one path segment of the element manager's API: no "..", no leading dot.
    for (const bad of ["GBE..OLT", ".hidden", "a..b", "...x"]) {
      expectProblem(
        await call(`/v1/network/nodes/${encodeURIComponent(bad)}/vlans/available`, { token: manager.token }),
        400,
        "validation_failed",
      );
    }
    expectProblem(
      await call(`/v1/network/nodes/${name}/vlans`, {
        token: manager.token,
        body: { metro: "TST", service_type: "iptv", count: 5 },
      }),
      409,
      "conflict",
    );

    const subscriber = `SUB-${unique()}`;
    const served = await provision(manager.token, { ont_serial: serials[0], subscriber_id: subscriber });
    expect(served.json.vlan).toBe(1002);
    const unused = await call(`/v1/network/vlans/unused?node=${name}`, { token: manager.token });
    expect(unused.json.data).toEqual([
      { node: name, vlan: 1000, service_type: "business", subscriber_id: null },
      { node: name, vlan: 1001, service_type: "business", subscriber_id: null },
    ]);
    // One in use among those named: nothing is deleted.
    expectProblem(
      await call("/v1/network/vlans/unused/delete", {
        token: manager.token,
        body: { node: name, vlans: [1000, 1002] },
      }),
      409,
      "conflict",
    );
    const cleaned = await call("/v1/network/vlans/unused/delete", { token: manager.token, body: { node: name } });
    expect(cleaned.json).toMatchObject({
      node: name,
      deleted: [1000, 1001],
      action: { action: "delete_unused_vlans", outcome: "succeeded" },
    });

    const found = await call(`/v1/network/subscribers?node=${name}`, { token: manager.token });
    expect(found.json.data).toEqual([
      expect.objectContaining({ subscriber_id: subscriber, ont_serial: serials[0], vlan: 1002, customer_id: null }),
    ]);
    expect(
      (await call(`/v1/network/subscribers?vlan=1002&node=${name}`, { token: manager.token })).json.data,
    ).toHaveLength(1);
    expect(
      (
        await call(`/v1/network/subscribers?q=${serials[0].slice(0, 8).toLowerCase()}`, { token: manager.token })
      ).json.data.map((s: { ont_serial: string }) => s.ont_serial),
    ).toContain(serials[0]);
    expectProblem(await call("/v1/network/subscribers", { token: manager.token }), 400, "validation_failed");
    expect((await call(`/v1/network/subscribers/${subscriber}`, { token: manager.token })).json).toMatchObject({
      node: name,
      vlan: 1002,
    });

    const deleted = await call(`/v1/network/onts/${serials[0]}`, { method: "DELETE", token: manager.token });
    expect(deleted.json).toMatchObject({
      serial: serials[0],
      node: name,
      freed_vlan: 1002,
      action: { action: "delete_ont" },
    });
    expectProblem(await call(`/v1/network/subscribers/${subscriber}`, { token: manager.token }), 404, "not_found");
    expect(
      (await call(`/v1/network/onts/unprovisioned?node=${name}`, { token: manager.token })).json.data.map(
        (o: { serial: string }) => o.serial,
      ),
    ).toEqual([serials[0]]);
    expect((await call(`/v1/network/nodes/${name}/vlans/available`, { token: manager.token })).json.vlans).toEqual([
      1000, 1001, 1002, 1003, 1004, 1005,
    ]);
  });

  it("is for network provisioners only, and links subscribers only to customers the caller may see", async () => {
    const manager = await staff("manager");
    for (const role of ["dispatcher", "supervisor"] as const) {
      const who = await staff(role);
      expectProblem(await call("/v1/network/nodes", { token: who.token }), 403, "forbidden");
      expectProblem(
        await provision(who.token, { ont_serial: "HWTC9F000011", subscriber_id: "SUB-X" }),
        403,
        "forbidden",
      );
    }
    const nodes = await call("/v1/network/nodes", { token: manager.token });
    expect(nodes.json.data).toEqual(
      expect.arrayContaining([{ name: "GBE-OLT-01", metro: "GBE", vlan_min: 100, vlan_max: 199 }]),
    );
    // The demo subscriber SUB-100001 has no customer in this database: none is named.
    expect((await call("/v1/network/subscribers/SUB-100001", { token: manager.token })).json).toMatchObject({
      subscriber_id: "SUB-100001",
      customer_id: null,
      cpe: { online: true },
    });
    // A customer the caller cannot see is refused like an unknown one.
    const { customerId } = await customerAccount();
    await withAccountNumber(customerId);
    const { tech } = await assignedTicket();
    expectProblem(await call(`/v1/network/health?customer_id=${customerId}`, { token: tech.token }), 403, "forbidden");
  });
});

describe("NET-3 the provisioning log", () => {
  it("settles a change whose request died as outcome unknown, once, and leaves recent ones running", async () => {
    const { systemContext } = await import("../../lib/context");
    const { settleAbandonedActions } = await import("./provisioning.service");
    const insert = (id: string, startedAt: string) =>
      env.DB.prepare(
        "INSERT INTO provisioning_actions (id, action, actor_user_id, request, outcome, started_at) VALUES (?, 'provision_service', 'usr_x', '{}', 'running', ?)",
      )
        .bind(id, startedAt)
        .run();
    const now = Date.now();
    const dead = `pva_dead_${unique()}`;
    const live = `pva_live_${unique()}`;
    await insert(dead, new Date(now - 11 * 60_000).toISOString());
    await insert(live, new Date(now - 60_000).toISOString());
    const ctx = systemContext(env, "settleAbandonedActions");
    expect(await settleAbandonedActions(ctx, now)).toEqual({ settled: 1 });
    expect(await settleAbandonedActions(ctx, now)).toEqual({ settled: 0 });
    const rows = await env.DB.prepare(
      "SELECT id, outcome, error_code FROM provisioning_actions WHERE id IN (?, ?) ORDER BY id",
    )
      .bind(dead, live)
      .all();
    expect(rows.results).toEqual([
      { id: dead, outcome: "outcome_unknown", error_code: "element_manager_outcome_unknown" },
      { id: live, outcome: "running", error_code: null },
    ]);
    const plan = await env.DB.prepare(
      "EXPLAIN QUERY PLAN UPDATE provisioning_actions SET outcome = 'outcome_unknown' WHERE outcome = 'running' AND started_at < ?",
    )
      .bind(new Date(now).toISOString())
      .all<{ detail: string }>();
    expect(plan.results.map((r) => r.detail).join("\n")).toContain("provisioning_actions_running_idx");
  });

  it("serves every filter of the log from an index", async () => {
    const filters = ["subscriber_id = ?", "ticket_id = ?", "actor_user_id = ?"];
    for (const filter of [null, ...filters]) {
      const sql = `EXPLAIN QUERY PLAN SELECT * FROM provisioning_actions WHERE ${filter ?? "1"} AND (started_at, id) < (?, ?) ORDER BY started_at DESC, id DESC LIMIT 51`;
      const plan = await env.DB.prepare(sql)
        .bind(...(filter ? ["x"] : []), "2026-12-01T00:00:00.000Z", "pva_x")
        .all<{ detail: string }>();
      const details = plan.results.map((r) => r.detail).join("\n");
      expect(details, filter ?? "unfiltered").toMatch(
        /SEARCH provisioning_actions USING INDEX|SCAN provisioning_actions USING INDEX provisioning_actions_started_idx/,
      );
      expect(details).not.toContain("TEMP B-TREE");
    }
  });
});
