import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectProblem, outboxFor, randomIp } from "../../../test/helpers";
import { dayAhead, linkFor } from "../../../test/scheduling-helpers";
import { customerAccount, staff, technicianAccount } from "../../../test/work-factories";
import { systemContext } from "../../lib/context";
import type { DomainEventMessage, NotificationMessage } from "../../lib/messages";
import { addDays, zonedTimeToUtc } from "../../lib/time";
import { catalogue, formatVisitTime } from "../../locales/catalogue";
import { planFanOut } from "../notifications/fanout";
import { estimateArrival } from "./eta";
import { sendAppointmentReminders } from "./reminders";

const phone = () =>
  `+2677${1 + Math.floor(Math.random() * 7)}${String(Math.floor(Math.random() * 1_000_000)).padStart(6, "0")}`;

/** A customer with no user account (the usual case), their ticket assigned to a technician. */
async function walkInCustomer(contact: { email?: string; whatsapp?: string; message_channels?: string[] } = {}) {
  const dispatcher = await staff("dispatcher");
  const tech = await technicianAccount();
  const mobile = phone();
  const customer = await call("/v1/customers", {
    token: dispatcher.token,
    body: { full_name: "Neo Kgosi", phone: mobile, coordinates: { lat: -24.65, lng: 25.91 }, ...contact },
  });
  expect(customer.status, customer.text).toBe(201);
  const ticket = await call("/v1/tickets", {
    token: dispatcher.token,
    body: { kind: "repair", priority: "high", title: "Fibre internet down", customer_id: customer.json.id },
  });
  expect(ticket.status, ticket.text).toBe(201);
  await call(`/v1/tickets/${ticket.json.id}/assign`, {
    token: dispatcher.token,
    body: { technician_ids: [tech.user.id] },
  });
  return { dispatcher, tech, mobile, customer: customer.json, ticket: ticket.json as { id: string; number: string } };
}

async function eventsOf(ticketId: string): Promise<DomainEventMessage[]> {
  const { results } = await env.DB.prepare(
    "SELECT * FROM domain_events WHERE subject_id = ?1 ORDER BY created_at, rowid",
  )
    .bind(ticketId)
    .all<{ id: string; type: string; subject_id: string; actor_id: string | null; data: string; created_at: string }>();
  return results.map((e) => ({
    kind: "event",
    id: e.id,
    type: e.type,
    subject_id: e.subject_id,
    actor_id: e.actor_id,
    data: JSON.parse(e.data),
    occurred_at: e.created_at,
  }));
}

/** Every message the ticket's events plan, with the event each came from. */
async function plannedMessages(ticketId: string) {
  const out: { event: string; message: NotificationMessage; delay?: number }[] = [];
  for (const event of await eventsOf(ticketId)) {
    const plan = await planFanOut(systemContext(env, "test"), event);
    for (const m of plan.messages)
      if ((m.body as NotificationMessage).channel)
        out.push({ event: event.type, message: m.body as NotificationMessage, delay: m.delaySeconds });
  }
  return out;
}

async function appointmentOf(ticketId: string) {
  return (await env.DB.prepare("SELECT id, starts_at FROM appointments WHERE ticket_id = ?1 AND status <> 'cancelled'")
    .bind(ticketId)
    .first<{ id: string; starts_at: string }>())!;
}

describe("a step that changes nothing", () => {
  it("confirming a confirmed visit again, or many times at once, writes one history entry and texts once", async () => {
    const { dispatcher, tech, ticket } = await walkInCustomer();
    const token = (
      await call(`/v1/tickets/${ticket.id}/appointment-link`, { token: dispatcher.token, method: "POST" })
    ).json.url.split("/a/")[1];
    expect(
      (await call(`/v1/public/appointments/${token}/schedule`, { body: { date: dayAhead(3), start_time: "11:00" } }))
        .status,
    ).toBe(200);
    const appt = await appointmentOf(ticket.id);
    const confirm = () => call(`/v1/appointments/${appt.id}/confirm`, { token: tech.token, body: {} });
    const all = [...(await Promise.all(Array.from({ length: 10 }, confirm))), await confirm(), await confirm()];
    expect(all.map((r) => r.status)).toEqual(Array(12).fill(200));
    const confirmed = (await eventsOf(ticket.id)).filter((e) => e.type === "appointment.confirmed");
    expect(confirmed).toHaveLength(1);
    const history = await env.DB.prepare(
      "SELECT count(*) AS n FROM ticket_history WHERE ticket_id = ?1 AND action = 'appointment_confirm'",
    )
      .bind(ticket.id)
      .first<{ n: number }>();
    expect(history!.n).toBe(1);
    expect(
      (await plannedMessages(ticket.id)).filter(
        (p) => p.event === "appointment.confirmed" && p.message.id.includes(":customer:"),
      ),
    ).toHaveLength(1);
  });
});

describe("NTF-1/NTF-2 messages to the customer's own phone", () => {
  it("tells a customer without an account every step of the visit by SMS, in words, and tells staff none of it", async () => {
    const { dispatcher, tech, mobile, ticket } = await walkInCustomer();
    const link = await call(`/v1/tickets/${ticket.id}/appointment-link`, { token: dispatcher.token, method: "POST" });
    expect(link.json.sms_sent).toBe(true);
    const token = link.json.url.split("/a/")[1];
    const date = dayAhead(3);
    expect(
      (await call(`/v1/public/appointments/${token}/schedule`, { body: { date, start_time: "10:00" } })).status,
    ).toBe(200);
    const appt = await appointmentOf(ticket.id);
    for (const step of ["confirm", "depart"])
      expect((await call(`/v1/appointments/${appt.id}/${step}`, { token: tech.token, body: {} })).status).toBe(200);
    await call(`/v1/technicians/${tech.user.id}/location`, {
      method: "PUT",
      token: tech.token,
      body: { lat: -24.6, lng: 25.95 },
    });
    // The "on the way" message is worded when its event is fanned out: after the location arrived it carries an ETA.
    for (const step of ["arrive", "start", "complete"])
      expect((await call(`/v1/appointments/${appt.id}/${step}`, { token: tech.token, body: {} })).status).toBe(200);

    const planned = await plannedMessages(ticket.id);
    const toCustomer = planned.filter((p) => p.message.id.includes(":customer:"));
    expect(toCustomer.map((p) => p.event)).toEqual([
      "appointment.link_sent",
      "appointment.scheduled",
      "appointment.confirmed",
      "appointment.en_route",
      "appointment.on_site",
      "appointment.completed",
    ]);
    expect(
      toCustomer.every(
        (p) => p.message.channel === "sms" && p.message.recipient.address === mobile && !p.message.recipient.user_id,
      ),
    ).toBe(true);
    const when = formatVisitTime("en", appt.starts_at, "Africa/Gaborone");
    expect(when).toMatch(/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} \w{3}, 10:00 /);
    const body = (event: string) => toCustomer.find((p) => p.event === event)!.message.body;
    expect(body("appointment.link_sent")).toBe(
      `truckroll: choose a time for your technician visit (${ticket.number}): ${link.json.url}`,
    );
    expect(body("appointment.scheduled")).toContain(`is booked for ${when}.`);
    expect(body("appointment.confirmed")).toContain(`confirmed for ${when}`);
    expect(body("appointment.en_route")).toMatch(
      /Test User is on the way to you .* Expected between \d{2}:\d{2} and \d{2}:\d{2}\. Follow the visit: https:\/\/app\.truckroll\.test\/a\//,
    );
    expect(body("appointment.on_site")).toContain("Test User has arrived");
    expect(body("appointment.completed")).toMatch(
      /Tell us how it went: https:\/\/app\.truckroll\.test\/a\/[A-Za-z0-9_-]{43}$/,
    );
    // The link in the messages opens the visit page.
    const url = body("appointment.completed").split(" ").pop()!;
    expect((await call(`/v1/public/appointments/${url.split("/a/")[1]}`)).json).toMatchObject({
      allow_feedback: true,
      appointment_state: { status: "completed" },
    });
    // On the way and arrived go out at once; the rest respect quiet hours like every message.
    expect(toCustomer.filter((p) => p.delay).map((p) => p.event)).not.toContain("appointment.en_route");

    // The dispatcher who raised the ticket gets none of the customer's messages; nobody on staff does.
    const staffAddresses = [dispatcher.user.email, dispatcher.user.phone, tech.user.email, tech.user.phone];
    expect(toCustomer.some((p) => staffAddresses.includes(p.message.recipient.address))).toBe(false);
    const toDispatcher = planned.filter((p) => p.message.recipient.user_id === dispatcher.user.id);
    expect(toDispatcher.map((p) => p.message.subject)).toEqual(["Work finished on " + ticket.number]); // their own notice: the visit resolved the ticket
    expect(planned.some((p) => p.message.body.includes("your visit"))).toBe(true);
    expect(
      planned
        .filter((p) => !p.message.id.includes(":customer:"))
        .some((p) => /your (visit|technician)/i.test(p.message.body)),
    ).toBe(false);

    // Delivered through the queue into the outbox (the development sink), to the customer's phone; the
    // messages that skip quiet hours are there whatever the hour the test runs.
    await expect
      .poll(async () => (await outboxFor(mobile)).map((m) => m.event_type).sort(), { timeout: 10_000 })
      .toEqual(expect.arrayContaining(["appointment.en_route", "appointment.link_sent", "appointment.on_site"]));
  });

  it("uses email and WhatsApp when the customer gave them and agreed, nothing when they opted out, and in-app for a linked account", async () => {
    const all = await walkInCustomer({
      email: "neo@example.test",
      whatsapp: "72 000 111",
      message_channels: ["sms", "email", "whatsapp"],
    });
    expect(all.customer).toMatchObject({ whatsapp: "+26772000111", message_channels: ["sms", "email", "whatsapp"] });
    await call("/v1/appointments", {
      token: all.dispatcher.token,
      body: { ticket_id: all.ticket.id, technician_id: all.tech.user.id, date: dayAhead(2), start_time: "11:00" },
    });
    const sent = (await plannedMessages(all.ticket.id)).filter(
      (p) => p.event === "appointment.scheduled" && p.message.id.includes(":customer:"),
    );
    expect(sent.map((p) => [p.message.channel, p.message.recipient.address]).sort()).toEqual([
      ["email", "neo@example.test"],
      ["sms", all.mobile],
      ["whatsapp", "+26772000111"],
    ]);

    const none = await walkInCustomer({ message_channels: [] });
    await call("/v1/appointments", {
      token: none.dispatcher.token,
      body: { ticket_id: none.ticket.id, technician_id: none.tech.user.id, date: dayAhead(2), start_time: "11:00" },
    });
    expect((await plannedMessages(none.ticket.id)).filter((p) => p.message.id.includes(":customer:"))).toEqual([]);
    expect(
      (await call(`/v1/tickets/${none.ticket.id}/appointment-link`, { token: none.dispatcher.token, method: "POST" }))
        .json.sms_sent,
    ).toBe(false);
    expectProblem(
      await call(`/v1/customers/${none.customer.id}`, {
        method: "PATCH",
        token: none.dispatcher.token,
        body: { message_channels: ["fax"] },
      }),
      400,
      "validation_failed",
    );

    // A customer with an account: the SMS still goes to the customer record's phone, plus one in-app notification.
    const dispatcher = await staff("dispatcher");
    const tech = await technicianAccount();
    const cust = await customerAccount({ phone: phone() });
    const customerId = cust.customerId;
    const user = cust.user;
    const ticket = await call("/v1/tickets", {
      token: dispatcher.token,
      body: { kind: "repair", priority: "high", title: "Voice line noisy", customer_id: customerId },
    });
    await call(`/v1/tickets/${ticket.json.id}/assign`, {
      token: dispatcher.token,
      body: { technician_ids: [tech.user.id] },
    });
    await call("/v1/appointments", {
      token: dispatcher.token,
      body: { ticket_id: ticket.json.id, technician_id: tech.user.id, date: dayAhead(2), start_time: "14:00" },
    });
    const scheduled = (await eventsOf(ticket.json.id)).find((e) => e.type === "appointment.scheduled")!;
    const plan = await planFanOut(systemContext(env, "test"), scheduled);
    const customerSms = plan.messages
      .map((m) => m.body as NotificationMessage)
      .filter((m) => m.id.includes(":customer:"));
    expect(customerSms.map((m) => m.channel)).toEqual(["sms"]);
    expect(plan.inApp.filter((n) => n.userId === user.id).map((n) => n.title)).toEqual(["Your visit is booked"]);
    expect(plan.inApp.filter((n) => n.userId === dispatcher.user.id)).toEqual([]);
  });

  it("words the messages in the deployment's language (Bahasa Indonesia ships alongside English)", async () => {
    const { dispatcher, tech, ticket } = await walkInCustomer();
    await call("/v1/appointments", {
      token: dispatcher.token,
      body: { ticket_id: ticket.id, technician_id: tech.user.id, date: dayAhead(2), start_time: "09:00" },
    });
    const scheduled = (await eventsOf(ticket.id)).find((e) => e.type === "appointment.scheduled")!;
    const base = systemContext(env, "test");
    const plan = await planFanOut(
      { ...base, settings: { ...base.settings, language: "id", companyName: "NetKita" } },
      scheduled,
    );
    const sms = plan.messages.map((m) => m.body as NotificationMessage).find((m) => m.id.includes(":customer:"))!;
    expect(sms.body).toMatch(
      new RegExp(`^NetKita: kunjungan Anda \\(${ticket.number}\\) dipesan untuk (Sen|Sel|Rab|Kam|Jum|Sab|Min)`),
    );
    expect(Object.keys(catalogue("id").page).sort()).toEqual(Object.keys(catalogue("en").page).sort());
    expect(Object.keys(catalogue("id").messages).sort()).toEqual(Object.keys(catalogue("en").messages).sort());
  });
});

describe("SCH-5 the visit as the customer follows it", () => {
  it("estimates arrival from the technician's latest location, shows the position only while en route, and drops a stale location", async () => {
    const eta = estimateArrival(
      { etaRoadFactor: 1.4, etaAverageSpeedKmh: 35 },
      { lat: -24.6, lng: 25.95, reportedAt: new Date(Date.parse("2030-01-01T08:00:00Z")).toISOString() },
      { lat: -24.65, lng: 25.91 },
      Date.parse("2030-01-01T08:00:00Z"),
    );
    // ~6.8 km straight × 1.4 ≈ 9.5 km at 35 km/h ≈ 16 minutes, a window of at least ±5 minutes on 5-minute marks.
    expect(eta.minutes).toBeGreaterThanOrEqual(15);
    expect(eta.minutes).toBeLessThanOrEqual(18);
    expect(eta).toMatchObject({ earliest: "2030-01-01T08:10:00.000Z", latest: "2030-01-01T08:25:00.000Z" });

    const { dispatcher, tech, ticket } = await walkInCustomer();
    const token = await linkFor(dispatcher.token, ticket.id);
    await call(`/v1/public/appointments/${token}/schedule`, { body: { date: dayAhead(2), start_time: "10:00" } });
    const appt = await appointmentOf(ticket.id);
    await call(`/v1/technicians/${tech.user.id}/location`, {
      method: "PUT",
      token: tech.token,
      body: { lat: -24.6, lng: 25.95 },
    });
    const booked = await call(`/v1/public/appointments/${token}`);
    expect(booked.json).toMatchObject({
      appointment_state: { status: "scheduled" },
      eta: null,
      technician_position: null,
      service_name: "Internet",
      company: { name: "truckroll" },
    });
    await call(`/v1/appointments/${appt.id}/depart`, { token: tech.token, body: {} });
    const onTheWay = await call(`/v1/public/appointments/${token}`);
    expect(onTheWay.json.appointment_state.status).toBe("en_route");
    expect(onTheWay.json.technician_position).toMatchObject({ lat: -24.6, lng: 25.95 });
    expect(onTheWay.json.eta.minutes).toBeGreaterThan(5);
    expect(Date.parse(onTheWay.json.eta.latest)).toBeGreaterThan(Date.parse(onTheWay.json.eta.earliest));
    // A location older than the setting gives no ETA and no position.
    await env.DB.prepare("UPDATE technician_locations SET reported_at = ?1 WHERE technician_id = ?2")
      .bind(new Date(Date.now() - 60 * 60_000).toISOString(), tech.user.id)
      .run();
    expect((await call(`/v1/public/appointments/${token}`)).json).toMatchObject({
      eta: null,
      technician_position: null,
    });
    await call(`/v1/technicians/${tech.user.id}/location`, {
      method: "PUT",
      token: tech.token,
      body: { lat: -24.64, lng: 25.91 },
    });
    await call(`/v1/appointments/${appt.id}/arrive`, { token: tech.token, body: {} });
    expect((await call(`/v1/public/appointments/${token}`)).json).toMatchObject({
      appointment_state: { status: "on_site" },
      eta: null,
      technician_position: null,
    });
  });

  it("lets the customer cancel until the cut-off, not once the technician set out, and book again with the same link", async () => {
    const { dispatcher, tech, ticket } = await walkInCustomer();
    const token = await linkFor(dispatcher.token, ticket.id);
    const date = dayAhead(3);
    const booked = await call(`/v1/public/appointments/${token}/schedule`, { body: { date, start_time: "10:00" } });
    expect(booked.json).toMatchObject({ allow_cancel: true, last_bookable_date: dayAhead(30) }); // MAX_DAYS_AHEAD; the page's date picker ends there
    expect(Date.parse(booked.json.cancel_until)).toBe(
      Date.parse(booked.json.appointment_state.starts_at) - 2 * 3600_000,
    );
    const cancelled = await call(`/v1/public/appointments/${token}/cancel`, { method: "POST" });
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.json).toMatchObject({
      appointment_state: { status: "cancelled", scheduled_date: date },
      allow_reschedule: true,
      allow_cancel: false,
    });
    expectProblem(await call(`/v1/public/appointments/${token}/cancel`, { method: "POST" }), 409, "invalid_transition");
    // The slot is free again: the customer books it once more.
    const again = await call(`/v1/public/appointments/${token}/schedule`, { body: { date, start_time: "10:00" } });
    expect(again.status, again.text).toBe(200);
    expect(again.json.appointment_state.status).toBe("scheduled");
    const history = await call(`/v1/tickets/${ticket.id}/history`, { token: dispatcher.token });
    expect(history.json.data.map((h: { action: string }) => h.action)).toContain("appointment_cancel");
    // Inside the cut-off: refused with the reason.
    const appt = await appointmentOf(ticket.id);
    await env.DB.prepare("UPDATE appointments SET starts_at = ?1 WHERE id = ?2")
      .bind(new Date(Date.now() + 3600_000).toISOString(), appt.id)
      .run();
    const late = await call(`/v1/public/appointments/${token}/cancel`, { method: "POST" });
    expectProblem(late, 409, "invalid_transition");
    expect(late.json.detail).toContain("2 hours before");
    // On the way: refused.
    await call(`/v1/appointments/${appt.id}/depart`, { token: tech.token, body: {} });
    expect((await call(`/v1/public/appointments/${token}`)).json.allow_cancel).toBe(false);
    expect((await call(`/v1/public/appointments/${token}/cancel`, { method: "POST" })).json.detail).toContain(
      "on the way",
    );
  });

  it("renews an expired link to the phone it went to, says the same for any token, and throttles", async () => {
    const { dispatcher, mobile, ticket } = await walkInCustomer();
    const token = await linkFor(dispatcher.token, ticket.id);
    const ip = randomIp();
    const renew = (t: string) =>
      call(`/v1/public/appointments/${t}/renew`, { method: "POST", headers: { "cf-connecting-ip": ip } });
    // A valid link is not renewed; an unknown one gets the very same answer.
    const valid = await renew(token);
    const unknown = await renew("no-such-token-aaaaaaaaaaaaaaaaaaaaaaaa");
    expect(valid.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(unknown.json).toEqual(valid.json);
    await env.DB.prepare("UPDATE appointment_links SET expires_at = ?1, revoked_at = ?1 WHERE ticket_id = ?2")
      .bind(new Date(Date.now() - 1000).toISOString(), ticket.id)
      .run();
    expectProblem(await call(`/v1/public/appointments/${token}`), 401, "token_expired");
    // The customer's phone on record changes; the renewal still goes where the link went.
    await call(
      `/v1/customers/${(await env.DB.prepare("SELECT customer_id FROM tickets WHERE id = ?1").bind(ticket.id).first<{ customer_id: string }>())!.customer_id}`,
      { method: "PATCH", token: dispatcher.token, body: { phone: phone() } },
    );
    const renewed = await renew(token);
    expect(renewed.status).toBe(202);
    expect(renewed.json).toEqual(valid.json);
    let fresh: string | undefined;
    await expect
      .poll(
        async () => {
          fresh = (await outboxFor(mobile))
            .map((m) => /\/a\/([A-Za-z0-9_-]{43})/.exec(m.body)?.[1])
            .find((t) => t && t !== token);
          return Boolean(fresh);
        },
        { timeout: 10_000 },
      )
      .toBe(true);
    expect((await call(`/v1/public/appointments/${fresh}`)).status).toBe(200);
    // Renewing the old link again sends nothing more (a newer link exists), and it now reads as replaced.
    const before = (await outboxFor(mobile)).length;
    expect((await renew(token)).status).toBe(202);
    expectProblem(await call(`/v1/public/appointments/${token}`), 400, "invalid_link");
    await new Promise((r) => setTimeout(r, 300));
    expect((await outboxFor(mobile)).length).toBe(before);
    // Throttled per link: three an hour.
    expectProblem(await renew(token), 429, "rate_limited");
  });

  it("reminds the evening before and again shortly before, once each, never both at once", async () => {
    const { dispatcher, tech, ticket } = await walkInCustomer();
    const date = dayAhead(3);
    const booked = await call("/v1/appointments", {
      token: dispatcher.token,
      body: { ticket_id: ticket.id, technician_id: tech.user.id, date, start_time: "10:00" },
    });
    const startsAt = Date.parse(booked.json.starts_at);
    const evening = zonedTimeToUtc(addDays(date, -1), "18:00", "Africa/Gaborone").getTime();
    const ctx = systemContext(env, "test");
    const reminders = async () =>
      (
        await env.DB.prepare(
          "SELECT id, data FROM domain_events WHERE subject_id = ?1 AND type = 'appointment.reminder' ORDER BY id",
        )
          .bind(ticket.id)
          .all<{ id: string; data: string }>()
      ).results;
    await sendAppointmentReminders(ctx, evening - 5 * 60_000);
    expect(await reminders()).toEqual([]);
    await sendAppointmentReminders(ctx, evening + 5 * 60_000);
    await sendAppointmentReminders(ctx, evening + 10 * 60_000);
    expect((await reminders()).map((r) => JSON.parse(r.data).reminder)).toEqual(["evening"]);
    await sendAppointmentReminders(ctx, startsAt - 90 * 60_000);
    await sendAppointmentReminders(ctx, startsAt - 60 * 60_000);
    expect((await reminders()).map((r) => JSON.parse(r.data).reminder).sort()).toEqual(["evening", "soon"]);
    const soon = (await eventsOf(ticket.id)).find((e) => e.id === `evt_reminder_${booked.json.id}`)!;
    const sms = (await planFanOut(ctx, soon)).messages
      .map((m) => m.body as NotificationMessage)
      .find((m) => m.id.includes(":customer:"))!;
    expect(sms.body).toContain(
      `reminder, your technician visit (${ticket.number}) is at ${formatVisitTime("en", booked.json.starts_at, "Africa/Gaborone")}`,
    );

    // Booked after the evening began, or first seen inside the lead window: only the lead reminder.
    const late = await walkInCustomer();
    const lateBooking = await call("/v1/appointments", {
      token: late.dispatcher.token,
      body: { ticket_id: late.ticket.id, technician_id: late.tech.user.id, date: dayAhead(1), start_time: "16:00" },
    });
    const lateStart = Date.parse(lateBooking.json.starts_at);
    await sendAppointmentReminders(ctx, lateStart - 100 * 60_000);
    const lateEvents = (
      await env.DB.prepare("SELECT data FROM domain_events WHERE subject_id = ?1 AND type = 'appointment.reminder'")
        .bind(late.ticket.id)
        .all<{ data: string }>()
    ).results;
    expect(lateEvents.map((r) => JSON.parse(r.data).reminder)).toEqual(["soon"]);

    // A visit whose ticket was cancelled is not reminded.
    const dropped = await walkInCustomer();
    const droppedBooking = await call("/v1/appointments", {
      token: dropped.dispatcher.token,
      body: {
        ticket_id: dropped.ticket.id,
        technician_id: dropped.tech.user.id,
        date: dayAhead(1),
        start_time: "15:00",
      },
    });
    expect(
      (
        await call(`/v1/tickets/${dropped.ticket.id}/cancel`, {
          token: dropped.dispatcher.token,
          body: { comment: "Fixed remotely" },
        })
      ).status,
    ).toBe(200);
    await sendAppointmentReminders(ctx, Date.parse(droppedBooking.json.starts_at) - 60 * 60_000);
    expect(
      (await env.DB.prepare(
        "SELECT count(*) AS n FROM domain_events WHERE subject_id = ?1 AND type = 'appointment.reminder'",
      )
        .bind(dropped.ticket.id)
        .first<{ n: number }>())!.n,
    ).toBe(0);
  });
});

describe("a ticket's service category", () => {
  it("is a field the visit page shows, with the words of the ticket only as the fallback; lists filter by it", async () => {
    const { dispatcher, ticket } = await walkInCustomer();
    const token = await linkFor(dispatcher.token, ticket.id);
    expect((await call(`/v1/public/appointments/${token}`)).json).toMatchObject({
      service_type: "internet",
      service_name: "Internet",
    }); // "Fibre internet down"
    const set = await call(`/v1/tickets/${ticket.id}`, {
      method: "PATCH",
      token: dispatcher.token,
      body: { service_category: "voice" },
    });
    expect(set.status, set.text).toBe(200);
    expect(set.json.service_category).toBe("voice");
    expect((await call(`/v1/public/appointments/${token}`)).json).toMatchObject({
      service_type: "voice",
      service_name: "Telephone line",
    });
    const voice = await call(`/v1/tickets?service_category=voice&number=${ticket.number}`, { token: dispatcher.token });
    expect(voice.json.data.map((t: { id: string }) => t.id)).toEqual([ticket.id]);
    expect(
      (await call(`/v1/tickets?service_category=internet&number=${ticket.number}`, { token: dispatcher.token })).json
        .data,
    ).toEqual([]);
    expectProblem(
      await call("/v1/tickets?service_category=fax", { token: dispatcher.token }),
      400,
      "validation_failed",
    );
    const created = await call("/v1/tickets", {
      token: dispatcher.token,
      body: { kind: "repair", title: "Dead line", service_category: "other" },
    });
    expect(created.json.service_category).toBe("other");
  });
});

describe("the visit carries the work", () => {
  it("starting the visit starts the ticket and completing it resolves the ticket, in the same change", async () => {
    const { dispatcher, tech, ticket } = await walkInCustomer();
    const booked = await call("/v1/appointments", {
      token: dispatcher.token,
      body: { ticket_id: ticket.id, technician_id: tech.user.id, date: dayAhead(2), start_time: "09:00" },
    });
    for (const step of ["depart", "arrive"])
      await call(`/v1/appointments/${booked.json.id}/${step}`, { token: tech.token, body: {} });
    expect((await call(`/v1/tickets/${ticket.id}`, { token: dispatcher.token })).json.status).toBe("assigned");
    await call(`/v1/appointments/${booked.json.id}/start`, { token: tech.token, body: {} });
    expect((await call(`/v1/tickets/${ticket.id}`, { token: dispatcher.token })).json).toMatchObject({
      status: "in_progress",
    });
    await call(`/v1/appointments/${booked.json.id}/complete`, { token: tech.token, body: {} });
    const done = await call(`/v1/tickets/${ticket.id}`, { token: dispatcher.token });
    expect(done.json.status).toBe("resolved"); // no customer login to approve it
    const history = (
      await call(`/v1/tickets/${ticket.id}/history?limit=50`, { token: dispatcher.token })
    ).json.data.map((h: { action: string }) => h.action);
    expect(history).toEqual(expect.arrayContaining(["appointment_start", "start", "appointment_complete", "resolve"]));
    // Staff hear "work finished"; the customer hears the visit's own message, not both.
    const resolved = (await eventsOf(ticket.id)).find(
      (e) => e.type === "ticket.status_changed" && e.data.action === "resolve",
    )!;
    expect(resolved.data.via).toBe("appointment");
    const plan = await planFanOut(systemContext(env, "test"), resolved);
    expect(plan.messages.some((m) => (m.body as NotificationMessage).id.includes(":customer:"))).toBe(false);
  });

  it("with RESOLVE_NEEDS_VISIT a ticket is resolved only by completing its visit", async () => {
    const { default: worker } = await import("../../index");
    const strict = { ...env, RESOLVE_NEEDS_VISIT: "true" };
    const { dispatcher, tech, ticket } = await walkInCustomer();
    await call(`/v1/tickets/${ticket.id}/start`, { token: tech.token, body: {} });
    const resolve = () =>
      worker.fetch(
        new Request(`https://api.truckroll.test/v1/tickets/${ticket.id}/resolve`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${tech.token}`,
            "content-type": "application/json",
            "cf-connecting-ip": randomIp(),
          },
          body: "{}",
        }),
        strict,
        createExecutionContext(),
      );
    const refused = await resolve();
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ code: "invalid_transition" });
    const booked = await call("/v1/appointments", {
      token: dispatcher.token,
      body: { ticket_id: ticket.id, technician_id: tech.user.id, date: dayAhead(2), start_time: "11:00" },
    });
    for (const step of ["depart", "arrive", "start", "complete"])
      expect((await call(`/v1/appointments/${booked.json.id}/${step}`, { token: tech.token, body: {} })).status).toBe(
        200,
      );
    expect((await call(`/v1/tickets/${ticket.id}`, { token: dispatcher.token })).json.status).toBe("resolved");
  });
});
