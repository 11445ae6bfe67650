import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BASE, call, expectProblem, outboxFor, randomIp } from "../../../test/helpers";
import {
  assignedTicket,
  customerAccount,
  makeAsset,
  raiseTicket,
  staff,
  technicianAccount,
} from "../../../test/work-factories";
import { addDays, todayIn } from "../../lib/time";

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82]);
const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

describe("WO-7 comments", () => {
  it("keeps internal notes from customers", async () => {
    const dispatcher = await staff("dispatcher");
    const cust = await customerAccount();
    const t = await raiseTicket(cust.token);
    expect(
      (await call(`/v1/tickets/${t.id}/comments`, { token: cust.token, body: { body: "Any news?" } })).status,
    ).toBe(201);
    const note = await call(`/v1/tickets/${t.id}/comments`, {
      token: dispatcher.token,
      body: { body: "Customer is VIP", visibility: "internal" },
    });
    expect(note.status).toBe(201);
    expectProblem(
      await call(`/v1/tickets/${t.id}/comments`, {
        token: cust.token,
        body: { body: "sneaky", visibility: "internal" },
      }),
      403,
      "forbidden",
    );
    const seen = await call(`/v1/tickets/${t.id}/comments`, { token: cust.token });
    expect(seen.json.data.map((c: { body: string }) => c.body)).toEqual(["Any news?"]);
    const detail = await call(`/v1/tickets/${t.id}`, { token: cust.token });
    expect(JSON.stringify(detail.json)).not.toContain("VIP");
    const staffView = await call(`/v1/tickets/${t.id}`, { token: dispatcher.token });
    expect(staffView.json.comments.map((c: { visibility: string }) => c.visibility)).toEqual(["public", "internal"]);
    expect(staffView.json.history.map((h: { action: string }) => h.action)).toEqual([
      "created",
      "commented",
      "internal_note",
    ]);
  });
});

describe("WO-7 attachments", () => {
  it("stores JSON base64 and multipart uploads in R2 under unguessable keys, downloadable only by those who see the ticket", async () => {
    const cust = await customerAccount();
    const stranger = await customerAccount();
    const t = await raiseTicket(cust.token);
    const up = await call(`/v1/tickets/${t.id}/attachments`, {
      token: cust.token,
      body: { filename: "../../etc/router photo.png", content_type: "image/png", data_base64: b64(PNG) },
    });
    expect(up.status, up.text).toBe(201);
    expect(up.json).toMatchObject({ filename: "router photo.png", content_type: "image/png", size_bytes: PNG.length });
    const row = await env.DB.prepare("SELECT object_key FROM ticket_attachments WHERE id = ?1")
      .bind(up.json.id)
      .first<{ object_key: string }>();
    expect(row!.object_key).toMatch(new RegExp(`^tickets/${t.id}/[A-Za-z0-9_-]{32}$`));
    expect(await env.FILES.head(row!.object_key)).not.toBeNull();

    const form = new FormData();
    form.append(
      "file",
      new File([new TextEncoder().encode("%PDF-1.4 test")], "invoice.pdf", { type: "application/pdf" }),
    );
    const multipart = await SELF.fetch(`${BASE}/v1/tickets/${t.id}/attachments`, {
      method: "POST",
      body: form,
      headers: { authorization: `Bearer ${cust.token}`, "cf-connecting-ip": randomIp() },
    });
    expect(multipart.status, await multipart.clone().text()).toBe(201);

    const download = await SELF.fetch(`${BASE}/v1/tickets/${t.id}/attachments/${up.json.id}`, {
      headers: { authorization: `Bearer ${cust.token}` },
    });
    expect(download.status).toBe(200);
    expect(download.headers.get("content-disposition")).toBe('attachment; filename="router photo.png"');
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(PNG);
    expectProblem(
      await call(`/v1/tickets/${t.id}/attachments/${up.json.id}`, { token: stranger.token }),
      404,
      "not_found",
    );
  });

  it("refuses disallowed types, content that lies about its type, bad base64 and oversized files", async () => {
    const cust = await customerAccount();
    const t = await raiseTicket(cust.token);
    const post = (body: object) => call(`/v1/tickets/${t.id}/attachments`, { token: cust.token, body });
    expectProblem(
      await post({ filename: "x.exe", content_type: "application/x-msdownload", data_base64: b64(PNG) }),
      415,
      "unsupported_media_type",
    );
    expectProblem(
      await post({
        filename: "x.png",
        content_type: "image/png",
        data_base64: b64(new TextEncoder().encode("<script>")),
      }),
      400,
      "validation_failed",
    );
    expectProblem(
      await post({ filename: "x.png", content_type: "image/png", data_base64: "%%%not base64%%%" }),
      400,
      "validation_failed",
    );
    const big = new Uint8Array(10 * 1024 * 1024 + 10);
    big.set(PNG);
    expectProblem(
      await post({ filename: "big.png", content_type: "image/png", data_base64: b64Chunked(big) }),
      413,
      "payload_too_large",
    );
    expect((await call(`/v1/tickets/${t.id}/attachments`, { token: cust.token })).json.data).toEqual([]);
  });
});

function b64Chunked(bytes: Uint8Array) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

describe("WO-9 service bookings", () => {
  const inDays = (n: number) => addDays(todayIn("Africa/Gaborone"), n);

  it("books against your own card: free inside warranty once per 3 months, then paid", async () => {
    const cust = await customerAccount();
    const asset = await makeAsset(cust.customerId);
    const first = await raiseTicket(cust.token, {
      kind: "service_booking",
      asset_id: asset,
      preferred_date: inDays(3),
    });
    expect(first).toMatchObject({ service_type: "free", asset_id: asset });
    const second = await raiseTicket(cust.token, {
      kind: "service_booking",
      asset_id: asset,
      preferred_date: inDays(5),
    });
    expect(second.service_type).toBe("paid");
    // Cancelling the free one frees the allowance for a reschedule of the second.
    await call(`/v1/tickets/${first.id}/cancel`, { token: cust.token, body: {} });
    const moved = await call(`/v1/tickets/${second.id}/reschedule`, {
      token: cust.token,
      body: { preferred_date: inDays(6) },
    });
    expect(moved.json).toMatchObject({ service_type: "free" });
    expect(moved.json.preferred_at.slice(0, 10) <= inDays(6)).toBe(true);
  });

  it("is paid outside warranty, and refuses past dates, dates beyond the window and other people's cards", async () => {
    const cust = await customerAccount();
    const expired = await makeAsset(cust.customerId, { warrantyStart: "2015-01-01", warrantyEnd: "2016-01-01" });
    expect(
      (await raiseTicket(cust.token, { kind: "service_booking", asset_id: expired, preferred_date: inDays(1) }))
        .service_type,
    ).toBe("paid");
    const book = (body: object) =>
      call("/v1/tickets", { token: cust.token, body: { kind: "service_booking", title: "Service", ...body } });
    expectProblem(await book({ asset_id: expired, preferred_date: inDays(-1) }), 400, "validation_failed");
    expectProblem(await book({ asset_id: expired, preferred_date: inDays(31) }), 400, "validation_failed");
    expectProblem(await book({ preferred_date: inDays(2) }), 400, "validation_failed");
    const other = await customerAccount();
    expectProblem(
      await book({ asset_id: await makeAsset(other.customerId), preferred_date: inDays(2) }),
      400,
      "validation_failed",
    );
  });
});

describe("WO-10 completion by the customer's code, WO-11 work logs", () => {
  it("sends a code by SMS and resolves, signs off and logs the work when it matches", async () => {
    const dispatcher = await staff("dispatcher");
    const tech = await technicianAccount();
    const phone = `+2677${1 + Math.floor(Math.random() * 7)}${String(Math.floor(Math.random() * 1_000_000)).padStart(6, "0")}`;
    const cust = await customerAccount({ phone });
    await env.DB.prepare("UPDATE customers SET phone = ?1 WHERE id = ?2").bind(phone, cust.customerId).run();
    const t = await raiseTicket(cust.token);
    await call(`/v1/tickets/${t.id}/assign`, { token: dispatcher.token, body: { technician_ids: [tech.user.id] } });
    expectProblem(
      await call(`/v1/tickets/${t.id}/completion-code`, { token: tech.token, method: "POST" }),
      409,
      "invalid_transition",
    );
    await call(`/v1/tickets/${t.id}/start`, { token: tech.token, body: {} });
    expect((await call(`/v1/tickets/${t.id}/completion-code`, { token: tech.token, method: "POST" })).status).toBe(202);
    let code = "";
    for (let i = 0; i < 100 && !code; i++) {
      const sms = await outboxFor(phone);
      if (sms.length) code = /is (\d{6})/.exec(sms[0].body)![1];
      else await new Promise((r) => setTimeout(r, 50));
    }
    expect(code).toMatch(/^\d{6}$/);
    // The part is a stocked item (its SKU is the code); it is drawn from the warehouse on completion.
    const sku = `P01-${Math.random().toString(36).slice(2, 8)}`;
    const stocked = await call("/v1/inventory/items", {
      token: (await staff("manager")).token,
      body: { sku, name: "Valve", category: "parts", unit_price: 12000, currency: "BWP", initial_quantity: 2 },
    });
    expect(stocked.status, stocked.text).toBe(201);
    const work = {
      work_detail: "Replaced valve",
      parts: [{ source: "stock" as const, code: sku, quantity: 1, unit_price: 12000 }],
      amount_charged: 0,
      next_service_date: "2027-03-15",
    };
    expectProblem(
      await call(`/v1/tickets/${t.id}/complete`, {
        token: tech.token,
        body: { ...work, code: code === "000000" ? "111111" : "000000" },
      }),
      401,
      "invalid_code",
    );
    const other = await technicianAccount();
    expectProblem(
      await call(`/v1/tickets/${t.id}/complete`, { token: other.token, body: { ...work, code } }),
      404,
      "not_found",
    );
    const done = await call(`/v1/tickets/${t.id}/complete`, { token: tech.token, body: { ...work, code } });
    expect(done.status, done.text).toBe(200);
    expect(done.json).toMatchObject({
      status: "resolved",
      milestones: { signed_off_at: expect.any(String), resolved_at: expect.any(String) },
    });
    const logs = await call(`/v1/tickets/${t.id}/work-logs`, { token: cust.token });
    expect(logs.json.data).toEqual([
      expect.objectContaining({
        work_detail: "Replaced valve",
        verified_by_code: true,
        amount_charged: 0,
        technician_id: tech.user.id,
        parts: work.parts,
      }),
    ]);
    expectProblem(
      await call(`/v1/tickets/${t.id}/complete`, { token: tech.token, body: { ...work, code } }),
      409,
      "invalid_transition",
    );
  });

  it("voids the code after five wrong tries", async () => {
    const { tech, cust, ticket: t } = await assignedTicket();
    await call(`/v1/tickets/${t.id}/start`, { token: tech.token, body: {} });
    await call(`/v1/tickets/${t.id}/completion-code`, { token: tech.token, method: "POST" });
    const work = { work_detail: "x" };
    for (let i = 0; i < 5; i++)
      await call(`/v1/tickets/${t.id}/complete`, { token: tech.token, body: { ...work, code: String(100000 + i) } });
    const row = await env.DB.prepare("SELECT attempts, consumed_at FROM completion_codes WHERE ticket_id = ?1")
      .bind(t.id)
      .first<{ attempts: number; consumed_at: string | null }>();
    expect(row!.attempts).toBe(5);
    expect(row!.consumed_at).not.toBeNull();
  });

  it("lets the assigned technician log work without a code, and nobody else", async () => {
    const dispatcher = await staff("dispatcher");
    const tech = await technicianAccount();
    const cust = await customerAccount();
    const t = await raiseTicket(cust.token);
    await call(`/v1/tickets/${t.id}/assign`, { token: dispatcher.token, body: { technician_ids: [tech.user.id] } });
    const res = await call(`/v1/tickets/${t.id}/work-logs`, {
      token: tech.token,
      body: { work_detail: "Surveyed site", amount_charged: 5000 },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.json).toMatchObject({ verified_by_code: false, amount_charged: 5000 });
    expectProblem(
      await call(`/v1/tickets/${t.id}/work-logs`, { token: cust.token, body: { work_detail: "I fixed it" } }),
      403,
      "forbidden",
    );
    expectProblem(
      await call(`/v1/tickets/${t.id}/work-logs`, {
        token: tech.token,
        body: { work_detail: "x", amount_charged: -1 },
      }),
      400,
      "validation_failed",
    );
  });
});

describe("PLT-6 idempotency keys", () => {
  it("replays the first response for the same key and body, and refuses the key with another body", async () => {
    const cust = await customerAccount();
    const headers = { "idempotency-key": `create-${crypto.randomUUID()}` };
    const body = { kind: "repair", title: "Idempotent" };
    const first = await call("/v1/tickets", { token: cust.token, body, headers });
    const second = await call("/v1/tickets", { token: cust.token, body, headers });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.json.id).toBe(first.json.id);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    const { n } = (await env.DB.prepare(
      "SELECT count(*) AS n FROM tickets WHERE title = 'Idempotent' AND created_by = ?1",
    )
      .bind(cust.user.id)
      .first<{ n: number }>())!;
    expect(n).toBe(1);
    expectProblem(
      await call("/v1/tickets", { token: cust.token, body: { ...body, title: "Other" }, headers }),
      422,
      "idempotency_key_reused",
    );
    // Another caller's identical key is a different key.
    const other = await customerAccount();
    expect((await call("/v1/tickets", { token: other.token, body, headers })).json.id).not.toBe(first.json.id);
  });

  it("does not store failures, so a corrected retry with the same key runs", async () => {
    const cust = await customerAccount();
    const headers = { "idempotency-key": `retry-${crypto.randomUUID()}` };
    expectProblem(
      await call("/v1/tickets", { token: cust.token, body: { kind: "nope", title: "x" }, headers }),
      400,
      "validation_failed",
    );
    const dispatcher = await staff("dispatcher");
    const t = await raiseTicket(cust.token);
    const action = (h: Record<string, string>) =>
      call(`/v1/tickets/${t.id}/open`, { token: dispatcher.token, body: {}, headers: h });
    const h = { "idempotency-key": `open-${crypto.randomUUID()}` };
    expect((await action(h)).status).toBe(200);
    const replay = await action(h);
    expect(replay.status).toBe(200);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expectProblem(
      await call("/v1/tickets", {
        token: cust.token,
        body: { kind: "repair", title: "x" },
        headers: { "idempotency-key": "short" },
      }),
      400,
      "validation_failed",
    );
  });
});

describe("attachment bodies", () => {
  it("answers an empty upload with 400, not 500", async () => {
    const cust = await customerAccount();
    const t = await raiseTicket(cust.token);
    expectProblem(
      await call(`/v1/tickets/${t.id}/attachments`, { token: cust.token, method: "POST" }),
      400,
      "validation_failed",
    );
    expectProblem(
      await call(`/v1/tickets/${t.id}/attachments`, { token: cust.token, body: {} }),
      400,
      "validation_failed",
    );
  });
});
