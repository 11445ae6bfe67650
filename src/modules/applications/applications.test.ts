import { describe, expect, it } from "vitest";
import { securitySuite } from "../../../test/security-suite";
import { call, createUser, DEFAULT_PASSWORD, expectProblem } from "../../../test/helpers";
import { staff } from "../../../test/work-factories";

const uid = () => crypto.randomUUID().slice(0, 8).toLowerCase();

async function application(token: string, overrides: Record<string, unknown> = {}) {
  const res = await call("/v1/applications", {
    token,
    body: {
      key: `helpdesk-${uid()}`,
      name: "Helpdesk",
      listed: true,
      allowed_origins: ["https://helpdesk.example.com"],
      ...overrides,
    },
  });
  expect(res.status, res.text).toBe(201);
  return res.json;
}

async function role(token: string, appId: string, key: string) {
  const res = await call(`/v1/applications/${appId}/roles`, {
    token,
    body: { key, name: key[0].toUpperCase() + key.slice(1) },
  });
  expect(res.status, res.text).toBe(201);
  return res.json;
}

async function grant(token: string, body: { application_id: string; role_id: string; user_id: string }) {
  const res = await call("/v1/application-grants", { token, body });
  expect(res.status, res.text).toBe(201);
  return res.json;
}

const signIn = (identifier: string, application?: string) =>
  call("/v1/auth/login", { body: { identifier, password: DEFAULT_PASSWORD, ...(application ? { application } : {}) } });

securitySuite("applications");

describe("applications", () => {
  it("admins register them; the public list shows only listed, active ones and nothing internal; others may read but not write", async () => {
    const admin = await staff("admin");
    const listed = await application(admin.token, {
      description: "Customer helpdesk",
      logo_url: "https://helpdesk.example.com/logo.svg",
    });
    const hidden = await application(admin.token, { listed: false });
    expect(listed).toMatchObject({ listed: true, active: true, allowed_origins: ["https://helpdesk.example.com"] });
    expectProblem(
      await call("/v1/applications", { token: admin.token, body: { key: listed.key, name: "Again" } }),
      409,
      "conflict",
    );
    expectProblem(
      await call("/v1/applications", { token: admin.token, body: { key: "Bad Key", name: "x" } }),
      400,
      "validation_failed",
    );
    expectProblem(
      await call("/v1/applications", {
        token: admin.token,
        body: { key: `k-${uid()}`, name: "x", allowed_origins: ["https://a.example.com/path"] },
      }),
      400,
      "validation_failed",
    );

    const pub = await call("/v1/applications/public");
    expect(pub.status).toBe(200);
    const mine = pub.json.data.find((a: { key: string }) => a.key === listed.key);
    expect(mine).toEqual({
      key: listed.key,
      name: "Helpdesk",
      description: "Customer helpdesk",
      logo_url: "https://helpdesk.example.com/logo.svg",
    });
    expect(pub.json.data.some((a: { key: string }) => a.key === hidden.key)).toBe(false);
    await call(`/v1/applications/${listed.id}`, { method: "PATCH", token: admin.token, body: { active: false } });
    expect((await call("/v1/applications/public")).json.data.some((a: { key: string }) => a.key === listed.key)).toBe(
      false,
    );

    const manager = await staff("manager");
    expect((await call(`/v1/applications/${hidden.id}`, { token: manager.token })).status).toBe(200);
    expectProblem(
      await call(`/v1/applications/${hidden.id}`, {
        method: "PATCH",
        token: manager.token,
        body: { name: "Mine now" },
      }),
      403,
      "forbidden",
    );
    const dispatcher = await staff("dispatcher");
    expectProblem(await call("/v1/applications", { token: dispatcher.token }), 403, "forbidden");
  });

  it("a user signs in to an application only with a role there; the token names it and carries the roles; refresh re-reads them", async () => {
    const admin = await staff("admin");
    const app = await application(admin.token);
    const agent = await role(admin.token, app.id, "agent");
    const lead = await role(admin.token, app.id, "lead");
    const user = await createUser({ role: "technician" });

    const denied = await signIn(user.username, app.key);
    expectProblem(denied, 403, "application_denied");
    expectProblem(await signIn(user.username, "no-such-app"), 400, "validation_failed");

    const g = await grant(admin.token, { application_id: app.id, role_id: agent.id, user_id: user.id });
    await grant(admin.token, { application_id: app.id, role_id: lead.id, user_id: user.id });
    expectProblem(
      await call("/v1/application-grants", {
        token: admin.token,
        body: { application_id: app.id, role_id: agent.id, user_id: user.id },
      }),
      409,
      "conflict",
    );
    const session = await signIn(user.username, app.key);
    expect(session.status, session.text).toBe(200);
    expect(session.json.application).toEqual({ key: app.key, roles: ["agent", "lead"] });
    const claims = JSON.parse(atob(session.json.access_token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    expect(claims).toMatchObject({ azp: app.key, app_roles: ["agent", "lead"], aud: `app:${app.key}` });

    const token = session.json.access_token;
    // The token is the application's: truckroll's own routes refuse it, whatever the user may do in truckroll.
    expectProblem(await call("/v1/me", { token }), 401, "invalid_token");
    expectProblem(
      await call("/v1/customers", { token, body: { full_name: "Replayed", phone: "+26771234567" } }),
      401,
      "invalid_token",
    );
    expect((await call(`/v1/auth/token/validate?application=${app.key}`, { token })).json.application).toEqual({
      key: app.key,
      roles: ["agent", "lead"],
    });
    // A refreshed token is the application's too.
    const refreshed = await call("/v1/auth/refresh", { body: { refresh_token: session.json.refresh_token } });
    expect(refreshed.status, refreshed.text).toBe(200);
    expectProblem(await call("/v1/me", { token: refreshed.json.access_token }), 401, "invalid_token");
    expect(
      (await call(`/v1/auth/token/validate?application=${app.key}`, { token: refreshed.json.access_token })).status,
    ).toBe(200);
    // A token for one application is refused where another's is needed, and so is truckroll's own.
    const other = await application(admin.token);
    expectProblem(await call(`/v1/auth/token/validate?application=${other.key}`, { token }), 403, "application_denied");
    const plain = await signIn(user.username);
    expect(plain.json.application).toBeUndefined();
    expectProblem(
      await call(`/v1/auth/token/validate?application=${app.key}`, { token: plain.json.access_token }),
      403,
      "application_denied",
    );
    expect((await call("/v1/me", { token: plain.json.access_token })).json.application).toBeUndefined();

    // The grant list filters by application, user and role.
    const byRole = await call(`/v1/application-grants?application_id=${app.id}&role=agent`, { token: admin.token });
    expect(byRole.json.data.map((x: { id: string }) => x.id)).toEqual([g.id]);
    expect(byRole.json.data[0]).toMatchObject({
      application: { key: app.key },
      role: { key: "agent" },
      user: { id: user.id },
    });
    const moved = await call(`/v1/application-grants/${g.id}`, {
      method: "PATCH",
      token: admin.token,
      body: { role_id: lead.id },
    });
    expectProblem(moved, 409, "conflict");

    // Roles removed: the next refresh is refused.
    for (const x of (await call(`/v1/application-grants?user_id=${user.id}`, { token: admin.token })).json.data) {
      expect((await call(`/v1/application-grants/${x.id}`, { method: "DELETE", token: admin.token })).status).toBe(204);
    }
    expectProblem(
      await call("/v1/auth/refresh", { body: { refresh_token: refreshed.json.refresh_token } }),
      403,
      "application_denied",
    );
    // An inactive application: nobody signs in.
    await grant(admin.token, { application_id: app.id, role_id: agent.id, user_id: user.id });
    await call(`/v1/applications/${app.id}`, { method: "PATCH", token: admin.token, body: { active: false } });
    expectProblem(await signIn(user.username, app.key), 403, "application_denied");
  });

  it("roles are the application's own: held roles cannot be deleted; grants follow who may change whom", async () => {
    const admin = await staff("admin");
    const app = await application(admin.token);
    const agent = await role(admin.token, app.id, "agent");
    expectProblem(
      await call(`/v1/applications/${app.id}/roles`, { token: admin.token, body: { key: "agent", name: "Again" } }),
      409,
      "conflict",
    );
    const other = await application(admin.token);
    const foreign = await role(admin.token, other.id, "viewer");
    const user = await createUser({ role: "dispatcher" });
    expectProblem(
      await call("/v1/application-grants", {
        token: admin.token,
        body: { application_id: app.id, role_id: foreign.id, user_id: user.id },
      }),
      400,
      "validation_failed",
    );
    expectProblem(
      await call("/v1/application-grants", {
        token: admin.token,
        body: { application_id: app.id, role_id: agent.id, user_id: "usr_nobody" },
      }),
      400,
      "validation_failed",
    );
    await grant(admin.token, { application_id: app.id, role_id: agent.id, user_id: user.id });
    const roles = await call(`/v1/applications/${app.id}/roles`, { token: admin.token });
    expect(roles.json.data).toEqual([expect.objectContaining({ key: "agent", holders: 1 })]);
    expectProblem(
      await call(`/v1/applications/${app.id}/roles/${agent.id}`, { method: "DELETE", token: admin.token }),
      409,
      "conflict",
    );
    expectProblem(
      await call(`/v1/applications/${other.id}/roles/${agent.id}`, { method: "DELETE", token: admin.token }),
      404,
      "not_found",
    );

    // A custom role with applications:write but less than an administrator cannot grant an administrator anything.
    const roleKey = `appadmin_${uid().replace(/-/g, "")}`;
    expect(
      (
        await call("/v1/roles", {
          token: admin.token,
          body: { key: roleKey, name: "App admin", permissions: ["applications:read", "applications:write"] },
        })
      ).status,
    ).toBe(201);
    const appAdmin = await createUser({ role: roleKey });
    const { access_token } = (await signIn(appAdmin.username)).json;
    expectProblem(
      await call("/v1/application-grants", {
        token: access_token,
        body: { application_id: app.id, role_id: agent.id, user_id: admin.user.id },
      }),
      403,
      "forbidden",
    );
  });

  it("answers CORS for the origins active applications list, and for no other", async () => {
    const admin = await staff("admin");
    const origin = `https://desk-${uid()}.example.com`;
    const app = await application(admin.token, { allowed_origins: [origin] });
    const preflight = await call("/v1/auth/login", {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(origin);
    expect(preflight.headers.get("access-control-allow-headers")).toContain("authorization");
    const me = await call("/v1/me", { token: admin.token, headers: { origin } });
    expect(me.headers.get("access-control-allow-origin")).toBe(origin);
    expect(me.headers.get("vary")).toContain("Origin");
    const stranger = await call("/v1/me", { token: admin.token, headers: { origin: "https://evil.example.com" } });
    expect(stranger.headers.get("access-control-allow-origin")).toBeNull();
    await call(`/v1/applications/${app.id}`, { method: "PATCH", token: admin.token, body: { active: false } });
    expect(
      (await call("/v1/me", { token: admin.token, headers: { origin } })).headers.get("access-control-allow-origin"),
    ).toBeNull();
  });

  it("round-robin pools: active holders in a stable order, each turn taken once", async () => {
    const admin = await staff("admin");
    const app = await application(admin.token);
    const agent = await role(admin.token, app.id, "agent");
    const people = [
      await createUser({ role: "technician" }),
      await createUser({ role: "technician" }),
      await createUser({ role: "technician", status: "deactivated" }),
    ];
    for (const p of people) await grant(admin.token, { application_id: app.id, role_id: agent.id, user_id: p.id });
    const pool = await call(`/v1/applications/${app.id}/pool?role=agent`, { token: admin.token });
    const active = people
      .slice(0, 2)
      .map((p) => p.id)
      .sort();
    expect(pool.json).toEqual({ application: app.key, role: "agent", user_ids: active, next_user_id: active[0] });
    const turns = await Promise.all(
      [1, 2, 3, 4].map(() => call(`/v1/applications/${app.id}/pool/next?role=agent`, { token: admin.token, body: {} })),
    );
    expect(turns.map((t) => t.json.user_id).sort()).toEqual([active[0], active[0], active[1], active[1]]);
    expect(new Set(turns.map((t) => `${t.json.position}`)).size).toBe(2);
    expectProblem(await call(`/v1/applications/${app.id}/pool?role=nobody`, { token: admin.token }), 404, "not_found");
    await role(admin.token, app.id, "empty");
    expectProblem(
      await call(`/v1/applications/${app.id}/pool/next?role=empty`, { token: admin.token, body: {} }),
      422,
      "unprocessable",
    );
  });
});
