import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../../../test/helpers";
import { customerAccount, makeAsset, staff } from "../../../test/work-factories";
import { type UserContext, systemContext } from "../../lib/context";
import type { Env } from "../../lib/env";
import { registerOwnCard, updateOwnCard } from "./assets.service";

/** The customer, as the API sees them, on a deployment that offers self-service cards. */
function asCustomer(userId: string): UserContext {
  const ctx = systemContext({ ...env, CUSTOMER_CARD_SELF_SERVICE: "on" } as Env, "own-cards-test");
  return {
    ...ctx,
    actor: {
      kind: "user",
      userId,
      sessionId: "test",
      role: "customer",
      permissions: new Set(),
      via: "bearer",
      tokenExpiresAt: 0,
    },
  } as UserContext;
}

describe("a customer's own service cards", () => {
  it("are not offered by default: registering or editing is a 403 that writes nothing", async () => {
    const cust = await customerAccount();
    const card = await makeAsset(cust.customerId);
    const refused = await call("/v1/me/service-cards", { token: cust.token, body: { model: "AquaPure X2" } });
    expectProblem(refused, 403, "forbidden");
    expect(refused.json.detail).toContain("registers service cards for you");
    expectProblem(
      await call(`/v1/me/service-cards/${card}`, { method: "PATCH", token: cust.token, body: { city: "Maun" } }),
      403,
      "forbidden",
    );
    const count = await env.DB.prepare("SELECT count(*) AS n FROM assets WHERE customer_id = ?")
      .bind(cust.customerId)
      .first<{ n: number }>();
    expect(count?.n).toBe(1);
  });

  it("when offered: a customer registers a card (no type or warranty of their choosing) and corrects only their own", async () => {
    const cust = await customerAccount();
    const other = await customerAccount();
    const ctx = asCustomer(cust.user.id);
    const card = await registerOwnCard(ctx, { model: "AquaPure X2", serial_number: "AP-X2-77031", city: "Maun" });
    expect(card).toMatchObject({
      customer_id: cust.customerId,
      model: "AquaPure X2",
      serial_number: "AP-X2-77031",
      card_type: "normal",
      warranty_start: null,
      warranty_end: null,
      in_warranty: false,
    });
    const fixed = await updateOwnCard(ctx, card.id, { address: "Plot 12, Boseja", city: "Maun" });
    expect(fixed).toMatchObject({ address: "Plot 12, Boseja", city: "Maun" });
    // The card is theirs in the staff's view too, and in their own list.
    const manager = await staff("manager");
    expect((await call(`/v1/assets/${card.id}`, { token: manager.token })).json.customer_id).toBe(cust.customerId);
    const listed = await call("/v1/assets", { token: cust.token });
    expect(listed.json.data.map((a: { id: string }) => a.id)).toContain(card.id);
    // Another customer's card is not there for them.
    const foreign = await makeAsset(other.customerId);
    await expect(updateOwnCard(ctx, foreign, { city: "Kasane" })).rejects.toMatchObject({ code: "not_found" });
    // The body may not carry what the operator decides.
    const smuggled = await call("/v1/me/service-cards", {
      token: cust.token,
      body: { model: "X", warranty_end: "2099-12-31", card_type: "gold" },
    });
    expectProblem(smuggled, 400, "validation_failed");
    expect(smuggled.json.errors.map((e: { path: string }) => e.path).sort()).toEqual(["card_type", "warranty_end"]);
  });
});
