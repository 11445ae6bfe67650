import { SELF, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BASE, call, expectProblem, randomIp } from "../../../test/helpers";
import { securitySuite } from "../../../test/security-suite";
import { assignedTicket, technicianAccount } from "../../../test/work-factories";
import { systemContext } from "../../lib/context";
import { deleteUnattachedUploads } from "./uploads.service";

securitySuite("uploads");

const PNG = new Uint8Array([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0,
]);
const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70, 0, 1]);
const PDF = new TextEncoder().encode("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF");

async function upload(
  token: string,
  fields: Record<string, string>,
  bytes: Uint8Array,
  name = "file.bin",
  type = "application/octet-stream",
) {
  const form = new FormData();
  form.append("file", new File([bytes], name, { type }));
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  const res = await SELF.fetch(`${BASE}/v1/uploads`, {
    method: "POST",
    body: form,
    headers: { authorization: `Bearer ${token}`, "cf-connecting-ip": randomIp() },
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, text, headers: res.headers };
}

describe("MOB-2 uploads", () => {
  it("stores a name whose extension says the detected type, without control or bidirectional characters", async () => {
    const { tech } = await assignedTicket();
    const named = async (name: string, bytes: Uint8Array, kind = "photo") =>
      (await upload(tech.token, { kind }, bytes, name)).json.filename;
    expect(await named("x.html", PNG)).toBe("x.html.png");
    expect(await named("invoice\u202Egnp.exe", PNG)).toBe("invoicegnp.exe.png");
    expect(await named("meter.JPEG", JPEG)).toBe("meter.JPEG");
    expect(await named("scan\u200b.pdf", PDF, "document")).toBe("scan.pdf");
  });

  it("checks the kind by the content, caps each kind's size, and stores the file", async () => {
    const { tech } = await assignedTicket();
    const photo = await upload(tech.token, { kind: "photo" }, JPEG, "meter.jpg", "image/jpeg");
    expect(photo.status, photo.text).toBe(201);
    expect(photo.json).toMatchObject({
      kind: "photo",
      content_type: "image/jpeg",
      ticket_id: null,
      attached_at: null,
      size_bytes: JPEG.length,
    });
    // The declared type and name do not count: a PDF called .png is a document, not a signature.
    const fake = await upload(tech.token, { kind: "signature" }, PDF, "sign.png", "image/png");
    expectProblem(fake, 422, "invalid_file");
    expect(fake.json.errors[0]).toMatchObject({ path: "file", message: "application/pdf is not a signature" });
    expectProblem(
      await upload(
        tech.token,
        { kind: "photo" },
        new TextEncoder().encode("<svg onload=alert(1)>"),
        "x.jpg",
        "image/jpeg",
      ),
      422,
      "invalid_file",
    );
    expect((await upload(tech.token, { kind: "document" }, PDF, "report.pdf")).json.content_type).toBe(
      "application/pdf",
    );
    const tooBig = new Uint8Array(512 * 1024 + 1);
    tooBig.set(PNG);
    expectProblem(await upload(tech.token, { kind: "signature" }, tooBig, "sig.png"), 413, "payload_too_large");
    expectProblem(await upload(tech.token, { kind: "selfie" }, PNG), 400, "validation_failed");
    expectProblem(await upload(tech.token, { kind: "photo" }, new Uint8Array()), 400, "validation_failed");

    const content = await SELF.fetch(`${BASE}/v1/uploads/${photo.json.id}/content`, {
      headers: { authorization: `Bearer ${tech.token}` },
    });
    expect(content.status).toBe(200);
    expect(content.headers.get("content-type")).toBe("image/jpeg");
    expect(new Uint8Array(await content.arrayBuffer())).toEqual(JPEG);
  });

  it("attaches at upload time or later, to tickets the uploader may see, and lets only those who see the ticket download it", async () => {
    const { tech, dispatcher, ticket, cust } = await assignedTicket();
    const atOnce = await upload(tech.token, { kind: "signature", ticket_id: ticket.id }, PNG, "signature.png");
    expect(atOnce.status, atOnce.text).toBe(201);
    expect(atOnce.json).toMatchObject({
      ticket_id: ticket.id,
      attached_at: expect.any(String),
      attachment_id: expect.stringMatching(/^att_/),
    });
    const attachments = (await call(`/v1/tickets/${ticket.id}/attachments`, { token: dispatcher.token })).json;
    expect(JSON.stringify(attachments)).toContain(atOnce.json.attachment_id);

    const later = await upload(tech.token, { kind: "photo" }, PNG, "before.png");
    const log = await call(`/v1/tickets/${ticket.id}/work-logs`, {
      token: tech.token,
      body: { work_detail: "Spliced the drop" },
    });
    const attached = await call(`/v1/uploads/${later.json.id}/attach`, {
      token: tech.token,
      body: { ticket_id: ticket.id, work_log_id: log.json.id },
    });
    expect(attached.status, attached.text).toBe(200);
    expect(attached.json).toMatchObject({ ticket_id: ticket.id, work_log_id: log.json.id });
    // Again to the same place: nothing new; elsewhere: a conflict.
    expect(
      (
        await call(`/v1/uploads/${later.json.id}/attach`, {
          token: tech.token,
          body: { ticket_id: ticket.id, work_log_id: log.json.id },
        })
      ).status,
    ).toBe(200);
    const other = await assignedTicket();
    expectProblem(
      await call(`/v1/uploads/${later.json.id}/attach`, { token: tech.token, body: { ticket_id: other.ticket.id } }),
      409,
      "conflict",
    );

    // The customer sees their ticket, so its files; another technician does not.
    expect((await call(`/v1/uploads/${later.json.id}`, { token: cust.token })).status).toBe(200);
    const stranger = await technicianAccount();
    expectProblem(await call(`/v1/uploads/${later.json.id}`, { token: stranger.token }), 404, "not_found");
    expectProblem(await call(`/v1/uploads/${later.json.id}/content`, { token: stranger.token }), 404, "not_found");
    // Someone else's upload cannot be attached, nor to a ticket the uploader cannot see.
    const mine = await upload(stranger.token, { kind: "photo" }, PNG);
    expectProblem(
      await call(`/v1/uploads/${mine.json.id}/attach`, { token: tech.token, body: { ticket_id: ticket.id } }),
      404,
      "not_found",
    );
    expectProblem(
      await call(`/v1/uploads/${mine.json.id}/attach`, { token: stranger.token, body: { ticket_id: ticket.id } }),
      404,
      "not_found",
    );
    expectProblem(await upload(stranger.token, { kind: "photo", ticket_id: ticket.id }, PNG), 404, "not_found");
    const loose = await upload(tech.token, { kind: "photo" }, PNG);
    expectProblem(
      await call(`/v1/uploads/${loose.json.id}/attach`, {
        token: tech.token,
        body: { ticket_id: ticket.id, work_log_id: "wlg_nope" },
      }),
      400,
      "validation_failed",
    );
    expect((await call(`/v1/uploads/${loose.json.id}`, { token: tech.token })).json.attached_at).toBeNull();
  });

  it("attaches from an offline batch, and the daily clean-up removes only uploads never attached", async () => {
    const { tech, ticket } = await assignedTicket();
    const phone = { id: crypto.randomUUID(), platform: "ios", app_version: "1.0.0" };
    await call("/v1/mobile/sync", { token: tech.token, body: { device: phone } });
    const kept = await upload(tech.token, { kind: "photo" }, PNG);
    const res = await call("/v1/mobile/actions", {
      token: tech.token,
      body: {
        device_id: phone.id,
        actions: [
          { client_id: crypto.randomUUID(), type: "attach_upload", ticket_id: ticket.id, upload_id: kept.json.id },
        ],
      },
    });
    expect(res.json.results[0]).toMatchObject({ status: "applied", result: { ticket_id: ticket.id } });

    const forgotten = await upload(tech.token, { kind: "photo" }, PNG);
    const key = (await env.DB.prepare("SELECT object_key FROM uploads WHERE id = ?")
      .bind(forgotten.json.id)
      .first<{ object_key: string }>())!.object_key;
    const later = Date.now() + 4 * 86_400_000;
    const ctx = systemContext(env, "test");
    expect(await deleteUnattachedUploads(ctx, later)).toBeGreaterThanOrEqual(1);
    expect(await deleteUnattachedUploads(ctx, later)).toBe(0);
    expectProblem(await call(`/v1/uploads/${forgotten.json.id}`, { token: tech.token }), 404);
    expect(await env.FILES.get(key)).toBeNull();
    expect((await call(`/v1/uploads/${kept.json.id}/content`, { token: tech.token })).status).toBe(200);
  });
});
