import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../../../test/helpers";
import { securitySuite } from "../../../test/security-suite";
import { customerAccount, makeAsset, staff, technicianAccount } from "../../../test/work-factories";

securitySuite("privacy");

/** Every stored row of every table (the derived search index's shadow tables hold no text to read). */
async function everyRow() {
  const { results: tables } = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'tickets_fts_%'",
  ).all<{ name: string }>();
  const out: { table: string; row: string }[] = [];
  for (const { name } of tables) {
    const { results } = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
    for (const row of results) out.push({ table: name, row: JSON.stringify(row) });
  }
  return out;
}

async function waitFor(check: () => Promise<boolean>) {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("never happened");
}

describe("erasing a customer", () => {
  it("is refused while a ticket is open; then leaves no trace of their name, phone, email or words in any table", async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const phone = `+2677${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
    const name = `Zanele Erasetest ${tag}`;
    const email = `zanele.${tag}@example.bw`;
    const address = `Plot ${tag}, Extension 9, Gaborone`;
    const cust = await customerAccount({ phone });
    await env.DB.prepare("UPDATE customers SET full_name = ?1, email = ?2, address = ?3 WHERE id = ?4")
      .bind(name, email, address, cust.customerId)
      .run();
    await env.DB.prepare("UPDATE users SET email = ?1 WHERE id = ?2")
      .bind(`login.${tag}@example.bw`, cust.user.id)
      .run();
    await makeAsset(cust.customerId);
    const dispatcher = await staff("dispatcher");
    const manager = await staff("manager");
    const tech = await technicianAccount();

    const raised = await call("/v1/tickets", {
      token: cust.token,
      body: { kind: "repair", title: `No internet at ${address}`, description: `Call me on ${phone} (${name})` },
    });
    expect(raised.status, raised.text).toBe(201);
    const ticket = raised.json.id as string;
    await call(`/v1/tickets/${ticket}/assign`, { token: dispatcher.token, body: { technician_ids: [tech.user.id] } });
    await call(`/v1/tickets/${ticket}/comments`, {
      token: dispatcher.token,
      body: { body: `Spoke to ${name}, gate code 4411`, visibility: "public" },
    });
    await call(`/v1/tickets/${ticket}/comments`, {
      token: cust.token,
      body: { body: "The dog is friendly", visibility: "public" },
    });
    const link = await call(`/v1/tickets/${ticket}/appointment-link`, { token: dispatcher.token, method: "POST" });
    expect(link.status, link.text).toBe(201);
    // The link's text reached the phone (the delivery log and the development outbox hold the number).
    await waitFor(async () =>
      Boolean(await env.DB.prepare("SELECT 1 FROM dev_outbox WHERE recipient = ?").bind(phone).first()),
    );
    await env.FILES.put(`uploads/${tag}.jpg`, "photo");
    await env.DB.prepare(
      "INSERT INTO uploads (id, uploaded_by, kind, filename, content_type, size_bytes, object_key, created_at) VALUES (?1, ?2, 'photo', ?3, 'image/jpeg', 5, ?4, ?5)",
    )
      .bind(`upl_${tag}`, cust.user.id, `${name}.jpg`, `uploads/${tag}.jpg`, new Date().toISOString())
      .run();
    const exported = await call(`/v1/customers/${cust.customerId}/data-export`, {
      token: manager.token,
      method: "POST",
    });
    await waitFor(
      async () => (await call(`/v1/jobs/${exported.json.id}`, { token: manager.token })).json.status === "done",
    );

    const refused = await call(`/v1/customers/${cust.customerId}/erase`, {
      token: manager.token,
      body: { reason: "Erasure request of 2027-01-04" },
    });
    expectProblem(refused, 409, "conflict");
    expect(refused.json.errors[0].message).toContain("is open");
    expect(
      await env.DB.prepare("SELECT full_name FROM customers WHERE id = ?").bind(cust.customerId).first("full_name"),
    ).toBe(name);

    // Dispatchers and technicians may not erase.
    expectProblem(
      await call(`/v1/customers/${cust.customerId}/erase`, { token: dispatcher.token, body: { reason: "x y z" } }),
      403,
    );
    expectProblem(
      await call(`/v1/customers/${cust.customerId}/erase`, { token: tech.token, body: { reason: "x y z" } }),
      403,
    );

    const cancelled = await call(`/v1/tickets/${ticket}/cancel`, {
      token: dispatcher.token,
      body: { comment: "Customer left" },
    });
    expect(cancelled.status, cancelled.text).toBe(200);
    const erased = await call(`/v1/customers/${cust.customerId}/erase`, {
      token: manager.token,
      body: { reason: "Erasure request of 2027-01-04" },
    });
    expect(erased.status, erased.text).toBe(200);
    expect(erased.json).toMatchObject({ tickets: 1, uploads_deleted: 1, exports_deleted: 1 });

    const leftovers = (await everyRow()).filter(({ row }) =>
      [name, phone, email, `login.${tag}`, address, "The dog is friendly", `${tag}.jpg`].some((v) => row.includes(v)),
    );
    expect(leftovers).toEqual([]);
    // What stays: the ticket (cancelled) and its history saying when it was erased; the audit entry.
    const history = await call(`/v1/tickets/${ticket}/history`, { token: manager.token });
    expect(history.json.data.map((h: { action: string }) => h.action)).toContain("customer_erased");
    expect(await env.FILES.get(`uploads/${tag}.jpg`)).toBeNull();
    const files = await env.FILES.list({ prefix: `exports/${exported.json.id}/` });
    expect(files.objects).toEqual([]);
    const audit = await call(`/v1/audit-log?target_type=customer&target_id=${cust.customerId}`, {
      token: (await staff("admin")).token,
    });
    expect(audit.json.data.map((e: { action: string }) => e.action)).toContain("customer.erased");
    // The account is closed: its token no longer works, and it cannot sign in again.
    expect((await call("/v1/me", { token: cust.token })).status).toBe(401);
  });
});
