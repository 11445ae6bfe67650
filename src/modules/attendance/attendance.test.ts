import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../../../test/helpers";
import { dayAhead } from "../../../test/scheduling-helpers";
import { securitySuite } from "../../../test/security-suite";
import { staff, technicianAccount } from "../../../test/work-factories";

securitySuite("attendance");

describe("FW-4 attendance", () => {
  it("marks one and many, lists with filters, and shows people their own", async () => {
    const sup = await staff("supervisor");
    const a = await technicianAccount({ supervisorId: sup.user.id });
    const b = await technicianAccount({ supervisorId: sup.user.id });
    const outsider = await technicianAccount();
    const date = dayAhead(2);
    const one = await call("/v1/attendance/mark", {
      token: sup.token,
      body: { user_id: a.user.id, date, status: "absent", reason: "clinic" },
    });
    expect(one.status, one.text).toBe(200);
    expect(one.json).toMatchObject({ user_id: a.user.id, status: "absent", reason: "clinic", marked_by: sup.user.id });
    const bulk = await call("/v1/attendance/bulk", {
      token: sup.token,
      body: { date, present: [a.user.id, b.user.id] },
    });
    expect(bulk.json.data.map((r: { status: string }) => r.status)).toEqual(["present", "present"]);
    expect(bulk.json.marked).toEqual({ present: 2, absent: 0 });
    expectProblem(
      await call("/v1/attendance/bulk", {
        token: sup.token,
        body: { date, present: [a.user.id], absent: [a.user.id] },
      }),
      400,
      "validation_failed",
    );
    expectProblem(
      await call("/v1/attendance/mark", {
        token: sup.token,
        body: { user_id: outsider.user.id, date, status: "present" },
      }),
      403,
      "forbidden",
    );
    await call("/v1/attendance/mark", { token: sup.token, body: { user_id: b.user.id, date, status: "absent" } });
    const absent = await call(`/v1/attendance?date=${date}&status=absent`, { token: sup.token });
    expect(absent.json.data.map((r: { user_id: string }) => r.user_id)).toEqual([b.user.id]);
    const mine = await call("/v1/attendance/me", { token: b.token });
    expect(mine.json.data).toEqual([expect.objectContaining({ user_id: b.user.id, status: "absent" })]);
    // Today, as one record: unmarked until someone marks it.
    const today = new Intl.DateTimeFormat("en-CA", { timeZone: "Africa/Gaborone" }).format(new Date());
    expect((await call("/v1/attendance/me/today", { token: b.token })).json).toEqual({
      date: today,
      status: "unmarked",
      reason: null,
      marked_by: null,
      updated_at: null,
    });
    await call("/v1/attendance/mark", {
      token: sup.token,
      body: { user_id: b.user.id, date: today, status: "present" },
    });
    expect((await call("/v1/attendance/me/today", { token: b.token })).json).toMatchObject({
      date: today,
      status: "present",
      marked_by: sup.user.id,
    });
    // Absent on that day: no bookable slots.
    const slots = await call(`/v1/technicians/${b.user.id}/availability?date=${date}`, { token: sup.token });
    expect(slots.json.slots.every((s: { is_available: boolean }) => !s.is_available)).toBe(true);
  });
});
