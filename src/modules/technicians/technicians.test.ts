import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../../../test/helpers";
import { securitySuite } from "../../../test/security-suite";
import { customerAccount, raiseTicket, staff, technicianAccount } from "../../../test/work-factories";

securitySuite("technicians");

describe("FW-1 technician profiles", () => {
  it("updates a profile and filters by skill, area, availability, supervisor and missing fields", async () => {
    const manager = await staff("manager");
    const sup = await staff("supervisor");
    const tech = await technicianAccount({ skills: [], areas: [] });
    const tag = Math.random().toString(36).slice(2, 8);
    const company = await call("/v1/companies", { token: manager.token, body: { name: `Fibre Co ${tag}` } });
    const res = await call(`/v1/technicians/${tech.user.id}`, {
      method: "PATCH",
      token: manager.token,
      body: {
        employee_id: `E-${tag}`,
        skills: ["Fibre", "copper"],
        service_areas: [`zone-${tag}`],
        external_usernames: { cone: `c_${tag}` },
        supervisor_id: sup.user.id,
        company_id: company.json.id,
      },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({
      skills: ["fibre", "copper"],
      supervisor_id: sup.user.id,
      company_id: company.json.id,
      missing_fields: [],
    });
    const ids = async (q: string) => {
      const res = await call(`/v1/technicians?${q}`, { token: manager.token });
      expect(res.status, `${q}: ${res.text}`).toBe(200);
      return res.json.data.map((t: { user_id: string }) => t.user_id);
    };
    expect(await ids(`area=zone-${tag}&skill=fibre`)).toEqual([tech.user.id]);
    expect(await ids(`area=zone-${tag}&skill=plumbing`)).toEqual([]);
    // Several skills: the technician must have them all (any case).
    expect(await ids(`area=zone-${tag}&skill=Fibre,copper`)).toEqual([tech.user.id]);
    expect(await ids(`area=zone-${tag}&skill=fibre,plumbing`)).toEqual([]);
    expectProblem(
      await call(`/v1/technicians?skill=${Array.from({ length: 11 }, (_, i) => `s${i}`).join(",")}`, {
        token: manager.token,
      }),
      400,
      "validation_failed",
    );
    expect(await ids(`supervisor=${sup.user.id}`)).toEqual([tech.user.id]);
    const bare = await technicianAccount({ skills: [], areas: [] });
    expect(await ids("missing=employee_id,company&limit=100")).toContain(bare.user.id);
    expect(await ids("missing=employee_id,company&limit=100")).not.toContain(tech.user.id);
    expect(await ids("unassigned=true&limit=100")).toContain(bare.user.id);
    expectProblem(await call("/v1/technicians?missing=shoe_size", { token: manager.token }), 400, "validation_failed");
    expect(await ids("missing=any&limit=100")).toContain(bare.user.id);
    expect(await ids("missing=any&limit=100")).not.toContain(tech.user.id);
    expect(await ids("missing_fields=true&limit=100")).toContain(bare.user.id);
    expect(await ids("missing=bucket&limit=100")).toContain(tech.user.id);
    await call("/v1/buckets", { token: tech.token, body: { name: "Mine", filters: {} } });
    expect(await ids("missing=bucket&limit=100")).not.toContain(tech.user.id);
    // Newest first: the last created technician leads.
    const newest = await call("/v1/technicians?order=-created_at&limit=1", { token: manager.token });
    expect(newest.json.data[0].user_id).toBe(bare.user.id);
    const byName = (await call("/v1/technicians?order=-username&limit=5", { token: manager.token })).json.data.map(
      (t: { username: string }) => t.username,
    );
    expect(byName).toEqual([...byName].sort().reverse());
    expect((await call(`/v1/companies/${company.json.id}`, { token: manager.token })).json.technician_count).toBe(1);
  });

  it("lets technicians switch their own availability with a reason (FW-3)", async () => {
    const tech = await technicianAccount();
    const other = await technicianAccount();
    expectProblem(
      await call(`/v1/technicians/${tech.user.id}/availability`, {
        method: "PUT",
        token: tech.token,
        body: { is_available: false },
      }),
      400,
      "validation_failed",
    );
    const off = await call(`/v1/technicians/${tech.user.id}/availability`, {
      method: "PUT",
      token: tech.token,
      body: { is_available: false, reason: "sick" },
    });
    expect(off.json).toMatchObject({ is_available: false, unavailable_reason: "sick" });
    expectProblem(
      await call(`/v1/technicians/${other.user.id}/availability`, {
        method: "PUT",
        token: tech.token,
        body: { is_available: false, reason: "x" },
      }),
      404,
      "not_found",
    );
    const manager = await staff("manager");
    expect(
      (await call(`/v1/technicians?available=false&limit=100`, { token: manager.token })).json.data.map(
        (t: { user_id: string }) => t.user_id,
      ),
    ).toContain(tech.user.id);
  });
});

describe("IAM-14 teams", () => {
  it("moves technicians between teams only for staff who see every technician; a supervisor releases their own", async () => {
    const sup = await staff("supervisor");
    const rival = await staff("supervisor");
    const manager = await staff("manager");
    const free = await technicianAccount();
    const taken = await technicianAccount({ supervisorId: rival.user.id });
    // A supervisor who could pull a technician of no team (or another team) in would then assign and book them.
    expectProblem(
      await call(`/v1/teams/${sup.user.id}/assign`, { token: sup.token, body: { technician_ids: [free.user.id] } }),
      403,
      "forbidden",
    );
    expectProblem(
      await call(`/v1/teams/${sup.user.id}/assign`, { token: sup.token, body: { technician_ids: [taken.user.id] } }),
      403,
      "forbidden",
    );
    expectProblem(
      await call(`/v1/technicians/${free.user.id}`, {
        method: "PATCH",
        token: sup.token,
        body: { supervisor_id: sup.user.id },
      }),
      403,
      "forbidden",
    );
    expectProblem(
      await call(`/v1/teams/${rival.user.id}/assign`, { token: sup.token, body: { technician_ids: [free.user.id] } }),
      403,
      "forbidden",
    );
    expectProblem(
      await call(`/v1/technicians/${taken.user.id}`, { method: "PATCH", token: sup.token, body: { skills: ["x"] } }),
      403,
      "forbidden",
    );
    const teamOf = async (id: string) =>
      (await call(`/v1/technicians/${id}`, { token: manager.token })).json.supervisor_id;
    expect(await teamOf(free.user.id)).toBeNull();
    expect(await teamOf(taken.user.id)).toBe(rival.user.id);

    const joined = await call(`/v1/teams/${sup.user.id}/assign`, {
      token: manager.token,
      body: { technician_ids: [free.user.id, taken.user.id] },
    });
    expect(joined.status, joined.text).toBe(200);
    expect(joined.json.technicians.map((t: { user_id: string }) => t.user_id).sort()).toEqual(
      [free.user.id, taken.user.id].sort(),
    );
    // Already in the team: a no-op the supervisor may ask for.
    expect(
      (await call(`/v1/teams/${sup.user.id}/assign`, { token: sup.token, body: { technician_ids: [free.user.id] } }))
        .status,
    ).toBe(200);
    const teams = await call("/v1/teams", { token: sup.token });
    expect(
      teams.json.data.find((t: { supervisor_id: string }) => t.supervisor_id === sup.user.id).technician_count,
    ).toBe(2);
    const left = await call(`/v1/teams/${sup.user.id}/unassign`, {
      token: sup.token,
      body: { technician_ids: [free.user.id, taken.user.id] },
    });
    expect(left.json.technicians).toEqual([]);
    expectProblem(
      await call(`/v1/teams/${sup.user.id}/unassign`, { token: sup.token, body: { technician_ids: [free.user.id] } }),
      409,
      "conflict",
    );
    expectProblem(
      await call(`/v1/teams/${sup.user.id}/assign`, { token: sup.token, body: { technician_ids: [sup.user.id] } }),
      400,
      "validation_failed",
    );
  });
});

describe("IAM-16 role pools", () => {
  it("lists the active holders of a role", async () => {
    const dispatcher = await staff("dispatcher");
    const tech = await technicianAccount();
    const pool = await call("/v1/roles/technician/pool", { token: dispatcher.token });
    expect(pool.json.role).toBe("technician");
    expect(pool.json.user_ids).toContain(tech.user.id);
    expectProblem(await call("/v1/roles/nope/pool", { token: dispatcher.token }), 404, "not_found");
  });
});

describe("IAM-14 reading a team", () => {
  it("lists the supervisor's technicians by username with their profiles, and 404s an unknown supervisor", async () => {
    const sup = await staff("supervisor");
    const dispatcher = await staff("dispatcher");
    const a = await technicianAccount({ supervisorId: sup.user.id, skills: ["fibre"] });
    const b = await technicianAccount({ supervisorId: sup.user.id });
    await technicianAccount(); // in no team
    const team = await call(`/v1/teams/${sup.user.id}`, { token: dispatcher.token });
    expect(team.status, team.text).toBe(200);
    expect(team.json.supervisor_id).toBe(sup.user.id);
    expect(team.json.technicians.map((t: { user_id: string }) => t.user_id)).toEqual(
      [a.user, b.user].sort((x, y) => x.username.localeCompare(y.username)).map((u) => u.id),
    );
    expect(team.json.technicians.find((t: { user_id: string }) => t.user_id === a.user.id).skills).toEqual(["fibre"]);
    expectProblem(await call("/v1/teams/usr_nobody000000000000", { token: dispatcher.token }), 404, "not_found");
  });
});

describe("the technicians list for dispatch", () => {
  it("carries each technician's current location (to those who may see it) and a performance summary", async () => {
    const supervisor = await staff("supervisor");
    const otherSupervisor = await staff("supervisor");
    const manager = await staff("manager");
    const dispatcher = await staff("dispatcher");
    const tech = await technicianAccount({ supervisorId: supervisor.user.id });
    const cust = await customerAccount();
    expect(
      (
        await call(`/v1/technicians/${tech.user.id}/location`, {
          method: "PUT",
          token: tech.token,
          body: { lat: -24.6, lng: 25.9, accuracy_m: 12 },
        })
      ).status,
    ).toBe(200);
    const done = await raiseTicket(cust.token);
    const open = await raiseTicket(cust.token);
    for (const t of [done, open])
      await call(`/v1/tickets/${t.id}/assign`, { token: dispatcher.token, body: { technician_ids: [tech.user.id] } });
    expect((await call(`/v1/tickets/${done.id}/start`, { token: tech.token, body: {} })).status).toBe(200);
    expect((await call(`/v1/tickets/${done.id}/resolve`, { token: tech.token, body: {} })).status).toBe(200);

    const find = async (token: string, query = "") =>
      ((await call(`/v1/technicians?limit=100${query}`, { token })).json.data as any[]).find(
        (t) => t.user_id === tech.user.id,
      );
    const own = await find(supervisor.token, `&supervisor_id=${supervisor.user.id}`);
    expect(own).toMatchObject({
      current_location: { lat: -24.6, lng: 25.9, accuracy_m: 12, reported_at: expect.any(String) },
      performance: { open_tickets: 1, resolved_last_30_days: 1, average_rating_90_days: null },
    });
    expect((await find(manager.token, `&supervisor_id=${supervisor.user.id}`)).current_location).toMatchObject({
      lat: -24.6,
    });
    // Another team's supervisor sees the technician but not where they are.
    const foreign = await find(otherSupervisor.token, `&supervisor_id=${supervisor.user.id}`);
    expect(foreign.current_location).toBeNull();
    expect(foreign.performance.open_tickets).toBe(1);

    // The technician's own record carries the same, by the same rule.
    const detail = await call(`/v1/technicians/${tech.user.id}`, { token: supervisor.token });
    expect(detail.status, detail.text).toBe(200);
    expect(detail.json).toMatchObject({ current_location: own.current_location, performance: own.performance });
    const foreignDetail = await call(`/v1/technicians/${tech.user.id}`, { token: otherSupervisor.token });
    expect(foreignDetail.json.current_location).toBeNull();
    expect(foreignDetail.json.performance).toEqual(own.performance);
  });
});
