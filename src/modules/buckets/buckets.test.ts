import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../../../test/helpers";
import { securitySuite } from "../../../test/security-suite";
import { makeCustomer, raiseTicket, staff } from "../../../test/work-factories";

securitySuite("buckets");

describe("WO-13 buckets", () => {
  it("saves, renames, refreshes and deletes a private queue", async () => {
    const dispatcher = await staff("dispatcher");
    const customerId = await makeCustomer();
    const urgent = await raiseTicket(dispatcher.token, { priority: "emergency", customer_id: customerId });
    await raiseTicket(dispatcher.token, { priority: "low", customer_id: customerId });
    const created = await call("/v1/buckets", {
      token: dispatcher.token,
      body: { name: "Fires", filters: { priority: ["emergency", "critical"], customer_id: customerId } },
    });
    expect(created.status, created.text).toBe(201);
    expectProblem(await call("/v1/buckets", { token: dispatcher.token, body: { name: "Fires" } }), 409, "conflict");
    expectProblem(
      await call("/v1/buckets", { token: dispatcher.token, body: { name: "Bad", filters: { priority: ["urgent"] } } }),
      400,
      "validation_failed",
    );
    const refreshed = await call(`/v1/buckets/${created.json.id}/refresh`, { method: "POST", token: dispatcher.token });
    expect(refreshed.json.data.map((t: { id: string }) => t.id)).toEqual([urgent.id]);
    expect(
      (await call(`/v1/tickets?bucket=${created.json.id}`, { token: dispatcher.token })).json.data.map(
        (t: { id: string }) => t.id,
      ),
    ).toEqual([urgent.id]);
    expect(
      (
        await call(`/v1/buckets/${created.json.id}`, {
          method: "PATCH",
          token: dispatcher.token,
          body: { name: "Emergencies" },
        })
      ).json.name,
    ).toBe("Emergencies");
    const list = await call("/v1/buckets", { token: dispatcher.token });
    expect(list.json.data[0]).toMatchObject({ name: "Emergencies", refreshed_at: expect.any(String) });

    const other = await staff("dispatcher");
    expectProblem(
      await call(`/v1/buckets/${created.json.id}/refresh`, { method: "POST", token: other.token }),
      404,
      "not_found",
    );
    expectProblem(
      await call(`/v1/tickets?bucket=${created.json.id}`, { token: other.token }),
      400,
      "validation_failed",
    );
    expect((await call(`/v1/buckets/${created.json.id}`, { method: "DELETE", token: dispatcher.token })).status).toBe(
      204,
    );
  });
});
