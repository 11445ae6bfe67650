import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../../../test/helpers";
import { securitySuite } from "../../../test/security-suite";
import { customerAccount, staff, technicianAccount } from "../../../test/work-factories";

securitySuite("offers");

const code = () => `FIBRE-${Math.random().toString(36).slice(2, 8).toUpperCase()}`;

describe("the offers catalogue a customer's service refers to", () => {
  it("a manager adds offers; everyone who works with customers looks them up by id or code; retiring keeps holders", async () => {
    const manager = await staff("manager");
    const fibre = code();
    const created = await call("/v1/offers", {
      token: manager.token,
      body: {
        code: fibre,
        name: "Fibre 50",
        service: "internet",
        download_mbps: 50,
        upload_mbps: 25,
        monthly_price: { amount_minor: 49900, currency: "BWP" },
      },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.json).toMatchObject({
      code: fibre,
      active: true,
      customer_count: 0,
      monthly_price: { amount_minor: 49900, currency: "BWP" },
    });
    expectProblem(
      await call("/v1/offers", { token: manager.token, body: { code: fibre, name: "Again", service: "internet" } }),
      409,
      "conflict",
    );
    const bad = await call("/v1/offers", {
      token: manager.token,
      body: { code: "x y", name: "", service: "satellite", monthly_price: { amount_minor: -1, currency: "pula" } },
    });
    expectProblem(bad, 400, "validation_failed");
    expect(bad.json.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      "code",
      "monthly_price.amount_minor",
      "monthly_price.currency",
      "name",
      "service",
    ]);

    // The seed's lookup: by the operator's code as well as the id; a technician reads it.
    const tech = await technicianAccount();
    const byCode = await call(`/v1/offers/${fibre}`, { token: tech.token });
    expect(byCode.status, byCode.text).toBe(200);
    expect(byCode.json.id).toBe(created.json.id);
    expectProblem(await call("/v1/offers/ofr_missing", { token: tech.token }), 404, "not_found");

    // A customer subscribes to it by id or code; an unknown offer is refused and changes nothing.
    const dispatcher = await staff("dispatcher");
    const customer = await call("/v1/customers", {
      token: dispatcher.token,
      body: { full_name: "Naledi Offer", phone: "+26771555101", offer_id: fibre },
    });
    expect(customer.status, customer.text).toBe(201);
    expect(customer.json.offer_id).toBe(created.json.id);
    const unknown = await call("/v1/customers", {
      token: dispatcher.token,
      body: { full_name: "Nobody", phone: "+26771555102", offer_id: "NO-SUCH-OFFER" },
    });
    expectProblem(unknown, 400, "validation_failed");
    expect(unknown.json.errors[0]).toMatchObject({ path: "offer_id" });
    expect((await call(`/v1/offers/${created.json.id}`, { token: manager.token })).json.customer_count).toBe(1);

    // Retired: off the list of offers on sale, refused for new customers, kept by the one who has it.
    const retired = await call(`/v1/offers/${created.json.id}`, {
      method: "PATCH",
      token: manager.token,
      body: { active: false, name: "Fibre 50 (old)" },
    });
    expect(retired.status, retired.text).toBe(200);
    expect(retired.json).toMatchObject({ active: false, name: "Fibre 50 (old)", customer_count: 1 });
    const onSale = await call(`/v1/offers?active=true&q=${fibre}`, { token: dispatcher.token });
    expect(onSale.json.data).toEqual([]);
    const all = await call(`/v1/offers?q=${fibre}`, { token: dispatcher.token });
    expect(all.json.data.map((o: { id: string }) => o.id)).toEqual([created.json.id]);
    expect(all.json.has_more).toBe(false);
    const refused = await call("/v1/customers", {
      token: dispatcher.token,
      body: { full_name: "Late Comer", phone: "+26771555103", offer_id: created.json.id },
    });
    expectProblem(refused, 400, "validation_failed");
    expect(refused.json.detail).toContain("retired");
    const kept = await call(`/v1/customers/${customer.json.id}`, {
      method: "PATCH",
      token: dispatcher.token,
      body: { offer_id: created.json.id, address: "Plot 12, Block 6" },
    });
    expect(kept.status, kept.text).toBe(200);
    const dropped = await call(`/v1/customers/${customer.json.id}`, {
      method: "PATCH",
      token: dispatcher.token,
      body: { offer_id: null },
    });
    expect(dropped.json.offer_id).toBeNull();

    // Changes are audited.
    const admin = await staff("admin");
    const audit = await call(`/v1/audit-log?target_type=offer&target_id=${created.json.id}`, { token: admin.token });
    expect(audit.json.data.map((e: { action: string }) => e.action).sort()).toEqual(["offer.created", "offer.updated"]);
  });

  it("only managers and admins change the catalogue; a customer may read it", async () => {
    const dispatcher = await staff("dispatcher");
    expectProblem(
      await call("/v1/offers", {
        token: dispatcher.token,
        body: { code: code(), name: "Voice", service: "voice" },
      }),
      403,
    );
    const customer = await customerAccount();
    expect((await call("/v1/offers", { token: customer.token })).status).toBe(200);
    expectProblem(await call("/v1/offers/x", { method: "PATCH", token: customer.token, body: { name: "Free" } }), 403);
  });
});
