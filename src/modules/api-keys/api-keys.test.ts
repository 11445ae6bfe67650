import { env } from "cloudflare:workers";
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { securitySuite } from "../../../test/security-suite";
import { BASE, call, createUser, DEFAULT_PASSWORD, expectProblem, randomIp } from "../../../test/helpers";
import { staff } from "../../../test/work-factories";

async function newKey(token: string, body: Record<string, unknown>) {
  const res = await call("/v1/api-keys", { token, body: { name: "Helpdesk sync", ...body } });
  expect(res.status, res.text).toBe(201);
  return res.json;
}

const tokenRequest = (body: string, headers: Record<string, string> = {}) =>
  SELF.fetch(`${BASE}/v1/oauth/token`, {
    method: "POST",
    body,
    headers: { "content-type": "application/x-www-form-urlencoded", "cf-connecting-ip": randomIp(), ...headers },
  });

securitySuite("api-keys");
securitySuite("directory");

describe("API keys", () => {
  it("act with exactly their permissions; the secret is shown once and never again", async () => {
    const admin = await staff("admin");
    const key = await newKey(admin.token, { permissions: ["users:lookup", "tickets:read"] });
    expect(key.secret).toMatch(/^trk_[A-Za-z0-9_-]{40,}$/);
    expect(key.secret.startsWith(key.prefix)).toBe(true);
    expect(key).toMatchObject({
      status: "active",
      permissions: ["tickets:read", "users:lookup"],
      application: null,
      created_by: admin.user.id,
    });

    const someone = await createUser({ role: "technician" });
    const found = await call(`/v1/internal/users/${someone.id}`, { token: key.secret });
    expect(found.status, found.text).toBe(200);
    expect(found.json).toMatchObject({ id: someone.id, username: someone.username });
    const batch = await call("/v1/internal/users/lookup", {
      token: key.secret,
      body: { ids: [someone.id, admin.user.id, "usr_nobody", someone.id] },
    });
    expect(batch.json.data.map((u: { id: string }) => u.id)).toEqual([someone.id, admin.user.id]);
    expect(batch.json.unknown).toEqual(["usr_nobody"]);
    expectProblem(
      await call("/v1/internal/users/lookup", {
        token: key.secret,
        body: { ids: Array.from({ length: 101 }, (_, i) => `usr_${i}`) },
      }),
      400,
      "validation_failed",
    );
    expect((await call("/v1/tickets", { token: key.secret })).status).toBe(200);
    // Without a permission: 403, like any caller.
    expectProblem(await call("/v1/users", { token: key.secret }), 403, "forbidden");
    expectProblem(await call("/v1/api-keys", { token: key.secret }), 403, "forbidden");

    const listed = await call("/v1/api-keys", { token: admin.token });
    const detail = await call(`/v1/api-keys/${key.id}`, { token: admin.token });
    for (const res of [listed, detail]) expect(res.text).not.toContain(key.secret.slice(12));
    expect(
      await env.DB.prepare("SELECT count(*) AS n FROM api_keys WHERE secret_hash = ?1 OR prefix = ?1")
        .bind(key.secret)
        .first(),
    ).toEqual({ n: 0 });
    // Its use is recorded (after the answer).
    for (let i = 0; i < 50 && !(await call(`/v1/api-keys/${key.id}`, { token: admin.token })).json.last_used_at; i++)
      await new Promise((r) => setTimeout(r, 20));
    const used = await call(`/v1/api-keys/${key.id}`, { token: admin.token });
    expect(used.json.last_used_at).not.toBeNull();
    expect(used.json.usage[0].requests).toBeGreaterThanOrEqual(1);
  });

  it("nobody hands out permissions they lack; bad keys are 401; a throttled key is 429", async () => {
    const admin = await staff("admin");
    const roleKey = `keymaker_${crypto.randomUUID().slice(0, 6)}`;
    await call("/v1/roles", {
      token: admin.token,
      body: { key: roleKey, name: "Key maker", permissions: ["api_keys:manage", "users:lookup"] },
    });
    const maker = await createUser({ role: roleKey });
    const makerToken = (
      await call("/v1/auth/login", { body: { identifier: maker.username, password: DEFAULT_PASSWORD } })
    ).json.access_token;
    expectProblem(
      await call("/v1/api-keys", {
        token: makerToken,
        body: { name: "Too much", permissions: ["users:lookup", "users:read"] },
      }),
      403,
      "forbidden",
    );
    expectProblem(
      await call("/v1/api-keys", { token: makerToken, body: { name: "Unknown", permissions: ["root:everything"] } }),
      400,
      "validation_failed",
    );
    expectProblem(
      await call("/v1/api-keys", {
        token: admin.token,
        body: { name: "Past", permissions: ["users:lookup"], expires_at: "2020-01-01T00:00:00Z" },
      }),
      400,
      "validation_failed",
    );
    const key = await newKey(makerToken, { permissions: ["users:lookup"] });

    expectProblem(
      await call(`/v1/internal/users/${admin.user.id}`, { token: "trk_not-a-real-key-at-all-000000000000000" }),
      401,
      "invalid_token",
    );
    // Throttled: this minute's counter already at the limit.
    const windowStart = Math.floor(Date.now() / 60_000) * 60_000;
    await env.DB.prepare(
      "INSERT INTO rate_limits (key, count, expires_at) VALUES (?1, 100000, ?2) ON CONFLICT (key) DO UPDATE SET count = 100000",
    )
      .bind(`api_key:${key.id.toLowerCase()}:${windowStart}`, windowStart + 60_000)
      .run();
    const throttled = await call(`/v1/internal/users/${admin.user.id}`, { token: key.secret });
    if (Math.floor(Date.now() / 60_000) * 60_000 === windowStart) expectProblem(throttled, 429, "rate_limited");

    await env.DB.prepare("UPDATE api_keys SET expires_at = '2020-01-01T00:00:00.000Z' WHERE id = ?1")
      .bind(key.id)
      .run();
    expectProblem(await call(`/v1/internal/users/${admin.user.id}`, { token: key.secret }), 401, "invalid_token");
    expect((await call(`/v1/api-keys/${key.id}`, { token: admin.token })).json.status).toBe("expired");
  });

  it("revoke stops a key at once; rotate keeps the old secret for the overlap only; an inactive application stops its keys", async () => {
    const admin = await staff("admin");
    const target = `/v1/internal/users/${admin.user.id}`;
    const key = await newKey(admin.token, { permissions: ["users:lookup"] });
    const rotated = await call(`/v1/api-keys/${key.id}/rotate`, { token: admin.token, body: { overlap_minutes: 60 } });
    expect(rotated.status, rotated.text).toBe(201);
    expect(rotated.json).toMatchObject({ rotated_from: key.id, permissions: ["users:lookup"], name: key.name });
    expect(rotated.json.secret).not.toBe(key.secret);
    expect((await call(target, { token: key.secret })).status).toBe(200);
    expect((await call(target, { token: rotated.json.secret })).status).toBe(200);
    const again = await call(`/v1/api-keys/${rotated.json.id}/rotate`, {
      token: admin.token,
      body: { overlap_minutes: 0 },
    });
    expectProblem(await call(target, { token: rotated.json.secret }), 401, "invalid_token");
    expect((await call(target, { token: again.json.secret })).status).toBe(200);

    expect((await call(`/v1/api-keys/${again.json.id}/revoke`, { token: admin.token, body: {} })).json.status).toBe(
      "revoked",
    );
    expectProblem(await call(target, { token: again.json.secret }), 401, "invalid_token");
    expectProblem(
      await call(`/v1/api-keys/${again.json.id}/revoke`, { token: admin.token, body: {} }),
      409,
      "invalid_transition",
    );
    expectProblem(
      await call(`/v1/api-keys/${again.json.id}/rotate`, { token: admin.token, body: {} }),
      409,
      "invalid_transition",
    );

    const app = await call("/v1/applications", {
      token: admin.token,
      body: { key: `portal-${crypto.randomUUID().slice(0, 6)}`, name: "Partner portal" },
    });
    const appKey = await newKey(admin.token, { permissions: ["users:lookup"], application_id: app.json.id });
    expect(appKey.application).toEqual({ id: app.json.id, key: app.json.key });
    expect((await call(target, { token: appKey.secret })).status).toBe(200);
    await call(`/v1/applications/${app.json.id}`, { method: "PATCH", token: admin.token, body: { active: false } });
    expectProblem(await call(target, { token: appKey.secret }), 401, "invalid_token");
  });

  it("revoking needs the key's permissions; revoking the new half of a rotation ends the old one's overlap", async () => {
    const admin = await staff("admin");
    const target = `/v1/internal/users/${admin.user.id}`;
    const weak = await newKey(admin.token, { permissions: ["api_keys:manage", "users:lookup"] });
    const strong = await newKey(admin.token, { permissions: ["api_keys:manage", "users:lookup", "users:delete"] });
    expectProblem(await call(`/v1/api-keys/${strong.id}/revoke`, { token: weak.secret, body: {} }), 403, "forbidden");
    expect((await call(target, { token: strong.secret })).status).toBe(200);
    expect((await call(`/v1/api-keys/${strong.id}`, { token: admin.token })).json.status).toBe("active");

    const rotated = await call(`/v1/api-keys/${weak.id}/rotate`, { token: admin.token, body: { overlap_minutes: 60 } });
    expect((await call(target, { token: weak.secret })).status).toBe(200);
    expect((await call(`/v1/api-keys/${rotated.json.id}/revoke`, { token: admin.token, body: {} })).json.status).toBe(
      "revoked",
    );
    expectProblem(await call(target, { token: rotated.json.secret }), 401, "invalid_token");
    expectProblem(await call(target, { token: weak.secret }), 401, "invalid_token");
    expect((await call(`/v1/api-keys/${weak.id}`, { token: admin.token })).json.status).toBe("revoked");
  });

  it("client credentials: a key's secret for a five-minute token that carries its permissions, verifiable like any token", async () => {
    const admin = await staff("admin");
    const app = await call("/v1/applications", {
      token: admin.token,
      body: { key: `helpdesk-${crypto.randomUUID().slice(0, 6)}`, name: "Helpdesk" },
    });
    const key = await newKey(admin.token, { permissions: ["users:lookup"], application_id: app.json.id });
    const res = await tokenRequest(
      `grant_type=client_credentials&client_id=${key.id}&client_secret=${encodeURIComponent(key.secret)}`,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toContain("no-store");
    const token = (await res.json()) as { access_token: string; expires_in: number; scope: string; token_type: string };
    expect(token).toMatchObject({ token_type: "Bearer", expires_in: 300, scope: "users:lookup" });
    const claims = JSON.parse(atob(token.access_token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    expect(claims).toMatchObject({ sub: key.id, azp: app.json.key, scope: "users:lookup" });
    expect((await call(`/v1/internal/users/${admin.user.id}`, { token: token.access_token })).status).toBe(200);
    expectProblem(await call("/v1/users", { token: token.access_token }), 403, "forbidden");
    expect((await call("/v1/auth/token/validate", { token: token.access_token })).json).toMatchObject({
      user_id: key.id,
      role: "api_key",
      permissions: ["users:lookup"],
    });

    // HTTP Basic works too; a wrong grant, a wrong secret or a client id of another key do not.
    const basic = await tokenRequest("grant_type=client_credentials", {
      authorization: `Basic ${btoa(`${key.id}:${key.secret}`)}`,
    });
    expect(basic.status).toBe(200);
    expect((await tokenRequest(`grant_type=password&client_secret=${encodeURIComponent(key.secret)}`)).status).toBe(
      400,
    );
    expect(
      (await tokenRequest("grant_type=client_credentials&client_secret=trk_wrong0000000000000000000000000000000"))
        .status,
    ).toBe(401);
    expect(
      (
        await tokenRequest(
          `grant_type=client_credentials&client_id=key_other&client_secret=${encodeURIComponent(key.secret)}`,
        )
      ).status,
    ).toBe(401);
    const json = await call("/v1/oauth/token", {
      body: { grant_type: "client_credentials", client_secret: key.secret },
    });
    expect(json.status).toBe(200);
  });
});

describe("keys and object scopes", () => {
  it("a key's tickets:read reads what its scope permissions allow: nothing alone, every ticket with tickets:scope_all", async () => {
    const admin = await staff("admin");
    const { customerAccount, raiseTicket } = await import("../../../test/work-factories");
    const cust = await customerAccount();
    const ticket = await raiseTicket(cust.token);
    const narrow = await newKey(admin.token, { permissions: ["tickets:read"] });
    const wide = await newKey(admin.token, { permissions: ["tickets:read", "tickets:scope_all"] });
    expect((await call(`/v1/tickets?number=${ticket.number}`, { token: narrow.secret })).json.data).toEqual([]);
    expect(
      (await call(`/v1/tickets?number=${ticket.number}`, { token: wide.secret })).json.data.map(
        (t: { id: string }) => t.id,
      ),
    ).toEqual([ticket.id]);
  });
});

describe("keys and who may change whom", () => {
  it("a key changes only users with no permission beyond its own, never an administrator", async () => {
    const admin = await staff("admin");
    const key = await newKey(admin.token, { permissions: ["users:read", "users:update", "tickets:read"] });
    expectProblem(
      await call(`/v1/users/${admin.user.id}`, {
        method: "PATCH",
        token: key.secret,
        body: { first_name: "Hijacked" },
      }),
      403,
      "forbidden",
    );
    const tech = await createUser({ role: "technician" });
    expectProblem(
      await call(`/v1/users/${tech.id}`, { method: "PATCH", token: key.secret, body: { first_name: "Changed" } }),
      403,
      "forbidden",
    );
    const customer = await createUser({ role: "customer" });
    const wide = await newKey(admin.token, {
      permissions: [
        "users:read",
        "users:update",
        "assets:read",
        "tickets:create",
        "tickets:read",
        "tickets:update",
        "tickets:comment",
        "appointments:read",
        "feedback:read",
        "offers:read",
      ],
    });
    const changed = await call(`/v1/users/${customer.id}`, {
      method: "PATCH",
      token: wide.secret,
      body: { first_name: "Changed" },
    });
    expect(changed.status, changed.text).toBe(200);
  });
});

describe("lookups for other services", () => {
  it("a company's people and an employee with company and working profile; never without credentials", async () => {
    const admin = await staff("admin");
    const company = await call("/v1/companies", {
      token: admin.token,
      body: { name: `Lookup Co ${crypto.randomUUID().slice(0, 6)}` },
    });
    const tech = await createUser({ role: "technician" });
    await call(`/v1/users/${tech.id}`, { method: "PATCH", token: admin.token, body: { company_id: company.json.id } });
    const key = await newKey(admin.token, { permissions: ["users:lookup"] });
    const people = await call(`/v1/internal/companies/${company.json.id}/users`, { token: key.secret });
    expect(people.json.data.map((u: { id: string }) => u.id)).toEqual([tech.id]);
    const employee = await call(`/v1/internal/employees/${tech.id}`, { token: key.secret });
    expect(employee.json).toMatchObject({
      user: { id: tech.id },
      company: { id: company.json.id },
      technician: { user_id: tech.id },
    });
    expect((await call(`/v1/internal/employees/${admin.user.id}`, { token: key.secret })).json.technician).toBeNull();
    expectProblem(await call(`/v1/internal/users/${tech.id}`), 401, "unauthorized");
    expectProblem(await call(`/v1/internal/companies/cmp_nobody/users`, { token: key.secret }), 404, "not_found");
  });
});
