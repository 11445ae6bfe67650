import {
  SELF,
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { BASE, call, expectProblem, outboxFor } from "../../../test/helpers";
import { bookingSetup, dayAhead } from "../../../test/scheduling-helpers";
import { securitySuite } from "../../../test/security-suite";
import {
  assignedTicket,
  customerAccount,
  makeCustomer,
  raiseTicket,
  staff,
  technicianAccount,
} from "../../../test/work-factories";
import { newId } from "../../lib/ids";
import type { Env } from "../../lib/env";
import { handleNotificationBatch } from "../../queues/notifications.consumer";
import type { DomainEventMessage, NotificationMessage, QueueMessage } from "../../lib/messages";
import { sendAppointmentReminders } from "../scheduling";
import { systemContext } from "../../lib/context";
import { runScheduled, CRON_FREQUENT } from "../../cron";
import { planFanOut, quietDelaySeconds } from "./fanout";
import { Webhook } from "standardwebhooks";
import { signWebhook } from "./providers";
import { DOCUMENTED_WEBHOOK_EVENTS, webhookPayloadSchema } from "./webhook-events";
import { WEBHOOK_EVENTS } from "./notifications.schemas";
import { settingsFrom } from "../../lib/env";

securitySuite("notifications");
securitySuite("webhooks");
securitySuite("realtime");

const withTwilio = {
  ...env,
  TWILIO_ACCOUNT_SID: "AC123",
  TWILIO_AUTH_TOKEN: "secret",
  TWILIO_FROM: "+26770000000",
  RESEND_API_KEY: "re_test",
  EMAIL_FROM: "noreply@truckroll.test",
} as Env;

async function run(bindings: Env, bodies: QueueMessage[], attempts = 1) {
  const batch = createMessageBatch<QueueMessage>(
    "truckroll-notifications",
    bodies.map((body, i) => ({ id: `q${i}`, timestamp: new Date(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await handleNotificationBatch(batch, bindings, ctx);
  return getQueueResult(batch, ctx);
}

const sms = (id: string, to = "+26771234567"): NotificationMessage => ({
  kind: "notification",
  id,
  event: "test",
  channel: "sms",
  recipient: { address: to },
  body: "hello",
  created_at: new Date().toISOString(),
});

function event(
  type: string,
  subject: string,
  data: Record<string, unknown>,
  actor: string | null = null,
): DomainEventMessage {
  return {
    kind: "event",
    id: `evt_${crypto.randomUUID().slice(0, 12)}`,
    type,
    subject_id: subject,
    actor_id: actor,
    data,
    occurred_at: new Date().toISOString(),
  };
}

afterEach(() => vi.restoreAllMocks());

describe("NTF-2 triggers: the right messages to the right people", () => {
  it("follows the incident desk's table", async () => {
    const admin = await staff("admin");
    const dispatcher = await staff("dispatcher");
    const tech = await technicianAccount();
    const cust = await customerAccount();
    const t = await raiseTicket(cust.token);
    await call(`/v1/tickets/${t.id}/assign`, { token: dispatcher.token, body: { technician_ids: [tech.user.id] } });
    const who = async (type: string, data: Record<string, unknown>, actor: string | null) =>
      new Set(
        (
          await planFanOut(systemContext(env, "test"), event(type, t.id, { number: t.number, ...data }, actor))
        ).inApp.map((n) => n.userId),
      );

    const created = await who("ticket.created", {}, cust.user.id);
    expect(created.has(admin.user.id) && created.has(dispatcher.user.id)).toBe(true);
    expect(created.has(cust.user.id) || created.has(tech.user.id)).toBe(false);
    expect([...(await who("ticket.status_changed", { action: "open" }, dispatcher.user.id))]).toEqual([cust.user.id]);
    expect([...(await who("ticket.assigned", { technician_ids: [tech.user.id] }, dispatcher.user.id))]).toEqual([
      tech.user.id,
    ]);
    expect([...(await who("ticket.status_changed", { action: "start" }, tech.user.id))]).toEqual([cust.user.id]);
    const finished = await who("ticket.status_changed", { action: "resolve" }, tech.user.id);
    expect(finished.has(cust.user.id) && finished.has(admin.user.id)).toBe(true);
    const approved = await who("ticket.status_changed", { action: "approve" }, cust.user.id);
    expect(approved.has(tech.user.id) && approved.has(admin.user.id) && !approved.has(cust.user.id)).toBe(true);
    const rejected = await who("ticket.status_changed", { action: "reject" }, cust.user.id);
    expect(rejected.has(tech.user.id)).toBe(true);

    // Channels: email for everyone, SMS for customers; message ids are event × user × channel.
    const plan = await planFanOut(
      systemContext(env, "test"),
      event("ticket.status_changed", t.id, { action: "open", number: t.number }, dispatcher.user.id),
    );
    const channels = plan.messages.map((m) => (m.body as NotificationMessage).channel).sort();
    expect(channels).toEqual(["email", "sms"]);
    expect((plan.messages[0].body as NotificationMessage).id).toMatch(
      new RegExp(`^evt_.*:${cust.user.id}:(email|sms)$`),
    );
  });

  it("sends WhatsApp by default to whoever gave a WhatsApp number, to that number; preferences turn it off", async () => {
    const dispatcher = await staff("dispatcher");
    const cust = await customerAccount();
    const set = await call("/v1/me", {
      method: "PATCH",
      token: cust.token,
      body: { whatsapp: "72 345 678", department: "Household" },
    });
    expect(set.status, set.text).toBe(200);
    expect(set.json).toMatchObject({ whatsapp: "+26772345678", department: "Household" });
    expect((await call("/v1/me/notification-preferences", { token: cust.token })).json).toMatchObject({
      email: true,
      whatsapp: true,
    });
    const t = await raiseTicket(cust.token);
    const open = () =>
      planFanOut(
        systemContext(env, "test"),
        event("ticket.status_changed", t.id, { action: "open", number: t.number }, dispatcher.user.id),
      );
    const whatsapp = (await open()).messages
      .map((m) => m.body as NotificationMessage)
      .find((m) => m.channel === "whatsapp");
    expect(whatsapp?.recipient.address).toBe("+26772345678");
    await call("/v1/me/notification-preferences", { method: "PUT", token: cust.token, body: { whatsapp: false } });
    expect((await open()).messages.map((m) => (m.body as NotificationMessage).channel).sort()).toEqual([
      "email",
      "sms",
    ]);
    expectProblem(
      await call("/v1/me", { method: "PATCH", token: cust.token, body: { whatsapp: "12" } }),
      400,
      "validation_failed",
    );
  });

  it("respects channel preferences and delays non-urgent SMS in quiet hours", async () => {
    const cust = await customerAccount();
    const prefs = await call("/v1/me/notification-preferences", {
      method: "PUT",
      token: cust.token,
      body: { sms: false, whatsapp: true },
    });
    expect(prefs.json).toEqual({ email: true, sms: false, whatsapp: true, push: false });
    expectProblem(
      await call("/v1/me/notification-preferences", { method: "PUT", token: cust.token, body: { fax: true } }),
      400,
      "validation_failed",
    );
    const dispatcher = await staff("dispatcher");
    const t = await raiseTicket(cust.token);
    const plan = await planFanOut(
      systemContext(env, "test"),
      event("ticket.status_changed", t.id, { action: "open", number: t.number }, dispatcher.user.id),
    );
    expect(plan.messages.map((m) => (m.body as NotificationMessage).channel).sort()).toEqual(["email", "whatsapp"]);

    const settings = settingsFrom(env);
    expect(quietDelaySeconds(settings, new Date("2030-01-10T20:30:00Z"))).toBe(8 * 3600 + 30 * 60); // 22:30 in Gaborone → 07:00
    expect(quietDelaySeconds(settings, new Date("2030-01-10T10:00:00Z"))).toBe(0);
  });
});

describe("the outbox: what a crash leaves behind is finished later, never lost", () => {
  it("events published by a burst of requests are marked published together, in one write, a moment later", async () => {
    const { publishEvents, GATHER_MARKS_MS } = await import("./outbox");
    // Marks gathered from the earlier tests' requests are written first.
    await new Promise((resolve) => setTimeout(resolve, GATHER_MARKS_MS * 4));
    const now = new Date().toISOString();
    const ids = [1, 2, 3].map(() => `evt_${crypto.randomUUID()}`);
    for (const id of ids)
      await env.DB.prepare(
        "INSERT INTO domain_events (id, type, subject_id, data, created_at) VALUES (?1, 'ticket.updated', 'tkt_x', '{}', ?2)",
      )
        .bind(id, now)
        .run();
    let marks = 0;
    const db = new Proxy(env.DB, {
      get(target, prop) {
        if (prop === "prepare")
          return (sql: string) => {
            if (sql.startsWith("UPDATE domain_events")) marks++;
            return target.prepare(sql);
          };
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const sent: string[] = [];
    const burst = {
      DB: db,
      NOTIFICATIONS: {
        sendBatch: async (batch: { body: { id: string } }[]) => void sent.push(...batch.map((m) => m.body.id)),
      } as unknown as Queue,
    };
    const waits: Promise<unknown>[] = [];
    for (const id of ids)
      await publishEvents(
        burst,
        [
          {
            kind: "event",
            id,
            type: "ticket.updated",
            subject_id: "tkt_x",
            actor_id: null,
            data: {},
            occurred_at: now,
          },
        ],
        (p) => waits.push(p),
      );
    expect(sent).toEqual(ids);
    // Only the first request of the burst waits for the marks; they are not written yet.
    expect(waits).toHaveLength(1);
    expect(marks).toBe(0);
    await Promise.all(waits);
    expect(marks).toBe(1);
    const { results } = await env.DB.prepare(
      `SELECT published_at FROM domain_events WHERE id IN (${ids.map((_, i) => `?${i + 1}`).join(", ")})`,
    )
      .bind(...ids)
      .all<{ published_at: string | null }>();
    expect(results.map((r) => r.published_at !== null)).toEqual([true, true, true]);
  });

  it("an event committed but never published (the worker died after the batch) is published by the relay, once", async () => {
    const { changeTicket } = await import("../tickets");
    const { relayUnpublishedEvents, RELAY_GRACE_MS } = await import("./outbox");
    const cust = await customerAccount();
    const t = await raiseTicket(cust.token);
    // The queue is down when the change commits: the request fails after its batch.
    const broken = {
      ...systemContext(env, "test"),
      env: {
        ...env,
        NOTIFICATIONS: {
          sendBatch: async () => {
            throw new Error("queue unavailable");
          },
        } as unknown as Queue,
      },
    };
    await expect(
      changeTicket(broken, {
        ticketId: t.id,
        set: { title: "Changed while the queue was down" },
        events: [{ type: "ticket.updated", data: { changes: ["title"] } }],
      }),
    ).rejects.toThrow("queue unavailable");
    const row = await env.DB.prepare(
      "SELECT id, published_at FROM domain_events WHERE subject_id = ?1 AND type = 'ticket.updated'",
    )
      .bind(t.id)
      .first<{ id: string; published_at: string | null }>();
    expect(row).toMatchObject({ published_at: null });
    const sent: { body: { id: string } }[] = [];
    const capture = {
      ...env,
      NOTIFICATIONS: {
        sendBatch: async (batch: { body: { id: string } }[]) => void sent.push(...batch),
      } as unknown as Queue,
    };
    // Within the grace period the request itself may still publish it: the relay waits.
    await relayUnpublishedEvents(capture, Date.now());
    expect(sent.map((m) => m.body.id)).not.toContain(row!.id);
    await relayUnpublishedEvents(capture, Date.now() + RELAY_GRACE_MS + 1000);
    expect(sent.filter((m) => m.body.id === row!.id)).toHaveLength(1);
    expect(
      (await env.DB.prepare("SELECT published_at FROM domain_events WHERE id = ?1")
        .bind(row!.id)
        .first<{ published_at: string | null }>())!.published_at,
    ).not.toBeNull();
    await relayUnpublishedEvents(capture, Date.now() + RELAY_GRACE_MS + 1000);
    expect(sent.filter((m) => m.body.id === row!.id)).toHaveLength(1);
  });

  it("a delivery overdue past its next attempt is sent again by the sweep, and may be replayed by hand", async () => {
    const { redeliverOverdue, OVERDUE_GRACE_MS } = await import("./delivery");
    const address = `overdue-${crypto.randomUUID().slice(0, 8)}@example.test`;
    const message: NotificationMessage = {
      kind: "notification",
      id: `msg_overdue_${crypto.randomUUID().slice(0, 8)}`,
      event: "test",
      channel: "email",
      recipient: { address },
      subject: "Hi",
      body: "Overdue hello",
      created_at: new Date().toISOString(),
    };
    const long = new Date(Date.now() - OVERDUE_GRACE_MS - 60_000).toISOString();
    await env.DB.prepare(
      `INSERT INTO deliveries (id, event_id, event_type, channel, recipient, status, attempts, message, next_attempt_at, created_at, updated_at) VALUES (?1, NULL, 'test', 'email', ?2, 'retrying', 1, ?3, ?4, ?4, ?4)`,
    )
      .bind(message.id, address, JSON.stringify(message), long)
      .run();
    // The delivery log's replay takes an overdue retrying delivery too.
    const admin = await staff("admin");
    const replay = await call(`/v1/notifications/deliveries/${message.id}/retry`, { token: admin.token, body: {} });
    expect(replay.status, replay.text).toBe(202);
    await expect
      .poll(
        async () =>
          (await env.DB.prepare("SELECT status FROM deliveries WHERE id = ?1")
            .bind(message.id)
            .first<{ status: string }>())!.status,
      )
      .toBe("sent");

    const second = { ...message, id: `msg_overdue_${crypto.randomUUID().slice(0, 8)}` };
    await env.DB.prepare(
      `INSERT INTO deliveries (id, event_id, event_type, channel, recipient, status, attempts, message, next_attempt_at, created_at, updated_at) VALUES (?1, NULL, 'test', 'email', ?2, 'retrying', 1, ?3, ?4, ?4, ?4)`,
    )
      .bind(second.id, address, JSON.stringify(second), long)
      .run();
    const swept = await redeliverOverdue(systemContext(env, "test"), Date.now());
    expect(swept.resent).toBeGreaterThanOrEqual(1);
    expect((await redeliverOverdue(systemContext(env, "test"), Date.now())).resent).toBe(0);
    await expect
      .poll(
        async () =>
          (await env.DB.prepare("SELECT status FROM deliveries WHERE id = ?1")
            .bind(second.id)
            .first<{ status: string }>())!.status,
      )
      .toBe("sent");
    expect((await outboxFor(address)).filter((m) => m.body === "Overdue hello")).toHaveLength(2);
  });

  it("a text held for quiet hours is a delivery row from the start", async () => {
    const { fanOutEvent } = await import("./delivery");
    const cust = await customerAccount();
    const dispatcher = await staff("dispatcher");
    await call("/v1/me/notification-preferences", {
      method: "PUT",
      token: cust.token,
      body: { email: false, sms: true },
    });
    const t = await raiseTicket(cust.token);
    const quiet = systemContext(
      {
        ...env,
        QUIET_HOURS: "00:00-23:59",
        NOTIFICATIONS: { sendBatch: async () => undefined } as unknown as Queue,
      } as Env,
      "test",
    );
    const e = event("ticket.status_changed", t.id, { action: "open", number: t.number }, dispatcher.user.id);
    await fanOutEvent(quiet, e);
    const rows = await env.DB.prepare("SELECT channel, status, next_attempt_at FROM deliveries WHERE event_id = ?1")
      .bind(e.id)
      .all<{ channel: string; status: string; next_attempt_at: string }>();
    const sms = rows.results.filter((r) => r.channel === "sms");
    expect(sms).toHaveLength(1);
    expect(sms[0].status).toBe("held");
    expect(sms[0].next_attempt_at > new Date().toISOString()).toBe(true);
  });
});

describe("quiet hours: texts held overnight go out once, in order, and only while still true", () => {
  it("a night of booking, cancelling, re-booking and moving one visit sends one text with where things stand", async () => {
    const { fanOutEvent, deliver } = await import("./delivery");
    const dispatcher = await staff("dispatcher");
    const tech = await technicianAccount();
    const phone = `+2677${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
    const customerId = await makeCustomer({ phone });
    const ticket = await raiseTicket(dispatcher.token, { customer_id: customerId });
    const day = dayAhead(5);
    const sent: NotificationMessage[] = [];
    const night = systemContext(
      {
        ...env,
        QUIET_HOURS: "00:00-23:59",
        NOTIFICATIONS: {
          sendBatch: async (batch: { body: NotificationMessage }[]) => void sent.push(...batch.map((m) => m.body)),
        } as unknown as Queue,
      } as Env,
      "test",
    );
    const visit = async (start: string, status = "scheduled") => {
      const id = newId("apt");
      const [h, m] = start.split(":").map(Number);
      const at = (hour: number) => `${day}T${String(hour - 2).padStart(2, "0")}:${String(m).padStart(2, "0")}:00.000Z`;
      await env.DB.prepare(
        `INSERT INTO appointments (id, ticket_id, technician_id, date, start_time, end_time, timezone, starts_at, ends_at,
                                   duration_minutes, status, scheduled_via, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'Africa/Gaborone', ?7, ?8, 60, ?9, 'staff', ?10, ?10)`,
      )
        .bind(
          id,
          ticket.id,
          tech.user.id,
          day,
          start,
          `${h + 1}:00`,
          at(h),
          at(h + 1),
          status,
          new Date().toISOString(),
        )
        .run();
      return id;
    };
    let clock = Date.now();
    const happened = (type: string, data: Record<string, unknown>): DomainEventMessage => ({
      kind: "event",
      id: `evt_${crypto.randomUUID().slice(0, 12)}`,
      type,
      subject_id: ticket.id,
      actor_id: null,
      data,
      occurred_at: new Date((clock += 1000)).toISOString(),
    });
    const step = { technician_id: tech.user.id };

    // 22:10 booked for 09:00; 22:40 the customer cancels; 23:05 booked again for 11:00; 06:30 we move it to 14:00.
    const first = await visit("09:00");
    const booked = happened("appointment.scheduled", { appointment_id: first, ...step, starts_at: "x", via: "staff" });
    await fanOutEvent(night, booked);
    await env.DB.prepare("UPDATE appointments SET status = 'cancelled' WHERE id = ?1").bind(first).run();
    const cancelled = happened("appointment.cancelled", { appointment_id: first, ...step, via: "link" });
    await fanOutEvent(night, cancelled);
    const second = await visit("11:00");
    const rebooked = happened("appointment.scheduled", {
      appointment_id: second,
      ...step,
      starts_at: "x",
      via: "staff",
    });
    await fanOutEvent(night, rebooked);
    await env.DB.prepare(
      `UPDATE appointments SET start_time = '14:00', end_time = '15:00', starts_at = ?2, ends_at = ?3 WHERE id = ?1`,
    )
      .bind(second, `${day}T12:00:00.000Z`, `${day}T13:00:00.000Z`)
      .run();
    const moved = happened("appointment.rescheduled", { appointment_id: second, from: "x", to: "y", via: "staff" });
    await fanOutEvent(night, moved);
    // A late, repeated delivery of the first event changes nothing.
    await fanOutEvent(night, booked);

    const log = await env.DB.prepare(
      "SELECT id, event_type, status, last_error, message FROM deliveries WHERE recipient = ?1 ORDER BY created_at, id",
    )
      .bind(phone)
      .all<{ id: string; event_type: string; status: string; last_error: string | null; message: string }>();
    const byEvent = Object.fromEntries(
      log.results.map((r) => [r.event_type + (r.id.startsWith(rebooked.id) ? "#2" : ""), r]),
    );
    expect(log.results).toHaveLength(4);
    expect(byEvent["appointment.scheduled"].status).toBe("superseded");
    expect(byEvent["appointment.cancelled"]).toMatchObject({ status: "superseded" });
    expect(byEvent["appointment.cancelled"].last_error).toContain("before the customer heard");
    expect(byEvent["appointment.scheduled#2"].status).toBe("superseded");
    const held = byEvent["appointment.rescheduled"];
    expect(held.status).toBe("held");
    // The customer never heard of a booking: the one text says it is booked, at the time that stands.
    const text = (JSON.parse(held.message) as NotificationMessage).body;
    expect(text).toMatch(/is booked for .*14:00/);
    expect(text).not.toMatch(/09:00|11:00|moved|cancel/);

    // The delivery log shows what waits and what was replaced.
    const admin = await staff("admin");
    const waiting = await call(`/v1/notifications/deliveries?status=held&event_id=${moved.id}`, { token: admin.token });
    expect(waiting.json.data.map((d: { recipient: string }) => d.recipient)).toEqual([phone]);

    // Morning: every queued copy arrives; only the one that stands is sent, once.
    await env.DB.prepare("UPDATE deliveries SET next_attempt_at = ?2 WHERE id = ?1")
      .bind(held.id, new Date(Date.now() - 1000).toISOString())
      .run();
    const toPhone = sent.filter((m) => m.recipient.address === phone);
    expect(toPhone.map((m) => m.event)).toEqual([
      "appointment.scheduled",
      "appointment.scheduled",
      "appointment.rescheduled",
    ]);
    const outcomes = [];
    for (const m of [...toPhone, ...toPhone]) outcomes.push(await deliver(night, m));
    expect(outcomes.filter((o) => o === "sent")).toHaveLength(1);
    const delivered = (await outboxFor(phone)).map((m) => m.body);
    expect(delivered).toEqual([text]);
  });

  it("a customer with a language on record is texted in it", async () => {
    const { fanOutEvent } = await import("./delivery");
    const dispatcher = await staff("dispatcher");
    const tech = await technicianAccount();
    const phone = `+2677${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
    const customerId = await makeCustomer({ phone });
    await env.DB.prepare("UPDATE customers SET language = 'id' WHERE id = ?1").bind(customerId).run();
    const ticket = await raiseTicket(dispatcher.token, { customer_id: customerId });
    const id = newId("apt");
    const day = dayAhead(6);
    await env.DB.prepare(
      `INSERT INTO appointments (id, ticket_id, technician_id, date, start_time, end_time, timezone, starts_at, ends_at,
                                 duration_minutes, status, scheduled_via, created_at, updated_at)
       VALUES (?1, ?2, ?3, ?4, '10:00', '11:00', 'Africa/Gaborone', ?4 || 'T08:00:00.000Z', ?4 || 'T09:00:00.000Z', 60, 'scheduled', 'staff', ?5, ?5)`,
    )
      .bind(id, ticket.id, tech.user.id, day, new Date().toISOString())
      .run();
    const awake = systemContext({ ...env, QUIET_HOURS: "" } as Env, "test");
    const e = event("appointment.scheduled", ticket.id, {
      appointment_id: id,
      technician_id: tech.user.id,
      starts_at: `${day}T08:00:00.000Z`,
      via: "staff",
    });
    await fanOutEvent(awake, e);
    const row = await env.DB.prepare("SELECT message FROM deliveries WHERE event_id = ?1 AND recipient = ?2")
      .bind(e.id, phone)
      .first<{ message: string }>();
    expect((JSON.parse(row!.message) as NotificationMessage).body).toContain(
      `kunjungan Anda (${ticket.number}) dipesan untuk`,
    );
  });

  it("a visit cancelled by us that was due before morning is told at once; one due later waits", async () => {
    const { fanOutEvent } = await import("./delivery");
    const dispatcher = await staff("dispatcher");
    const tech = await technicianAccount();
    const phone = `+2677${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
    const ticket = await raiseTicket(dispatcher.token, { customer_id: await makeCustomer({ phone }) });
    // Quiet from an hour ago until five hours from now (local time), whatever the clock says: a fixed
    // "00:00-23:59" ends minutes from now late in the evening, and 3 h ahead is then after its end + 2 h.
    const zone = systemContext(env as Env, "test").settings.timeZone;
    const hhmm = (ms: number) =>
      new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(
        ms,
      );
    const window = `${hhmm(Date.now() - 3600_000)}-${hhmm(Date.now() + 5 * 3600_000)}`;
    const quiet = systemContext({ ...env, QUIET_HOURS: window } as Env, "test");
    for (const [hoursAhead, expected] of [
      [3, "pending"],
      [72, "held"],
    ] as const) {
      const id = newId("apt");
      const starts = new Date(Date.now() + hoursAhead * 3600_000);
      await env.DB.prepare(
        `INSERT INTO appointments (id, ticket_id, technician_id, date, start_time, end_time, timezone, starts_at, ends_at,
                                   duration_minutes, status, scheduled_via, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, '10:00', '11:00', 'Africa/Gaborone', ?5, ?6, 60, 'cancelled', 'staff', ?7, ?7)`,
      )
        .bind(
          id,
          ticket.id,
          tech.user.id,
          starts.toISOString().slice(0, 10),
          starts.toISOString(),
          new Date(starts.getTime() + 3600_000).toISOString(),
          new Date().toISOString(),
        )
        .run();
      const e = event("appointment.cancelled", ticket.id, {
        appointment_id: id,
        technician_id: tech.user.id,
        via: "staff",
      });
      await fanOutEvent(quiet, e);
      const row = await env.DB.prepare("SELECT status FROM deliveries WHERE event_id = ?1 AND recipient = ?2")
        .bind(e.id, phone)
        .first<{ status: string }>();
      expect(row?.status, `${hoursAhead} h ahead`).toBe(expected);
    }
  });
});

describe("NTF-1 delivery: nothing lost, nothing twice", () => {
  it("sends through Twilio once even when the same batch is delivered twice", async () => {
    const fetchSpy = vi
      .spyOn(globalThis, "fetch")
      .mockImplementation(async () => new Response('{"sid":"SM1"}', { status: 201 }));
    const first = await run(withTwilio, [sms("msg_dup_1")]);
    const second = await run(withTwilio, [sms("msg_dup_1")]);
    expect(first.explicitAcks).toEqual(["q0"]);
    expect(second.explicitAcks).toEqual(["q0"]);
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    const [url, init] = fetchSpy.mock.calls[0] as [string, RequestInit];
    expect(url).toBe("https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json");
    expect(new Headers(init.headers).get("authorization")).toBe(`Basic ${btoa("AC123:secret")}`);
    expect(String(init.body)).toContain("To=%2B26771234567");
    const row = await env.DB.prepare(
      "SELECT status, attempts, provider FROM deliveries WHERE id = 'msg_dup_1'",
    ).first();
    expect(row).toEqual({ status: "sent", attempts: 1, provider: "twilio" });
  });

  it("retries transient failures with backoff, and does not retry permanent ones", async () => {
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
      const to = decodeURIComponent(String((await new Request(input as string, { method: "POST" }).text()) ?? ""));
      void to;
      return new Response("upstream down", { status: 503 });
    });
    const transient = await run(withTwilio, [sms("msg_503")], 2);
    expect(transient.retryMessages.map((m) => m.msgId)).toEqual(["q0"]);
    expect(await env.DB.prepare("SELECT status, last_error FROM deliveries WHERE id = 'msg_503'").first()).toEqual({
      status: "retrying",
      last_error: "HTTP 503",
    });
    vi.restoreAllMocks();
    const okSpy = vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response("{}", { status: 201 }));
    expect((await run(withTwilio, [sms("msg_503")], 3)).explicitAcks).toEqual(["q0"]);
    expect(okSpy).toHaveBeenCalledTimes(1);
    expect(await env.DB.prepare("SELECT status, attempts FROM deliveries WHERE id = 'msg_503'").first()).toEqual({
      status: "sent",
      attempts: 2,
    });

    vi.restoreAllMocks();
    const badNumber = vi
      .spyOn(globalThis, "fetch")
      .mockResolvedValue(new Response('{"code":21211,"message":"Invalid To number"}', { status: 400 }));
    const permanent = await run(withTwilio, [sms("msg_400", "+1000")]);
    expect(permanent.explicitAcks).toEqual(["q0"]);
    expect(permanent.retryMessages).toEqual([]);
    expect(badNumber).toHaveBeenCalledTimes(1);
    expect(
      await env.DB.prepare("SELECT status, provider_response FROM deliveries WHERE id = 'msg_400'").first(),
    ).toEqual({ status: "failed", provider_response: '{"code":21211,"message":"Invalid To number"}' });
  });

  it("with the provider failing half the time, delivers or dead-letters every message, none twice", async () => {
    const calls = new Map<string, number>();
    let n = 0;
    vi.spyOn(globalThis, "fetch").mockImplementation(async (_url, init) => {
      const to = new URLSearchParams(String((init as RequestInit).body)).get("Body")!;
      calls.set(to, (calls.get(to) ?? 0) + 1);
      return new Response("{}", { status: n++ % 2 === 0 ? 500 : 201 });
    });
    const messages = Array.from({ length: 20 }, (_, i) => ({ ...sms(`msg_flaky_${i}`), body: `m${i}` }));
    let pending = messages;
    for (let attempt = 1; attempt <= 6 && pending.length; attempt++) {
      const result = await run(withTwilio, pending, attempt);
      const retried = new Set(result.retryMessages.map((r) => r.msgId));
      pending = pending.filter((_, i) => retried.has(`q${i}`));
    }
    // Whatever is still failing goes to the dead-letter queue, whose consumer keeps it.
    if (pending.length) {
      const dlq = createMessageBatch<QueueMessage>(
        "truckroll-notifications-dlq",
        pending.map((body, i) => ({ id: `d${i}`, timestamp: new Date(), attempts: 6, body })),
      );
      await handleNotificationBatch(dlq, withTwilio, createExecutionContext());
    }
    const rows = (
      await env.DB.prepare("SELECT status FROM deliveries WHERE id LIKE 'msg_flaky_%'").all<{ status: string }>()
    ).results;
    expect(rows).toHaveLength(20);
    expect(rows.every((r) => r.status === "sent" || r.status === "dead")).toBe(true);
    const sentBodies = [...calls.entries()];
    expect(sentBodies.length).toBe(20);
    // A message is sent successfully at most once: successes = sent rows.
    expect(rows.filter((r) => r.status === "sent").length).toBeGreaterThan(0);
  });

  it("lists deliveries for admins and replays a failed one", async () => {
    vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response("bad", { status: 400 }));
    await run(withTwilio, [sms("msg_replay")]);
    const admin = await staff("admin");
    const list = await call("/v1/notifications/deliveries?status=failed&channel=sms", { token: admin.token });
    expect(list.json.data.map((d: { id: string }) => d.id)).toContain("msg_replay");
    const retried = await call(`/v1/notifications/deliveries/${encodeURIComponent("msg_replay")}/retry`, {
      token: admin.token,
      method: "POST",
    });
    expect(retried.status, retried.text).toBe(202);
    expect(retried.json.status).toBe("retrying");
    expectProblem(
      await call(`/v1/notifications/deliveries/${encodeURIComponent("msg_replay")}/retry`, {
        token: admin.token,
        method: "POST",
      }),
      409,
      "invalid_transition",
    );
    const dispatcher = await staff("dispatcher");
    expectProblem(await call("/v1/notifications/deliveries", { token: dispatcher.token }), 403, "forbidden");
  });
});

describe("NTF-3 in-app notifications", () => {
  it("lists with the unread count, filters, marks one and all read", async () => {
    const dispatcher = await staff("dispatcher");
    const cust = await customerAccount();
    const t = await raiseTicket(cust.token);
    for (const action of ["open", "start"]) {
      await run(env, [event("ticket.status_changed", t.id, { action, number: t.number }, dispatcher.user.id)]);
    }
    const list = await call("/v1/notifications", { token: cust.token });
    expect(list.json.unread_count).toBe(2);
    expect(list.json.data.map((n: { title: string }) => n.title)).toEqual([
      `Work started on ${t.number}`,
      `Your ticket ${t.number} was opened`,
    ]);
    const first = list.json.data[0].id;
    expect((await call(`/v1/notifications/${first}/read`, { token: cust.token, method: "POST" })).json.is_read).toBe(
      true,
    );
    expect((await call("/v1/notifications?is_read=false", { token: cust.token })).json.data).toHaveLength(1);
    expect((await call("/v1/notifications/read-all", { token: cust.token, method: "POST" })).json).toEqual({
      marked: 1,
    });
    expect((await call("/v1/notifications", { token: cust.token })).json.unread_count).toBe(0);
    const other = await customerAccount();
    expectProblem(
      await call(`/v1/notifications/${first}/read`, { token: other.token, method: "POST" }),
      404,
      "not_found",
    );
    // A redelivered event creates no second notification.
    const again = event("ticket.status_changed", t.id, { action: "open", number: t.number }, dispatcher.user.id);
    await run(env, [again]);
    await run(env, [again]);
    expect((await call("/v1/notifications", { token: cust.token })).json.data).toHaveLength(3);
  });
});

describe("PLT-7 webhooks", () => {
  it("signs deliveries with HMAC-SHA256 over timestamp and body, carrying the full ticket", async () => {
    const admin = await staff("admin");
    expectProblem(
      await call("/v1/webhooks", {
        token: admin.token,
        body: { url: "http://insecure.example/hook", events: ["ticket.created"] },
      }),
      400,
      "validation_failed",
    );
    const hook = await call("/v1/webhooks", {
      token: admin.token,
      body: { url: "https://integrator.example/hook", events: ["ticket.created", "ticket.status_changed"] },
    });
    expect(hook.status, hook.text).toBe(201);
    expect(hook.json.secret).toMatch(/^whsec_/);
    expect((await call(`/v1/webhooks/${hook.json.id}`, { token: admin.token })).json.secret).toBeUndefined();
    // The list is paged like every list.
    const second = await call("/v1/webhooks", {
      token: admin.token,
      body: { url: "https://integrator.example/other", events: ["sla.breached"] },
    });
    await call(`/v1/webhooks/${second.json.id}`, { method: "PATCH", token: admin.token, body: { active: false } });
    const first = await call("/v1/webhooks?limit=1", { token: admin.token });
    expect(first.json.data.map((w: { id: string }) => w.id)).toEqual([second.json.id]);
    const next = await call(`/v1/webhooks?limit=1&cursor=${first.json.next_cursor}`, { token: admin.token });
    expect(next.json.data.map((w: { id: string }) => w.id)).toEqual([hook.json.id]);

    const cust = await customerAccount();
    const t = await raiseTicket(cust.token);
    const plan = await planFanOut(
      systemContext(env, "test"),
      event("ticket.created", t.id, { number: t.number }, cust.user.id),
    );
    const delivery = plan.messages.map((m) => m.body).find((b) => (b as { kind?: string }).kind === "webhook")!;
    expect(delivery).toBeTruthy();
    const captured: { url: string; headers: Headers; body: string }[] = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (url, init) => {
      captured.push({
        url: String(url),
        headers: new Headers((init as RequestInit).headers),
        body: String((init as RequestInit).body),
      });
      return new Response("ok", { status: 200 });
    });
    await run(env, [delivery]);
    await run(env, [delivery]);
    expect(captured).toHaveLength(1);
    const { headers, body, url } = captured[0];
    expect(url).toBe("https://integrator.example/hook");
    expect(headers.get("x-truckroll-event")).toBe("ticket.created");
    const [, ts, sig] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(headers.get("x-truckroll-signature")!)!;
    // The receiver's check, as documented: HMAC-SHA256(secret, "<t>.<raw body>").
    expect(await signWebhook(hook.json.secret, Number(ts), body)).toBe(`t=${ts},v1=${sig}`);
    expect(await signWebhook("wrong-secret", Number(ts), body)).not.toBe(`t=${ts},v1=${sig}`);
    // Standard Webhooks: its own verifier accepts the delivery, and refuses it with another secret.
    const standardHeaders = {
      "webhook-id": headers.get("webhook-id")!,
      "webhook-timestamp": headers.get("webhook-timestamp")!,
      "webhook-signature": headers.get("webhook-signature")!,
    };
    expect(standardHeaders["webhook-id"]).toBe(headers.get("x-truckroll-delivery"));
    expect(new Webhook(hook.json.secret).verify(body, standardHeaders)).toMatchObject({ type: "ticket.created" });
    expect(() =>
      new Webhook(`whsec_${btoa("another secret of 32 bytes......")}`).verify(body, standardHeaders),
    ).toThrow();
    const payload = JSON.parse(body);
    expect(payload).toMatchObject({
      type: "ticket.created",
      data: { ticket: { id: t.id, number: t.number, status: "new", title: "No internet" } },
    });
    expect(
      (await call(`/v1/webhooks/${hook.json.id}`, { method: "PATCH", token: admin.token, body: { active: false } }))
        .json.active,
    ).toBe(false);
    expect((await call(`/v1/webhooks/${hook.json.id}`, { method: "DELETE", token: admin.token })).status).toBe(204);
  });

  it("delivers exactly the payloads the API reference documents, for every event a ticket's life records", async () => {
    expect([...DOCUMENTED_WEBHOOK_EVENTS].sort()).toEqual(WEBHOOK_EVENTS.filter((e) => e !== "*").sort());
    const admin = await staff("admin");
    await call("/v1/webhooks", {
      token: admin.token,
      body: { url: "https://integrator.example/everything", events: ["*"] },
    });
    const { dispatcher, tech, ticket } = await assignedTicket();
    const t = ticket.id;
    const ok = (res: Awaited<ReturnType<typeof call>>) => expect(res.status, res.text).toBeLessThan(300);
    ok(
      await call(`/v1/tickets/${t}`, {
        method: "PATCH",
        token: dispatcher.token,
        body: { title: "No internet since Monday" },
      }),
    );
    ok(await call(`/v1/tickets/${t}/sla`, { token: admin.token, body: { resolution_due_at: "2030-01-01T10:00:00Z" } }));
    ok(
      await call(`/v1/tickets/${t}/comments`, { token: tech.token, body: { body: "On my way", visibility: "public" } }),
    );
    const booked = await call("/v1/appointments", {
      token: dispatcher.token,
      body: { ticket_id: t, technician_id: tech.user.id, date: dayAhead(2), start_time: "10:00" },
    });
    expect(booked.status, booked.text).toBe(201);
    ok(await call(`/v1/appointments/${booked.json.id}/confirm`, { token: tech.token, body: {} }));
    ok(await call(`/v1/tickets/${t}/start`, { token: tech.token, body: {} }));
    ok(await call(`/v1/tickets/${t}/unassign`, { token: dispatcher.token, body: { technician_ids: [tech.user.id] } }));

    const rows = await env.DB.prepare(
      "SELECT id, type, subject_id, actor_id, data, created_at FROM domain_events WHERE subject_id = ?1 ORDER BY created_at",
    )
      .bind(t)
      .all<Record<string, string>>();
    const seen = new Set<string>();
    for (const row of rows.results) {
      const recorded: DomainEventMessage = {
        kind: "event",
        id: row.id,
        type: row.type,
        subject_id: row.subject_id,
        actor_id: row.actor_id,
        data: JSON.parse(row.data),
        occurred_at: row.created_at,
      };
      const plan = await planFanOut(systemContext(env, "test"), recorded);
      const delivery = plan.messages
        .map((m) => m.body as { kind?: string; payload?: unknown })
        .find((b) => b.kind === "webhook" && (b as { webhook_id?: string }).webhook_id);
      expect(delivery, row.type).toBeTruthy();
      const parsed = webhookPayloadSchema(row.type as (typeof DOCUMENTED_WEBHOOK_EVENTS)[number]).safeParse(
        JSON.parse(JSON.stringify(delivery!.payload)),
      );
      expect(parsed.success, `${row.type}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
      seen.add(row.type);
    }
    expect([...seen].sort()).toEqual([
      "appointment.confirmed",
      "appointment.scheduled",
      "ticket.assigned",
      "ticket.commented",
      "ticket.created",
      "ticket.sla_changed",
      "ticket.status_changed",
      "ticket.unassigned",
      "ticket.updated",
    ]);
  });

  it("retries a failing endpoint", async () => {
    const admin = await staff("admin");
    const hook = await call("/v1/webhooks", {
      token: admin.token,
      body: { url: "https://down.example/hook", events: ["*"] },
    });
    vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response("nope", { status: 502 }));
    const result = await run(env, [
      {
        kind: "webhook",
        id: "evt_x:" + hook.json.id,
        webhook_id: hook.json.id,
        event_type: "ticket.created",
        payload: { id: "evt_x" },
      },
    ]);
    expect(result.retryMessages.map((r) => r.msgId)).toEqual(["q0"]);
  });
});

describe("NTF-4 realtime over WebSocket", () => {
  async function connect(token: string) {
    const ticket = await call("/v1/events/ticket", { token, method: "POST" });
    expect(ticket.status).toBe(201);
    const res = await SELF.fetch(`${BASE}${ticket.json.url}`, { headers: { upgrade: "websocket" } });
    expect(res.status).toBe(101);
    const ws = res.webSocket!;
    const received: { type: string; data: any }[] = [];
    ws.addEventListener("message", (e) => received.push(JSON.parse(e.data as string)));
    ws.accept();
    await expect.poll(() => received.some((m) => m.type === "connected")).toBe(true);
    return { ws, received };
  }

  it("delivers each event only to users who may see it", async () => {
    const dispatcher = await staff("dispatcher");
    const alice = await customerAccount();
    const bob = await customerAccount();
    const tech = await technicianAccount();
    const t = await raiseTicket(alice.token);
    const a = await connect(alice.token);
    const b = await connect(bob.token);
    const d = await connect(dispatcher.token);
    const tc = await connect(tech.token);
    await run(env, [
      event(
        "ticket.status_changed",
        t.id,
        { action: "open", number: t.number, from: "new", to: "opened" },
        dispatcher.user.id,
      ),
    ]);
    // The dispatcher sees every ticket: other tests' events may arrive too, so count this ticket's.
    const about = (m: { type: string }) => m.type === "ticket.status_changed" && JSON.stringify(m).includes(t.id);
    await expect.poll(() => a.received.filter(about).length).toBe(1);
    await expect.poll(() => d.received.filter(about).length).toBe(1);
    await expect.poll(() => a.received.some((m) => m.type === "notification.new")).toBe(true);
    expect(b.received.filter((m) => m.type !== "connected")).toEqual([]);
    expect(tc.received.filter((m) => m.type !== "connected")).toEqual([]);

    const loc = await call(`/v1/technicians/${tech.user.id}/location`, {
      method: "PUT",
      token: tech.token,
      body: { lat: -24.6, lng: 25.9, accuracy_m: 12 },
    });
    expect(loc.status, loc.text).toBe(200);
    await expect
      .poll(() =>
        d.received.some((m) => m.type === "technician.location_updated" && m.data.technician_id === tech.user.id),
      )
      .toBe(true);
    expect(a.received.some((m) => m.type === "technician.location_updated")).toBe(false);
    for (const c of [a, b, d, tc]) c.ws.close();
  });

  it("refuses a missing, forged or expired ticket and a plain GET", async () => {
    expectProblem(
      await call("/v1/events?ticket=forged.ticket.value", { headers: { upgrade: "websocket" } }),
      401,
      "invalid_token",
    );
    expectProblem(await call("/v1/events"), 400, "validation_failed");
    const cust = await customerAccount();
    const ticket = await call("/v1/events/ticket", { token: cust.token, method: "POST" });
    expectProblem(await call(ticket.json.url), 400, "invalid_request");
    // An access token is not an events ticket.
    expectProblem(
      await call(`/v1/events?ticket=${cust.token}`, { headers: { upgrade: "websocket" } }),
      401,
      "invalid_token",
    );
  });
});

describe("FW-2 locations", () => {
  it("takes reports from the technician only and feeds the latest per technician", async () => {
    const dispatcher = await staff("dispatcher");
    const tech = await technicianAccount();
    const other = await technicianAccount();
    await call(`/v1/technicians/${tech.user.id}/location`, {
      method: "PUT",
      token: tech.token,
      body: { lat: -24.6, lng: 25.9 },
    });
    await new Promise((r) => setTimeout(r, 5));
    await call(`/v1/technicians/${tech.user.id}/location`, {
      method: "PUT",
      token: tech.token,
      body: { lat: -24.61, lng: 25.91 },
    });
    expectProblem(
      await call(`/v1/technicians/${tech.user.id}/location`, {
        method: "PUT",
        token: other.token,
        body: { lat: 0, lng: 0 },
      }),
      403,
      "forbidden",
    );
    expectProblem(
      await call(`/v1/technicians/${tech.user.id}/location`, {
        method: "PUT",
        token: tech.token,
        body: { lat: 91, lng: 0 },
      }),
      400,
      "validation_failed",
    );
    const latest = await call("/v1/technicians/locations/latest", { token: dispatcher.token });
    const mine = latest.json.data.filter((l: { technician_id: string }) => l.technician_id === tech.user.id);
    expect(mine).toEqual([expect.objectContaining({ lat: -24.61, lng: 25.91 })]);
  });
});

describe("SCH-7 reminders", () => {
  it("reminds each confirmed visit once, catches up, and a second run sends nothing", async () => {
    const { dispatcher, tech, ticket } = await bookingSetup();
    const booked = await call("/v1/appointments", {
      token: dispatcher.token,
      body: { ticket_id: ticket.id, technician_id: tech.user.id, date: dayAhead(1), start_time: "10:00" },
    });
    await call(`/v1/appointments/${booked.json.id}/confirm`, { token: tech.token, body: {} });
    const startsAt = Date.parse(booked.json.starts_at);
    // A run long before the lead window does nothing; a late run (missed ones before it) reminds once.
    expect((await sendAppointmentReminders(systemContext(env, "test"), startsAt - 3 * 24 * 3600_000)).reminded).toBe(0);
    const late = startsAt - 60 * 60_000;
    expect((await sendAppointmentReminders(systemContext(env, "test"), late)).reminded).toBe(1);
    expect((await sendAppointmentReminders(systemContext(env, "test"), late)).reminded).toBe(0);
    await runScheduled(
      createScheduledController({ cron: CRON_FREQUENT, scheduledTime: late }),
      env,
      createExecutionContext(),
    );
    const { n } = (await env.DB.prepare("SELECT count(*) AS n FROM domain_events WHERE id = ?1")
      .bind(`evt_reminder_${booked.json.id}`)
      .first<{ n: number }>())!;
    expect(n).toBe(1);
    // The reminder goes to the customer.
    const plan = await planFanOut(systemContext(env, "test"), {
      kind: "event",
      id: `evt_reminder_${booked.json.id}`,
      type: "appointment.reminder",
      subject_id: ticket.id,
      actor_id: null,
      data: { when: "x" },
      occurred_at: new Date().toISOString(),
    });
    expect(plan.messages.some((m) => (m.body as NotificationMessage).channel === "sms")).toBe(true);
  });
});
