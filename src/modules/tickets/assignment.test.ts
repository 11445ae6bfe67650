import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../../../test/helpers";
import { customerAccount, raiseTicket, staff, technicianAccount } from "../../../test/work-factories";

describe("WO-5 assignment", () => {
  it("round-robins over available technicians with the skill and area, recording the reason", async () => {
    const dispatcher = await staff("dispatcher");
    const area = `area${Math.random().toString(36).slice(2, 8)}`;
    const a = await technicianAccount({ skills: ["fibre"], areas: [area] });
    const b = await technicianAccount({ skills: ["fibre", "copper"], areas: [area] });
    await technicianAccount({ skills: ["copper"], areas: [area] }); // lacks the skill
    await technicianAccount({ skills: ["fibre"], areas: ["elsewhere"] }); // wrong area
    await technicianAccount({ skills: ["fibre"], areas: [area], available: false }); // switched off
    const chosen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const t = await raiseTicket(dispatcher.token, { service_area: area, required_skills: ["fibre"] });
      const res = await call(`/v1/tickets/${t.id}/assign`, {
        token: dispatcher.token,
        body: { strategy: "round_robin" },
      });
      expect(res.status, res.text).toBe(200);
      chosen.push(res.json.assignees[0].technician_id);
      expect(res.json.assignees[0].reason).toMatch(/^round_robin: .* of 2 eligible \(skills fibre, area /);
    }
    expect(new Set(chosen)).toEqual(new Set([a.user.id, b.user.id]));
    expect(chosen[0]).not.toBe(chosen[1]);
    expect(chosen[0]).toBe(chosen[2]);
  });

  it("least-loaded picks the technician with the fewest open tickets", async () => {
    const dispatcher = await staff("dispatcher");
    const area = `area${Math.random().toString(36).slice(2, 8)}`;
    const busy = await technicianAccount({ areas: [area] });
    const free = await technicianAccount({ areas: [area] });
    for (let i = 0; i < 2; i++) {
      const t = await raiseTicket(dispatcher.token, { service_area: area });
      await call(`/v1/tickets/${t.id}/assign`, { token: dispatcher.token, body: { technician_ids: [busy.user.id] } });
    }
    const t = await raiseTicket(dispatcher.token, { service_area: area });
    const res = await call(`/v1/tickets/${t.id}/assign`, {
      token: dispatcher.token,
      body: { strategy: "least_loaded" },
    });
    expect(res.json.assignees[0]).toMatchObject({
      technician_id: free.user.id,
      reason: expect.stringMatching(/^least_loaded: .* with 0 open tickets/),
    });
  });

  it("answers 422 when nobody qualifies, and refuses non-technicians", async () => {
    const dispatcher = await staff("dispatcher");
    const t = await raiseTicket(dispatcher.token, { service_area: "nowhere-at-all", required_skills: ["unobtainium"] });
    expectProblem(
      await call(`/v1/tickets/${t.id}/assign`, { token: dispatcher.token, body: { strategy: "least_loaded" } }),
      422,
      "unprocessable",
    );
    expectProblem(
      await call(`/v1/tickets/${t.id}/assign`, {
        token: dispatcher.token,
        body: { technician_ids: [dispatcher.user.id] },
      }),
      400,
      "validation_failed",
    );
    expectProblem(
      await call(`/v1/tickets/${t.id}/assign`, { token: dispatcher.token, body: {} }),
      400,
      "validation_failed",
    );
    expect((await call(`/v1/tickets/${t.id}`, { token: dispatcher.token })).json.status).toBe("new");
  });

  it("assigns several technicians and a team, unassigns back to opened, and bulk-assigns", async () => {
    const dispatcher = await staff("dispatcher");
    const supervisor = await staff("supervisor");
    const x = await technicianAccount({ supervisorId: supervisor.user.id });
    const y = await technicianAccount({ supervisorId: supervisor.user.id });
    const t = await raiseTicket(dispatcher.token);
    const res = await call(`/v1/tickets/${t.id}/assign`, {
      token: dispatcher.token,
      body: {
        technician_ids: [x.user.id, y.user.id],
        team_supervisor_id: supervisor.user.id,
        due_at: "2030-01-01T10:00:00Z",
      },
    });
    expect(res.json).toMatchObject({ status: "assigned", team_supervisor_id: supervisor.user.id });
    expect(res.json.assignees).toHaveLength(2);
    expect(res.json.assignees[0].due_at).toBe("2030-01-01T10:00:00.000Z");
    // Lists carry the same assignees as the detail.
    const listed = (await call(`/v1/tickets?limit=100`, { token: dispatcher.token })).json.data.find(
      (x: { id: string }) => x.id === t.id,
    );
    expect(listed.assignees.map((a: { technician_id: string }) => a.technician_id).sort()).toEqual(
      [x.user.id, y.user.id].sort(),
    );
    expect(listed.assignees[0].display_name).toBe("Test User");
    const after = await call(`/v1/tickets/${t.id}/unassign`, {
      token: dispatcher.token,
      body: { technician_ids: [x.user.id, y.user.id] },
    });
    expect(after.json).toMatchObject({ status: "opened", assignees: [] });

    const t1 = await raiseTicket(dispatcher.token);
    const t2 = await raiseTicket(dispatcher.token);
    const closed = await raiseTicket(dispatcher.token);
    await call(`/v1/tickets/${closed.id}/cancel`, { token: dispatcher.token, body: {} });
    const bulk = await call("/v1/tickets/assign", {
      token: dispatcher.token,
      body: { ticket_ids: [t1.id, t2.id, closed.id, "tkt_missing"], technician_ids: [x.user.id] },
    });
    expect(bulk.status, bulk.text).toBe(200);
    expect(bulk.json.results.map((r: { status: number }) => r.status)).toEqual([200, 200, 409, 404]);
  });

  it("keeps supervisors to their own team, and technicians out of assignment", async () => {
    const supervisor = await staff("supervisor");
    const mine = await technicianAccount({ supervisorId: supervisor.user.id });
    const theirs = await technicianAccount();
    const dispatcher = await staff("dispatcher");
    const t = await raiseTicket(dispatcher.token);
    await call(`/v1/tickets/${t.id}/assign`, { token: dispatcher.token, body: { technician_ids: [mine.user.id] } });
    expectProblem(
      await call(`/v1/tickets/${t.id}/assign`, { token: supervisor.token, body: { technician_ids: [theirs.user.id] } }),
      403,
      "forbidden",
    );
    expect(
      (
        await call(`/v1/tickets/${t.id}/assign`, {
          token: supervisor.token,
          body: { team_supervisor_id: supervisor.user.id },
        })
      ).status,
    ).toBe(200);
    expectProblem(
      await call(`/v1/tickets/${t.id}/assign`, { token: mine.token, body: { technician_ids: [mine.user.id] } }),
      403,
      "forbidden",
    );
  });
});

describe("WO-14 workload", () => {
  it("counts open, in-progress, overdue and today's work per technician, scoped to the caller", async () => {
    const dispatcher = await staff("dispatcher");
    const tech = await technicianAccount();
    const other = await technicianAccount();
    const cust = await customerAccount();
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await raiseTicket(cust.token)).id);
    for (const id of ids)
      await call(`/v1/tickets/${id}/assign`, {
        token: dispatcher.token,
        body: { technician_ids: [tech.user.id], scheduled_at: new Date(Date.now() + 60_000).toISOString() },
      });
    await call(`/v1/tickets/${ids[0]}/start`, { token: tech.token, body: {} });
    await env.DB.prepare("UPDATE tickets SET resolution_due_at = ?1 WHERE id = ?2")
      .bind(new Date(Date.now() - 60_000).toISOString(), ids[1])
      .run();
    const res = await call(`/v1/technicians/${tech.user.id}/workload`, { token: dispatcher.token });
    expect(res.json.data[0]).toMatchObject({ technician_id: tech.user.id, open: 3, in_progress: 1, overdue: 1 });
    expect(res.json.data[0].scheduled_today).toBeGreaterThanOrEqual(0);
    const own = await call("/v1/workload", { token: tech.token });
    expect(own.json.data.map((r: { technician_id: string }) => r.technician_id)).toEqual([tech.user.id]);
    expectProblem(await call(`/v1/technicians/${other.user.id}/workload`, { token: tech.token }), 404, "not_found");
  });
});
