import { SELF, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BASE, call, expectProblem, randomIp } from "../../../test/helpers";
import { securitySuite } from "../../../test/security-suite";
import { assignedTicket, customerAccount, staff, technicianAccount } from "../../../test/work-factories";
import { systemContext } from "../../lib/context";
import { deleteUnattachedUploads } from "../uploads/uploads.service";

securitySuite("avatars");

const PNG = new Uint8Array([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0,
]);
const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70, 0, 1]);
const PDF = new TextEncoder().encode("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF");

async function upload(token: string, kind: string, bytes: Uint8Array, name: string, type: string) {
  const form = new FormData();
  form.append("file", new File([bytes], name, { type }));
  form.append("kind", kind);
  const res = await SELF.fetch(`${BASE}/v1/uploads`, {
    method: "POST",
    body: form,
    headers: { authorization: `Bearer ${token}`, "cf-connecting-ip": randomIp() },
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, text };
}

describe("a user's picture", () => {
  it("is one of their photo uploads: set, shown to staff, kept from the clean-up, replaced and removed", async () => {
    const { tech, ticket } = await assignedTicket();
    const other = await technicianAccount();
    const photo = await upload(tech.token, "photo", PNG, "me.png", "image/png");
    expect(photo.status, photo.text).toBe(201);
    const set = await call("/v1/me/avatar", { method: "PUT", token: tech.token, body: { upload_id: photo.json.id } });
    expect(set.status, set.text).toBe(200);
    expect(set.json.avatar_url).toBe(`/v1/users/${set.json.id}/avatar`);
    expect((await call("/v1/me", { token: tech.token })).json.avatar_url).toBe(set.json.avatar_url);
    // Staff who read users see it; a customer does not.
    const dispatcher = await staff("dispatcher");
    const seen = await SELF.fetch(`${BASE}${set.json.avatar_url}`, {
      headers: { authorization: `Bearer ${dispatcher.token}` },
    });
    expect(seen.status).toBe(200);
    expect(new Uint8Array(await seen.arrayBuffer())).toEqual(PNG);
    const cust = await customerAccount();
    expectProblem(await call(set.json.avatar_url, { token: cust.token }), 404, "not_found");
    // In use: the daily clean-up of unattached uploads keeps it, long after.
    await deleteUnattachedUploads(systemContext(env, "test"), Date.now() + 30 * 86_400_000);
    expect((await call(set.json.avatar_url, { token: dispatcher.token })).status).toBe(200);
    // Not someone else's upload, not a document, not a photo attached to a ticket.
    expectProblem(
      await call("/v1/me/avatar", { method: "PUT", token: other.token, body: { upload_id: photo.json.id } }),
      400,
      "validation_failed",
    );
    const doc = await upload(tech.token, "document", PDF, "cv.pdf", "application/pdf");
    const notPhoto = await call("/v1/me/avatar", {
      method: "PUT",
      token: tech.token,
      body: { upload_id: doc.json.id },
    });
    expectProblem(notPhoto, 400, "validation_failed");
    const onTicket = await upload(tech.token, "photo", JPEG, "site.jpg", "image/jpeg");
    await call(`/v1/uploads/${onTicket.json.id}/attach`, { token: tech.token, body: { ticket_id: ticket.id } });
    expectProblem(
      await call("/v1/me/avatar", { method: "PUT", token: tech.token, body: { upload_id: onTicket.json.id } }),
      409,
      "conflict",
    );
    // Replaced: the old picture is let go (the clean-up deletes it); removed: no picture.
    const second = await upload(tech.token, "photo", JPEG, "me2.jpg", "image/jpeg");
    await call("/v1/me/avatar", { method: "PUT", token: tech.token, body: { upload_id: second.json.id } });
    const released = await env.DB.prepare("SELECT attached_at FROM uploads WHERE id = ?")
      .bind(photo.json.id)
      .first<{ attached_at: string | null }>();
    expect(released?.attached_at).toBeNull();
    const removed = await call("/v1/me/avatar", { method: "DELETE", token: tech.token });
    expect(removed.json.avatar_url).toBeNull();
    expectProblem(await call(set.json.avatar_url, { token: dispatcher.token }), 404, "not_found");
  });
});
