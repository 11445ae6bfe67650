import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../../../test/helpers";
import { securitySuite } from "../../../test/security-suite";
import { staff, technicianAccount } from "../../../test/work-factories";

securitySuite("companies");

describe("IAM-13 companies", () => {
  it("creates, renames, lists and soft-deletes, detaching members", async () => {
    const manager = await staff("manager");
    const name = `Linecraft ${Math.random().toString(36).slice(2, 8)}`;
    const created = await call("/v1/companies", {
      token: manager.token,
      body: { name, contact_phone: "71 000 999", contact_email: "OPS@linecraft.test" },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.json).toMatchObject({
      contact_phone: "+26771000999",
      contact_email: "ops@linecraft.test",
      technician_count: 0,
    });
    expectProblem(await call("/v1/companies", { token: manager.token, body: { name } }), 409, "conflict");
    const tech = await technicianAccount();
    await call(`/v1/users/${tech.user.id}`, {
      method: "PATCH",
      token: manager.token,
      body: { company_id: created.json.id },
    });
    expect((await call(`/v1/companies/${created.json.id}`, { token: manager.token })).json.technician_count).toBe(1);
    expect(
      (
        await call(`/v1/companies/${created.json.id}`, {
          method: "PATCH",
          token: manager.token,
          body: { name: `${name} Ltd` },
        })
      ).json.name,
    ).toBe(`${name} Ltd`);
    expect(
      (await call(`/v1/companies?q=${encodeURIComponent(name)}`, { token: manager.token })).json.data,
    ).toHaveLength(1);
    expect((await call(`/v1/companies/${created.json.id}`, { method: "DELETE", token: manager.token })).status).toBe(
      204,
    );
    expectProblem(await call(`/v1/companies/${created.json.id}`, { token: manager.token }), 404, "not_found");
    expect((await call(`/v1/users/${tech.user.id}`, { token: manager.token })).json.company_id).toBeNull();
    expectProblem(
      await call(`/v1/users/${tech.user.id}`, {
        method: "PATCH",
        token: manager.token,
        body: { company_id: "cmp_missing" },
      }),
      400,
      "validation_failed",
    );
  });
});
