import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectProblem, outboxFor } from "../../../test/helpers";
import { bookingSetup, dayAhead, doCount, linkFor } from "../../../test/scheduling-helpers";
import { pickLanguage } from "../../locales/catalogue";
import { customerAccount, raiseTicket } from "../../../test/work-factories";
import { sha256 } from "../../lib/hmac";

describe("SCH-4 customer links", () => {
  it("texts the link, stores only its hash, and serves the token context with private headers", async () => {
    const { dispatcher, ticket, tech } = await bookingSetup();
    const res = await call(`/v1/tickets/${ticket.id}/appointment-link`, { token: dispatcher.token, method: "POST" });
    expect(res.status, res.text).toBe(201);
    expect(res.json.url).toMatch(/^https:\/\/app\.truckroll\.test\/a\/[A-Za-z0-9_-]{43}$/);
    const token = res.json.url.split("/a/")[1];
    expect(
      await env.DB.prepare("SELECT count(*) AS n FROM appointment_links WHERE token_hash = ?1").bind(token).first(),
    ).toEqual({ n: 0 });
    expect(
      await env.DB.prepare("SELECT count(*) AS n FROM appointment_links WHERE token_hash = ?1")
        .bind(await sha256(token))
        .first(),
    ).toEqual({ n: 1 });
    let sms: { body: string }[] = [];
    for (let i = 0; i < 100 && !sms.length; i++) {
      sms = (await outboxFor("+26771112233")).filter((m) => m.body.includes(token));
      if (!sms.length) await new Promise((r) => setTimeout(r, 50));
    }
    expect(sms).toHaveLength(1);

    const ctx = await call(`/v1/public/appointments/${token}`);
    expect(ctx.status, ctx.text).toBe(200);
    expect(ctx.headers.get("cache-control")).toBe("no-store");
    expect(ctx.headers.get("referrer-policy")).toBe("no-referrer");
    expect(ctx.json).toMatchObject({
      token_valid: true,
      case_number: ticket.number,
      task_number: ticket.number,
      service_type: "internet",
      technician: { id: tech.user.id, username: tech.user.username },
      appointment_state: {
        scheduled_date: null,
        scheduled_time: null,
        estimated_duration_minutes: 30,
        confirmed: false,
        status: "not_booked",
      },
      allow_reschedule: true,
      allow_location_update: false,
    });
  });

  it("a cancelled ticket takes its booking with it: the slot is free again and the link offers and does nothing", async () => {
    const { dispatcher, ticket, tech } = await bookingSetup();
    const token = await linkFor(dispatcher.token, ticket.id);
    const date = dayAhead(4);
    expect(
      (await call(`/v1/public/appointments/${token}/schedule`, { body: { date, start_time: "10:00" } })).status,
    ).toBe(200);
    expect(await doCount(tech.user.id)).toBeGreaterThan(0);
    const before = await doCount(tech.user.id);
    const cancelled = await call(`/v1/tickets/${ticket.id}/cancel`, {
      token: dispatcher.token,
      body: { comment: "Customer moved away" },
    });
    expect(cancelled.status, cancelled.text).toBe(200);
    const appt = await env.DB.prepare("SELECT status, cancelled_at FROM appointments WHERE ticket_id = ?1")
      .bind(ticket.id)
      .first<{ status: string; cancelled_at: string }>();
    expect(appt).toMatchObject({ status: "cancelled", cancelled_at: expect.any(String) });
    expect(await doCount(tech.user.id)).toBe(before - 1);
    const slots = await call(`/v1/technicians/${tech.user.id}/availability?date=${date}`, { token: dispatcher.token });
    expect(slots.json.slots.find((s: { start_time: string }) => s.start_time.startsWith("10:00")).is_available).toBe(
      true,
    );
    const history = await call(`/v1/tickets/${ticket.id}/history`, { token: dispatcher.token });
    expect(history.json.data.map((h: { action: string }) => h.action)).toContain("appointment_cancel");

    const ctx = await call(`/v1/public/appointments/${token}`);
    expect(ctx.json).toMatchObject({ allow_reschedule: false, allow_location_update: false, allow_cancel: false });
    expectProblem(
      await call(`/v1/public/appointments/${token}/reschedule`, { body: { date, start_time: "11:00" } }),
      409,
    );
    expectProblem(
      await call(`/v1/public/appointments/${token}/schedule`, { body: { date, start_time: "11:00" } }),
      409,
    );
    expectProblem(
      await call(`/v1/public/appointments/${token}/location`, { method: "PATCH", body: { lat: -24.6, lng: 25.9 } }),
      409,
    );
    expectProblem(await call(`/v1/public/appointments/${token}/cancel`, { body: {} }), 409);
    expect(await doCount(tech.user.id)).toBe(before - 1);
  });

  it("a closed ticket's booked visit is cancelled with it", async () => {
    const { dispatcher, ticket, tech } = await bookingSetup();
    const booked = await call("/v1/appointments", {
      token: dispatcher.token,
      body: { ticket_id: ticket.id, technician_id: tech.user.id, date: dayAhead(5), start_time: "09:00" },
    });
    expect(booked.status, booked.text).toBe(201);
    for (const step of ["start", "resolve"])
      expect((await call(`/v1/tickets/${ticket.id}/${step}`, { token: tech.token, body: {} })).status).toBe(200);
    const now = (await call(`/v1/tickets/${ticket.id}`, { token: dispatcher.token })).json.status;
    if (now !== "closed")
      expect((await call(`/v1/tickets/${ticket.id}/approve`, { token: dispatcher.token, body: {} })).status).toBe(200);
    expect(
      (await env.DB.prepare("SELECT status FROM appointments WHERE id = ?1")
        .bind(booked.json.id)
        .first<{ status: string }>())!.status,
    ).toBe("cancelled");
  });

  it("books, reschedules (same link keeps working) and shares a location through the link", async () => {
    const { dispatcher, ticket } = await bookingSetup();
    const token = await linkFor(dispatcher.token, ticket.id);
    const date = dayAhead(4);
    const slots = await call(`/v1/public/appointments/${token}/availability?date=${date}`);
    expect(slots.json).toMatchObject({ date, timezone: "Africa/Gaborone" });
    expect(slots.json.slots[0]).toEqual({ start_time: "08:00:00", end_time: "08:30:00", is_available: true });
    const booked = await call(`/v1/public/appointments/${token}/schedule`, { body: { date, start_time: "10:00" } });
    expect(booked.status, booked.text).toBe(200);
    expect(booked.json.appointment_state).toMatchObject({
      scheduled_date: date,
      scheduled_time: "10:00:00",
      status: "scheduled",
    });
    expectProblem(
      await call(`/v1/public/appointments/${token}/schedule`, { body: { date, start_time: "11:00" } }),
      409,
      "conflict",
    );
    const moved = await call(`/v1/public/appointments/${token}/reschedule`, { body: { date, start_time: "14:30" } });
    expect(moved.json.appointment_state.scheduled_time).toBe("14:30:00");
    const located = await call(`/v1/public/appointments/${token}/location`, {
      method: "PATCH",
      body: { lat: -24.65, lng: 25.91, address: "Gate 2" },
    });
    expect(located.status, located.text).toBe(200);
    const appt = (await call(`/v1/appointments?technician_id=${moved.json.technician.id}`, { token: dispatcher.token }))
      .json.data[0];
    expect(appt).toMatchObject({ scheduled_via: "link", location: { lat: -24.65, lng: 25.91, address: "Gate 2" } });
  });

  it("records the customer on a link as nobody's user: no scheduled_by, history and events without an actor", async () => {
    const { dispatcher, ticket } = await bookingSetup();
    const token = await linkFor(dispatcher.token, ticket.id);
    const booked = await call(`/v1/public/appointments/${token}/schedule`, {
      body: { date: dayAhead(4), start_time: "09:00" },
    });
    expect(booked.status, booked.text).toBe(200);
    const row = await env.DB.prepare("SELECT scheduled_by, scheduled_via FROM appointments WHERE ticket_id = ?1")
      .bind(ticket.id)
      .first();
    expect(row).toEqual({ scheduled_by: null, scheduled_via: "link" });
    const history = await env.DB.prepare(
      "SELECT actor_id FROM ticket_history WHERE ticket_id = ?1 AND action = 'appointment_scheduled'",
    )
      .bind(ticket.id)
      .first();
    expect(history).toEqual({ actor_id: null });
    const event = await env.DB.prepare(
      "SELECT actor_id, json_extract(data, '$.via') AS via FROM domain_events WHERE subject_id = ?1 AND type = 'appointment.scheduled'",
    )
      .bind(ticket.id)
      .first();
    expect(event).toEqual({ actor_id: null, via: "link" });
  });

  it("records a dispatcher's booking as theirs, via staff", async () => {
    const { dispatcher, ticket, tech } = await bookingSetup();
    const booked = await call("/v1/appointments", {
      token: dispatcher.token,
      body: { ticket_id: ticket.id, technician_id: tech.user.id, date: dayAhead(4), start_time: "09:00" },
    });
    expect(booked.status, booked.text).toBe(201);
    const row = await env.DB.prepare(
      "SELECT a.scheduled_by, a.scheduled_via, e.actor_id, json_extract(e.data, '$.via') AS via FROM appointments a JOIN domain_events e ON e.subject_id = a.ticket_id AND e.type = 'appointment.scheduled' WHERE a.ticket_id = ?1",
    )
      .bind(ticket.id)
      .first();
    expect(row).toEqual({
      scheduled_by: dispatcher.user.id,
      scheduled_via: "staff",
      actor_id: dispatcher.user.id,
      via: "staff",
    });
  });

  it("answers the seed's messages for invalid and expired tokens, and a clash", async () => {
    const invalid = await call("/v1/public/appointments/not-a-real-token-aaaaaaaaaaaaaaaaaaaa");
    expectProblem(invalid, 400, "invalid_link");
    expect(invalid.json.detail).toBe("Invalid token.");
    const { dispatcher, ticket, tech } = await bookingSetup();
    const token = await linkFor(dispatcher.token, ticket.id);
    await env.DB.prepare("UPDATE appointment_links SET expires_at = ?1 WHERE ticket_id = ?2")
      .bind(new Date(Date.now() - 1000).toISOString(), ticket.id)
      .run();
    const expired = await call(`/v1/public/appointments/${token}`);
    expectProblem(expired, 401, "token_expired");
    expect(expired.json.detail).toBe("Token expired. Renew token.");

    const fresh = await linkFor(dispatcher.token, ticket.id);
    expectProblem(await call(`/v1/public/appointments/${token}`), 400, "invalid_link"); // replaced by the new one
    const other = await raiseTicket(dispatcher.token);
    await call(`/v1/tickets/${other.id}/assign`, { token: dispatcher.token, body: { technician_ids: [tech.user.id] } });
    const date = dayAhead(5);
    await call("/v1/appointments", {
      token: dispatcher.token,
      body: { ticket_id: other.id, technician_id: tech.user.id, date, start_time: "09:00" },
    });
    const clash = await call(`/v1/public/appointments/${fresh}/schedule`, { body: { date, start_time: "09:00" } });
    expectProblem(clash, 409, "slot_unavailable");
    expect(clash.json.detail).toBe("Appointment clashes with a confirmed booking for this technician.");
  });

  it("speaks the customer's language: the context and the page follow the record, the switch keeps a choice on it", async () => {
    const { dispatcher, ticket, cust } = await bookingSetup();
    const patched = await call(`/v1/customers/${cust.customerId}`, {
      method: "PATCH",
      token: dispatcher.token,
      body: { language: "id" },
    });
    expect(patched.json.language, patched.text).toBe("id");
    const token = await linkFor(dispatcher.token, ticket.id);
    expect((await call(`/v1/public/appointments/${token}`)).json.language).toBe("id");
    const lang = async (path: string, acceptLanguage?: string) =>
      /<html lang="(\w+)">/.exec(
        (await call(path, acceptLanguage ? { headers: { "accept-language": acceptLanguage } } : {})).text,
      )?.[1];
    // The record wins over the browser; the switch's ?lang= over both.
    expect(await lang(`/a/${token}`, "en-GB,en;q=0.9")).toBe("id");
    expect(await lang(`/a/${token}?lang=en`)).toBe("en");
    expectProblem(
      await call(`/v1/public/appointments/${token}/language`, { method: "PUT", body: { language: "fr" } }),
      400,
      "validation_failed",
    );
    const chosen = await call(`/v1/public/appointments/${token}/language`, { method: "PUT", body: { language: "en" } });
    expect(chosen.status, chosen.text).toBe(200);
    expect(chosen.json.language).toBe("en");
    expect((await call(`/v1/customers/${cust.customerId}`, { token: dispatcher.token })).json.language).toBe("en");
    expectProblem(
      await call("/v1/public/appointments/not-a-valid-token-aaaaaaaaaaaa/language", {
        method: "PUT",
        body: { language: "en" },
      }),
      400,
      "invalid_link",
    );
    // Without a language on record, the browser's choice among the languages there are, by weight.
    expect(pickLanguage(undefined, null, "fr-FR, id;q=0.8, en;q=0.5", "en")).toBe("id");
    expect(pickLanguage(undefined, null, "fr-FR, de", "id")).toBe("id");
    expect(pickLanguage(undefined, null, "en;q=0, id;q=0", "en")).toBe("en");
    expect(pickLanguage("xx", "id", "en", "en")).toBe("id");
  });

  it("sends the visit page with its context and first day inside, within 30 KB compressed", async () => {
    const { dispatcher, ticket } = await bookingSetup();
    const token = await linkFor(dispatcher.token, ticket.id);
    const page = await call(`/a/${token}`);
    expect(page.status).toBe(200);
    const boot = JSON.parse(/var boot = (\{.*?\});\n/s.exec(page.text)![1]);
    expect(boot.prefetched.context).toMatchObject({ case_number: ticket.number, allow_reschedule: true });
    expect(boot.prefetched.first.day.slots.length).toBeGreaterThan(0);
    expect(boot.prefetched.first.date).toBe(boot.prefetched.context.first_bookable_date);
    // HTML, script and style are one file: its weight on the wire, gzip as a browser gets it.
    const gzipped = await new Response(
      new Blob([page.text]).stream().pipeThrough(new CompressionStream("gzip")),
    ).arrayBuffer();
    expect(gzipped.byteLength).toBeLessThan(30 * 1024);
    console.info(`visit page: ${page.text.length} bytes, ${gzipped.byteLength} gzip`);
    // A link that does not work says so inside the page too.
    const dead = await call("/a/not-a-valid-token-aaaaaaaaaaaa");
    expect(JSON.parse(/var boot = (\{.*?\});\n/s.exec(dead.text)![1]).prefetched.problem).toMatchObject({
      code: "invalid_link",
    });
  });

  it("throttles a token", async () => {
    const { dispatcher, ticket } = await bookingSetup();
    const token = await linkFor(dispatcher.token, ticket.id);
    // Windows are fixed minutes: if the run straddles a boundary, counting restarts once.
    let last;
    for (let i = 0; i < 122; i++) {
      last = await call(`/v1/public/appointments/${token}`);
      if (last.status === 429) break;
    }
    expectProblem(last!, 429, "rate_limited");
  });
});

describe("FB-1 token feedback and FB-2 ratings", () => {
  async function completedVisit() {
    const setup = await bookingSetup();
    const token = await linkFor(setup.dispatcher.token, setup.ticket.id);
    const booked = await call(`/v1/public/appointments/${token}/schedule`, {
      body: { date: dayAhead(2), start_time: "09:00" },
    });
    expect(booked.status, booked.text).toBe(200);
    const appt = (await call(`/v1/appointments?technician_id=${setup.tech.user.id}`, { token: setup.dispatcher.token }))
      .json.data[0];
    for (const step of ["depart", "arrive", "start", "complete"])
      await call(`/v1/appointments/${appt.id}/${step}`, { token: setup.tech.token, body: {} });
    return { ...setup, token };
  }

  it("takes technician and service feedback once each, with the seed's 409 messages", async () => {
    const { token, dispatcher, tech } = await completedVisit();
    const techFeedback = {
      type: "technician",
      customer_satisfaction: 4,
      customer_effort_score: 5,
      contractor_identified: "Yes",
      branded_clothing: "Yes",
      speedtest_conducted: "No",
      extended: "Resolved quickly",
    };
    const first = await call(`/v1/public/appointments/${token}/feedback`, { body: techFeedback });
    expect(first.status, first.text).toBe(201);
    expect(first.json).toMatchObject({ kind: "technician", customer_satisfaction: 4, technician_id: tech.user.id });
    const dup = await call(`/v1/public/appointments/${token}/feedback`, { body: techFeedback });
    expectProblem(dup, 409, "already_submitted");
    expect(dup.json.detail).toBe("Feedback has already been submitted");
    const service = { type: "service", net_promoter_score: 9, service_rating: 5, service_feedback: "Great service" };
    expect((await call(`/v1/public/appointments/${token}/feedback`, { body: service })).status).toBe(201);
    expect((await call(`/v1/public/appointments/${token}/feedback`, { body: service })).json.detail).toBe(
      "Service feedback has already been submitted",
    );
    expectProblem(
      await call(`/v1/public/appointments/${token}/feedback`, { body: { ...service, net_promoter_score: 11 } }),
      400,
      "validation_failed",
    );
    const listed = await call(`/v1/feedback?technician_id=${tech.user.id}`, { token: dispatcher.token });
    expect(listed.json.data.map((f: { kind: string }) => f.kind).sort()).toEqual(["service", "technician"]);
    const appts = await call(`/v1/appointments?technician_id=${tech.user.id}`, { token: dispatcher.token });
    expect(appts.json.data[0].feedback).toHaveLength(2);
  });

  it("refuses feedback before the visit, and lets a signed-in customer rate a resolved ticket once", async () => {
    const { dispatcher, ticket } = await bookingSetup();
    const token = await linkFor(dispatcher.token, ticket.id);
    expectProblem(
      await call(`/v1/public/appointments/${token}/feedback`, {
        body: { type: "service", net_promoter_score: 9, service_rating: 5 },
      }),
      409,
      "invalid_transition",
    );

    const cust = await customerAccount();
    const t = await raiseTicket(cust.token);
    expectProblem(
      await call(`/v1/tickets/${t.id}/rating`, { token: cust.token, body: { rating: 5 } }),
      409,
      "invalid_transition",
    );
    await env.DB.prepare("UPDATE tickets SET status = 'closed' WHERE id = ?1").bind(t.id).run();
    expect(
      (await call(`/v1/tickets/${t.id}/rating`, { token: cust.token, body: { rating: 5, comment: "Quick" } })).status,
    ).toBe(201);
    expectProblem(
      await call(`/v1/tickets/${t.id}/rating`, { token: cust.token, body: { rating: 4 } }),
      409,
      "already_submitted",
    );
    const stranger = await customerAccount();
    expectProblem(
      await call(`/v1/tickets/${t.id}/rating`, { token: stranger.token, body: { rating: 1 } }),
      404,
      "not_found",
    );
    const mine = await call("/v1/feedback", { token: cust.token });
    expect(mine.json.data.map((f: { ticket_id: string }) => f.ticket_id)).toEqual([t.id]);
    const others = await call("/v1/feedback", { token: stranger.token });
    expect(others.json.data).toEqual([]);
  });
});
