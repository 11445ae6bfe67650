import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../../../test/helpers";
import { customerAccount, staff, technicianAccount } from "../../../test/work-factories";
import { ticketStatsStatements } from "./aggregates";

const ZONE = "Africa/Gaborone"; // the test deployment's zone (UTC+2, no DST)

interface Hand {
  id: string;
  techs: string[];
  team: string;
  created: string;
  status: string;
  resolved?: string;
  due?: string;
  paused?: number;
  cancelled?: string;
  breached?: string;
  history?: [string, string | null][];
  rating?: number;
  nps?: number;
}

/** Tickets written straight into D1 with exact times, then refreshed as a ticket change would. */
async function handBuilt(tickets: Hand[]) {
  const db = env.DB;
  const statements: D1PreparedStatement[] = [];
  for (const [i, t] of tickets.entries()) {
    statements.push(
      db
        .prepare(
          `INSERT INTO tickets (id, number, kind, priority, status, title, description, created_by, team_supervisor_id, required_skills,
           resolution_due_at, resolved_at, cancelled_at, resolution_breached_at, sla_paused_seconds, created_at, updated_at)
         VALUES (?1, ?2, 'repair', 'high', ?3, 'Hand-built', '', 'usr_system', ?4, '[]', ?5, ?6, ?7, ?8, ?9, ?10, ?10)`,
        )
        .bind(
          t.id,
          `HB-${t.id}`,
          t.status,
          t.team,
          t.due ?? null,
          t.resolved ?? null,
          t.cancelled ?? null,
          t.breached ?? null,
          t.paused ?? 0,
          t.created,
        ),
    );
    for (const tech of t.techs)
      statements.push(
        db
          .prepare(
            "INSERT INTO ticket_assignees (ticket_id, technician_id, assigned_by, assigned_at) VALUES (?1, ?2, 'usr_system', ?3)",
          )
          .bind(t.id, tech, t.created),
      );
    for (const [j, [action, from]] of (t.history ?? []).entries()) {
      statements.push(
        db
          .prepare(
            "INSERT INTO ticket_history (id, ticket_id, actor_id, action, from_value, to_value, created_at) VALUES (?1, ?2, NULL, ?3, ?4, NULL, ?5)",
          )
          .bind(`hst_${t.id}_${j}`, t.id, action, from, t.created),
      );
    }
    if (t.rating !== undefined) {
      statements.push(
        db
          .prepare(
            "INSERT INTO feedback (id, ticket_id, kind, service_rating, net_promoter_score, created_at) VALUES (?1, ?2, 'service', ?3, ?4, ?5)",
          )
          .bind(`fbk_${t.id}_${i}`, t.id, t.rating, t.nps ?? null, t.resolved ?? t.created),
      );
    }
  }
  await db.batch(statements);
  await db.batch(
    ticketStatsStatements(
      db,
      ZONE,
      tickets.map((t) => t.id),
    ),
  );
}

async function team() {
  const supervisor = await staff("supervisor");
  const a = await technicianAccount({ supervisorId: supervisor.user.id });
  const b = await technicianAccount({ supervisorId: supervisor.user.id });
  const u = () => `tkt_hb_${crypto.randomUUID().slice(0, 12)}`;
  const S = supervisor.user.id;
  const A = a.user.id;
  const B = b.user.id;
  // The week of 2026-03-01 … 03-07 (local days, UTC+2). Expected figures are worked out by hand below.
  await handBuilt([
    // 4 h, on time, first-time fix, rated 5, NPS 10.
    {
      id: u(),
      techs: [A],
      team: S,
      created: "2026-03-02T08:00:00.000Z",
      status: "closed",
      resolved: "2026-03-02T12:00:00.000Z",
      due: "2026-03-03T00:00:00.000Z",
      rating: 5,
      nps: 10,
    },
    // 6 h with 1 h on hold = 5 h; late; rejected once; rated 3, NPS 6.
    {
      id: u(),
      techs: [A],
      team: S,
      created: "2026-03-03T08:00:00.000Z",
      status: "resolved",
      resolved: "2026-03-03T14:00:00.000Z",
      due: "2026-03-03T10:00:00.000Z",
      paused: 3600,
      history: [
        ["start", "assigned"],
        ["resolve", "in_progress"],
        ["reject", "resolved"],
      ],
      rating: 3,
      nps: 6,
    },
    // Open and overdue.
    {
      id: u(),
      techs: [A],
      team: S,
      created: "2026-03-04T08:00:00.000Z",
      status: "in_progress",
      due: "2026-03-04T10:00:00.000Z",
      breached: "2026-03-04T10:05:00.000Z",
    },
    // Created 23:30 local on the 4th, resolved 00:30 local on the 5th; no target; a second working session.
    {
      id: u(),
      techs: [B],
      team: S,
      created: "2026-03-04T21:30:00.000Z",
      status: "closed",
      resolved: "2026-03-04T22:30:00.000Z",
      history: [
        ["start", "assigned"],
        ["hold", "in_progress"],
        ["resume", "on_hold"],
      ],
    },
    // Cancelled.
    {
      id: u(),
      techs: [B],
      team: S,
      created: "2026-03-05T08:00:00.000Z",
      status: "cancelled",
      cancelled: "2026-03-05T09:00:00.000Z",
    },
    // Two technicians, 1 h, on time, first-time fix.
    {
      id: u(),
      techs: [A, B],
      team: S,
      created: "2026-03-06T08:00:00.000Z",
      status: "closed",
      resolved: "2026-03-06T09:00:00.000Z",
      due: "2026-03-07T00:00:00.000Z",
    },
    // Created before the week (counts for nobody's total); closed, reopened, resolved again in the week: on time, not a first-time fix.
    {
      id: u(),
      techs: [A],
      team: S,
      created: "2026-02-27T08:00:00.000Z",
      status: "resolved",
      resolved: "2026-03-06T10:00:00.000Z",
      due: "2026-03-08T00:00:00.000Z",
      history: [
        ["resolve", "in_progress"],
        ["reopen", "closed"],
      ],
    },
  ]);
  return { supervisor, a, b };
}

const WEEK = "from=2026-03-01&to=2026-03-07";

describe("report figures on a hand-built week", () => {
  it("team, technicians, trends and the lowest performer", async () => {
    const { supervisor, a, b } = await team();
    const res = await call(`/v1/reports/technicians?${WEEK}&min_tickets=3`, { token: supervisor.token });
    expect(res.status).toBe(200);
    const report = res.json;
    expect(report.period).toEqual({ from: "2026-03-01", to: "2026-03-07", time_zone: ZONE });
    expect(report.previous_period).toMatchObject({ from: "2026-02-22", to: "2026-02-28" });
    expect(report.summary.figures).toEqual({
      total: 6,
      completed: 4,
      cancelled: 1,
      completion_rate: 0.8,
      resolved: 5,
      average_completion_seconds: 130320,
      on_time_rate: 0.75,
      first_time_fix_rate: 0.4,
      average_rating: 4,
      ratings: 2,
      nps: 0,
      nps_responses: 2,
    });
    // The reopened ticket was created in the week before.
    expect(report.summary.trends.total).toEqual({ current: 6, previous: 1, change: 5, direction: "up" });
    expect(report.summary.trends.on_time_rate).toEqual({
      current: 0.75,
      previous: null,
      change: null,
      direction: null,
    });
    const byId = Object.fromEntries(report.technicians.map((t: any) => [t.technician_id, t]));
    expect(Object.keys(byId).sort()).toEqual([a.user.id, b.user.id].sort());
    expect(byId[a.user.id].figures).toMatchObject({
      total: 4,
      completed: 3,
      completion_rate: 0.75,
      resolved: 4,
      average_completion_seconds: 162000,
      on_time_rate: 0.75,
      first_time_fix_rate: 0.5,
    });
    expect(byId[a.user.id]).toMatchObject({ pending: 1, overdue: 1 });
    expect(byId[b.user.id].figures).toMatchObject({
      total: 3,
      completed: 2,
      cancelled: 1,
      completion_rate: 1,
      resolved: 2,
      average_completion_seconds: 3600,
      on_time_rate: 1,
      first_time_fix_rate: 0.5,
    });
    expect(report.lowest_performer.technician_id).toBe(a.user.id);
    // Nobody has five tickets: nobody is named.
    expect(
      (await call(`/v1/reports/technicians?${WEEK}&min_tickets=5`, { token: supervisor.token })).json.lowest_performer,
    ).toBeNull();
    // One technician's summary.
    const one = await call(`/v1/reports/technicians?${WEEK}&technician_id=${b.user.id}`, { token: supervisor.token });
    expect(one.json.summary).toMatchObject({ technician_id: b.user.id, figures: { total: 3, resolved: 2 } });
  });

  it("resolution days follow the deployment's calendar, not UTC", async () => {
    const { supervisor } = await team();
    const days = await call(`/v1/reports/periods?${WEEK}&granularity=day&team_id=${supervisor.user.id}`, {
      token: supervisor.token,
    });
    expect(days.status).toBe(200);
    const resolvedOn = Object.fromEntries(days.json.rows.map((r: any) => [r.period, r.figures.resolved]));
    // Resolved 22:30 UTC on the 4th is 00:30 on the 5th in Gaborone.
    expect(resolvedOn).toEqual({ "2026-03-02": 1, "2026-03-03": 1, "2026-03-04": 0, "2026-03-05": 1, "2026-03-06": 2 });
    const weeks = await call(`/v1/reports/periods?${WEEK}&granularity=week`, { token: supervisor.token });
    // 2026-03-01 is a Sunday: it belongs to the week of Monday 23 February.
    expect(weeks.json.rows.map((r: any) => r.period)).toEqual(["2026-03-02"]);
    const monthly = await call(`/v1/reports/periods?${WEEK}&granularity=month&by=technician`, {
      token: supervisor.token,
    });
    expect(monthly.json.rows.map((r: any) => [r.period, r.figures.total]).sort()).toEqual([
      ["2026-03", 3],
      ["2026-03", 4],
    ]);
    // Totals count the shared ticket once.
    expect(monthly.json.totals.total).toBe(6);
  });

  it("a technician's own performance, with months; the dashboard of the team", async () => {
    const { supervisor, a, b } = await team();
    const own = await call(`/v1/technicians/${a.user.id}/performance?from=2026-02-15&to=2026-03-07`, {
      token: a.token,
    });
    expect(own.status).toBe(200);
    expect(own.json.technician.figures.total).toBe(5);
    expect(own.json.monthly.map((m: any) => [m.month, m.figures.total])).toEqual([
      ["2026-02", 1],
      ["2026-03", 4],
    ]);
    // Another technician's: 404. Their supervisor's: fine.
    expectProblem(await call(`/v1/technicians/${a.user.id}/performance?${WEEK}`, { token: b.token }), 404, "not_found");
    expect((await call(`/v1/technicians/${a.user.id}/performance?${WEEK}`, { token: supervisor.token })).status).toBe(
      200,
    );

    const dash = await call(`/v1/reports/dashboard?${WEEK}`, { token: supervisor.token });
    expect(dash.status).toBe(200);
    expect(dash.json.summary).toMatchObject({ pending: 1, overdue: 1, figures: { total: 6 } });
    expect(dash.json.charts.by_status.find((s: any) => s.status === "closed").tickets).toBe(3);
    expect(dash.json.charts.completion_trend).toHaveLength(7);
    expect(dash.json.charts.completion_trend[3]).toEqual({ day: "2026-03-04", created: 2, resolved: 0 });
    // The chart's technicians are the team report's, those with work done or open, most completed first.
    const report = (await call(`/v1/reports/technicians?${WEEK}`, { token: supervisor.token })).json;
    const leading = report.technicians
      .filter((t: any) => t.figures.resolved > 0 || t.pending > 0)
      .sort(
        (x: any, y: any) => y.figures.resolved - x.figures.resolved || x.technician_id.localeCompare(y.technician_id),
      )
      .slice(0, 10);
    expect(leading.length).toBeGreaterThan(0);
    expect(dash.json.charts.technicians).toEqual(leading);
  });

  it("scoping: another supervisor sees none of it and may not name the team; technicians and customers get no dashboard", async () => {
    const { supervisor, a } = await team();
    const other = await staff("supervisor");
    const theirs = await call(`/v1/reports/technicians?${WEEK}`, { token: other.token });
    expect(theirs.json.technicians).toEqual([]);
    expect(theirs.json.summary.figures.total).toBe(0);
    expectProblem(
      await call(`/v1/reports/dashboard?${WEEK}&team_id=${supervisor.user.id}`, { token: other.token }),
      403,
      "forbidden",
    );
    expectProblem(
      await call(`/v1/technicians/${a.user.id}/performance?${WEEK}`, { token: other.token }),
      404,
      "not_found",
    );
    expectProblem(
      await call(`/v1/reports/technicians?${WEEK}&technician_id=${a.user.id}`, { token: other.token }),
      404,
      "not_found",
    );
    expectProblem(await call(`/v1/reports/dashboard`, { token: a.token }), 403, "forbidden");
    const customer = await customerAccount();
    expectProblem(await call(`/v1/reports/dashboard`, { token: customer.token }), 403, "forbidden");
    expectProblem(await call(`/v1/technicians/${a.user.id}/performance`, { token: customer.token }), 404, "not_found");
    // A manager sees the team when naming it.
    const manager = await staff("manager");
    const named = await call(`/v1/reports/dashboard?${WEEK}&team_id=${supervisor.user.id}`, { token: manager.token });
    expect(named.json.summary.figures.total).toBe(6);
  });

  it("bad periods and filters are 400 problem+json", async () => {
    const manager = await staff("manager");
    for (const query of [
      "from=2026-03-08&to=2026-03-01",
      "from=2026-02-30",
      "from=yesterday",
      "granularity=hour",
      "by=team",
      "colour=red",
      "from=2000-01-01&to=2026-01-01",
      "min_tickets=0",
    ]) {
      const path =
        query.startsWith("granularity") || query.startsWith("by")
          ? "/v1/reports/periods"
          : query.startsWith("min_tickets")
            ? "/v1/reports/technicians"
            : "/v1/reports/dashboard";
      expectProblem(await call(`${path}?${query}`, { token: manager.token }), 400, "validation_failed");
    }
    expectProblem(await call("/v1/reports/tickets?status=lost", { token: manager.token }), 400, "validation_failed");
    expectProblem(await call("/v1/reports/tickets?format=xlsx", { token: manager.token }), 400, "validation_failed");
  });
});

describe("Europe/Berlin across the spring DST change", () => {
  it("places each instant on its local day", async () => {
    const ids = ["tkt_dst_a", "tkt_dst_b", "tkt_dst_c"];
    const created = ["2026-03-28T22:30:00.000Z", "2026-03-29T00:30:00.000Z", "2026-03-29T22:30:00.000Z"];
    await env.DB.batch(
      ids.map((id, i) =>
        env.DB.prepare(
          `INSERT INTO tickets (id, number, kind, priority, status, title, created_by, required_skills, created_at, updated_at)
           VALUES (?1, ?1, 'repair', 'low', 'new', 'DST', 'usr_system', '[]', ?2, ?2)`,
        ).bind(id, created[i]),
      ),
    );
    await env.DB.batch(ticketStatsStatements(env.DB, "Europe/Berlin", ids));
    const rows = await env.DB.prepare(
      "SELECT ticket_id, created_day FROM report_ticket_facts WHERE ticket_id IN ('tkt_dst_a', 'tkt_dst_b', 'tkt_dst_c') ORDER BY ticket_id",
    ).all();
    // 23:30 CET on the 28th; 01:30 CET on the 29th; 00:30 CEST on the 30th (UTC would say the 29th).
    expect(rows.results.map((r) => r.created_day)).toEqual(["2026-03-28", "2026-03-29", "2026-03-30"]);
  });
});
