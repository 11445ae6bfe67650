import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api } from "../../../test/client";
import { call, expectProblem } from "../../../test/helpers";
import { dayAhead, linkFor } from "../../../test/scheduling-helpers";
import { customerAccount, raiseTicket, staff, technicianAccount } from "../../../test/work-factories";
import { bookedMs, routineLimitMs } from "./hours";
import { orderPool } from "./pool";
import { systemContext } from "../../lib/context";
import type { Env } from "../../lib/env";
import type { AppError } from "../../lib/problem";
import { book, HOLDBACK_MESSAGE, ticketAvailability } from "./appointments.service";

describe("the pool rule", () => {
  const facts = (load: Record<string, number>, previous: Record<string, { lat: number; lng: number }> = {}) => ({
    load: new Map(Object.entries(load)),
    previous: new Map(Object.entries(previous)),
  });
  const here = { lat: -24.65, lng: 25.91 };

  it("fewest visits that day first, then nearest to the visit before, unknown distance last; the cap leaves people out", () => {
    const order = orderPool(
      ["a", "b", "c", "d", "e"],
      facts(
        { a: 2, b: 1, c: 1, d: 1, e: 8 },
        { b: { lat: -24.75, lng: 25.91 }, c: { lat: -24.66, lng: 25.91 } }, // b ~11 km, c ~1 km, d unknown
      ),
      here,
      8,
      0,
    );
    expect(order.map((o) => o.technicianId)).toEqual(["c", "b", "d", "a"]);
    expect(order[0].reason).toBe("1 visit that day, 1.1 km from the visit before, one of 4 under the day's cap");
    expect(order[2].reason).toContain("no earlier visit that day to measure from");
  });

  it("takes turns among those still tied", () => {
    const firsts = [0, 1, 2, 3].map((turn) => orderPool(["a", "b", "c"], facts({}), here, 8, turn)[0].technicianId);
    expect(firsts).toEqual(["a", "b", "c", "a"]);
  });
});

async function poolOf(n: number) {
  const skill = `pool-${crypto.randomUUID().slice(0, 8)}`;
  const techs = [];
  for (let i = 0; i < n; i++) techs.push(await technicianAccount({ skills: [skill] }));
  return { skill, techs };
}

describe("pool booking", () => {
  it("an integrator books a ticket nobody holds with only a slot: the rule picks, the ticket is assigned with the reason", async () => {
    const dispatcher = await staff("dispatcher");
    const { skill, techs } = await poolOf(2);
    const date = dayAhead(5);
    // The first technician already has a visit that day: the second is less loaded.
    const busy = await raiseTicket(dispatcher.token, { required_skills: [skill] });
    await call(`/v1/tickets/${busy.id}/assign`, {
      token: dispatcher.token,
      body: { technician_ids: [techs[0].user.id] },
    });
    const first = await api(dispatcher.token).POST("/v1/appointments", {
      body: { ticket_id: busy.id, date, start_time: "08:00" },
    });
    expect(first.response.status).toBe(201);
    expect(first.data?.technician_id).toBe(techs[0].user.id);

    const ticket = await raiseTicket(dispatcher.token, { required_skills: [skill] });
    const availability = await api(dispatcher.token).GET("/v1/availability", {
      params: { query: { ticket_id: ticket.id, date } },
    });
    expect(availability.data?.technician_id).toBeNull();
    expect(availability.data?.slots.find((s) => s.start_time === "10:00:00")?.is_available).toBe(true);
    const booked = await api(dispatcher.token).POST("/v1/appointments", {
      body: { ticket_id: ticket.id, date, start_time: "10:00" },
    });
    expect(booked.response.status).toBe(201);
    expect(booked.data?.technician_id).toBe(techs[1].user.id);
    const after = (await call(`/v1/tickets/${ticket.id}`, { token: dispatcher.token })).json;
    expect(after.status).toBe("assigned");
    expect(after.assignees.map((a: { technician_id: string }) => a.technician_id)).toEqual([techs[1].user.id]);
    const history = (await call(`/v1/tickets/${ticket.id}/history`, { token: dispatcher.token })).json.data;
    expect(history.find((h: { action: string }) => h.action === "assigned").comment).toMatch(
      /^pool booking: 0 visits that day, .*one of 2 under the day's cap$/,
    );
  });

  it("only dispatch books without naming the technician; a ticket with several technicians needs one named", async () => {
    const dispatcher = await staff("dispatcher");
    const { skill, techs } = await poolOf(2);
    const ticket = await raiseTicket(dispatcher.token, { required_skills: [skill] });
    const customer = await customerAccount();
    expectProblem(
      await call("/v1/appointments", {
        token: techs[0].token,
        body: { ticket_id: ticket.id, date: dayAhead(5), start_time: "10:00" },
      }),
      404,
    );
    expectProblem(
      await call("/v1/appointments", {
        token: customer.token,
        body: { ticket_id: ticket.id, date: dayAhead(5), start_time: "10:00" },
      }),
      403,
    );
    await call(`/v1/tickets/${ticket.id}/assign`, {
      token: dispatcher.token,
      body: { technician_ids: techs.map((t) => t.user.id) },
    });
    const several = await call("/v1/appointments", {
      token: dispatcher.token,
      body: { ticket_id: ticket.id, date: dayAhead(5), start_time: "10:00" },
    });
    expectProblem(several, 400, "validation_failed");
    expect(several.json.errors[0].path).toBe("technician_id");
  });

  it("60 bookings race for 6 pool slots (3 technicians × 2 times): exactly 6 land, never two on one technician's time", async () => {
    const dispatcher = await staff("dispatcher");
    const { skill, techs } = await poolOf(3);
    const date = dayAhead(6);
    const tickets = [];
    for (let i = 0; i < 60; i++) tickets.push(await raiseTicket(dispatcher.token, { required_skills: [skill] }));
    const results = await Promise.all(
      tickets.map((t, i) =>
        call("/v1/appointments", {
          token: dispatcher.token,
          body: { ticket_id: t.id, date, start_time: i % 2 ? "10:00" : "13:00", duration_minutes: 60 },
        }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(6);
    expect(statuses.filter((s) => s === 409)).toHaveLength(54);
    for (const r of results.filter((x) => x.status === 409)) expect(r.json.code).toBe("slot_unavailable");
    const { results: rows } = await env.DB.prepare(
      `SELECT technician_id, start_time FROM appointments WHERE technician_id IN (?1, ?2, ?3) AND date = ?4 AND status <> 'cancelled'`,
    )
      .bind(techs[0].user.id, techs[1].user.id, techs[2].user.id, date)
      .all<{ technician_id: string; start_time: string }>();
    expect(rows).toHaveLength(6);
    expect(new Set(rows.map((r) => `${r.technician_id} ${r.start_time}`)).size).toBe(6);
    // Each booked ticket is assigned to the technician who took its slot, and only the booked ones.
    const assigned = await env.DB.prepare(
      `SELECT count(*) AS n FROM ticket_assignees WHERE technician_id IN (?1, ?2, ?3)`,
    )
      .bind(techs[0].user.id, techs[1].user.id, techs[2].user.id)
      .first<{ n: number }>();
    expect(assigned?.n).toBe(6);
  }, 60_000);

  it("the same race while holds on those times expire mid-race: never two on one technician's time, and the freed times fill", async () => {
    const dispatcher = await staff("dispatcher");
    const { skill, techs } = await poolOf(3);
    const date = dayAhead(7);
    const tickets: { id: string }[] = [];
    for (let i = 0; i < 60; i++) tickets.push(await raiseTicket(dispatcher.token, { required_skills: [skill] }));
    // Someone else holds every technician's 10:00 for a moment: busy at the start of the race, free by its end.
    const ten = Date.parse(`${date}T08:00:00Z`); // 10:00 in Gaborone (UTC+2)
    for (const t of techs) {
      const stub = env.SCHEDULES.get(env.SCHEDULES.idFromName(t.user.id));
      expect((await stub.hold(`hld_race_${t.user.id}`, "tkt_other", ten, ten + 3_600_000, Date.now() + 300)).ok).toBe(
        true,
      );
    }
    const attempt = (t: { id: string }, i: number) =>
      call("/v1/appointments", {
        token: dispatcher.token,
        body: { ticket_id: t.id, date, start_time: i % 2 ? "10:00" : "13:00", duration_minutes: 60 },
      });
    const first = await Promise.all(tickets.map(attempt));
    expect(first.every((r) => r.status === 201 || (r.status === 409 && r.json.code === "slot_unavailable"))).toBe(true);
    // After the holds have expired, those still without a visit try again.
    await new Promise((r) => setTimeout(r, 400));
    const waiting = tickets.filter((_, i) => first[i].status !== 201);
    const second = await Promise.all(waiting.map((t) => attempt(t, tickets.indexOf(t))));
    expect(second.every((r) => r.status === 201 || (r.status === 409 && r.json.code === "slot_unavailable"))).toBe(
      true,
    );
    const { results: rows } = await env.DB.prepare(
      `SELECT technician_id, start_time FROM appointments WHERE technician_id IN (?1, ?2, ?3) AND date = ?4 AND status <> 'cancelled'`,
    )
      .bind(techs[0].user.id, techs[1].user.id, techs[2].user.id, date)
      .all<{ technician_id: string; start_time: string }>();
    expect(rows).toHaveLength(6);
    expect(new Set(rows.map((r) => `${r.technician_id} ${r.start_time}`)).size).toBe(6);
    expect([...first, ...second].filter((r) => r.status === 201)).toHaveLength(6);
  }, 60_000);

  it("the customer's link books a ticket nobody holds through the pool", async () => {
    const dispatcher = await staff("dispatcher");
    const { skill, techs } = await poolOf(1);
    const customer = await customerAccount();
    const ticket = await raiseTicket(customer.token, { required_skills: [skill] });
    const token = await linkFor(dispatcher.token, ticket.id);
    const date = dayAhead(5);
    const day = await call(`/v1/public/appointments/${token}/availability?date=${date}`);
    expect(day.json.slots.some((s: { is_available: boolean }) => s.is_available)).toBe(true);
    const booked = await call(`/v1/public/appointments/${token}/schedule`, {
      body: { date, start_time: "10:00" },
    });
    expect(booked.status, booked.text).toBe(200);
    const after = (await call(`/v1/tickets/${ticket.id}`, { token: dispatcher.token })).json;
    expect(after.assignees.map((a: { technician_id: string }) => a.technician_id)).toEqual([techs[0].user.id]);
  });
});

describe("who could take a ticket, explained", () => {
  it("names each passed-over technician's reason, ranks the eligible, and shows a supervisor only their team", async () => {
    const admin = await staff("admin");
    const supervisor = await staff("supervisor");
    const skill = `expl-${crypto.randomUUID().slice(0, 8)}`;
    const date = dayAhead(5);
    const eligible = await technicianAccount({ skills: [skill], supervisorId: supervisor.user.id });
    const noSkill = await technicianAccount({ skills: [] });
    const farAway = await technicianAccount({ skills: [skill], areas: ["francistown"] });
    const away = await technicianAccount({ skills: [skill] });
    const off = await technicianAccount({ skills: [skill], available: false });
    const notToday = await technicianAccount({ skills: [skill] });
    await call("/v1/time-off", {
      token: admin.token,
      body: {
        technician_id: away.user.id,
        kind: "training",
        starts_at: `${date}T00:00:00+02:00`,
        ends_at: `${date}T23:59:00+02:00`,
      },
    });
    const weekday = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"][new Date(`${date}T12:00:00Z`).getUTCDay()];
    const otherDay = weekday === "mon" ? "tue" : "mon";
    await call(`/v1/technicians/${notToday.user.id}`, {
      token: admin.token,
      method: "PATCH",
      body: { working_week: { [otherDay]: [{ start: "08:00", end: "17:00" }] } },
    });
    const ticket = await raiseTicket(admin.token, { required_skills: [skill], service_area: "gaborone" });
    const res = await call(`/v1/tickets/${ticket.id}/candidates?date=${date}&start_time=10:00`, { token: admin.token });
    expect(res.status, res.text).toBe(200);
    const byId = new Map(
      res.json.candidates.map((c: { technician_id: string; passed_over: string[]; rank: number | null }) => [
        c.technician_id,
        c,
      ]),
    );
    expect(byId.get(eligible.user.id)).toMatchObject({ eligible: true, rank: 1, passed_over: [] });
    expect(byId.get(noSkill.user.id)).toMatchObject({ eligible: false, passed_over: ["skill_missing"] });
    expect(byId.get(farAway.user.id)).toMatchObject({ passed_over: ["out_of_area"] });
    expect(byId.get(away.user.id)).toMatchObject({ passed_over: ["on_time_off"] });
    expect(byId.get(off.user.id)).toMatchObject({ passed_over: ["switched_unavailable"] });
    expect(byId.get(notToday.user.id)).toMatchObject({ passed_over: ["not_working"] });
    expect((byId.get(noSkill.user.id) as { explanation: string }).explanation).toBe(
      "Passed over: lacks a skill the ticket needs",
    );
    // A supervisor sees their own team only (the ticket is theirs once their technician holds it); a technician may not ask.
    await call(`/v1/tickets/${ticket.id}/assign`, { token: admin.token, body: { technician_ids: [eligible.user.id] } });
    const teamView = await call(`/v1/tickets/${ticket.id}/candidates?date=${date}`, { token: supervisor.token });
    expect(teamView.status, teamView.text).toBe(200);
    expect(teamView.json.candidates.map((c: { technician_id: string }) => c.technician_id)).toEqual([eligible.user.id]);
    expectProblem(await call(`/v1/tickets/${ticket.id}/candidates`, { token: eligible.token }), 403);
  });
});

describe("slot holds", () => {
  it("a held slot is busy for everyone else until its holder books it", async () => {
    const dispatcher = await staff("dispatcher");
    const tech = await technicianAccount();
    const date = dayAhead(7);
    const [mine, theirs] = [await raiseTicket(dispatcher.token), await raiseTicket(dispatcher.token)];
    for (const t of [mine, theirs])
      await call(`/v1/tickets/${t.id}/assign`, { token: dispatcher.token, body: { technician_ids: [tech.user.id] } });
    const hold = await api(dispatcher.token).POST("/v1/availability/holds", {
      body: { ticket_id: mine.id, date, start_time: "10:00" },
    });
    expect(hold.response.status).toBe(201);
    expect(Date.parse(hold.data?.expires_at ?? "") - Date.now()).toBeGreaterThan(4 * 60_000);
    const seen = await call(`/v1/availability?ticket_id=${theirs.id}&date=${date}`, { token: dispatcher.token });
    expect(seen.json.slots.find((s: { start_time: string }) => s.start_time === "10:00:00").is_available).toBe(false);
    expectProblem(
      await call("/v1/appointments", {
        token: dispatcher.token,
        body: { ticket_id: theirs.id, date, start_time: "10:00" },
      }),
      409,
    );
    // Another ticket's hold id is refused; the holder books it.
    expectProblem(
      await call("/v1/appointments", {
        token: dispatcher.token,
        body: { ticket_id: theirs.id, date, start_time: "10:00", hold_id: hold.data?.id },
      }),
      400,
    );
    const booked = await api(dispatcher.token).POST("/v1/appointments", {
      body: { ticket_id: mine.id, date, start_time: "10:00", hold_id: hold.data?.id },
    });
    expect(booked.response.status).toBe(201);
    expect(booked.data?.start_time).toBe("10:00:00");
    const row = await env.DB.prepare("SELECT status FROM slot_holds WHERE id = ?1")
      .bind(hold.data?.id)
      .first<{ status: string }>();
    expect(row?.status).toBe("booked");
  });

  it("a link holds one time at a time; letting it go or its expiry frees the slot", async () => {
    const dispatcher = await staff("dispatcher");
    const { skill, techs } = await poolOf(1);
    const date = dayAhead(8);
    const customerA = await customerAccount();
    const customerB = await customerAccount();
    const a = await raiseTicket(customerA.token, { required_skills: [skill] });
    const b = await raiseTicket(customerB.token, { required_skills: [skill] });
    const [linkA, linkB] = [await linkFor(dispatcher.token, a.id), await linkFor(dispatcher.token, b.id)];
    const first = await call(`/v1/public/appointments/${linkA}/hold`, { body: { date, start_time: "10:00" } });
    expect(first.status, first.text).toBe(200);
    // The only technician is held at 10:00: the other customer cannot take it.
    expectProblem(
      await call(`/v1/public/appointments/${linkB}/schedule`, { body: { date, start_time: "10:00" } }),
      409,
    );
    // Holding 11:00 lets 10:00 go.
    expect((await call(`/v1/public/appointments/${linkA}/hold`, { body: { date, start_time: "11:00" } })).status).toBe(
      200,
    );
    const live = await env.DB.prepare(
      "SELECT count(*) AS n FROM slot_holds WHERE link_id IS NOT NULL AND ticket_id = ?1 AND status = 'held'",
    )
      .bind(a.id)
      .first<{ n: number }>();
    expect(live?.n).toBe(1);
    expect(
      (await call(`/v1/public/appointments/${linkB}/schedule`, { body: { date, start_time: "10:00" } })).status,
    ).toBe(200);
    // A books the time it holds.
    const booked = await call(`/v1/public/appointments/${linkA}/schedule`, { body: { date, start_time: "11:00" } });
    expect(booked.status, booked.text).toBe(200);
    const after = (await call(`/v1/tickets/${a.id}`, { token: dispatcher.token })).json;
    expect(after.assignees.map((x: { technician_id: string }) => x.technician_id)).toEqual([techs[0].user.id]);

    // An expired hold is ignored at once (the object's alarm purges it later).
    const stub = env.SCHEDULES.get(env.SCHEDULES.idFromName(techs[0].user.id));
    const start = Date.parse(`${date}T13:00:00+02:00`);
    expect((await stub.hold("hld_expiring_test_000", "tkt_x", start, start + 1_800_000, Date.now() + 100)).ok).toBe(
      true,
    );
    expect((await stub.between(start, start + 1)).some((x) => x.appointment_id === "hld_expiring_test_000")).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    expect((await stub.between(start, start + 1)).some((x) => x.appointment_id === "hld_expiring_test_000")).toBe(
      false,
    );
  });
});

describe("emergency holdback", () => {
  const settings = { holdbackPercent: 20, holdbackReleaseHours: 14 } as Parameters<typeof routineLimitMs>[0];
  const hour = 3_600_000;
  const day = { fromMs: 0, toMs: 24 * hour };
  const working = {
    intervals: [[8 * hour, 17 * hour]] as [number, number][],
    closedReason: null,
    closedCode: null,
    closedName: null,
  };

  it("keeps 20 % of a 9-hour day for emergencies until 14 hours before the day starts", () => {
    expect(routineLimitMs(settings, working, day, { startsMs: 0, endsMs: 0 }, -7 * hour)).toBe(
      Math.floor(9 * hour * 0.8),
    );
    // From 18:00 the evening before, everyone may take it.
    expect(routineLimitMs(settings, working, day, { startsMs: 0, endsMs: 0 }, -6 * hour)).toBeNull();
    expect(
      routineLimitMs({ ...settings, holdbackPercent: 0 }, working, day, { startsMs: 0, endsMs: 0 }, -7 * hour),
    ).toBeNull();
  });

  it("the technician's schedule object refuses routine work past the limit, and takes urgent work (no limit)", async () => {
    const stub = env.SCHEDULES.get(env.SCHEDULES.idFromName(`holdback-${crypto.randomUUID()}`));
    const base = Date.parse("2031-03-04T06:00:00Z");
    const limit = { fromMs: base - 6 * hour, toMs: base + 18 * hour, maxMs: 3 * hour };
    const visit = (i: number) => ({
      appointment_id: `apt_hb_${i}`,
      ticket_id: `tkt_hb_${i}`,
      starts_ms: base + i * hour,
      ends_ms: base + (i + 1) * hour,
    });
    for (const i of [0, 1, 2]) expect((await stub.book(visit(i), null, limit)).ok).toBe(true);
    expect(await stub.book(visit(3), null, limit)).toEqual({ ok: false, reason: "holdback" });
    // A hold counts like a visit; urgent work books without the limit.
    expect(
      (await stub.hold("hld_hb", "tkt_hb_h", base + 5 * hour, base + 6 * hour, Date.now() + 60_000, limit)).ok,
    ).toBe(false);
    expect((await stub.book(visit(3), null, null)).ok).toBe(true);
  });

  it("availability shows a routine slot only while the day has room for it", () => {
    const bounds = { fromMs: Date.parse("2031-03-04T00:00:00+02:00"), toMs: Date.parse("2031-03-05T00:00:00+02:00") };
    const booked = [
      { appointment_id: "apt_1", starts_ms: bounds.fromMs + 8 * hour, ends_ms: bounds.fromMs + 15 * hour },
    ];
    expect(bookedMs(booked, bounds)).toBe(7 * hour);
    expect(bookedMs([{ appointment_id: "tof_1", starts_ms: bounds.fromMs, ends_ms: bounds.toMs }], bounds)).toBe(0);
  });

  it("end to end with HOLDBACK_PERCENT=50: routine bookings stop at half the day, availability says why, emergencies and dispatch with a reason go on", async () => {
    const admin = await staff("admin");
    const tech = await technicianAccount();
    const date = dayAhead(9);
    const kept = systemContext({ ...env, HOLDBACK_PERCENT: "50" } as Env, "test");
    const ticketRow = async (priority: string) => {
      const t = await raiseTicket(admin.token, { priority, location: { lat: -24.6282, lng: 25.9231 } });
      return (await kept.db.query.tickets.findFirst({ where: (r, { eq }) => eq(r.id, t.id) }))!;
    };
    // 08:00–17:00 is 9 hours; routine work may fill 4.5 of them.
    for (const start of ["08:00", "09:00", "10:00", "11:00"])
      await book(kept, {
        ticket: await ticketRow("medium"),
        technicianId: tech.user.id,
        date,
        startTime: start,
        durationMinutes: 60,
      });
    const routine = await ticketRow("medium");
    const refused = await book(kept, {
      ticket: routine,
      technicianId: tech.user.id,
      date,
      startTime: "13:00",
      durationMinutes: 60,
    }).catch((e: AppError) => e);
    expect((refused as AppError).message).toBe(HOLDBACK_MESSAGE);
    const day = await ticketAvailability(kept, routine, { ids: [tech.user.id], pool: false }, date, 60, true);
    const at13 = day.slots.find((s) => s.start_time === "13:00:00")!;
    expect(at13.is_available).toBe(false);
    expect(at13.hidden_because?.[0].reason).toBe("holdback");
    // A 30-minute routine visit still fits (4.5 h): the share is time, not a count.
    expect(
      (await ticketAvailability(kept, routine, { ids: [tech.user.id], pool: false }, date, 30)).slots.find(
        (s) => s.start_time === "13:00:00",
      )?.is_available,
    ).toBe(true);
    const emergency = await ticketRow("emergency");
    expect(
      (await ticketAvailability(kept, emergency, { ids: [tech.user.id], pool: false }, date, 60)).slots.find(
        (s) => s.start_time === "13:00:00",
      )?.is_available,
    ).toBe(true);
    expect(
      (
        await book(kept, {
          ticket: emergency,
          technicianId: tech.user.id,
          date,
          startTime: "13:00",
          durationMinutes: 60,
        })
      ).startTime,
    ).toBe("13:00");
    const withReason = await book(kept, {
      ticket: routine,
      technicianId: tech.user.id,
      date,
      startTime: "15:00",
      durationMinutes: 60,
      holdbackReason: "VIP customer, agreed with the duty manager",
    });
    expect(withReason.startTime).toBe("15:00");
    const history = await env.DB.prepare(
      "SELECT comment, internal FROM ticket_history WHERE ticket_id = ? AND action = 'holdback_used'",
    )
      .bind(routine.id)
      .first();
    expect(history).toEqual({ comment: "VIP customer, agreed with the duty manager", internal: 1 });
  });
});
