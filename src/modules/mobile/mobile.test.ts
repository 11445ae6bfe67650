import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectProblem, login } from "../../../test/helpers";
import { securitySuite } from "../../../test/security-suite";
import {
  assignedTicket,
  customerAccount,
  raiseTicket,
  relationCast,
  staff,
  technicianAccount,
} from "../../../test/work-factories";

securitySuite("mobile");

const device = (id = crypto.randomUUID()) => ({ id, platform: "android", app_version: "2.4.1" });
type Change = { entity: string; id: string; op: string; reason?: string; data?: Record<string, any> };

async function syncAll(token: string, dev: { id: string }, cursor?: string) {
  const changes: Change[] = [];
  let next = cursor;
  for (let i = 0; i < 20; i++) {
    const res = await call("/v1/mobile/sync", { token, body: { cursor: next, device: { ...device(dev.id) } } });
    expect(res.status, res.text).toBe(200);
    changes.push(...res.json.changes);
    next = res.json.cursor;
    if (!res.json.has_more) return { changes, cursor: next! };
  }
  throw new Error("sync never settled");
}

const ids = (changes: Change[], entity: string) =>
  changes.filter((c) => c.entity === entity && c.op === "upsert").map((c) => c.id);

describe("MOB-1 delta sync", () => {
  it("answers a snapshot of the technician's tickets, then exactly each change, in the technician's scope only", async () => {
    const { dispatcher, tech, cust, ticket } = await assignedTicket();
    await call(`/v1/tickets/${ticket.id}/comments`, {
      token: dispatcher.token,
      body: { body: "Gate code 4411", visibility: "public" },
    });
    const other = await assignedTicket(); // someone else's ticket: never in this technician's sync
    await call(`/v1/tickets/${other.ticket.id}/comments`, {
      token: other.dispatcher.token,
      body: { body: "Not for you", visibility: "public" },
    });
    const phone = device();

    const first = await syncAll(tech.token, phone);
    expect(ids(first.changes, "ticket")).toEqual([ticket.id]);
    expect(ids(first.changes, "customer")).toEqual([cust.customerId]);
    expect(first.changes.find((c) => c.entity === "comment")?.data).toMatchObject({
      body: "Gate code 4411",
      ticket_id: ticket.id,
    });
    expect(JSON.stringify(first.changes)).not.toContain(other.ticket.id);

    // Nothing changed: nothing answered.
    const idle = await syncAll(tech.token, phone, first.cursor);
    expect(idle.changes).toEqual([]);

    const comment = await call(`/v1/tickets/${ticket.id}/comments`, {
      token: dispatcher.token,
      body: { body: "Customer home after 3pm", visibility: "public" },
    });
    await call(`/v1/tickets/${other.ticket.id}/comments`, {
      token: other.dispatcher.token,
      body: { body: "Still not for you", visibility: "public" },
    });
    const delta = await syncAll(tech.token, phone, idle.cursor);
    expect(delta.changes.map((c) => `${c.entity}:${c.id}:${c.op}`).sort()).toEqual(
      [`comment:${comment.json.id}:upsert`, `ticket:${ticket.id}:upsert`].sort(),
    );
    expect(delta.changes.find((c) => c.entity === "ticket")!.data!.version).toBeGreaterThan(
      first.changes.find((c) => c.entity === "ticket")!.data!.version,
    );

    // A customer's new address reaches the phones working their tickets.
    expect(
      (
        await call(`/v1/customers/${cust.customerId}`, {
          method: "PATCH",
          token: dispatcher.token,
          body: { address: "Plot 9, Tlokweng" },
        })
      ).status,
    ).toBe(200);
    const moved = await syncAll(tech.token, phone, delta.cursor);
    expect(moved.changes).toEqual([
      expect.objectContaining({
        entity: "customer",
        id: cust.customerId,
        op: "upsert",
        data: expect.objectContaining({ address: "Plot 9, Tlokweng" }),
      }),
    ]);
  });

  it("answers a reassigned ticket as gone to the old technician and whole to the new one", async () => {
    const { dispatcher, tech, ticket } = await assignedTicket();
    const newcomer = await technicianAccount();
    const oldPhone = device();
    const newPhone = device();
    const oldStart = await syncAll(tech.token, oldPhone);
    const newStart = await syncAll(newcomer.token, newPhone);
    expect(ids(newStart.changes, "ticket")).toEqual([]);

    expect(
      (
        await call(`/v1/tickets/${ticket.id}/unassign`, {
          token: dispatcher.token,
          body: { technician_ids: [tech.user.id] },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await call(`/v1/tickets/${ticket.id}/assign`, {
          token: dispatcher.token,
          body: { technician_ids: [newcomer.user.id] },
        })
      ).status,
    ).toBe(200);
    await call(`/v1/tickets/${ticket.id}/comments`, {
      token: dispatcher.token,
      body: { body: "Over to you", visibility: "public" },
    });

    const gone = await syncAll(tech.token, oldPhone, oldStart.cursor);
    expect(gone.changes).toEqual([{ entity: "ticket", id: ticket.id, op: "delete", reason: "revoked" }]);
    const arrived = await syncAll(newcomer.token, newPhone, newStart.cursor);
    expect(ids(arrived.changes, "ticket")).toEqual([ticket.id]);
    expect(arrived.changes.filter((c) => c.entity === "comment").map((c) => c.data!.body)).toContain("Over to you");
    expect(ids(arrived.changes, "customer")).toHaveLength(1);
  });

  it("carries the technician's own things: equipment issued to them and their notifications", async () => {
    const { tech, ticket } = await assignedTicket();
    const phone = device();
    const start = await syncAll(tech.token, phone);
    const manager = await staff("manager");
    const item = await call("/v1/inventory/items", {
      token: manager.token,
      body: {
        sku: `SKU-${crypto.randomUUID().slice(0, 8)}`,
        name: "Drop cable",
        category: "cable",
        unit_price: 1250,
        currency: "BWP",
      },
    });
    await call("/v1/inventory/receipts", { token: manager.token, body: { item_id: item.json.id, quantity: 10 } });
    const issued = await call("/v1/inventory/assignments", {
      token: manager.token,
      body: { item_id: item.json.id, technician_id: tech.user.id, ticket_id: ticket.id, quantity: 2 },
    });
    expect(issued.status, issued.text).toBe(201);
    const delta = await syncAll(tech.token, phone, start.cursor);
    expect(delta.changes.find((c) => c.entity === "equipment")).toMatchObject({
      id: issued.json.id,
      op: "upsert",
      data: { outstanding_quantity: 2, ticket_id: ticket.id },
    });
    // The assignment earlier notified the technician (through the queue): their phone gets it too.
    let notified: Change | undefined;
    let cursor = start.cursor;
    for (let i = 0; i < 40 && !notified; i++) {
      const next = await syncAll(tech.token, phone, cursor);
      notified = next.changes.find((c) => c.entity === "notification");
      if (!notified) await new Promise((r) => setTimeout(r, 100));
    }
    expect(notified?.data).toMatchObject({ type: "ticket.assigned" });
    expect((await call(`/v1/notifications/${notified!.id}/read`, { method: "POST", token: tech.token })).status).toBe(
      200,
    );
    const read = await syncAll(tech.token, phone, delta.cursor);
    expect(read.changes.find((c) => c.entity === "notification" && c.id === notified!.id)?.data?.read_at).toBeTruthy();
  });

  it("answers no one anything they could not read through the API, whatever their relation to the ticket", async () => {
    const cast = await relationCast();
    const ticket = await raiseTicket(cast.owner.token, { title: "Relations" });
    await call(`/v1/tickets/${ticket.id}/assign`, {
      token: cast.dispatcher.token,
      body: { technician_ids: [cast.tech.user.id] },
    });
    await call(`/v1/tickets/${ticket.id}/comments`, {
      token: cast.dispatcher.token,
      body: { body: "Staff only", visibility: "internal" },
    });
    for (const [who, user] of Object.entries({
      tech: cast.tech,
      otherTech: cast.otherTech,
      supervisor: cast.supervisor,
      otherSupervisor: cast.otherSupervisor,
      dispatcher: cast.dispatcher,
    })) {
      const synced = await syncAll(user.token, device());
      for (const change of synced.changes.filter((c) => c.entity === "ticket")) {
        expect(
          (await call(`/v1/tickets/${change.id}`, { token: user.token })).status,
          `${who} synced ${change.id}`,
        ).toBe(200);
      }
      expect(ids(synced.changes, "ticket").includes(ticket.id), who).toBe(who === "tech");
    }
    // Customers have tickets but no phone sync: their role lacks nothing here, they simply hold no assignments.
    const customer = await syncAll(cast.owner.token, device());
    expect(customer.changes.filter((c) => c.entity === "ticket")).toEqual([]);
  });

  it("pages a large snapshot and refuses a cursor it did not make", async () => {
    const dispatcher = await staff("dispatcher");
    const tech = await technicianAccount();
    const cust = await customerAccount();
    for (let i = 0; i < 27; i++) {
      const t = await raiseTicket(cust.token, { title: `Job ${i}` });
      await call(`/v1/tickets/${t.id}/assign`, { token: dispatcher.token, body: { technician_ids: [tech.user.id] } });
    }
    const phone = device();
    const page1 = await call("/v1/mobile/sync", { token: tech.token, body: { device: phone } });
    expect(page1.json).toMatchObject({ has_more: true, snapshot: true });
    expect(ids(page1.json.changes, "ticket")).toHaveLength(25);
    const rest = await syncAll(tech.token, phone, page1.json.cursor);
    expect(new Set([...ids(page1.json.changes, "ticket"), ...ids(rest.changes, "ticket")]).size).toBe(27);
    expectProblem(
      await call("/v1/mobile/sync", { token: tech.token, body: { cursor: "bm90LW91cnM", device: phone } }),
      400,
      "validation_failed",
    );
  });
});

describe("MOB-1 devices", () => {
  it("registers on sync, lists them to their user, and a revoked device is refused", async () => {
    const { tech } = await assignedTicket();
    const phone = device();
    await syncAll(tech.token, phone);
    const mine = await call("/v1/mobile/devices", { token: tech.token });
    expect(mine.json.data).toEqual([
      expect.objectContaining({ device_key: phone.id, platform: "android", revoked_at: null }),
    ]);
    const deviceId = mine.json.data[0].id;

    // Another technician may neither see nor revoke it; an administrator may.
    const stranger = await technicianAccount();
    expectProblem(
      await call(`/v1/mobile/devices?user_id=${tech.user.id}`, { token: stranger.token }),
      403,
      "forbidden",
    );
    expectProblem(
      await call(`/v1/mobile/devices/${deviceId}/revoke`, { method: "POST", token: stranger.token }),
      404,
      "not_found",
    );
    const admin = await staff("admin");
    expect((await call(`/v1/mobile/devices?user_id=${tech.user.id}`, { token: admin.token })).json.data).toHaveLength(
      1,
    );
    const revoked = await call(`/v1/mobile/devices/${deviceId}/revoke`, { method: "POST", token: admin.token });
    expect(revoked.json.revoked_at).toBeTruthy();

    // The device's sign-in ended with it: its token and refresh token are dead, whatever device id they name.
    expectProblem(await call("/v1/mobile/sync", { token: tech.token, body: { device: phone } }), 401, "invalid_token");
    expectProblem(
      await call("/v1/mobile/sync", { token: tech.token, body: { device: device() } }),
      401,
      "invalid_token",
    );
    expectProblem(
      await call("/v1/mobile/actions", {
        token: tech.token,
        body: {
          device_id: device().id,
          actions: [{ client_id: crypto.randomUUID(), type: "report_location", lat: -24.6, lng: 25.9 }],
        },
      }),
      401,
      "invalid_token",
    );
    expectProblem(await call("/v1/auth/refresh", { body: { refresh_token: tech.refreshToken } }), 401, "invalid_token");
    // Signed in again, the revoked installation stays refused; a new installation syncs.
    const again = (await login(tech.user)).access_token;
    expectProblem(await call("/v1/mobile/sync", { token: again, body: { device: phone } }), 403, "device_revoked");
    expect((await call("/v1/mobile/sync", { token: again, body: { device: device() } })).status).toBe(200);
  });

  it("binds a device to the session that syncs it: the same token with another device id is refused", async () => {
    const { tech } = await assignedTicket();
    const phone = device();
    await syncAll(tech.token, phone);
    const copy = device();
    expectProblem(await call("/v1/mobile/sync", { token: tech.token, body: { device: copy } }), 403, "device_mismatch");
    const action = { client_id: crypto.randomUUID(), type: "report_location", lat: -24.6, lng: 25.9 };
    expectProblem(
      await call("/v1/mobile/actions", { token: tech.token, body: { device_id: copy.id, actions: [action] } }),
      400,
      "validation_failed",
    );
    // Another session of the same user cannot act as the phone without syncing it (which moves the phone to that session).
    const other = (await login(tech.user)).access_token;
    expectProblem(
      await call("/v1/mobile/actions", { token: other, body: { device_id: phone.id, actions: [action] } }),
      403,
      "device_mismatch",
    );
    expect(
      (await call("/v1/mobile/actions", { token: tech.token, body: { device_id: phone.id, actions: [action] } }))
        .status,
    ).toBe(200);
    expect(
      (await env.DB.prepare("SELECT count(*) AS n FROM mobile_devices WHERE device_key = ?1")
        .bind(copy.id)
        .first<{ n: number }>())!.n,
    ).toBe(0);
  });
});

describe("MOB-1 offline actions", () => {
  async function ready() {
    const setup = await assignedTicket();
    const phone = device();
    await syncAll(setup.tech.token, phone);
    const version = (await call(`/v1/tickets/${setup.ticket.id}`, { token: setup.tech.token })).json.version as number;
    return { ...setup, phone, version };
  }
  const send = (token: string, deviceId: string, actions: unknown[]) =>
    call("/v1/mobile/actions", { token, body: { device_id: deviceId, actions } });

  it("applies a batch in order, the later moves building on the earlier, and a replay applies nothing twice", async () => {
    const { tech, ticket, phone, version } = await ready();
    const batch = [
      { client_id: crypto.randomUUID(), type: "start", ticket_id: ticket.id, base_version: version },
      {
        client_id: crypto.randomUUID(),
        type: "add_comment",
        ticket_id: ticket.id,
        body: "Replaced the drop cable",
        visibility: "public",
      },
      {
        client_id: crypto.randomUUID(),
        type: "add_work_log",
        ticket_id: ticket.id,
        work_detail: "New drop cable, 40 m",
      },
      {
        client_id: crypto.randomUUID(),
        type: "resolve",
        ticket_id: ticket.id,
        base_version: version,
        comment: "Signal restored",
      },
      { client_id: crypto.randomUUID(), type: "report_location", lat: -24.63, lng: 25.92 },
    ];
    const first = await send(tech.token, phone.id, batch);
    expect(first.status, first.text).toBe(200);
    expect(first.json.results.map((r: { status: string }) => r.status)).toEqual([
      "applied",
      "applied",
      "applied",
      "applied",
      "applied",
    ]);
    expect(first.json.results[3].ticket.status).toMatch(/resolved|waiting_approval/);

    const again = await send(tech.token, phone.id, batch);
    expect(again.json.results.map((r: { status: string }) => r.status)).toEqual([
      "duplicate",
      "duplicate",
      "duplicate",
      "duplicate",
      "duplicate",
    ]);
    const detail = (await call(`/v1/tickets/${ticket.id}`, { token: tech.token })).json;
    expect(detail.comments.filter((c: { body: string }) => c.body === "Replaced the drop cable")).toHaveLength(1);
    expect(detail.work_logs).toHaveLength(1);
    expect(detail.history.filter((h: { action: string }) => h.action === "resolve")).toHaveLength(1);
  });

  it("answers a resolve taken offline after a dispatcher cancelled the ticket as a conflict with the current state, and writes nothing", async () => {
    const { dispatcher, tech, ticket, phone, version } = await ready();
    expect(
      (await call(`/v1/tickets/${ticket.id}/cancel`, { token: dispatcher.token, body: { comment: "Customer moved" } }))
        .status,
    ).toBe(200);
    const before = (await call(`/v1/tickets/${ticket.id}`, { token: dispatcher.token })).json;
    const sent = [
      { client_id: crypto.randomUUID(), type: "resolve", ticket_id: ticket.id, base_version: version, comment: "Done" },
      {
        client_id: crypto.randomUUID(),
        type: "add_comment",
        ticket_id: ticket.id,
        body: "Left a card",
        visibility: "public",
      },
    ];
    const res = await send(tech.token, phone.id, sent);
    expect(res.json.results[0]).toMatchObject({
      status: "conflict",
      ticket: { id: ticket.id, status: "cancelled", version: before.version },
      problem: { code: "precondition_failed" },
    });
    // Sent again (the phone never saw the answer): the same refusal, not "applied before".
    const resent = await send(tech.token, phone.id, sent);
    expect(resent.json.results[0]).toMatchObject({
      status: "conflict",
      ticket: { id: ticket.id, status: "cancelled" },
      problem: { code: "precondition_failed" },
    });
    expect(resent.json.results[1].status).toBe("duplicate");
    // The comment does not depend on the resolve: it is added.
    expect(res.json.results[1].status).toBe("applied");
    const after = (await call(`/v1/tickets/${ticket.id}`, { token: dispatcher.token })).json;
    expect(after.status).toBe("cancelled");
    expect(after.history.filter((h: { action: string }) => h.action === "resolve")).toEqual([]);
  });

  it("rejects what the same request would be refused online, and nothing about other people's tickets leaks", async () => {
    const { phone, tech } = await ready();
    const other = await assignedTicket();
    const res = await send(tech.token, phone.id, [
      {
        client_id: crypto.randomUUID(),
        type: "add_comment",
        ticket_id: other.ticket.id,
        body: "Hello",
        visibility: "public",
      },
      { client_id: crypto.randomUUID(), type: "start", ticket_id: other.ticket.id, base_version: 1 },
    ]);
    expect(res.json.results[0]).toMatchObject({ status: "rejected", problem: { code: "not_found" } });
    expect(res.json.results[0].ticket ?? null).toBeNull();
    expect(["rejected", "conflict"]).toContain(res.json.results[1].status);
    expect(res.json.results[1].ticket ?? null).toBeNull();
    expectProblem(
      await send(tech.token, crypto.randomUUID(), [
        { client_id: crypto.randomUUID(), type: "report_location", lat: 1, lng: 1 },
      ]),
      400,
      "validation_failed",
    );
    expectProblem(await send(tech.token, phone.id, [{ client_id: "x", type: "teleport" }]), 400, "validation_failed");
  });
});

describe("MOB-1 optimistic concurrency online", () => {
  it("answers a ticket's version as its ETag and refuses a stale If-Match with 412, changing nothing", async () => {
    const { dispatcher, ticket } = await assignedTicket();
    const read = await call(`/v1/tickets/${ticket.id}`, { token: dispatcher.token });
    const etag = read.headers.get("etag")!;
    expect(etag).toBe(`"${read.json.version}"`);
    const edited = await call(`/v1/tickets/${ticket.id}`, {
      method: "PATCH",
      token: dispatcher.token,
      headers: { "if-match": etag },
      body: { title: "Fibre cut on Main St" },
    });
    expect(edited.status, edited.text).toBe(200);
    expect(edited.headers.get("etag")).toBe(`"${read.json.version + 1}"`);
    expectProblem(
      await call(`/v1/tickets/${ticket.id}`, {
        method: "PATCH",
        token: dispatcher.token,
        headers: { "if-match": etag },
        body: { title: "Overwritten?" },
      }),
      412,
      "precondition_failed",
    );
    expectProblem(
      await call(`/v1/tickets/${ticket.id}/cancel`, {
        token: dispatcher.token,
        headers: { "if-match": etag },
        body: {},
      }),
      412,
      "precondition_failed",
    );
    expectProblem(
      await call(`/v1/tickets/${ticket.id}`, {
        method: "PATCH",
        token: dispatcher.token,
        headers: { "if-match": "soon" },
        body: { title: "x" },
      }),
      400,
    );
    // If-Match compares strongly: the current version as a weak tag does not match either.
    expectProblem(
      await call(`/v1/tickets/${ticket.id}`, {
        method: "PATCH",
        token: dispatcher.token,
        headers: { "if-match": `W/"${read.json.version + 1}"` },
        body: { title: "Weak" },
      }),
      412,
      "precondition_failed",
    );
    const now = (await call(`/v1/tickets/${ticket.id}`, { token: dispatcher.token })).json;
    expect(now).toMatchObject({
      title: "Fibre cut on Main St",
      status: ticket.status === "new" ? now.status : now.status,
    });
    expect(now.status).not.toBe("cancelled");
  });
});

describe("MOB-1 a sync that changes nothing writes nothing", () => {
  it("keeps the device row as it is when the same phone syncs again within the minute, and updates it when the phone changes", async () => {
    const { env } = await import("cloudflare:workers");
    const { tech } = await assignedTicket();
    const phone = device();
    const { cursor } = await syncAll(tech.token, phone);
    const row = () =>
      env.DB.prepare("SELECT app_version, last_sync_at, last_seq, updated_at FROM mobile_devices WHERE device_key = ?")
        .bind(phone.id)
        .first<Record<string, unknown>>();
    const delta = async (body: Record<string, unknown>) => {
      const res = await call("/v1/mobile/sync", { token: tech.token, body: { cursor, device: { ...phone, ...body } } });
      expect(res.status, res.text).toBe(200);
      return Number(res.headers.get("x-d1-round-trips"));
    };
    const firstTrips = await delta({});
    const before = await row();
    const againTrips = await delta({});
    expect(await row()).toEqual(before);
    // Neither the device's sync time nor its log position is written again.
    expect(againTrips).toBe(firstTrips - 1);
    await delta({ app_version: "2.5.0" });
    expect(await row()).toMatchObject({ app_version: "2.5.0" });
  });
});
