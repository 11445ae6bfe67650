import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, createUser, expectProblem, login, signedIn } from "../../../test/helpers";
import { securitySuite } from "../../../test/security-suite";

securitySuite("roles");

describe("IAM-12 roles and permissions", () => {
  it("lists permissions and the built-in roles", async () => {
    const { token } = await signedIn("admin");
    const perms = await call("/v1/permissions", { token });
    expect(perms.json.data.map((p: { key: string }) => p.key)).toContain("users:read");
    const roles = await call("/v1/roles", { token });
    const keys = roles.json.data.map((r: { key: string }) => r.key);
    expect(keys).toEqual(
      expect.arrayContaining(["admin", "manager", "supervisor", "dispatcher", "technician", "customer"]),
    );
    expect(roles.json.data.find((r: { key: string }) => r.key === "technician").is_builtin).toBe(true);
  });

  it("creates a custom role whose holders get exactly its permissions", async () => {
    const { token } = await signedIn("admin");
    const created = await call("/v1/roles", {
      token,
      body: { key: "auditor", name: "Auditor", permissions: ["users:read"] },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.json).toMatchObject({ key: "auditor", is_builtin: false, permissions: ["users:read"] });

    const auditor = await createUser({ role: "auditor" });
    const { access_token } = await login(auditor);
    expect((await call("/v1/users", { token: access_token })).status).toBe(200);
    expectProblem(await call("/v1/users", { token: access_token, body: { username: "x" } }), 403, "forbidden");

    // Permissions follow the role at once, not at the next login.
    await call("/v1/roles/auditor", { method: "PATCH", token, body: { permissions: [] } });
    expectProblem(await call("/v1/users", { token: access_token }), 403, "forbidden");

    expectProblem(await call("/v1/roles/auditor", { method: "DELETE", token }), 409, "conflict");
    await env.DB.prepare("UPDATE users SET role = 'customer' WHERE id = ?1").bind(auditor.id).run();
    expect((await call("/v1/roles/auditor", { method: "DELETE", token })).status).toBe(204);
    expectProblem(await call("/v1/roles/auditor", { token }), 404, "not_found");
  });

  it("keeps built-ins fixed and rejects unknown permissions and duplicate keys", async () => {
    const { token } = await signedIn("admin");
    expectProblem(
      await call("/v1/roles/technician", { method: "PATCH", token, body: { permissions: ["users:read"] } }),
      403,
      "forbidden",
    );
    expectProblem(await call("/v1/roles/customer", { method: "DELETE", token }), 403, "forbidden");
    expectProblem(
      await call("/v1/roles", { token, body: { key: "bad", name: "Bad", permissions: ["everything:*"] } }),
      400,
      "validation_failed",
    );
    expectProblem(
      await call("/v1/roles", { token, body: { key: "admin", name: "Admin 2", permissions: [] } }),
      409,
      "conflict",
    );
  });

  it("lets dispatchers read roles but not change them", async () => {
    const { token } = await signedIn("dispatcher");
    expect((await call("/v1/roles", { token })).status).toBe(200);
    expectProblem(
      await call("/v1/roles", { token, body: { key: "mine", name: "Mine", permissions: [] } }),
      403,
      "forbidden",
    );
  });
});
