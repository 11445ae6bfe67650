import { describe, expect, it } from "vitest";
import { api } from "../../../test/client";
import { staff } from "../../../test/work-factories";

const office = {
  name: "Office",
  time_zone: "Africa/Gaborone",
  week: {
    mon: [{ start: "08:00", end: "17:00" }],
    tue: [{ start: "08:00", end: "17:00" }],
    wed: [{ start: "08:00", end: "17:00" }],
    thu: [{ start: "08:00", end: "17:00" }],
    fri: [{ start: "08:00", end: "17:00" }],
    sat: [{ start: "08:00", end: "13:00" }],
  },
  holidays: [{ date: "--12-25", name: "Christmas Day" }],
};

describe("calendars", () => {
  it("an admin creates, reads, changes and deletes a calendar; working time follows its frames and holidays", async () => {
    const admin = api((await staff("admin")).token);
    const created = await admin.POST("/v1/calendars", { body: office });
    expect(created.response.status).toBe(201);
    const id = created.data?.id ?? "";
    const params = { path: { id } };
    expect((await admin.GET("/v1/calendars/{id}", { params })).data).toMatchObject({
      name: "Office",
      is_default: false,
    });
    // Friday 16:30 local + 2 working hours: Saturday 09:30.
    const friday = await admin.GET("/v1/calendars/{id}/working-time", {
      params: { ...params, query: { from: "2026-12-04T16:30:00+02:00", minutes: 120 } },
    });
    expect(friday.data?.due_at).toBe("2026-12-05T07:30:00.000Z");
    // Without Saturday: Monday 09:30.
    const patched = await admin.PATCH("/v1/calendars/{id}", { params, body: { week: { ...office.week, sat: [] } } });
    expect(patched.response.status).toBe(200);
    const monday = await admin.GET("/v1/calendars/{id}/working-time", {
      params: { ...params, query: { from: "2026-12-04T16:30:00+02:00", minutes: 120 } },
    });
    expect(monday.data?.due_at).toBe("2026-12-07T07:30:00.000Z");
    // Christmas (a Friday in 2026) does not count.
    const christmas = await admin.GET("/v1/calendars/{id}/working-time", {
      params: { ...params, query: { from: "2026-12-24T16:00:00+02:00", minutes: 120 } },
    });
    expect(christmas.data?.due_at).toBe("2026-12-28T07:00:00.000Z");
    expect((await admin.DELETE("/v1/calendars/{id}", { params })).response.status).toBe(204);
    expect((await admin.GET("/v1/calendars/{id}", { params })).response.status).toBe(404);
  });

  it("one default at a time; the default cannot be deleted", async () => {
    const admin = api((await staff("admin")).token);
    const a = await admin.POST("/v1/calendars", { body: { ...office, name: "A", is_default: true } });
    const b = await admin.POST("/v1/calendars", { body: { ...office, name: "B", is_default: true } });
    const get = async (id: string) => (await admin.GET("/v1/calendars/{id}", { params: { path: { id } } })).data;
    expect((await get(a.data?.id ?? ""))?.is_default).toBe(false);
    expect((await get(b.data?.id ?? ""))?.is_default).toBe(true);
    const refused = await admin.DELETE("/v1/calendars/{id}", { params: { path: { id: b.data?.id ?? "" } } });
    expect(refused.response.status).toBe(409);
    await admin.PATCH("/v1/calendars/{id}", { params: { path: { id: a.data?.id ?? "" } }, body: { is_default: true } });
    expect((await get(b.data?.id ?? ""))?.is_default).toBe(false);
    expect((await get(a.data?.id ?? ""))?.is_default).toBe(true);
  });

  it("refuses what is not a calendar, and stores nothing", async () => {
    const admin = api((await staff("admin")).token);
    const bad = [
      { ...office, time_zone: "Mars/Olympus" },
      { ...office, week: { mon: [{ start: "8:00", end: "17:00" }] } },
      { ...office, week: { mon: [{ start: "09:00", end: "09:00" }] } },
      { ...office, week: { someday: [] } },
      { ...office, holidays: [{ date: "--13-40", name: "Never" }] },
      {
        ...office,
        holidays: [
          { date: "--12-25", name: "A" },
          { date: "--12-25", name: "B" },
        ],
      },
    ];
    for (const body of bad) {
      // Deliberately outside the document's types: the API must refuse it at run time.
      const res = await admin.POST("/v1/calendars", { body: body as typeof office });
      expect(res.response.status, JSON.stringify(body)).toBe(400);
      expect(res.error).toMatchObject({ code: "validation_failed" });
    }
    const list = await admin.GET("/v1/calendars", { params: { query: { limit: 100 } } });
    expect(list.data?.data.some((c) => c.time_zone === "Mars/Olympus")).toBe(false);
  });

  it("staff read calendars; only administrators change them; the audit log records each change", async () => {
    const adminAccount = await staff("admin");
    const admin = api(adminAccount.token);
    const created = await admin.POST("/v1/calendars", { body: office });
    const id = created.data?.id ?? "";
    for (const role of ["manager", "dispatcher", "supervisor"] as const) {
      const other = api((await staff(role)).token);
      expect((await other.GET("/v1/calendars/{id}", { params: { path: { id } } })).response.status).toBe(200);
      expect((await other.POST("/v1/calendars", { body: office })).response.status).toBe(403);
      const patch = await other.PATCH("/v1/calendars/{id}", { params: { path: { id } }, body: { name: "Mine" } });
      expect(patch.response.status).toBe(403);
    }
    expect((await api().GET("/v1/calendars")).response.status).toBe(401);
    await admin.PATCH("/v1/calendars/{id}", { params: { path: { id } }, body: { name: "Renamed" } });
    const audit = await admin.GET("/v1/audit-log", {
      params: { query: { target_type: "calendar", target_id: id, order: "occurred_at" } },
    });
    expect(audit.data?.data.map((e) => e.action)).toEqual(["calendar.created", "calendar.updated"]);
  });
});
