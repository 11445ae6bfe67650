import { createApp } from "../../src/app";
import { finishDocument } from "../../src/lib/openapi-reference";
import { responseProblems } from "../response-check";
import { beforeAll, describe, expect, it } from "vitest";
import { BUILTIN_ROLES, BUILTIN_ROLE_KEYS, isPermission } from "../../src/contracts/permissions";
import { call, createUser, signedIn } from "../helpers";
import { concretePath, operations } from "../security-suite";
import { env } from "cloudflare:workers";
import { dayAhead } from "../scheduling-helpers";
import { makeAsset, raiseTicket, relationCast, technicianAccount } from "../work-factories";
import {
  CUSTOM_ROLES,
  MAY_CHANGE,
  MAY_GRANT,
  REQUEST_ID_RELATIONS,
  ROUTE_ACCESS,
  TICKET_RELATIONS,
  USER_MUTATIONS,
  type Actor,
  type IdCase,
  type Relation,
  type Target,
} from "./authz-matrix";

const ops = operations();
const doc = finishDocument(
  createApp().getOpenAPI31Document({ openapi: "3.1.0", info: { title: "authz", version: "1" } }),
) as any;

describe("the authorization matrix covers every route", () => {
  it.each(ops.map((op) => [op.operationId, op] as const))("%s has an entry that matches its declaration", (id, op) => {
    expect(ROUTE_ACCESS[id], `${op.method} ${op.path} is missing from test/reliability/authz-matrix.ts`).toBeDefined();
    expect(op.permission ?? "public").toBe(ROUTE_ACCESS[id]);
  });

  it("has no stale entries", () => {
    const live = new Set(ops.map((op) => op.operationId));
    expect(Object.keys(ROUTE_ACCESS).filter((id) => !live.has(id))).toEqual([]);
  });
});

/** Denied by the route itself: 401, or 403 from the permission check (not a service's object rule). */
function deniedAtRoute(res: { status: number; json: any }) {
  return res.status === 401 || (res.status === 403 && /^This requires the /.test(res.json?.detail ?? ""));
}

describe("role × route", () => {
  const tokens: Record<string, string> = {};
  beforeAll(async () => {
    for (const role of BUILTIN_ROLE_KEYS) tokens[role] = (await signedIn(role)).token;
  });

  for (const op of ops) {
    const access = ROUTE_ACCESS[op.operationId];
    // Logout would end the shared sessions of this block; its denials are in the auth tests.
    if (!access || access === "public" || op.operationId === "connectEvents" || op.operationId === "logout") continue;
    it(`${op.method} ${op.path}`, async () => {
      const url = concretePath(op.path);
      const body = ["POST", "PUT", "PATCH"].includes(op.method) ? {} : undefined;
      const anonymous = await call(url, { method: op.method, body });
      if (access !== "optional") expect(anonymous.status, "no credentials").toBe(401);
      for (const role of BUILTIN_ROLE_KEYS) {
        const res = await call(url, { method: op.method, body, token: tokens[role] });
        const expectedAllowed =
          access === "authenticated" ||
          access === "optional" ||
          (isPermission(access) && (BUILTIN_ROLES[role].permissions as readonly string[]).includes(access));
        expect(deniedAtRoute(res), `${role}: ${res.status} ${res.text.slice(0, 160)}`).toBe(!expectedAllowed);
        expect(res.status, `${role} must not cause a 5xx`).toBeLessThan(500);
        // Whatever the role, the answer is one the document describes (status and body).
        expect(
          responseProblems(doc, op.method, op.path, res.status, res.headers.get("content-type"), res.text),
          role,
        ).toEqual([]);
      }
    });
  }
});

describe("relation × ticket route", () => {
  const actors: Record<Relation, string> = {} as never;
  let dispatcherToken = "";
  let ownerToken = "";
  let techId = "";
  let supervisorId = "";

  beforeAll(async () => {
    const { dispatcher, supervisor, otherSupervisor, tech, otherTech, owner, stranger } = await relationCast();
    dispatcherToken = dispatcher.token;
    ownerToken = owner.token;
    techId = tech.user.id;
    supervisorId = supervisor.user.id;
    Object.assign(actors, {
      own: owner.token,
      assigned: tech.token,
      team: supervisor.token,
      other_technician: otherTech.token,
      other_supervisor: otherSupervisor.token,
      none: stranger.token,
    });
  });

  for (const row of TICKET_RELATIONS) {
    for (const [relation, status] of Object.entries(row.expect) as [Relation, number][]) {
      it(`${row.method} ${row.route} as ${relation} → ${status}`, async () => {
        // A fresh ticket per case, so one case's change cannot decide another's outcome.
        const ticket = await raiseTicket(ownerToken);
        const assigned = await call(`/v1/tickets/${ticket.id}/assign`, {
          token: dispatcherToken,
          body: { technician_ids: [techId] },
        });
        expect(assigned.status).toBe(200);
        expect(assigned.json.assignees[0].technician_id).toBe(techId);
        void supervisorId;
        const res = await call(row.route.replace("{id}", ticket.id), {
          method: row.method,
          token: actors[relation],
          body: row.body,
        });
        expect(res.status, res.text.slice(0, 200)).toBe(status);
      });
    }
  }
});

async function defineCustomRoles() {
  const now = new Date().toISOString();
  for (const [key, permissions] of Object.entries(CUSTOM_ROLES)) {
    await env.DB.prepare(
      "INSERT OR REPLACE INTO roles (key, name, description, permissions, created_at, updated_at) VALUES (?1, ?1, '', ?2, ?3, ?3)",
    )
      .bind(key, JSON.stringify(permissions), now)
      .run();
  }
}

const userRow = (id: string) =>
  env.DB.prepare(
    "SELECT username, email, phone, role, status, password_hash, deleted_at, first_name FROM users WHERE id = ?1",
  )
    .bind(id)
    .first();

describe("who may change whom: every user mutation × actor × target", () => {
  const actors = {} as Record<Actor, { token: string; permissions: readonly string[] }>;
  beforeAll(async () => {
    await defineCustomRoles();
    for (const role of ["admin", "manager", "helpdesk"] as Actor[]) {
      actors[role] = {
        token: (await signedIn(role)).token,
        permissions: role === "helpdesk" ? CUSTOM_ROLES.helpdesk : BUILTIN_ROLES[role].permissions,
      };
    }
  });

  const targets: Target[] = ["admin", "manager", "technician", "customer", "power", "helpdesk"];
  for (const actor of ["admin", "manager", "helpdesk"] as Actor[]) {
    for (const target of targets) {
      for (const mutation of USER_MUTATIONS) {
        const allowed = MAY_CHANGE[actor].includes(target);
        it(`${actor} → ${target}: ${mutation.name} → ${allowed ? "allowed" : "403, unchanged"}`, async () => {
          const victim = await createUser({ role: target });
          const before = await userRow(victim.id);
          const res = await call(mutation.path.replace("{id}", victim.id), {
            method: mutation.method,
            token: actors[actor].token,
            body: mutation.body?.(),
          });
          if (!actors[actor].permissions.includes(mutation.needs)) {
            expect(res.status, res.text).toBe(403);
          } else if (allowed) {
            expect(res.status, res.text).toBeLessThan(300);
          } else {
            expect(res.status, res.text).toBe(403);
            expect(res.json.code).toBe("forbidden");
          }
          if (res.status === 403) expect(await userRow(victim.id)).toEqual(before);
        });
      }
    }
  }

  // The takeover the outside test found, end to end: a manager re-addresses an admin, then asks for a reset.
  it("a manager cannot take over an administrator through forgot-password", async () => {
    const admin = await createUser({ role: "admin" });
    const res = await call(`/v1/users/${admin.id}`, {
      method: "PATCH",
      token: actors.manager.token,
      body: { email: "attacker@example.test" },
    });
    expect(res.status).toBe(403);
    await call("/v1/auth/password/forgot", { body: { identifier: "attacker@example.test" } });
    const mail = await env.DB.prepare(
      "SELECT count(*) AS n FROM dev_outbox WHERE recipient = 'attacker@example.test'",
    ).first<{ n: number }>();
    expect(mail!.n).toBe(0);
  });

  for (const actor of ["admin", "manager", "helpdesk"] as Actor[]) {
    for (const role of ["admin", "manager", "technician", "customer", "power", "helpdesk"]) {
      const allowed = MAY_GRANT[actor].includes(role);
      it(`${actor} grants ${role} → ${allowed ? "200" : "403"}`, async () => {
        const target = await createUser({ role: "lesser" });
        const res = await call(`/v1/users/${target.id}`, {
          method: "PATCH",
          token: actors[actor].token,
          body: { role },
        });
        expect(res.status, res.text).toBe(allowed ? 200 : 403);
        expect((await userRow(target.id))!.role).toBe(allowed ? role : "lesser");
      });
    }
  }

  it("a custom role with only users:read and users:update cannot promote a customer to manager", async () => {
    const now = new Date().toISOString();
    await env.DB.prepare(
      "INSERT OR REPLACE INTO roles (key, name, permissions, created_at, updated_at) VALUES ('usereditor', 'usereditor', ?1, ?2, ?2)",
    )
      .bind(JSON.stringify(["users:read", "users:update"]), now)
      .run();
    const editor = await signedIn("usereditor");
    const customer = await createUser({ role: "customer" });
    expect(
      (await call(`/v1/users/${customer.id}`, { method: "PATCH", token: editor.token, body: { role: "manager" } }))
        .status,
    ).toBe(403);
    const lesser = await createUser({ role: "lesser" });
    expect(
      (await call(`/v1/users/${lesser.id}`, { method: "PATCH", token: editor.token, body: { role: "manager" } }))
        .status,
    ).toBe(403);
    expect((await userRow(lesser.id))!.role).toBe("lesser");
  });

  it("roles are created, edited and deleted only within the editor's own permissions", async () => {
    const now = new Date().toISOString();
    await env.DB.prepare(
      "INSERT OR REPLACE INTO roles (key, name, permissions, created_at, updated_at) VALUES ('rolesmith', 'rolesmith', ?1, ?2, ?2)",
    )
      .bind(JSON.stringify(["roles:read", "roles:write", "tickets:read"]), now)
      .run();
    const smith = await signedIn("rolesmith");
    const wider = await call("/v1/roles", {
      token: smith.token,
      body: { key: "wider", name: "Wider", permissions: ["tickets:read", "users:update"] },
    });
    expect(wider.status, wider.text).toBe(403);
    expect(wider.json.errors[0].message).toContain("users:update");
    expect(
      (
        await call("/v1/roles", {
          token: smith.token,
          body: { key: "narrow", name: "Narrow", permissions: ["tickets:read"] },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call("/v1/roles/narrow", {
          method: "PATCH",
          token: smith.token,
          body: { permissions: ["tickets:read", "users:delete"] },
        })
      ).status,
    ).toBe(403);
    // power holds far more than the smith: neither editing nor deleting it is theirs to do.
    expect(
      (await call("/v1/roles/power", { method: "PATCH", token: smith.token, body: { name: "Renamed" } })).status,
    ).toBe(403);
    expect((await call("/v1/roles/power", { method: "DELETE", token: smith.token })).status).toBe(403);
    expect((await call("/v1/roles/power", { token: smith.token })).json.name).toBe("power");
  });
});

describe("every id in a request is scoped like the object it names", () => {
  let cast: Awaited<ReturnType<typeof idCast>>;
  beforeAll(async () => {
    cast = await idCast();
  });

  async function idCast() {
    const {
      dispatcher,
      supervisor,
      otherSupervisor,
      tech,
      otherTech,
      owner,
      stranger: otherCustomer,
    } = await relationCast();
    const [asset, otherAsset] = [await makeAsset(owner.customerId), await makeAsset(otherCustomer.customerId)];
    return { dispatcher, supervisor, otherSupervisor, tech, otherTech, owner, otherCustomer, asset, otherAsset };
  }

  /** A fresh ticket of the owner, assigned to the supervisor's technician. */
  async function teamTicket() {
    const ticket = await raiseTicket(cast.owner.token);
    const res = await call(`/v1/tickets/${ticket.id}/assign`, {
      token: cast.dispatcher.token,
      body: { technician_ids: [cast.tech.user.id] },
    });
    expect(res.status, res.text).toBe(200);
    return ticket;
  }

  const token = (who: string) =>
    ({
      supervisor: cast.supervisor.token,
      "assigned technician": cast.tech.token,
      dispatcher: cast.dispatcher.token,
      customer: cast.owner.token,
    })[who]!;

  let slot = 0;
  async function send(row: IdCase) {
    const inside = row.names === "inside";
    const techId = inside ? cast.tech.user.id : cast.otherTech.user.id;
    switch (row.route) {
      case "POST /v1/appointments technician_id": {
        const ticket = await teamTicket();
        slot += 1;
        return call("/v1/appointments", {
          token: token(row.who),
          body: {
            ticket_id: ticket.id,
            technician_id: techId,
            date: dayAhead(4),
            start_time: `${String(8 + slot).padStart(2, "0")}:00`,
          },
        });
      }
      case "POST /v1/tickets/{id}/assign technician_ids": {
        const ticket = await teamTicket();
        return call(`/v1/tickets/${ticket.id}/assign`, { token: token(row.who), body: { technician_ids: [techId] } });
      }
      case "POST /v1/attendance/mark user_id":
        return call("/v1/attendance/mark", {
          token: token(row.who),
          body: { user_id: techId, date: dayAhead(1), status: "present" },
        });
      case "POST /v1/attendance/bulk present":
        return call("/v1/attendance/bulk", { token: token(row.who), body: { date: dayAhead(1), present: [techId] } });
      case "PATCH /v1/technicians/{id}":
        return call(`/v1/technicians/${techId}`, {
          method: "PATCH",
          token: token(row.who),
          body: { skills: ["fibre"] },
        });
      case "POST /v1/teams/{supervisor_id}/assign":
        return call(`/v1/teams/${cast.otherSupervisor.user.id}/assign`, {
          token: token(row.who),
          body: { technician_ids: [cast.tech.user.id] },
        });
      case "POST /v1/teams/{own id}/assign":
        return call(`/v1/teams/${cast.supervisor.user.id}/assign`, {
          token: token(row.who),
          body: { technician_ids: [techId] },
        });
      case "POST /v1/teams/{own id}/assign no team": {
        const loose = await technicianAccount();
        return call(`/v1/teams/${cast.supervisor.user.id}/assign`, {
          token: token(row.who),
          body: { technician_ids: [loose.user.id] },
        });
      }
      case "PATCH /v1/technicians/{id} supervisor_id": {
        const loose = await technicianAccount();
        return call(`/v1/technicians/${loose.user.id}`, {
          method: "PATCH",
          token: token(row.who),
          body: { supervisor_id: cast.supervisor.user.id },
        });
      }
      case "GET /v1/technicians/{id}/availability":
        if (row.who === "customer") await teamTicket();
        return call(`/v1/technicians/${techId}/availability?date=${dayAhead(2)}`, { token: token(row.who) });
      case "GET /v1/customers/{id}":
        await teamTicket();
        return call(`/v1/customers/${inside ? cast.owner.customerId : cast.otherCustomer.customerId}`, {
          token: token(row.who),
        });
      case "GET /v1/customers/{id}/tickets":
        return call(`/v1/customers/${cast.otherCustomer.customerId}/tickets`, { token: token(row.who) });
      case "GET /v1/assets/{id}":
        await teamTicket();
        return call(`/v1/assets/${inside ? cast.asset : cast.otherAsset}`, { token: token(row.who) });
    }
    throw new Error(`no request for ${row.route}`);
  }

  for (const row of REQUEST_ID_RELATIONS) {
    it(`${row.route} by ${row.who} naming ${row.names} → ${row.expect}`, async () => {
      const res = await send(row);
      expect(res.status, res.text.slice(0, 300)).toBe(row.expect);
    });
  }

  it("a refused booking leaves the other team's technician's day untouched", async () => {
    const ticket = await teamTicket();
    const date = dayAhead(5);
    const res = await call("/v1/appointments", {
      token: cast.supervisor.token,
      body: { ticket_id: ticket.id, technician_id: cast.otherTech.user.id, date, start_time: "09:00" },
    });
    expect(res.status).toBe(403);
    const slots = await call(`/v1/technicians/${cast.otherTech.user.id}/availability?date=${date}`, {
      token: cast.dispatcher.token,
    });
    expect(slots.json.slots.find((s: { start_time: string }) => s.start_time.startsWith("09:00")).is_available).toBe(
      true,
    );
  });

  it("technicians never see national ids", async () => {
    await env.DB.prepare("UPDATE customers SET national_id = 'ID-123456' WHERE id = ?1")
      .bind(cast.owner.customerId)
      .run();
    await teamTicket();
    const one = await call(`/v1/customers/${cast.owner.customerId}`, { token: cast.tech.token });
    expect(one.status).toBe(200);
    expect(one.json).not.toHaveProperty("national_id");
    const list = await call("/v1/customers", { token: cast.tech.token });
    expect(list.json.data.map((c: { id: string }) => c.id)).toContain(cast.owner.customerId);
    expect(list.json.data.map((c: { id: string }) => c.id)).not.toContain(cast.otherCustomer.customerId);
    for (const c of list.json.data) expect(c).not.toHaveProperty("national_id");
    // …and cannot find a customer by probing a national id either.
    expect((await call("/v1/customers?q=ID-123456", { token: cast.tech.token })).json.data).toEqual([]);
    expect(
      (await call(`/v1/customers/${cast.owner.customerId}`, { token: cast.dispatcher.token })).json.national_id,
    ).toBe("ID-123456");
  });
});

/**
 * Credentials are held to what issued them: a phone's session to its device, an application's
 * token to that application, an API key's revocation to the key's own permissions.
 */
describe("credentials are scoped like the objects they name", () => {
  it("device binding: a session that synced one device cannot pose as another", async () => {
    const tech = await technicianAccount();
    const phone = { id: crypto.randomUUID(), platform: "android", app_version: "2.4.1" };
    expect((await call("/v1/mobile/sync", { token: tech.token, body: { device: phone } })).status).toBe(200);
    const other = { ...phone, id: crypto.randomUUID() };
    expect((await call("/v1/mobile/sync", { token: tech.token, body: { device: other } })).status).toBe(403);
  });

  it("application audiences: a token issued for an application is refused by every route but validate and logout", async () => {
    const admin = await signedIn("admin");
    const key = `aud-${crypto.randomUUID().slice(0, 6)}`;
    const app = await call("/v1/applications", { token: admin.token, body: { key, name: "Audience app" } });
    const appRole = await call(`/v1/applications/${app.json.id}/roles`, {
      token: admin.token,
      body: { key: "agent", name: "Agent" },
    });
    const user = await createUser({ role: "admin" });
    await call("/v1/application-grants", {
      token: admin.token,
      body: { application_id: app.json.id, role_id: appRole.json.id, user_id: user.id },
    });
    const session = await call("/v1/auth/login", {
      body: { identifier: user.username, password: user.password, application: key },
    });
    expect(session.status, session.text).toBe(200);
    const token = session.json.access_token;
    for (const [method, path, body] of [
      ["GET", "/v1/me"],
      ["GET", "/v1/users"],
      ["POST", "/v1/customers", { full_name: "Replay", phone: "+26771234560" }],
      ["GET", "/v1/tickets"],
    ] as const) {
      expect((await call(path, { method, token, body })).status, `${method} ${path}`).toBe(401);
    }
    expect((await call(`/v1/auth/token/validate?application=${key}`, { token })).status).toBe(200);
    expect((await call("/v1/auth/logout", { token, body: {} })).status).toBe(204);
  });

  it("key revocation: a key cannot revoke a key with permissions it lacks", async () => {
    const admin = await signedIn("admin");
    const make = async (permissions: string[]) =>
      (await call("/v1/api-keys", { token: admin.token, body: { name: "k", permissions } })).json;
    const weak = await make(["api_keys:manage"]);
    const strong = await make(["api_keys:manage", "users:delete"]);
    expect((await call(`/v1/api-keys/${strong.id}/revoke`, { token: weak.secret, body: {} })).status).toBe(403);
    expect((await call(`/v1/api-keys/${weak.id}/revoke`, { token: strong.secret, body: {} })).status).toBe(200);
  });
});
