import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { paths } from "../../../test/api-types";
import { api } from "../../../test/client";
import { staff, technicianAccount } from "../../../test/work-factories";

/**
 * One test per kind of administrative change: each answers in the audit log with actor, address
 * and request. Written against the typed client (paths, bodies and answers checked against the
 * document at compile time).
 */
type AuditQuery = NonNullable<paths["/v1/audit-log"]["get"]["parameters"]["query"]>;

async function entries(token: string, query: Partial<AuditQuery>) {
  const { data, response } = await api(token).GET("/v1/audit-log", { params: { query } });
  expect(response.status).toBe(200);
  if (!data) throw new Error("no audit page");
  return data;
}

const unique = () => crypto.randomUUID().slice(0, 8);

describe("audit log", () => {
  it("users: created, updated, role changed, password set, deactivated, deleted — secrets left out", async () => {
    const admin = await staff("admin");
    const client = api(admin.token);
    const created = await client.POST("/v1/users", {
      body: {
        username: `aud${unique()}`,
        email: `aud${unique()}@example.com`,
        password: "a long enough password",
        first_name: "Audit",
        last_name: "Me",
        role: "dispatcher",
        status: "active",
      },
    });
    expect(created.response.status).toBe(201);
    const id = created.data?.id ?? "";
    const params = { path: { id } };
    expect((await client.PATCH("/v1/users/{id}", { params, body: { first_name: "Audited" } })).response.status).toBe(
      200,
    );
    expect((await client.PATCH("/v1/users/{id}", { params, body: { role: "supervisor" } })).response.status).toBe(200);
    const password = await client.POST("/v1/users/{id}/password", {
      params,
      body: { password: "another long password" },
    });
    expect(password.response.status).toBeLessThan(300);
    expect((await client.POST("/v1/users/{id}/deactivate", { params })).response.status).toBe(200);
    expect((await client.DELETE("/v1/users/{id}", { params })).response.status).toBe(204);
    const { data } = await entries(admin.token, { target_type: "user", target_id: id, order: "occurred_at" });
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
    const client = api(admin.token);
    const key = `aud_${unique()}`;
    const body = { key, name: "Auditors", description: "", permissions: ["tickets:read" as const] };
    expect((await client.POST("/v1/roles", { body })).response.status).toBe(201);
    const params = { path: { key } };
    expect((await client.PATCH("/v1/roles/{key}", { params, body: { name: "Auditors 2" } })).response.status).toBe(200);
    expect((await client.DELETE("/v1/roles/{key}", { params })).response.status).toBe(204);
    const { data } = await entries(admin.token, { target_type: "role", target_id: key, order: "occurred_at" });
    expect(data.map((e) => e.action)).toEqual(["role.created", "role.updated", "role.deleted"]);
    expect(data[1].before).toMatchObject({ name: "Auditors" });
  });

  it("applications, their roles and grants", async () => {
    const admin = await staff("admin");
    const client = api(admin.token);
    const tech = await technicianAccount();
    const app = await client.POST("/v1/applications", { body: { key: `aud-${unique()}`, name: "Audit app" } });
    expect(app.response.status).toBe(201);
    const id = app.data?.id ?? "";
    const patched = await client.PATCH("/v1/applications/{id}", {
      params: { path: { id } },
      body: { name: "Renamed" },
    });
    expect(patched.response.status).toBe(200);
    const role = await client.POST("/v1/applications/{id}/roles", {
      params: { path: { id } },
      body: { key: "viewer", name: "Viewer" },
    });
    expect(role.response.status).toBe(201);
    const roleId = role.data?.id ?? "";
    const grant = await client.POST("/v1/application-grants", {
      body: { application_id: id, role_id: roleId, user_id: tech.user.id },
    });
    expect(grant.response.status).toBe(201);
    const grantId = grant.data?.id ?? "";
    expect(
      (await client.DELETE("/v1/application-grants/{id}", { params: { path: { id: grantId } } })).response.status,
    ).toBe(204);
    const roleGone = await client.DELETE("/v1/applications/{id}/roles/{role_id}", {
      params: { path: { id, role_id: roleId } },
    });
    expect(roleGone.response.status).toBe(204);
    const apps = await entries(admin.token, { target_type: "application", target_id: id });
    expect(apps.data.map((e) => e.action).sort()).toEqual(["application.created", "application.updated"]);
    const roles = await entries(admin.token, { target_id: roleId, order: "occurred_at" });
    expect(roles.data.map((e) => e.action)).toEqual(["application_role.created", "application_role.deleted"]);
    const grants = await entries(admin.token, { target_type: "grant", target_id: grantId, order: "occurred_at" });
    expect(grants.data.map((e) => e.action)).toEqual(["grant.created", "grant.deleted"]);
  });

  it("API keys: created, rotated, revoked — never the secret", async () => {
    const admin = await staff("admin");
    const client = api(admin.token);
    const created = await client.POST("/v1/api-keys", { body: { name: "audit key", permissions: ["tickets:read"] } });
    expect(created.response.status).toBe(201);
    const key = created.data ?? { id: "", secret: "" };
    const rotated = await client.POST("/v1/api-keys/{id}/rotate", {
      params: { path: { id: key.id } },
      body: { overlap_minutes: 5 },
    });
    expect(rotated.response.status).toBe(201);
    const next = rotated.data ?? { id: "", secret: "" };
    const revoke = () => client.POST("/v1/api-keys/{id}/revoke", { params: { path: { id: next.id } } });
    expect((await revoke()).response.status).toBe(200);
    // A second revoke is refused and recorded nowhere.
    expect((await revoke()).response.status).toBe(409);
    const { data } = await entries(admin.token, { target_type: "api_key", limit: 100 });
    const mine = data.filter((e) => e.target_id === key.id || e.target_id === next.id).map((e) => e.action);
    expect(mine.sort()).toEqual(["api_key.created", "api_key.revoked", "api_key.rotated"]);
    expect(JSON.stringify(data)).not.toContain(key.secret);
    expect(JSON.stringify(data)).not.toContain(next.secret);
  });

  it("webhooks: created, updated, deleted — never the signing secret", async () => {
    const admin = await staff("admin");
    const client = api(admin.token);
    const created = await client.POST("/v1/webhooks", {
      body: { url: "https://hooks.example.com/audit", events: ["ticket.created"] },
    });
    expect(created.response.status).toBe(201);
    const hook = created.data ?? { id: "", secret: "" };
    const params = { path: { id: hook.id } };
    expect((await client.PATCH("/v1/webhooks/{id}", { params, body: { active: false } })).response.status).toBe(200);
    expect((await client.DELETE("/v1/webhooks/{id}", { params })).response.status).toBe(204);
    const { data } = await entries(admin.token, { target_type: "webhook", target_id: hook.id, order: "occurred_at" });
    expect(data.map((e) => e.action)).toEqual(["webhook.created", "webhook.updated", "webhook.deleted"]);
    expect(data[1].after).toMatchObject({ active: false });
    expect(JSON.stringify(data)).not.toContain(hook.secret);
  });

  it("teams: members added and removed, through the team and through the technician", async () => {
    const admin = await staff("admin");
    const client = api(admin.token);
    const supervisor = await staff("supervisor");
    const tech = await technicianAccount();
    const team = { path: { supervisor_id: supervisor.user.id } };
    const body = { technician_ids: [tech.user.id] };
    expect((await client.POST("/v1/teams/{supervisor_id}/assign", { params: team, body })).response.status).toBe(200);
    expect((await client.POST("/v1/teams/{supervisor_id}/unassign", { params: team, body })).response.status).toBe(200);
    const moved = await client.PATCH("/v1/technicians/{id}", {
      params: { path: { id: tech.user.id } },
      body: { supervisor_id: supervisor.user.id },
    });
    expect(moved.response.status).toBe(200);
    const { data } = await entries(admin.token, {
      target_type: "team",
      target_id: supervisor.user.id,
      order: "occurred_at",
    });
    expect(data.map((e) => e.action)).toEqual(["team.member_added", "team.member_removed", "team.member_added"]);
    expect(data[0].after).toMatchObject({ technician_id: tech.user.id, supervisor_id: supervisor.user.id });
  });

  it("only holders of audit:read read it; pages are keyset; entries cannot be changed", async () => {
    const admin = await staff("admin");
    for (const role of ["manager", "dispatcher", "supervisor"] as const) {
      const other = await staff(role);
      const { response, error } = await api(other.token).GET("/v1/audit-log");
      expect(response.status).toBe(403);
      expect(error).toMatchObject({ code: "forbidden" });
    }
    expect((await api().GET("/v1/audit-log")).response.status).toBe(401);
    const client = api(admin.token);
    for (let i = 0; i < 3; i++)
      await client.POST("/v1/roles", {
        body: { key: `page_${unique()}`, name: "P", description: "", permissions: [] },
      });
    const first = await entries(admin.token, { actor_id: admin.user.id, limit: 2 });
    expect(first.data).toHaveLength(2);
    const second = await entries(admin.token, { actor_id: admin.user.id, limit: 2, cursor: first.next_cursor ?? "" });
    expect(second.data.map((e) => e.request_id)).not.toContain(first.data[0].request_id);
    const bad = await client.GET("/v1/audit-log", {
      // A value outside the document: the typed client refuses it at compile time, the API at run time.
      params: { query: { target_type: "planet" as "user" } },
    });
    expect(bad.response.status).toBe(400);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM audit_log").first<{ n: number }>();
    expect(rows?.n).toBeGreaterThan(0);
  });
});
