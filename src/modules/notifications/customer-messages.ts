import type { CustomerChannel } from "../../db/schema";
import type { ServiceContext } from "../../lib/context";
import { sha256 } from "../../lib/hmac";
import { nowIso } from "../../lib/ids";
import { addDays } from "../../lib/time";
import { catalogued } from "../../contracts/events";
import type { DomainEventMessage, NotificationMessage } from "../../lib/messages";
import {
  catalogue,
  fill,
  formatClock,
  formatDay,
  formatVisitTime,
  formatVisitWindow,
  type CustomerMessageKey,
} from "../../locales/catalogue";
import { visitMessageFacts } from "../scheduling";
import { contactsOf } from "../users";

/** The customer's own contact details, from the customer record (not from any user account). */
export interface CustomerContact {
  id: string;
  userId: string | null;
  phone: string | null;
  email: string | null;
  whatsapp: string | null;
  messageChannels: CustomerChannel[];
}

export interface CustomerMessages {
  messages: { body: NotificationMessage; delaySeconds?: number }[];
  inApp: {
    id: string;
    userId: string;
    type: string;
    title: string;
    body: string;
    ticketId: string;
    data: Record<string, unknown>;
  }[];
}

/** Which message, if any, a visit event sends the customer. */
export function customerMessageKey(message: DomainEventMessage): CustomerMessageKey | null {
  const event = catalogued(message);
  switch (event?.type) {
    case "appointment.link_sent":
      return "link_sent";
    case "appointment.scheduled":
      return "booked";
    case "appointment.confirmed":
      return "confirmed";
    case "appointment.rescheduled":
      return event.data.via === "link" ? "rescheduled_by_customer" : "rescheduled";
    case "appointment.cancelled":
      return event.data.via === "link" ? "cancelled_by_customer" : "cancelled";
    case "appointment.reminder":
      return event.data.reminder === "evening" ? "reminder_evening" : "reminder_soon";
    case "appointment.en_route":
      return "en_route";
    case "appointment.on_site":
      return "on_site";
    case "appointment.completed":
      return "completed";
    default:
      return null;
  }
}

/** Sent at once even in quiet hours: asked for just now (the link), or the customer is waiting at the door. */
const URGENT: CustomerMessageKey[] = ["link_sent", "en_route", "on_site", "cancelled"];

function addressFor(customer: CustomerContact, channel: CustomerChannel): string | null {
  if (channel === "sms") return customer.phone;
  if (channel === "email") return customer.email;
  return customer.whatsapp ?? customer.phone;
}

/**
 * NTF-1/NTF-2 for the customer: visit events reach the customer through the contact details on the
 * customer record, on the channels they agreed to (SMS by default), with or without a user
 * account; a linked account also gets the in-app notification and push. A new link is texted to
 * the phone it was issued for and nowhere else. Staff never receive these.
 */
export async function planCustomerMessages(
  ctx: ServiceContext,
  event: DomainEventMessage,
  ticket: { id: string; number: string; title: string },
  customer: CustomerContact,
  quietDelay: number,
): Promise<CustomerMessages> {
  const key = customerMessageKey(event);
  const out: CustomerMessages = { messages: [], inApp: [] };
  if (!key) return out;
  const language = ctx.settings.language;
  const words = catalogue(language);
  const facts = await visitMessageFacts(ctx, event, customer);
  const zone = facts.appointment?.timezone ?? ctx.settings.timeZone;
  const eta = facts.eta
    ? fill(words.messages.eta.body, {
        from: formatClock(language, facts.eta.earliest, zone),
        to: formatClock(language, facts.eta.latest, zone),
      })
    : "";
  const values = {
    company: ctx.settings.companyName,
    number: ticket.number,
    // A booked arrival window is what the customer was promised; messages speak in it.
    when: facts.appointment?.window
      ? formatVisitWindow(language, facts.appointment.window.startsAt, facts.appointment.window.endsAt, zone)
      : facts.appointment
        ? formatVisitTime(language, facts.appointment.startsAt, zone)
        : "",
    technician: facts.technician ?? words.page.technician_tba,
    eta,
    url: facts.url,
  };
  const subject = words.messages[key].subject;
  const body = fill(words.messages[key].body, values);
  const delay = URGENT.includes(key) ? 0 : quietDelay;

  const targets: { channel: CustomerChannel; address: string }[] = [];
  const linkSent = catalogued(event);
  if (linkSent?.type === "appointment.link_sent") {
    if (linkSent.data.sent_to) targets.push({ channel: "sms", address: linkSent.data.sent_to });
  } else {
    for (const channel of customer.messageChannels) {
      const address = addressFor(customer, channel);
      if (address) targets.push({ channel, address });
    }
  }
  for (const { channel, address } of targets) {
    const message: NotificationMessage = {
      kind: "notification",
      id: `${event.id}:customer:${channel}`,
      event: event.type,
      channel,
      recipient: { ...(customer.userId ? { user_id: customer.userId } : {}), address },
      subject,
      body,
      created_at: nowIso(),
    };
    out.messages.push({
      body: message,
      delaySeconds: channel !== "email" && delay ? Math.min(delay, 43_200) : undefined,
    });
  }
  if (customer.userId) {
    const [account] = await contactsOf(ctx, { ids: [customer.userId] });
    if (account) {
      const id = `ntf_${(await sha256(`${event.id}:${account.id}`)).slice(0, 24)}`;
      out.inApp.push({
        id,
        userId: account.id,
        type: event.type,
        title: subject,
        body,
        ticketId: ticket.id,
        data: { event_id: event.id, ...event.data },
      });
      if (account.pushToken) {
        out.messages.push({
          body: {
            kind: "notification",
            id: `${event.id}:customer:push`,
            event: event.type,
            channel: "push",
            recipient: { user_id: account.id, address: account.pushToken },
            subject,
            body,
            created_at: nowIso(),
          },
        });
      }
    }
  }
  return out;
}

/**
 * PM-2: a contract about to end (or renew) is told to the customer on their channels, once per
 * term (message ids derive from the event, whose id derives from the contract and its end date).
 */
export function planContractMessages(
  ctx: ServiceContext,
  event: DomainEventMessage,
  contract: { name: string; ends_on: string; will_renew: boolean },
  customer: CustomerContact,
  quietDelay: number,
): CustomerMessages {
  const language = ctx.settings.language;
  const words = catalogue(language).messages[contract.will_renew ? "contract_renews" : "contract_ending"];
  const body = fill(words.body, {
    company: ctx.settings.companyName,
    name: contract.name,
    // A renewal starts the day after the end.
    date: formatDay(language, contract.will_renew ? addDays(contract.ends_on, 1) : contract.ends_on),
  });
  const out: CustomerMessages = { messages: [], inApp: [] };
  for (const channel of customer.messageChannels) {
    const address = addressFor(customer, channel);
    if (!address) continue;
    out.messages.push({
      body: {
        kind: "notification",
        id: `${event.id}:customer:${channel}`,
        event: event.type,
        channel,
        recipient: { ...(customer.userId ? { user_id: customer.userId } : {}), address },
        subject: words.subject,
        body,
        created_at: nowIso(),
      },
      delaySeconds: channel !== "email" && quietDelay ? Math.min(quietDelay, 43_200) : undefined,
    });
  }
  return out;
}
