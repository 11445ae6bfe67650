import { eq } from "drizzle-orm";
import { catalogued } from "../../contracts/events";
import { inList } from "../../lib/d1";
import { notificationPreferences, webhooks, type Channel } from "../../db/schema";
import type { ServiceContext } from "../../lib/context";
import type { Settings } from "../../lib/env";
import { sha256 } from "../../lib/hmac";
import { nowIso } from "../../lib/ids";
import type { DomainEventMessage, NotificationMessage, WebhookMessage } from "../../lib/messages";
import { appointmentBrief } from "../scheduling";
import { ticketAudience } from "../tickets";
import { contactsOf, type Contact } from "../users";
import { findCustomer } from "../customers";
import { planContractMessages, planCustomerMessages } from "./customer-messages";

/** Who triages: told about new tickets, finished work and breaches. */
const TRIAGE_ROLES = ["admin", "dispatcher"];
/** Who manages stock: told when an item runs low. */
const STOCK_MANAGER_ROLES = ["admin", "manager"];

type Audience = "admins" | "client" | "technicians" | "supervisors";

/**
 * NTF-2: who among the users hears about what. The incident desk's table (created → admins;
 * opened → client; assigned → technicians; started → client; finished → client and admins;
 * approved/rejected → technicians and admins), plus appointments and SLA breaches. "Admins" are
 * the people who triage: admins and dispatchers; "client" is the customer's own user account, if
 * any. Messages about the visit to the customer's phone or email are planned separately
 * (customer-messages.ts).
 */
export function triggerFor(
  message: DomainEventMessage,
): { audiences: Audience[]; title: string; urgent: boolean } | null {
  const event = catalogued(message);
  if (!event) return null;
  switch (event.type) {
    case "ticket.created":
      return { audiences: ["admins"], title: `New ticket ${event.data.number}`, urgent: false };
    case "ticket.assigned":
      return { audiences: ["technicians"], title: `Ticket ${event.data.number} assigned to you`, urgent: false };
    case "ticket.status_changed": {
      const { action, number, via } = event.data;
      if (action === "open") return { audiences: ["client"], title: `Your ticket ${number} was opened`, urgent: false };
      // A visit's start and completion reach the customer through the visit's own messages.
      if (action === "start")
        return via === "appointment"
          ? null
          : { audiences: ["client"], title: `Work started on ${number}`, urgent: false };
      if (action === "resolve" || action === "complete")
        return {
          audiences: via === "appointment" ? ["admins"] : ["client", "admins"],
          title: `Work finished on ${number}`,
          urgent: false,
        };
      if (action === "approve")
        return { audiences: ["technicians", "admins"], title: `Resolution of ${number} approved`, urgent: false };
      if (action === "reject")
        return { audiences: ["technicians", "admins"], title: `Resolution of ${number} rejected`, urgent: false };
      return null;
    }
    case "appointment.scheduled":
    case "appointment.rescheduled":
    case "appointment.confirmed":
    case "appointment.cancelled":
      // The customer hears about their visit through planCustomerMessages, in their own words.
      return { audiences: ["technicians"], title: `Visit ${event.type.split(".")[1]} for a ticket`, urgent: false };
    case "sla.warning":
      return {
        audiences: ["admins", "supervisors"],
        title: `SLA ${event.data.target} target of ${event.data.number} due at ${event.data.due_at}`,
        urgent: false,
      };
    case "sla.breached":
      return {
        audiences: ["admins", "supervisors"],
        title: `SLA ${event.data.target} target breached on ${event.data.number}`,
        urgent: true,
      };
    default:
      return null;
  }
}

type Recipient = Contact;

/**
 * Defaults: email for everyone, WhatsApp for everyone who gave a WhatsApp number (the incident
 * desk's rule: both on every trigger), SMS for customers, push where a device is registered;
 * preferences turn any of them off (or WhatsApp on, to the phone number).
 */
function defaultChannels(user: Recipient): Channel[] {
  const out: Channel[] = ["email"];
  if (user.whatsapp) out.push("whatsapp");
  if (user.role === "customer" && user.phone) out.push("sms");
  if (user.pushToken) out.push("push");
  return out;
}

function addressFor(user: Recipient, channel: Channel): string | null {
  if (channel === "email") return user.email;
  if (channel === "sms") return user.phone;
  if (channel === "whatsapp") return user.whatsapp ?? user.phone;
  if (channel === "push") return user.pushToken;
  return null;
}

/** Seconds until quiet hours end in the deployment's zone, or 0 outside them. */
export function quietDelaySeconds(settings: Settings, now = new Date()): number {
  if (!settings.quietHours) return 0;
  const [from, to] = settings.quietHours.split("-").map((t) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5)));
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: settings.timeZone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(now);
  const minute =
    Number(parts.find((p) => p.type === "hour")!.value) * 60 + Number(parts.find((p) => p.type === "minute")!.value);
  const inQuiet = from > to ? minute >= from || minute < to : minute >= from && minute < to;
  if (!inQuiet) return 0;
  const untilEnd = (to - minute + 1440) % 1440;
  return untilEnd * 60;
}

export interface FanOut {
  messages: { body: NotificationMessage | WebhookMessage; delaySeconds?: number; silenced?: string }[];
  inApp: {
    id: string;
    userId: string;
    type: string;
    title: string;
    body: string;
    ticketId: string | null;
    data: Record<string, unknown>;
  }[];
  realtime: { userIds: string[]; scopeAll: boolean } | null;
}

/** Works out every message, in-app notification and realtime audience for one event. */
export async function planFanOut(ctx: ServiceContext, event: DomainEventMessage): Promise<FanOut> {
  const { db, settings } = ctx;
  const out: FanOut = { messages: [], inApp: [], realtime: null };
  const ticketId = event.subject_id.startsWith("tkt_") ? event.subject_id : null;
  const people = ticketId ? await ticketAudience(ctx, ticketId) : null;

  if (people) {
    const visible = new Set<string>([people.ticket.createdBy, ...people.assignees.map((a) => a.id)]);
    for (const a of people.assignees) if (a.supervisorId) visible.add(a.supervisorId);
    if (people.ticket.teamSupervisorId) visible.add(people.ticket.teamSupervisorId);
    if (people.customer?.userId) visible.add(people.customer.userId);
    out.realtime = { userIds: [...visible], scopeAll: true };
  }

  const trigger = triggerFor(event);
  const typed = catalogued(event);
  if (typed?.type === "inventory.low_stock") {
    // Not about a ticket: it goes to whoever manages stock, in-app and by email.
    const { name, sku, quantity, min_level } = typed.data;
    const title = `Low stock: ${name || sku} (${quantity} left, minimum ${min_level})`;
    for (const user of await contactsOf(ctx, { roles: STOCK_MANAGER_ROLES })) {
      const key = (await sha256(`${event.id}:${user.id}`)).slice(0, 24);
      out.inApp.push({
        id: `ntf_${key}`,
        userId: user.id,
        type: event.type,
        title,
        body: title,
        ticketId: null,
        data: { event_id: event.id, ...event.data },
      });
      if (user.email)
        out.messages.push({
          body: {
            kind: "notification",
            id: `${event.id}:${user.id}:email`,
            event: event.type,
            channel: "email",
            recipient: { user_id: user.id, address: user.email },
            subject: title,
            body: title,
            created_at: nowIso(),
          },
        });
    }
  }
  if (typed?.type === "service_contract.ending") {
    // Not about a ticket: the customer hears it on their own channels.
    const customer = await findCustomer(ctx, typed.data.customer_id).catch(() => null);
    if (customer) {
      const told = planContractMessages(ctx, event, typed.data, customer, quietDelaySeconds(settings));
      out.messages.push(...told.messages);
    }
  }
  if (trigger && people) {
    const ids = new Set<string>();
    const add = (list: (string | null | undefined)[]) => list.forEach((id) => id && ids.add(id));
    for (const audience of trigger.audiences) {
      // Only the customer's own account: a ticket raised by staff for a customer without one tells nobody here.
      if (audience === "client") add([people.customer?.userId]);
      if (audience === "technicians")
        add(typed?.type === "ticket.assigned" ? typed.data.technician_ids : people.assignees.map((a) => a.id));
      if (audience === "supervisors")
        add([...people.assignees.map((a) => a.supervisorId), people.ticket.teamSupervisorId]);
      if (audience === "admins") add((await contactsOf(ctx, { roles: TRIAGE_ROLES })).map((u) => u.id));
    }
    // Nobody is told about what they did themselves.
    if (event.actor_id) ids.delete(event.actor_id);
    const recipients = await contactsOf(ctx, { ids: [...ids] });
    const prefs = recipients.length
      ? await db
          .select()
          .from(notificationPreferences)
          .where(
            inList(
              notificationPreferences.userId,
              recipients.map((r) => r.id),
            ),
          )
      : [];
    const body = `${trigger.title}: ${people.ticket.title}`;
    const quiet = trigger.urgent ? 0 : quietDelaySeconds(settings);
    for (const user of recipients) {
      const key = (await sha256(`${event.id}:${user.id}`)).slice(0, 24);
      out.inApp.push({
        id: `ntf_${key}`,
        userId: user.id,
        type: event.type,
        title: trigger.title,
        body: people.ticket.title,
        ticketId: people.ticket.id,
        data: { event_id: event.id, ...event.data },
      });
      const chosen = new Set(defaultChannels(user));
      for (const p of prefs.filter((p) => p.userId === user.id))
        p.enabled ? chosen.add(p.channel) : chosen.delete(p.channel);
      for (const channel of chosen) {
        const address = addressFor(user, channel);
        if (!address || channel === "webhook") continue;
        out.messages.push({
          body: {
            kind: "notification",
            id: `${event.id}:${user.id}:${channel}`,
            event: event.type,
            channel,
            recipient: { user_id: user.id, address },
            subject: trigger.title,
            body,
            created_at: nowIso(),
          },
          // Non-urgent SMS waits for the end of quiet hours.
          delaySeconds: channel === "sms" && quiet ? Math.min(quiet, 43_200) : undefined,
        });
      }
    }
  }

  if (people?.customer) {
    const forCustomer = await planCustomerMessages(
      ctx,
      event,
      people.ticket,
      people.customer,
      quietDelaySeconds(settings),
    );
    out.messages.push(...forCustomer.messages);
    out.inApp.push(...forCustomer.inApp);
  }

  const hooks = await db.select().from(webhooks).where(eq(webhooks.active, true));
  const subscribed = hooks.filter((h) => h.events.includes(event.type) || h.events.includes("*"));
  if (subscribed.length) {
    const entity = people ? { ...people.presented, appointment: await appointmentBrief(ctx, people.ticket.id) } : null;
    for (const hook of subscribed) {
      out.messages.push({
        body: {
          kind: "webhook",
          id: `${event.id}:${hook.id}`,
          webhook_id: hook.id,
          event_type: event.type,
          payload: {
            id: event.id,
            type: event.type,
            occurred_at: event.occurred_at,
            actor_id: event.actor_id,
            data: { ...event.data, ...(entity ? { ticket: entity } : {}) },
          },
        },
      });
    }
  }
  return out;
}
