import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { call, expectProblem } from "../../../test/helpers";
import { dayAhead } from "../../../test/scheduling-helpers";
import { raiseTicket, staff, technicianAccount } from "../../../test/work-factories";
import { systemContext } from "../../lib/context";
import type { Env } from "../../lib/env";
import { AppError } from "../../lib/problem";
import { book } from "./appointments.service";
import { osrmEngine, simulatedRouting, travelRuleFor } from "./routing";

// Gaborone's CBD and Mogoditshane: 13.3 km apart, 32 minutes by the default rule (× 1.4 at 35 km/h).
const CBD = { lat: -24.6545, lng: 25.9086 };
const MOGODITSHANE = { lat: -24.6269, lng: 25.7814 };

afterEach(() => vi.restoreAllMocks());

describe("travel between a technician's visits", () => {
  it("availability hides the times the technician cannot reach, the booking check refuses them, and the two agree", async () => {
    const dispatcher = await staff("dispatcher");
    const tech = await technicianAccount();
    const date = dayAhead(5);
    const first = await raiseTicket(dispatcher.token, { location: CBD });
    const second = await raiseTicket(dispatcher.token, { location: MOGODITSHANE });
    const booked = await call("/v1/appointments", {
      token: dispatcher.token,
      body: { ticket_id: first.id, technician_id: tech.user.id, date, start_time: "09:00", duration_minutes: 60 },
    });
    expect(booked.status).toBe(201);
    await call(`/v1/tickets/${second.id}/assign`, {
      token: dispatcher.token,
      body: { technician_ids: [tech.user.id] },
    });
    const day = await call(`/v1/availability?ticket_id=${second.id}&date=${date}&explain=true`, {
      token: dispatcher.token,
    });
    expect(day.status).toBe(200);
    const at = (t: string) => day.json.slots.find((s: { start_time: string }) => s.start_time === `${t}:00`);
    expect(at("10:00").is_available).toBe(false);
    expect(at("10:00").hidden_because).toEqual([
      { technician_id: tech.user.id, reason: "travel", detail: "needs 32 min to travel from the visit before, has 0" },
    ]);
    expect(at("10:30").is_available).toBe(false);
    expect(at("11:00").is_available).toBe(true);
    // Before the visit: 08:00–08:30 leaves 30 minutes to cross town, 32 are needed.
    expect(at("08:00").hidden_because[0].reason).toBe("travel");
    const refused = await call("/v1/appointments", {
      token: dispatcher.token,
      body: { ticket_id: second.id, date, start_time: "10:00" },
    });
    expectProblem(refused, 409, "slot_unavailable");
    expect(refused.json.detail).toBe(
      "The technician cannot get there in time from their visit before (32 minutes' travel, 0 free).",
    );
    const later = await call("/v1/appointments", {
      token: dispatcher.token,
      body: { ticket_id: second.id, date, start_time: "11:00" },
    });
    expect(later.status).toBe(201);
  });

  it("moving a visit applies the same rule: it cannot land right after a visit across town", async () => {
    const dispatcher = await staff("dispatcher");
    const tech = await technicianAccount();
    const date = dayAhead(6);
    const a = await raiseTicket(dispatcher.token, { location: CBD });
    const b = await raiseTicket(dispatcher.token, { location: MOGODITSHANE });
    for (const [ticket, start] of [
      [a, "09:00"],
      [b, "14:00"],
    ] as const)
      expect(
        (
          await call("/v1/appointments", {
            token: dispatcher.token,
            body: { ticket_id: ticket.id, technician_id: tech.user.id, date, start_time: start },
          })
        ).status,
      ).toBe(201);
    const apptOfB = await env.DB.prepare("SELECT id FROM appointments WHERE ticket_id = ?")
      .bind(b.id)
      .first<{ id: string }>();
    const tooClose = await call(`/v1/appointments/${apptOfB!.id}/reschedule`, {
      token: dispatcher.token,
      body: { date, start_time: "09:30" },
    });
    expectProblem(tooClose, 409, "slot_unavailable");
    expect(tooClose.json.detail).toContain("32 minutes' travel");
    const fine = await call(`/v1/appointments/${apptOfB!.id}/reschedule`, {
      token: dispatcher.token,
      body: { date, start_time: "10:30" },
    });
    expect(fine.status).toBe(200);
  });
});

describe("who could come, explained", () => {
  it("candidates at a time name who is booked, who is too far and who is free, by the same pass availability makes", async () => {
    const admin = await staff("admin");
    const skill = `travel-${crypto.randomUUID().slice(0, 8)}`;
    const near = await technicianAccount({ skills: [skill] });
    const far = await technicianAccount({ skills: [skill] });
    const busy = await technicianAccount({ skills: [skill] });
    const date = dayAhead(8);
    const book = async (technicianId: string, location: { lat: number; lng: number }, start: string) => {
      const t = await raiseTicket(admin.token, { location });
      const res = await call("/v1/appointments", {
        token: admin.token,
        body: { ticket_id: t.id, technician_id: technicianId, date, start_time: start, duration_minutes: 60 },
      });
      expect(res.status, res.text).toBe(201);
    };
    await book(near.user.id, MOGODITSHANE, "09:00");
    await book(far.user.id, CBD, "09:00");
    await book(busy.user.id, MOGODITSHANE, "10:00");
    const ticket = await raiseTicket(admin.token, { location: MOGODITSHANE, required_skills: [skill] });
    const res = await call(`/v1/tickets/${ticket.id}/candidates?date=${date}&start_time=10:00`, { token: admin.token });
    expect(res.status, res.text).toBe(200);
    const of = (id: string) =>
      res.json.candidates.find((c: { technician_id: string }) => c.technician_id === id) as {
        eligible: boolean;
        passed_over: string[];
        explanation: string;
      };
    expect(of(near.user.id)).toMatchObject({ eligible: true, passed_over: [] });
    expect(of(far.user.id).passed_over).toEqual(["too_far"]);
    expect(of(far.user.id).explanation).toContain("needs 32 min to travel from the visit before, has 0");
    expect(of(busy.user.id).passed_over).toEqual(["booked"]);
    // And the offer agrees: 10:00 is open for this ticket's pool (the near technician), and booking it picks them.
    const booked = await call("/v1/appointments", {
      token: admin.token,
      body: { ticket_id: ticket.id, date, start_time: "10:00" },
    });
    expect(booked.status, booked.text).toBe(201);
    expect(booked.json.technician_id).toBe(near.user.id);
  });
});

describe("the routing engine (OSRM table service)", () => {
  const engine = (fetcher: typeof simulatedRouting) => osrmEngine("https://osrm.example.net/", 200, fetcher);

  it("asks for the whole matrix in one request, lng,lat order, and reads the durations", async () => {
    const fetcher = vi.fn(simulatedRouting);
    const table = await engine(fetcher).table([CBD, MOGODITSHANE]);
    expect(fetcher).toHaveBeenCalledTimes(1);
    expect(fetcher.mock.calls[0][0]).toBe(
      "https://osrm.example.net/table/v1/driving/25.908600,-24.654500;25.781400,-24.626900?annotations=duration",
    );
    expect(table[0][0]).toBe(0);
    // 13.3 km × 1.3 at 40 km/h in the simulator: 26 minutes.
    expect(Math.round(table[0][1]! / 60)).toBe(26);
  });

  it("retries a failed read twice, then answers routing_unavailable or routing_timeout: nothing booked, safe to retry", async () => {
    const down = vi.fn(async () => new Response("down", { status: 503 }));
    const ctx = {
      env: { ...env, ROUTING_URL: "https://osrm.example.net" } as Env,
      settings: { ...systemContext(env, "t").settings, travelRule: "routing" as const, routingTimeoutMs: 100 },
    };
    vi.spyOn(globalThis, "fetch").mockImplementation(down);
    const neighbour = { appointment_id: "apt_x", starts_ms: 0, ends_ms: 1, ...CBD };
    const err = await travelRuleFor(ctx, MOGODITSHANE, [neighbour]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("routing_unavailable");
    expect((err as AppError).message).toContain("safe to retry");
    expect(down).toHaveBeenCalledTimes(3);
    vi.spyOn(globalThis, "fetch").mockImplementation(
      (_url, init) =>
        new Promise((_, reject) =>
          init?.signal?.addEventListener("abort", () => reject(new DOMException("timed out", "TimeoutError"))),
        ),
    );
    const slow = await travelRuleFor(ctx, MOGODITSHANE, [neighbour]).catch((e: unknown) => e);
    expect((slow as AppError).code).toBe("routing_timeout");
    // A malformed answer is not a table.
    vi.spyOn(globalThis, "fetch").mockResolvedValue(Response.json({ code: "Ok", durations: [[0]] }));
    const odd = await travelRuleFor(ctx, MOGODITSHANE, [neighbour]).catch((e: unknown) => e);
    expect((odd as AppError).code).toBe("routing_unavailable");
  });

  it("with TRAVEL_RULE=routing a booking asks the engine about the visits around it, and the object applies its answer", async () => {
    const dispatcher = await staff("dispatcher");
    const tech = await technicianAccount();
    const date = dayAhead(7);
    const a = await raiseTicket(dispatcher.token, { location: CBD });
    const b = await raiseTicket(dispatcher.token, { location: MOGODITSHANE });
    expect(
      (
        await call("/v1/appointments", {
          token: dispatcher.token,
          body: { ticket_id: a.id, technician_id: tech.user.id, date, start_time: "09:00", duration_minutes: 60 },
        })
      ).status,
    ).toBe(201);
    const routed = systemContext({ ...env, TRAVEL_RULE: "routing", ROUTING_URL: "simulator" } as Env, "test");
    const ticketB = (await routed.db.query.tickets.findFirst({ where: (t, { eq }) => eq(t.id, b.id) }))!;
    // The simulator says 26 minutes (the distance rule would say 32): 10:30 is reachable by road, 10:00 is not.
    const tooSoon = await book(routed, { ticket: ticketB, technicianId: tech.user.id, date, startTime: "10:00" }).catch(
      (e: unknown) => e,
    );
    expect((tooSoon as AppError).message).toContain("26 minutes' travel");
    const row = await book(routed, { ticket: ticketB, technicianId: tech.user.id, date, startTime: "10:30" });
    expect(row.startTime).toBe("10:30");
  });
});
