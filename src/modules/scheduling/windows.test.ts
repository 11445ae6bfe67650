import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call } from "../../../test/helpers";
import { bookingSetup, dayAhead, linkFor } from "../../../test/scheduling-helpers";
import { raiseTicket } from "../../../test/work-factories";
import { systemContext } from "../../lib/context";
import { type Env, settingsFrom } from "../../lib/env";
import { AppError } from "../../lib/problem";
import { formatVisitWindow } from "../../locales/catalogue";
import { linkAvailability, linkHold, linkReschedule, linkSchedule, resolveToken } from "./links.service";
import { windowAt, windowMinutesFor, windowsOf } from "./windows";

const windowed = settingsFrom({ ...env, ARRIVAL_WINDOWS: "installation=240,default=120" } as Env);

/** The customer's link as the server sees it, on a deployment that offers two-hour arrival windows. */
async function windowedLink(token: string) {
  const ctx = { ...systemContext(env, "test"), settings: windowed, clientIp: `10.9.${Math.random()}` };
  return resolveToken(ctx, token);
}

describe("arrival windows", () => {
  it("ARRIVAL_WINDOWS sets minutes per ticket kind with a default; windows tile the working day", () => {
    expect(windowMinutesFor(windowed, "installation")).toBe(240);
    expect(windowMinutesFor(windowed, "repair")).toBe(120);
    expect(windowMinutesFor(settingsFrom(env), "repair")).toBe(0);
    const slots = [
      { start_time: "08:00:00", is_available: false },
      { start_time: "09:30:00", is_available: true },
      { start_time: "10:00:00", is_available: false },
    ];
    const windows = windowsOf(windowed, slots, 120);
    expect(windows.map((w) => `${w.start_time}-${w.end_time}`)).toEqual([
      "08:00:00-10:00:00",
      "10:00:00-12:00:00",
      "12:00:00-14:00:00",
      "14:00:00-16:00:00",
      "16:00:00-17:00:00",
    ]);
    // Open when some exact time starting inside it is open: 09:30 opens the first, nothing the second.
    expect(windows.map((w) => w.is_available)).toEqual([true, false, false, false, false]);
    expect(() => windowAt(windowed, 120, "09:00")).toThrow(AppError);
    expect(formatVisitWindow("en", "2030-01-30T06:00:00Z", "2030-01-30T08:00:00Z", "Africa/Gaborone")).toMatch(
      /08:00\s*–\s*10:00/,
    );
  });

  it("the customer holds and books a window; the technician keeps the earliest exact time that fits in it", async () => {
    const { dispatcher, tech, ticket } = await bookingSetup();
    const date = dayAhead(8);
    // The technician is busy 08:00–08:30 elsewhere (no address: the 15-minute buffer applies), so 09:00 is the first time.
    const other = await raiseTicket(dispatcher.token);
    expect(
      (
        await call("/v1/appointments", {
          token: dispatcher.token,
          body: { ticket_id: other.id, technician_id: tech.user.id, date, start_time: "08:00" },
        })
      ).status,
    ).toBe(201);
    const token = await linkFor(dispatcher.token, ticket.id);
    const link = await windowedLink(token);
    const day = await linkAvailability(link, date);
    expect(day.arrival_window_minutes).toBe(120);
    expect(day.windows?.[0]).toEqual({ start_time: "08:00:00", end_time: "10:00:00", is_available: true });
    // A time that is not a window's start is refused, naming the starts.
    const off = await linkSchedule(link, date, "09:00").catch((e: AppError) => e);
    expect([(off as AppError).code, (off as AppError).message]).toEqual([
      "unprocessable",
      "Pick one of the day's arrival windows.",
    ]);
    expect((off as AppError).errors?.[0].message).toContain("08:00, 10:00, 12:00, 14:00, 16:00");
    const hold = await linkHold(link, date, "08:00");
    expect(hold.start_time).toBe("09:00:00");
    // Each request resolves its link afresh (with the time it holds).
    const booked = await linkSchedule(await windowedLink(token), date, "08:00");
    expect(booked.appointment_state.scheduled_time).toBe("09:00:00");
    expect(booked.appointment_state.arrival_window).toMatchObject({ start_time: "08:00:00", end_time: "10:00:00" });
    const row = await env.DB.prepare(
      "SELECT start_time, window_starts_at, window_ends_at, technician_id FROM appointments WHERE ticket_id = ?",
    )
      .bind(ticket.id)
      .first<{ start_time: string; window_starts_at: string; window_ends_at: string; technician_id: string }>();
    expect(row).toMatchObject({ start_time: "09:00", technician_id: tech.user.id });
    expect(row!.window_ends_at > row!.window_starts_at).toBe(true);
    // The held time became the booking: nothing is still held on the link.
    const held = await env.DB.prepare("SELECT status FROM slot_holds WHERE id = ?").bind(hold.id).first();
    expect(held).toEqual({ status: "booked" });
    // Staff see the window on the appointment too.
    const apptId = await env.DB.prepare("SELECT id FROM appointments WHERE ticket_id = ?").bind(ticket.id).first("id");
    const seen = await call(`/v1/appointments/${apptId}`, { token: dispatcher.token });
    expect(seen.status, seen.text).toBe(200);
    expect(seen.json.arrival_window).toEqual({
      starts_at: row!.window_starts_at,
      ends_at: row!.window_ends_at,
    });
    // Moving to another window keeps speaking in windows.
    const moved = await linkReschedule(await windowedLink(token), date, "14:00");
    expect(moved.appointment_state.scheduled_time).toBe("14:00:00");
    expect(moved.appointment_state.arrival_window).toMatchObject({ start_time: "14:00:00", end_time: "16:00:00" });
  });

  it("a full window answers 409 and books nothing", async () => {
    const { dispatcher, tech, ticket } = await bookingSetup();
    const date = dayAhead(9);
    // 16:00–17:00 is the day's last (one-hour) window; fill it with a visit of its own.
    const other = await raiseTicket(dispatcher.token);
    await call("/v1/appointments", {
      token: dispatcher.token,
      body: { ticket_id: other.id, technician_id: tech.user.id, date, start_time: "16:00", duration_minutes: 60 },
    });
    const link = await windowedLink(await linkFor(dispatcher.token, ticket.id));
    const err = await linkSchedule(link, date, "16:00").catch((e: AppError) => e);
    expect((err as AppError).code).toBe("slot_unavailable");
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM appointments WHERE ticket_id = ?")
      .bind(ticket.id)
      .first<{ n: number }>();
    expect(rows?.n).toBe(0);
  });
});
