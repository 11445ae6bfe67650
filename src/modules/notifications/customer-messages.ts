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
  type Language,
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
  /** Their own language; the deployment's when null. */
  language: Language | null;
}

export interface PlannedMessage {
  body: NotificationMessage;
  delaySeconds?: number;
  /** Not sent, only logged as superseded, with this reason (there is nothing true left to tell). */
  silenced?: string;
}

export interface CustomerMessages {
  messages: PlannedMessage[];
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

/**
 * Sent at once even in quiet hours: asked for just now (the link), or the customer is waiting at
 * the door. A cancellation by us is urgent only when the visit was due before quiet hours end
 * (and two hours after); otherwise it waits like the rest.
 */
const URGENT: CustomerMessageKey[] = ["link_sent", "en_route", "on_site"];
const CANCELLED_SOON_MS = 2 * 3600_000;
/** Messages that tell of a change to a booking; told together with a booking the customer never heard of, they read as the booking. */
const CHANGES: CustomerMessageKey[] = ["confirmed", "rescheduled", "rescheduled_by_customer"];
const CANCELS: CustomerMessageKey[] = ["cancelled", "cancelled_by_customer"];

/** What the customer has not been told yet about one visit on one address: the events of its held and superseded messages since the last one that went out. */
async function unheard(
  ctx: ServiceContext,
  ticketId: string,
): Promise<Map<string, { types: string[]; latest: string }>> {
  const prefix = `visit:${ticketId}:`;
  const { results } = await ctx.env.DB.prepare(
    `SELECT d.coalesce_key AS k, d.event_type AS type, d.status, json_extract(d.message, '$.event_at') AS at FROM deliveries d
     WHERE d.coalesce_key >= ?1 AND d.coalesce_key < ?2 ORDER BY d.created_at`,
  )
    .bind(prefix, `${prefix}\uffff`)
    .all<{ k: string; type: string; status: string; at: string | null }>();
  const out = new Map<string, { types: string[]; latest: string }>();
  for (const row of results) {
    const group = out.get(row.k) ?? { types: [], latest: "" };
    // A message that went out (or is going) is what the customer knows: what came before it is heard.
    if (row.status === "held" || row.status === "superseded") group.types.push(row.type);
    else group.types = [];
    if (row.at && row.at > group.latest) group.latest = row.at;
    out.set(row.k, group);
  }
  return out;
}

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
  const language = customer.language ?? ctx.settings.language;
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
  const startsAt = facts.appointment?.startsAt;
  const urgent =
    URGENT.includes(key) ||
    (key === "cancelled" &&
      startsAt !== undefined &&
      Date.parse(startsAt) < Date.now() + quietDelay * 1000 + CANCELLED_SOON_MS);
  const delay = urgent ? 0 : quietDelay;
  const wording = (k: CustomerMessageKey) => ({
    subject: words.messages[k].subject,
    body: fill(words.messages[k].body, values),
  });

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
  // Quiet hours: one message per visit and address says where things stand. The link is its own thread.
  const coalesced = key !== "link_sent";
  const before = coalesced && targets.length ? await unheard(ctx, ticket.id) : new Map();
  for (const { channel, address } of targets) {
    const coalesceKey = coalesced ? `visit:${ticket.id}:${channel}:${address}` : undefined;
    const group = coalesceKey ? before.get(coalesceKey) : undefined;
    const neverToldOfBooking = group?.types.includes("appointment.scheduled") ?? false;
    let told = key;
    let silenced: string | undefined;
    if (group && group.latest > event.occurred_at) silenced = "A newer message about this visit was already planned.";
    else if (CANCELS.includes(key) && neverToldOfBooking)
      silenced = "The visit was cancelled before the customer heard it was booked; nothing to tell.";
    else if (CHANGES.includes(key) && neverToldOfBooking) told = "booked";
    const { subject, body } = wording(told);
    const message: NotificationMessage = {
      kind: "notification",
      id: `${event.id}:customer:${channel}`,
      event: event.type,
      channel,
      recipient: { ...(customer.userId ? { user_id: customer.userId } : {}), address },
      subject,
      body,
      created_at: nowIso(),
      ...(coalesceKey ? { coalesce_key: coalesceKey, event_at: event.occurred_at } : {}),
    };
    out.messages.push({
      body: message,
      delaySeconds: channel !== "email" && delay ? Math.min(delay, 43_200) : undefined,
      ...(silenced ? { silenced } : {}),
    });
  }
  const { subject, body } = wording(key);
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
  const language = customer.language ?? ctx.settings.language;
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
