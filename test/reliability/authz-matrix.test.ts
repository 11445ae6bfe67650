import { beforeAll, describe, expect, it } from "vitest";
import { BUILTIN_ROLES, BUILTIN_ROLE_KEYS, isPermission } from "../../src/modules/roles/permissions";
import { call, signedIn } from "../helpers";
import { concretePath, operations } from "../security-suite";
import { raiseTicket, relationCast } from "../work-factories";
import { ROUTE_ACCESS, TICKET_RELATIONS, type Relation } from "./authz-matrix";

const ops = operations();

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
        const expectedAllowed = access === "authenticated" || access === "optional" || (isPermission(access) && (BUILTIN_ROLES[role].permissions as readonly string[]).includes(access));
        expect(deniedAtRoute(res), `${role}: ${res.status} ${res.text.slice(0, 160)}`).toBe(!expectedAllowed);
        expect(res.status, `${role} must not cause a 5xx`).toBeLessThan(500);
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
    Object.assign(actors, { own: owner.token, assigned: tech.token, team: supervisor.token, other_technician: otherTech.token, other_supervisor: otherSupervisor.token, none: stranger.token });
  });

  for (const row of TICKET_RELATIONS) {
    for (const [relation, status] of Object.entries(row.expect) as [Relation, number][]) {
      it(`${row.method} ${row.route} as ${relation} → ${status}`, async () => {
        // A fresh ticket per case, so one case's change cannot decide another's outcome.
        const ticket = await raiseTicket(ownerToken);
        const assigned = await call(`/v1/tickets/${ticket.id}/assign`, { token: dispatcherToken, body: { technician_ids: [techId] } });
        expect(assigned.status).toBe(200);
        expect(assigned.json.assignees[0].technician_id).toBe(techId);
        void supervisorId;
        const res = await call(row.route.replace("{id}", ticket.id), { method: row.method, token: actors[relation], body: row.body });
        expect(res.status, res.text.slice(0, 200)).toBe(status);
      });
    }
  }
});
