import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../../../test/helpers";
import { securitySuite } from "../../../test/security-suite";
import { customerAccount, makeAsset, raiseTicket, staff } from "../../../test/work-factories";

securitySuite("assets");

describe("CRM-2 service cards", () => {
  it("creates a card with its warranty and shows service history", async () => {
    const dispatcher = await staff("dispatcher");
    const cust = await customerAccount();
    const res = await call("/v1/assets", {
      token: dispatcher.token,
      body: {
        customer_id: cust.customerId,
        model: "AquaPure X1",
        installed_on: "2026-01-10",
        warranty_start: "2026-01-10",
        warranty_end: "2027-01-09",
        region: "Gaborone",
      },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.json).toMatchObject({ model: "AquaPure X1", in_warranty: true, card_type: "normal" });
    const t = await raiseTicket(cust.token, { asset_id: res.json.id });
    const detail = await call(`/v1/assets/${res.json.id}`, { token: cust.token });
    expect(detail.json.service_history.map((h: { ticket_id: string }) => h.ticket_id)).toEqual([t.id]);
  });

  it("shows owners only their own cards, and soft-deletes", async () => {
    const dispatcher = await staff("dispatcher");
    const alice = await customerAccount();
    const bob = await customerAccount();
    const mine = await makeAsset(alice.customerId);
    const theirs = await makeAsset(bob.customerId);
    const list = await call("/v1/assets", { token: alice.token });
    expect(list.json.data.map((a: { id: string }) => a.id)).toEqual([mine]);
    expectProblem(await call(`/v1/assets/${theirs}`, { token: alice.token }), 404, "not_found");
    expectProblem(await call(`/v1/assets/${mine}`, { method: "DELETE", token: alice.token }), 403, "forbidden");
    expect((await call(`/v1/assets/${mine}`, { method: "DELETE", token: dispatcher.token })).status).toBe(204);
    expectProblem(await call(`/v1/assets/${mine}`, { token: alice.token }), 404, "not_found");
  });

  it("rejects a warranty that ends before it starts and an unknown customer", async () => {
    const dispatcher = await staff("dispatcher");
    const cust = await customerAccount();
    expectProblem(
      await call("/v1/assets", {
        token: dispatcher.token,
        body: { customer_id: cust.customerId, model: "X", warranty_start: "2026-02-01", warranty_end: "2026-01-01" },
      }),
      400,
      "validation_failed",
    );
    expectProblem(
      await call("/v1/assets", { token: dispatcher.token, body: { customer_id: "cus_nope", model: "X" } }),
      400,
      "validation_failed",
    );
    const asset = await makeAsset(cust.customerId, { warrantyStart: "2026-01-01", warrantyEnd: "2026-12-31" });
    expectProblem(
      await call(`/v1/assets/${asset}`, {
        method: "PATCH",
        token: dispatcher.token,
        body: { warranty_end: "2025-01-01" },
      }),
      400,
      "validation_failed",
    );
    expectProblem(
      await call("/v1/assets", {
        token: dispatcher.token,
        body: { customer_id: cust.customerId, model: "X", installed_on: "2026-13-45" },
      }),
      400,
      "validation_failed",
    );
  });
});
