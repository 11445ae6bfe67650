import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../../../test/helpers";
import { securitySuite } from "../../../test/security-suite";
import { bookingSetup, dayAhead, doCount, linkFor } from "../../../test/scheduling-helpers";
import { customerAccount, raiseTicket, staff, technicianAccount } from "../../../test/work-factories";

securitySuite("scheduling");
/** One address: back-to-back visits there need no travel time. */
const SAME_PLACE = { location: { lat: -24.6282, lng: 25.9231 } };

describe("SCH-2 booking is serialised per technician", () => {
  it("lets exactly one of 50 simultaneous bookings of one slot win", async () => {
    const dispatcher = await staff("dispatcher");
    const tech = await technicianAccount();
    const tickets = [];
    for (let i = 0; i < 50; i++) tickets.push(await raiseTicket(dispatcher.token));
    const date = dayAhead(4);
    const results = await Promise.all(
      tickets.map((t) =>
        call("/v1/appointments", {
          token: dispatcher.token,
          body: { ticket_id: t.id, technician_id: tech.user.id, date, start_time: "10:00" },
        }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    // The feed names the technician by username and the task by its number.
    const won = results.find((r) => r.status === 201)!.json;
    expect(won).toMatchObject({ technician_username: tech.user.username, task_number: won.ticket_number });
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    for (const r of results.filter((x) => x.status === 409)) {
      expect(r.json).toMatchObject({
        code: "slot_unavailable",
        detail: "Appointment clashes with a confirmed booking for this technician.",
      });
    }
    const { n } = (await env.DB.prepare(
      "SELECT count(*) AS n FROM appointments WHERE technician_id = ?1 AND status <> 'cancelled'",
    )
      .bind(tech.user.id)
      .first<{ n: number }>())!;
    expect(n).toBe(1);
    expect(await doCount(tech.user.id)).toBe(1);
  }, 120_000);

  it("in a rush on one technician, bookings of a taken start are refused by the technician's object without reading the ticket", async () => {
    const dispatcher = await staff("dispatcher");
    const tech = await technicianAccount();
    const tickets = [];
    for (let i = 0; i < 20; i++) tickets.push(await raiseTicket(dispatcher.token, SAME_PLACE));
    const date = dayAhead(4);
    const book = (ticketId: string, start_time: string) =>
      call("/v1/appointments", {
        token: dispatcher.token,
        body: { ticket_id: ticketId, technician_id: tech.user.id, date, start_time },
      });
    const results = await Promise.all(tickets.map((t, i) => book(t.id, i % 2 ? "14:00" : "09:00")));
    expect(results.filter((r) => r.status === 201).map((r) => r.json.start_time)).toEqual(
      expect.arrayContaining(["09:00:00", "14:00:00"]),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(2);
    const refused = results.filter((r) => r.status === 409);
    expect(refused).toHaveLength(18);
    for (const r of refused) expect(r.json).toMatchObject({ code: "slot_unavailable" });
    // A booking that reads its ticket makes at least two D1 round trips (session, ticket); most
    // refusals here came from the object's claim alone.
    const fromObject = refused.filter((r) => Number(r.headers.get("x-d1-round-trips")) <= 1);
    expect(fromObject.length).toBeGreaterThanOrEqual(9);
    // Once taken, the start is refused at the object even for a ticket that does not exist.
    const fresh = await raiseTicket(dispatcher.token, SAME_PLACE);
    const [late, missing] = await Promise.all([book(fresh.id, "09:00"), book("tkt_missing_0000000000", "09:00")]);
    expectProblem(late, 409, "slot_unavailable");
    expect([404, 409]).toContain(missing.status);
    expect(await doCount(tech.user.id)).toBe(2);
  }, 120_000);

  it("a booking that fails its checks lets go of the start it claimed: the one waiting on it books", async () => {
    const dispatcher = await staff("dispatcher");
    const tech = await technicianAccount();
    const good = await raiseTicket(dispatcher.token, SAME_PLACE);
    const other = await raiseTicket(dispatcher.token, SAME_PLACE);
    const done = await raiseTicket(dispatcher.token, SAME_PLACE);
    expect((await call(`/v1/tickets/${done.id}/cancel`, { token: dispatcher.token, body: {} })).status).toBe(200);
    const date = dayAhead(6);
    const book = (ticketId: string, start_time: string) =>
      call("/v1/appointments", {
        token: dispatcher.token,
        body: { ticket_id: ticketId, technician_id: tech.user.id, date, start_time },
      });
    // Whichever claims 11:00 first, the valid booking gets it: a cancelled ticket's booking or one
    // of a missing ticket lets go of its claim.
    const [cancelled, missing, valid, elsewhere] = await Promise.all([
      book(done.id, "11:00"),
      book("tkt_missing_0000000000", "11:00"),
      book(good.id, "11:00"),
      book(other.id, "15:00"),
    ]);
    expect(valid.status).toBe(201);
    expect(elsewhere.status).toBe(201);
    expect(cancelled.status).toBe(409);
    expect([404, 409]).toContain(missing.status);
    expect(await doCount(tech.user.id)).toBe(2);
  }, 120_000);

  it("treats any overlap as a clash (09:00–10:00 vs 09:30–10:00)", async () => {
    const dispatcher = await staff("dispatcher");
    const tech = await technicianAccount();
    // One address for both: back-to-back visits there need no travel (travel has tests of its own).
    const a = await raiseTicket(dispatcher.token, SAME_PLACE);
    const b = await raiseTicket(dispatcher.token, SAME_PLACE);
    const date = dayAhead(5);
    expect(
      (
        await call("/v1/appointments", {
          token: dispatcher.token,
          body: { ticket_id: a.id, technician_id: tech.user.id, date, start_time: "09:00", duration_minutes: 60 },
        })
      ).status,
    ).toBe(201);
    expectProblem(
      await call("/v1/appointments", {
        token: dispatcher.token,
        body: { ticket_id: b.id, technician_id: tech.user.id, date, start_time: "09:30", duration_minutes: 30 },
      }),
      409,
      "slot_unavailable",
    );
    expect(
      (
        await call("/v1/appointments", {
          token: dispatcher.token,
          body: { ticket_id: b.id, technician_id: tech.user.id, date, start_time: "10:00" },
        })
      ).status,
    ).toBe(201);
    // The technician's own day names no place, so the travel buffer keeps the times next to each visit too.
    const slots = await call(`/v1/technicians/${tech.user.id}/availability?date=${date}&explain=true`, {
      token: dispatcher.token,
    });
    expect(
      slots.json.slots
        .filter((s: { is_available: boolean }) => !s.is_available)
        .map((s: { start_time: string; hidden_because: { reason: string }[] }) => [
          s.start_time,
          s.hidden_because[0].reason,
        ]),
    ).toEqual([
      ["08:30:00", "travel"],
      ["09:00:00", "booked"],
      ["09:30:00", "booked"],
      ["10:00:00", "booked"],
      ["10:30:00", "travel"],
    ]);
  });

  it("lets one of 20 simultaneous reschedules into one free slot win, the rest keep their old slot", async () => {
    const dispatcher = await staff("dispatcher");
    const tech = await technicianAccount();
    const date = dayAhead(6);
    const ids: string[] = [];
    const starts = [
      "08:00",
      "08:30",
      "09:00",
      "09:30",
      "10:00",
      "10:30",
      "11:00",
      "11:30",
      "12:00",
      "12:30",
      "13:00",
      "13:30",
      "14:00",
      "14:30",
      "15:00",
      "15:30",
      "16:00",
      "16:30",
    ];
    const date2 = dayAhead(7);
    for (let i = 0; i < 20; i++) {
      const t = await raiseTicket(dispatcher.token, SAME_PLACE);
      const d = i < 18 ? date : date2;
      const res = await call("/v1/appointments", {
        token: dispatcher.token,
        body: {
          ticket_id: t.id,
          technician_id: tech.user.id,
          date: d,
          start_time: i < 18 ? starts[i] : starts[i - 18],
        },
      });
      expect(res.status, res.text).toBe(201);
      ids.push(res.json.id);
    }
    const target = { date: date2, start_time: "15:00" };
    const results = await Promise.all(
      ids.map((id) => call(`/v1/appointments/${id}/reschedule`, { token: dispatcher.token, body: target })),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(19);
    const rows = (
      await env.DB.prepare(
        "SELECT date, start_time FROM appointments WHERE technician_id = ?1 AND status <> 'cancelled'",
      )
        .bind(tech.user.id)
        .all<{ date: string; start_time: string }>()
    ).results;
    expect(rows.filter((r) => r.date === date2 && r.start_time === "15:00")).toHaveLength(1);
    expect(new Set(rows.map((r) => `${r.date} ${r.start_time}`)).size).toBe(20);
    expect(await doCount(tech.user.id)).toBe(20);
  }, 120_000);
});

describe("SCH-3 the technician's journey", () => {
  it("confirms, departs, arrives, starts and completes, each with a timestamp and a history row", async () => {
    const { dispatcher, tech, ticket } = await bookingSetup();
    const booked = await call("/v1/appointments", {
      token: tech.token,
      body: { ticket_id: ticket.id, technician_id: tech.user.id, date: dayAhead(2), start_time: "11:00" },
    });
    expect(booked.status, booked.text).toBe(201);
    const id = booked.json.id;
    expect(booked.json).toMatchObject({
      status: "scheduled",
      confirmed: false,
      start_time: "11:00:00",
      end_time: "11:30:00",
      timezone: "Africa/Gaborone",
    });
    const adjusted = await call(`/v1/appointments/${id}/confirm`, {
      token: tech.token,
      body: { date: dayAhead(2), start_time: "13:00" },
    });
    expect(adjusted.json).toMatchObject({ status: "confirmed", confirmed: true, start_time: "13:00:00" });
    for (const [step, status] of [
      ["depart", "en_route"],
      ["arrive", "on_site"],
      ["start", "in_progress"],
      ["complete", "completed"],
    ]) {
      const res = await call(`/v1/appointments/${id}/${step}`, { token: tech.token, body: {} });
      expect(res.json.status, res.text).toBe(status);
    }
    const done = (await call(`/v1/appointments/${id}`, { token: dispatcher.token })).json;
    expect(Object.values(done.milestones).every(Boolean) || done.milestones.cancelled_at === null).toBe(true);
    expectProblem(
      await call(`/v1/appointments/${id}/depart`, { token: tech.token, body: {} }),
      409,
      "invalid_transition",
    );
    const history = (await call(`/v1/tickets/${ticket.id}/history`, { token: dispatcher.token })).json.data.map(
      (h: { action: string }) => h.action,
    );
    expect(history).toEqual(
      expect.arrayContaining([
        "appointment_scheduled",
        "appointment_rescheduled",
        "appointment_depart",
        "appointment_arrive",
        "appointment_start",
        "appointment_complete",
      ]),
    );
  });

  it("frees the slot on cancel, keeps technicians to their own appointments and customers out", async () => {
    const { dispatcher, tech, cust, ticket } = await bookingSetup();
    const other = await technicianAccount();
    const date = dayAhead(3);
    expectProblem(
      await call("/v1/appointments", {
        token: tech.token,
        body: { ticket_id: ticket.id, technician_id: other.user.id, date, start_time: "09:00" },
      }),
      403,
      "forbidden",
    );
    expectProblem(
      await call("/v1/appointments", {
        token: cust.token,
        body: { ticket_id: ticket.id, technician_id: tech.user.id, date, start_time: "09:00" },
      }),
      403,
      "forbidden",
    );
    const booked = await call("/v1/appointments", {
      token: dispatcher.token,
      body: { ticket_id: ticket.id, technician_id: tech.user.id, date, start_time: "09:00" },
    });
    expectProblem(
      await call(`/v1/appointments/${booked.json.id}/depart`, { token: other.token, body: {} }),
      404,
      "not_found",
    );
    expect((await call(`/v1/appointments/${booked.json.id}`, { token: cust.token })).status).toBe(200);
    expectProblem(
      await call(`/v1/appointments/${booked.json.id}/cancel`, { token: cust.token, body: {} }),
      403,
      "forbidden",
    );
    expect((await call(`/v1/appointments/${booked.json.id}/cancel`, { token: tech.token, body: {} })).json.status).toBe(
      "cancelled",
    );
    expect(await doCount(tech.user.id)).toBe(0);
    const again = await call("/v1/appointments", {
      token: dispatcher.token,
      body: { ticket_id: ticket.id, technician_id: tech.user.id, date, start_time: "09:00" },
    });
    expect(again.status, again.text).toBe(201);
  });

  it("refuses slots outside hours, off the step, in the past, beyond the horizon, and absent technicians", async () => {
    const { dispatcher, tech, ticket } = await bookingSetup();
    const book = (body: object) =>
      call("/v1/appointments", {
        token: dispatcher.token,
        body: { ticket_id: ticket.id, technician_id: tech.user.id, ...body },
      });
    expectProblem(await book({ date: dayAhead(2), start_time: "07:30" }), 422, "unprocessable");
    expectProblem(await book({ date: dayAhead(2), start_time: "09:10" }), 422, "unprocessable");
    expectProblem(await book({ date: dayAhead(-1), start_time: "09:00" }), 422, "unprocessable");
    expectProblem(await book({ date: dayAhead(31), start_time: "09:00" }), 422, "unprocessable");
    expectProblem(await book({ date: "2026-02-30", start_time: "09:00" }), 400, "validation_failed");
    expectProblem(await book({ date: dayAhead(2), start_time: "25:00" }), 400, "validation_failed");
    expectProblem(
      await call(`/v1/technicians/${tech.user.id}/availability?date=${dayAhead(40)}`, { token: dispatcher.token }),
      422,
      "unprocessable",
    );
    await env.DB.prepare(
      "INSERT INTO attendance (user_id, date, status, marked_by, updated_at) VALUES (?1, ?2, 'absent', 'x', 'now')",
    )
      .bind(tech.user.id, dayAhead(2))
      .run();
    expectProblem(await book({ date: dayAhead(2), start_time: "09:00" }), 409, "slot_unavailable");
    const slots = await call(`/v1/technicians/${tech.user.id}/availability?date=${dayAhead(2)}`, {
      token: dispatcher.token,
    });
    expect(slots.json.slots.every((s: { is_available: boolean }) => !s.is_available)).toBe(true);
  });
});

describe("SCH-6 lists and summary", () => {
  it("filters appointments and counts pending confirmation, unconfirmed and undated work", async () => {
    const supervisor = await staff("supervisor");
    const dispatcher = await staff("dispatcher");
    const tech = await technicianAccount({ supervisorId: supervisor.user.id });
    const cust = await customerAccount();
    const date = dayAhead(8);
    const t1 = await raiseTicket(cust.token);
    const t2 = await raiseTicket(cust.token);
    await raiseTicket(cust.token);
    for (const t of [t1, t2])
      await call(`/v1/tickets/${t.id}/assign`, { token: dispatcher.token, body: { technician_ids: [tech.user.id] } });
    const a1 = await call("/v1/appointments", {
      token: dispatcher.token,
      body: { ticket_id: t1.id, technician_id: tech.user.id, date, start_time: "09:00" },
    });
    await call("/v1/appointments", {
      token: dispatcher.token,
      body: { ticket_id: t2.id, technician_id: tech.user.id, date: dayAhead(9), start_time: "09:00" },
    });
    await call(`/v1/appointments/${a1.json.id}/confirm`, { token: tech.token, body: {} });
    const list = await call(`/v1/appointments?supervisor_id=${supervisor.user.id}&date_from=${date}&date_to=${date}`, {
      token: supervisor.token,
    });
    expect(list.json.data.map((a: { id: string }) => a.id)).toEqual([a1.json.id]);
    const summary = await call(`/v1/appointments/summary?date=${dayAhead(9)}`, { token: cust.token });
    expect(summary.json).toEqual({ date: dayAhead(9), pending_confirmation: 1, date_not_confirmed: 1, no_date: 1 });
    const mine = await call("/v1/appointments", { token: tech.token });
    expect(mine.json.data).toHaveLength(2);
  });
});

describe("SCH-2 booking checks before the technician's object is asked", () => {
  const book = (token: string, ticketId: string, technicianId: string, date: string, start = "10:00") =>
    call("/v1/appointments", {
      token,
      body: { ticket_id: ticketId, technician_id: technicianId, date, start_time: start },
    });

  it("refuses an absent, switched-off, inactive, deleted or unknown technician, and a ticket already booked", async () => {
    const dispatcher = await staff("dispatcher");
    const date = dayAhead(8);
    const ticket = await raiseTicket(dispatcher.token);

    const absent = await technicianAccount();
    await env.DB.prepare(
      "INSERT INTO attendance (user_id, date, status, marked_by, updated_at) VALUES (?1, ?2, 'absent', ?1, ?3)",
    )
      .bind(absent.user.id, date, new Date().toISOString())
      .run();
    expectProblem(await book(dispatcher.token, ticket.id, absent.user.id, date), 409, "slot_unavailable");
    const switchedOff = await technicianAccount({ available: false });
    expectProblem(await book(dispatcher.token, ticket.id, switchedOff.user.id, date), 409, "slot_unavailable");
    const inactive = await technicianAccount();
    await env.DB.prepare("UPDATE users SET status = 'inactive' WHERE id = ?1").bind(inactive.user.id).run();
    expectProblem(await book(dispatcher.token, ticket.id, inactive.user.id, date), 409, "slot_unavailable");
    const deleted = await technicianAccount();
    await env.DB.prepare("UPDATE users SET deleted_at = ?2 WHERE id = ?1")
      .bind(deleted.user.id, new Date().toISOString())
      .run();
    expectProblem(await book(dispatcher.token, ticket.id, deleted.user.id, date), 404, "not_found");
    expectProblem(await book(dispatcher.token, ticket.id, dispatcher.user.id, date), 404, "not_found"); // not a technician
    expectProblem(await book(dispatcher.token, ticket.id, "usr_nobody", date), 404, "not_found");
    // None of them reached an object or D1's copy.
    for (const t of [absent, switchedOff, inactive, deleted]) expect(await doCount(t.user.id)).toBe(0);
    expect(
      (await env.DB.prepare("SELECT count(*) AS n FROM appointments WHERE ticket_id = ?1")
        .bind(ticket.id)
        .first<{ n: number }>())!.n,
    ).toBe(0);

    // Absent on that day only: the day after is bookable; then the ticket has its appointment.
    expect((await book(dispatcher.token, ticket.id, absent.user.id, dayAhead(9))).status).toBe(201);
    const other = await technicianAccount();
    expectProblem(await book(dispatcher.token, ticket.id, other.user.id, dayAhead(9), "14:00"), 409, "conflict");
  });

  it("applies the same checks to a customer booking through a link", async () => {
    const { dispatcher, tech, ticket } = await bookingSetup();
    const link = await linkFor(dispatcher.token, ticket.id);
    const date = dayAhead(8);
    await env.DB.prepare(
      "INSERT INTO attendance (user_id, date, status, marked_by, updated_at) VALUES (?1, ?2, 'absent', ?1, ?3)",
    )
      .bind(tech.user.id, date, new Date().toISOString())
      .run();
    expectProblem(
      await call(`/v1/public/appointments/${link}/schedule`, { body: { date, start_time: "10:00" } }),
      409,
      "slot_unavailable",
    );
    expect(
      (await call(`/v1/public/appointments/${link}/schedule`, { body: { date: dayAhead(9), start_time: "10:00" } }))
        .status,
    ).toBe(200);
    expectProblem(
      await call(`/v1/public/appointments/${link}/schedule`, { body: { date: dayAhead(9), start_time: "11:00" } }),
      409,
      "conflict",
    );
  });
});

describe("SCH-1 a ticket's availability", () => {
  it("offers the assigned technician's free slots, marks one taken by another job, and hides other people's tickets", async () => {
    const { dispatcher, tech, cust, ticket } = await bookingSetup();
    const date = dayAhead(6);
    const before = await call(`/v1/availability?ticket_id=${ticket.id}&date=${date}`, { token: cust.token });
    expect(before.status, before.text).toBe(200);
    expect(before.json).toMatchObject({ date, technician_id: tech.user.id, timezone: expect.any(String) });
    const nine = (r: typeof before) =>
      r.json.slots.find((s: { start_time: string }) => s.start_time.startsWith("09:00"));
    expect(nine(before).is_available).toBe(true);
    // Another job of the same technician takes 09:00.
    const other = await raiseTicket(dispatcher.token);
    await call(`/v1/tickets/${other.id}/assign`, { token: dispatcher.token, body: { technician_ids: [tech.user.id] } });
    const booked = await call("/v1/appointments", {
      token: dispatcher.token,
      body: { ticket_id: other.id, technician_id: tech.user.id, date, start_time: "09:00" },
    });
    expect(booked.status, booked.text).toBe(201);
    const after = await call(`/v1/availability?ticket_id=${ticket.id}&date=${date}`, { token: cust.token });
    expect(nine(after).is_available).toBe(false);
    const stranger = await customerAccount();
    expectProblem(
      await call(`/v1/availability?ticket_id=${ticket.id}&date=${date}`, { token: stranger.token }),
      404,
      "not_found",
    );
  });
});
