import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../../../test/helpers";
import { assignedTicket, raiseTicket, staff, technicianAccount } from "../../../test/work-factories";
import { systemContext } from "../../lib/context";
import { addDays, todayIn, zonedTimeToUtc } from "../../lib/time";
import { settleTimeOffHolds } from "./time-off.service";

const ZONE = "Africa/Gaborone";
const weekdayOf = (date: string) => new Date(`${date}T12:00:00Z`).getUTCDay(); // 0 = Sunday
/** The first date from today + `from` days on that falls on the weekday (0 = Sunday). */
function next(weekday: number, from = 2) {
  let d = addDays(todayIn(ZONE), from);
  while (weekdayOf(d) !== weekday) d = addDays(d, 1);
  return d;
}
const at = (date: string, time: string) => zonedTimeToUtc(date, time, ZONE).toISOString();

async function officeCalendar(admin: string, holiday: string) {
  const day = [{ start: "08:00", end: "17:00" }];
  const res = await call("/v1/calendars", {
    token: admin,
    body: {
      name: "Team office",
      time_zone: ZONE,
      week: { mon: day, tue: day, wed: day, thu: day, fri: day },
      holidays: [{ date: holiday, name: "Founders' Day" }],
    },
  });
  expect(res.status, res.text).toBe(201);
  return res.json.id as string;
}

const slotsOn = async (token: string, technicianId: string, date: string) =>
  (await call(`/v1/technicians/${technicianId}/availability?date=${date}`, { token })).json;
const open = (day: { slots: { start_time: string; is_available: boolean }[] }) =>
  day.slots.filter((s) => s.is_available).map((s) => s.start_time.slice(0, 5));

describe("technicians' working hours", () => {
  it("a technician on a calendar is offered no slot on days off or holidays, and cannot be booked then", async () => {
    const admin = await staff("admin");
    const monday = next(1);
    const holiday = next(3); // a Wednesday
    const sunday = next(0);
    const calendar = await officeCalendar(admin.token, holiday);
    const { ticket, tech, dispatcher } = await assignedTicket();
    const patched = await call(`/v1/technicians/${tech.user.id}`, {
      token: admin.token,
      method: "PATCH",
      body: { calendar_id: calendar },
    });
    expect(patched.json).toMatchObject({ calendar_id: calendar, working_week: null });

    const onSunday = await slotsOn(admin.token, tech.user.id, sunday);
    expect(onSunday).toMatchObject({ weekday: "Sunday", closed_reason: "Not a working day" });
    expect(open(onSunday)).toEqual([]);
    const onHoliday = await slotsOn(admin.token, tech.user.id, holiday);
    expect(onHoliday.closed_reason).toBe("No visits on public holidays (Founders' Day)");
    expect(open(onHoliday)).toEqual([]);
    const onMonday = await slotsOn(admin.token, tech.user.id, monday);
    expect(onMonday.closed_reason).toBeNull();
    expect(open(onMonday)).toContain("08:00");

    const booked = await call("/v1/appointments", {
      token: dispatcher.token,
      body: { ticket_id: ticket.id, technician_id: tech.user.id, date: sunday, start_time: "10:00" },
    });
    expectProblem(booked, 409);
    expect(booked.json.detail).toBe("Not a working day");
    // The ticket's own availability (what the customer's page offers) says the same.
    const forTicket = await call(`/v1/availability?ticket_id=${ticket.id}&date=${holiday}`, {
      token: dispatcher.token,
    });
    expect(forTicket.json).toMatchObject({ closed_reason: "No visits on public holidays (Founders' Day)" });
  });

  it("own weekly frames narrow the day; an unknown calendar is refused; a technician cannot set their own hours", async () => {
    const admin = await staff("admin");
    const tech = await technicianAccount();
    const tuesday = next(2);
    const patched = await call(`/v1/technicians/${tech.user.id}`, {
      token: admin.token,
      method: "PATCH",
      body: { working_week: { tue: [{ start: "12:00", end: "14:00" }] } },
    });
    expect(patched.status, patched.text).toBe(200);
    const day = await slotsOn(admin.token, tech.user.id, tuesday);
    expect(open(day).length).toBeGreaterThan(0);
    expect(open(day).every((t) => t >= "12:00" && t < "14:00")).toBe(true);
    expect(open(await slotsOn(admin.token, tech.user.id, next(4)))).toEqual([]);
    expectProblem(
      await call(`/v1/technicians/${tech.user.id}`, {
        token: admin.token,
        method: "PATCH",
        body: { calendar_id: "cal_nope" },
      }),
      400,
      "validation_failed",
    );
    expectProblem(
      await call(`/v1/technicians/${tech.user.id}`, {
        token: tech.token,
        method: "PATCH",
        body: { working_week: null },
      }),
      403,
    );
  });
});

describe("time off", () => {
  it("a technician asks, their supervisor approves (not another team's, not the technician); its slots close; cancelling opens them", async () => {
    const supervisor = await staff("supervisor");
    const otherSupervisor = await staff("supervisor");
    const tech = await technicianAccount({ supervisorId: supervisor.user.id });
    const date = next(2);
    const body = {
      kind: "leave",
      starts_at: at(date, "00:00"),
      ends_at: at(addDays(date, 1), "00:00"),
      reason: "Wedding",
    };
    const asked = await call("/v1/time-off", { token: tech.token, body });
    expect(asked.status, asked.text).toBe(201);
    expect(asked.json).toMatchObject({ status: "requested", technician_id: tech.user.id, requested_by: tech.user.id });
    // Asked for is not yet away.
    expect(open(await slotsOn(supervisor.token, tech.user.id, date)).length).toBeGreaterThan(0);

    const id = asked.json.id;
    expectProblem(await call(`/v1/time-off/${id}/approve`, { token: tech.token, body: {} }), 403);
    expectProblem(await call(`/v1/time-off/${id}/approve`, { token: otherSupervisor.token, body: {} }), 404);
    expectProblem(await call(`/v1/time-off/${id}`, { token: otherSupervisor.token }), 404);
    const approved = await call(`/v1/time-off/${id}/approve`, { token: supervisor.token, body: { note: "Enjoy" } });
    expect(approved.json).toMatchObject({ status: "approved", decided_by: supervisor.user.id, decision_note: "Enjoy" });
    expectProblem(await call(`/v1/time-off/${id}/approve`, { token: supervisor.token, body: {} }), 409);
    const away = await slotsOn(supervisor.token, tech.user.id, date);
    expect(open(away)).toEqual([]);

    // The technician sees their own; the supervisor their team's; another supervisor nothing of it.
    const mine = await call("/v1/time-off", { token: tech.token });
    expect(mine.json.data.map((t: { id: string }) => t.id)).toEqual([id]);
    const theirs = await call(`/v1/time-off?technician_id=${tech.user.id}`, { token: otherSupervisor.token });
    expect(theirs.json.data).toEqual([]);

    const cancelled = await call(`/v1/time-off/${id}/cancel`, { token: tech.token, body: {} });
    expect(cancelled.json.status).toBe("cancelled");
    expect(open(await slotsOn(supervisor.token, tech.user.id, date)).length).toBeGreaterThan(0);
  });

  it("approving over booked visits lists them to move; nothing is booked over approved time off", async () => {
    const manager = await staff("manager");
    const { ticket, tech, dispatcher } = await assignedTicket();
    const date = next(3);
    const booked = await call("/v1/appointments", {
      token: dispatcher.token,
      body: { ticket_id: ticket.id, technician_id: tech.user.id, date, start_time: "10:00" },
    });
    expect(booked.status, booked.text).toBe(201);
    // Entered by a manager: approved at once.
    const sick = await call("/v1/time-off", {
      token: manager.token,
      body: { technician_id: tech.user.id, kind: "sick", starts_at: at(date, "08:00"), ends_at: at(date, "13:00") },
    });
    expect(sick.json).toMatchObject({ status: "approved", decided_by: manager.user.id });
    expect(sick.json.visits_to_move).toMatchObject([{ appointment_id: booked.json.id, ticket_id: ticket.id }]);
    const other = await raiseTicket(dispatcher.token);
    await call(`/v1/tickets/${other.id}/assign`, { token: dispatcher.token, body: { technician_ids: [tech.user.id] } });
    const over = await call("/v1/appointments", {
      token: dispatcher.token,
      body: { ticket_id: other.id, technician_id: tech.user.id, date, start_time: "11:00" },
    });
    expectProblem(over, 409);
    expect(over.json.detail).toBe("The technician has approved time off then.");
    // The afternoon is free.
    const later = await call("/v1/appointments", {
      token: dispatcher.token,
      body: { ticket_id: other.id, technician_id: tech.user.id, date, start_time: "14:00" },
    });
    expect(later.status, later.text).toBe(201);
  });

  it("a hold lost between the row and the schedule is taken by the cron; bad input changes nothing", async () => {
    const manager = await staff("manager");
    const tech = await technicianAccount();
    const date = next(2);
    const now = new Date().toISOString();
    await env.DB.prepare(
      `INSERT INTO time_off (id, technician_id, kind, starts_at, ends_at, status, requested_by, decided_by, decided_at, created_at, updated_at)
       VALUES ('tof_crash_test_0000000', ?1, 'training', ?2, ?3, 'approved', ?4, ?4, ?5, ?5, ?5)`,
    )
      .bind(tech.user.id, at(date, "00:00"), at(addDays(date, 1), "00:00"), manager.user.id, now)
      .run();
    expect(open(await slotsOn(manager.token, tech.user.id, date)).length).toBeGreaterThan(0);
    expect((await settleTimeOffHolds(systemContext(env, "test"))).settled).toBeGreaterThanOrEqual(1);
    expect(open(await slotsOn(manager.token, tech.user.id, date))).toEqual([]);
    expect((await settleTimeOffHolds(systemContext(env, "test"))).settled).toBe(0);

    const before = await env.DB.prepare("SELECT count(*) AS n FROM time_off").first<{ n: number }>();
    for (const bad of [
      { kind: "holiday", starts_at: at(date, "08:00"), ends_at: at(date, "10:00") },
      { kind: "leave", starts_at: at(date, "10:00"), ends_at: at(date, "08:00") },
      { kind: "leave", starts_at: "2020-01-01T00:00:00Z", ends_at: "2020-01-02T00:00:00Z" },
      { kind: "leave", starts_at: at(date, "08:00"), ends_at: at(date, "10:00"), technician_id: "usr_nope" },
    ])
      expect((await call("/v1/time-off", { token: manager.token, body: bad })).status).toBeGreaterThanOrEqual(400);
    const dispatcher = await staff("dispatcher");
    expectProblem(
      await call("/v1/time-off", {
        token: dispatcher.token,
        body: { kind: "leave", starts_at: at(date, "08:00"), ends_at: at(date, "10:00"), technician_id: tech.user.id },
      }),
      404,
    );
    expect(await env.DB.prepare("SELECT count(*) AS n FROM time_off").first<{ n: number }>()).toEqual(before);
  });
});
