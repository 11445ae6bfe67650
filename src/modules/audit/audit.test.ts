import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../../../test/helpers";
import { staff, technicianAccount } from "../../../test/work-factories";

/** One test per kind of administrative change: each answers in the audit log with actor, address and request. */
async function entries(token: string, query: string) {
  const res = await call(`/v1/audit-log?${query}`, { token });
  expect(res.status).toBe(200);
  return res.json as {
    data: {
      action: string;
      actor_id: string;
      target_id: string;
      before: Record<string, unknown> | null;
      after: Record<string, unknown> | null;
      client_ip: string | null;
      request_id: string | null;
    }[];
    next_cursor: string | null;
  };
}

describe("audit log", () => {
  it("users: created, updated, role changed, password set, deactivated, deleted — secrets left out", async () => {
    const admin = await staff("admin");
    const created = await call("/v1/users", {
      token: admin.token,
      body: {
        username: `aud${crypto.randomUUID().slice(0, 8)}`,
        email: `aud${crypto.randomUUID().slice(0, 8)}@example.com`,
        password: "a long enough password",
        first_name: "Audit",
        last_name: "Me",
        role: "dispatcher",
        status: "active",
      },
    });
    expect(created.status).toBe(201);
    const user = created.json as { id: string };
    expect(
      (await call(`/v1/users/${user.id}`, { method: "PATCH", token: admin.token, body: { first_name: "Audited" } }))
        .status,
    ).toBe(200);
    expect(
      (await call(`/v1/users/${user.id}`, { method: "PATCH", token: admin.token, body: { role: "supervisor" } }))
        .status,
    ).toBe(200);
    expect(
      (
        await call(`/v1/users/${user.id}/password`, {
          token: admin.token,
          body: { password: "another long password" },
        })
      ).status,
    ).toBeLessThan(300);
    expect((await call(`/v1/users/${user.id}/deactivate`, { token: admin.token, body: {} })).status).toBe(200);
    expect((await call(`/v1/users/${user.id}`, { method: "DELETE", token: admin.token })).status).toBe(204);
    const { data } = await entries(admin.token, `target_type=user&target_id=${user.id}&order=occurred_at`);
    expect(data.map((e) => e.action)).toEqual([
      "user.created",
      "user.updated",
      "user.role_changed",
      "user.password_set",
      "user.deactivated",
      "user.deleted",
    ]);
    expect(data.every((e) => e.actor_id === admin.user.id && e.request_id && e.client_ip)).toBe(true);
    expect(data[2].before).toMatchObject({ role: "dispatcher" });
    expect(data[2].after).toMatchObject({ role: "supervisor" });
    expect(JSON.stringify(data)).not.toMatch(/password_?hash|passwordHash|another long password/i);
  });

  it("roles: created, updated, deleted", async () => {
    const admin = await staff("admin");
    const key = `aud_${crypto.randomUUID().slice(0, 6)}`;
    const body = { key, name: "Auditors", description: "", permissions: ["tickets:read"] };
    expect((await call("/v1/roles", { token: admin.token, body })).status).toBe(201);
    expect(
      (await call(`/v1/roles/${key}`, { method: "PATCH", token: admin.token, body: { name: "Auditors 2" } })).status,
    ).toBe(200);
    expect((await call(`/v1/roles/${key}`, { method: "DELETE", token: admin.token })).status).toBe(204);
    const { data } = await entries(admin.token, `target_type=role&target_id=${key}&order=occurred_at`);
    expect(data.map((e) => e.action)).toEqual(["role.created", "role.updated", "role.deleted"]);
    expect(data[1].before).toMatchObject({ name: "Auditors" });
  });

  it("applications, their roles and grants", async () => {
    const admin = await staff("admin");
    const tech = await technicianAccount();
    const app = await call("/v1/applications", {
      token: admin.token,
      body: { key: `aud-${crypto.randomUUID().slice(0, 6)}`, name: "Audit app" },
    });
    expect(app.status).toBe(201);
    const { id } = app.json as { id: string };
    expect(
      (await call(`/v1/applications/${id}`, { method: "PATCH", token: admin.token, body: { name: "Renamed" } })).status,
    ).toBe(200);
    const role = await call(`/v1/applications/${id}/roles`, {
      token: admin.token,
      body: { key: "viewer", name: "Viewer" },
    });
    expect(role.status).toBe(201);
    const roleId = (role.json as { id: string }).id;
    const grant = await call("/v1/application-grants", {
      token: admin.token,
      body: { application_id: id, role_id: roleId, user_id: tech.user.id },
    });
    expect(grant.status).toBe(201);
    const grantId = (grant.json as { id: string }).id;
    expect((await call(`/v1/application-grants/${grantId}`, { method: "DELETE", token: admin.token })).status).toBe(
      204,
    );
    expect(
      (await call(`/v1/applications/${id}/roles/${roleId}`, { method: "DELETE", token: admin.token })).status,
    ).toBe(204);
    expect(
      (await entries(admin.token, `target_type=application&target_id=${id}`)).data.map((e) => e.action).sort(),
    ).toEqual(["application.created", "application.updated"]);
    expect((await entries(admin.token, `target_id=${roleId}&order=occurred_at`)).data.map((e) => e.action)).toEqual([
      "application_role.created",
      "application_role.deleted",
    ]);
    const grants = (await entries(admin.token, `target_type=grant&target_id=${grantId}&order=occurred_at`)).data;
    expect(grants.map((e) => e.action)).toEqual(["grant.created", "grant.deleted"]);
  });

  it("API keys: created, rotated, revoked — never the secret", async () => {
    const admin = await staff("admin");
    const res = await call("/v1/api-keys", {
      token: admin.token,
      body: { name: "audit key", permissions: ["tickets:read"] },
    });
    expect(res.status).toBe(201);
    const key = res.json as { id: string; secret: string };
    const rotated = await call(`/v1/api-keys/${key.id}/rotate`, { token: admin.token, body: { overlap_minutes: 5 } });
    expect(rotated.status).toBe(201);
    const next = rotated.json as { id: string; secret: string };
    expect((await call(`/v1/api-keys/${next.id}/revoke`, { token: admin.token, body: {} })).status).toBe(200);
    // A second revoke is refused and recorded nowhere.
    expect((await call(`/v1/api-keys/${next.id}/revoke`, { token: admin.token, body: {} })).status).toBe(409);
    const { data } = await entries(admin.token, "target_type=api_key&limit=100");
    const mine = data.filter((e) => e.target_id === key.id || e.target_id === next.id).map((e) => e.action);
    expect(mine.sort()).toEqual(["api_key.created", "api_key.revoked", "api_key.rotated"]);
    expect(JSON.stringify(data)).not.toContain(key.secret);
    expect(JSON.stringify(data)).not.toContain(next.secret);
  });

  it("webhooks: created, updated, deleted — never the signing secret", async () => {
    const admin = await staff("admin");
    const res = await call("/v1/webhooks", {
      token: admin.token,
      body: { url: "https://hooks.example.com/audit", events: ["ticket.created"] },
    });
    expect(res.status).toBe(201);
    const hook = res.json as { id: string; secret: string };
    expect(
      (await call(`/v1/webhooks/${hook.id}`, { method: "PATCH", token: admin.token, body: { active: false } })).status,
    ).toBe(200);
    expect((await call(`/v1/webhooks/${hook.id}`, { method: "DELETE", token: admin.token })).status).toBe(204);
    const { data } = await entries(admin.token, `target_type=webhook&target_id=${hook.id}&order=occurred_at`);
    expect(data.map((e) => e.action)).toEqual(["webhook.created", "webhook.updated", "webhook.deleted"]);
    expect(data[1].after).toMatchObject({ active: false });
    expect(JSON.stringify(data)).not.toContain(hook.secret);
  });

  it("teams: members added and removed, through the team and through the technician", async () => {
    const admin = await staff("admin");
    const supervisor = await staff("supervisor");
    const tech = await technicianAccount();
    const team = `/v1/teams/${supervisor.user.id}`;
    expect(
      (await call(`${team}/assign`, { token: admin.token, body: { technician_ids: [tech.user.id] } })).status,
    ).toBe(200);
    expect(
      (await call(`${team}/unassign`, { token: admin.token, body: { technician_ids: [tech.user.id] } })).status,
    ).toBe(200);
    expect(
      (
        await call(`/v1/technicians/${tech.user.id}`, {
          method: "PATCH",
          token: admin.token,
          body: { supervisor_id: supervisor.user.id },
        })
      ).status,
    ).toBe(200);
    const { data } = await entries(admin.token, `target_type=team&target_id=${supervisor.user.id}&order=occurred_at`);
    expect(data.map((e) => e.action)).toEqual(["team.member_added", "team.member_removed", "team.member_added"]);
    expect(data[0].after).toMatchObject({ technician_id: tech.user.id, supervisor_id: supervisor.user.id });
  });

  it("only holders of audit:read read it; pages are keyset; entries cannot be changed", async () => {
    const admin = await staff("admin");
    for (const role of ["manager", "dispatcher", "supervisor"] as const) {
      const other = await staff(role);
      expectProblem(await call("/v1/audit-log", { token: other.token }), 403);
    }
    expectProblem(await call("/v1/audit-log"), 401);
    for (let i = 0; i < 3; i++)
      await call("/v1/roles", {
        token: admin.token,
        body: { key: `page_${crypto.randomUUID().slice(0, 6)}`, name: "P", description: "", permissions: [] },
      });
    const first = await entries(admin.token, `actor_id=${admin.user.id}&limit=2`);
    expect(first.data).toHaveLength(2);
    const second = await entries(admin.token, `actor_id=${admin.user.id}&limit=2&cursor=${first.next_cursor}`);
    expect(second.data.map((e) => e.request_id)).not.toContain(first.data[0].request_id);
    expect((await call("/v1/audit-log", { method: "DELETE", token: admin.token })).status).toBeGreaterThanOrEqual(404);
    expectProblem(await call("/v1/audit-log?target_type=planet", { token: admin.token }), 400);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM audit_log").first<{ n: number }>();
    expect(rows?.n).toBeGreaterThan(0);
  });
});
