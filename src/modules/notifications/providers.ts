import type { Env, Settings } from "../../lib/env";
import { isLocal } from "../../lib/env";
import { createDb } from "../../db/client";
import { devOutbox } from "../../db/schema";
import { hex } from "../../lib/hmac";
import { nowIso } from "../../lib/ids";
import type { NotificationMessage } from "../../lib/messages";

export type SendOutcome =
  | { ok: true; provider: string; response: string }
  | { ok: false; transient: boolean; provider: string; error: string; response?: string };

const TIMEOUT_MS = 10_000;

/** 2xx sent; 408, 429 and 5xx worth retrying; any other 4xx (bad number, bad token) is final. */
async function classify(provider: string, res: Response): Promise<SendOutcome> {
  const text = (await res.text()).slice(0, 2000);
  if (res.ok) return { ok: true, provider, response: text };
  const transient = res.status === 408 || res.status === 429 || res.status >= 500;
  return { ok: false, transient, provider, error: `HTTP ${res.status}`, response: text };
}

async function post(provider: string, url: string, init: RequestInit): Promise<SendOutcome> {
  try {
    return await classify(
      provider,
      await fetch(url, { ...init, method: "POST", signal: AbortSignal.timeout(TIMEOUT_MS) }),
    );
  } catch (err) {
    // Network errors and timeouts are transient.
    return { ok: false, transient: true, provider, error: String((err as Error)?.message ?? err) };
  }
}

/** SMS through Twilio's Messages API. */
function twilio(env: Env, m: NotificationMessage) {
  const body = new URLSearchParams({ To: m.recipient.address, From: env.TWILIO_FROM!, Body: m.body });
  return post("twilio", `https://api.twilio.com/2010-04-01/Accounts/${env.TWILIO_ACCOUNT_SID}/Messages.json`, {
    headers: {
      authorization: `Basic ${btoa(`${env.TWILIO_ACCOUNT_SID}:${env.TWILIO_AUTH_TOKEN}`)}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body,
  });
}

/** Email through Resend's HTTP API. */
function resend(env: Env, m: NotificationMessage) {
  return post("resend", "https://api.resend.com/emails", {
    headers: {
      authorization: `Bearer ${env.RESEND_API_KEY}`,
      "content-type": "application/json",
      "idempotency-key": m.id.slice(0, 256),
    },
    body: JSON.stringify({
      from: env.EMAIL_FROM,
      to: [m.recipient.address],
      subject: m.subject ?? "truckroll",
      text: m.body,
    }),
  });
}

/** WhatsApp Cloud API text message. */
function whatsapp(env: Env, m: NotificationMessage) {
  return post("whatsapp", `https://graph.facebook.com/v21.0/${env.WHATSAPP_PHONE_NUMBER_ID}/messages`, {
    headers: { authorization: `Bearer ${env.WHATSAPP_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({
      messaging_product: "whatsapp",
      to: m.recipient.address.replace(/^\+/, ""),
      type: "text",
      text: { body: m.body },
    }),
  });
}

/** Expo push; a ticket with status "error" (e.g. DeviceNotRegistered) is a permanent failure. */
async function expo(env: Env, m: NotificationMessage): Promise<SendOutcome> {
  const outcome = await post("expo", "https://exp.host/--/api/v2/push/send", {
    headers: {
      "content-type": "application/json",
      accept: "application/json",
      ...(env.EXPO_ACCESS_TOKEN ? { authorization: `Bearer ${env.EXPO_ACCESS_TOKEN}` } : {}),
    },
    body: JSON.stringify({ to: m.recipient.address, title: m.subject, body: m.body }),
  });
  if (outcome.ok && /"status"\s*:\s*"error"/.test(outcome.response))
    return { ok: false, transient: false, provider: "expo", error: "push ticket error", response: outcome.response };
  return outcome;
}

const ADAPTERS: Record<
  NotificationMessage["channel"],
  { configured: (env: Env) => boolean; send: (env: Env, m: NotificationMessage) => Promise<SendOutcome> }
> = {
  sms: { configured: (e) => Boolean(e.TWILIO_ACCOUNT_SID && e.TWILIO_AUTH_TOKEN && e.TWILIO_FROM), send: twilio },
  email: { configured: (e) => Boolean(e.RESEND_API_KEY && e.EMAIL_FROM), send: resend },
  whatsapp: { configured: (e) => Boolean(e.WHATSAPP_TOKEN && e.WHATSAPP_PHONE_NUMBER_ID), send: whatsapp },
  push: { configured: (e) => e.EXPO_PUSH_ENABLED === "true" || Boolean(e.EXPO_ACCESS_TOKEN), send: expo },
};

/** Sends one message through its channel's provider; unconfigured channels go to the dev outbox locally. */
export async function sendThroughProvider(env: Env, settings: Settings, m: NotificationMessage): Promise<SendOutcome> {
  const adapter = ADAPTERS[m.channel];
  if (adapter.configured(env)) return adapter.send(env, m);
  if (isLocal(settings)) {
    await createDb(env.DB)
      .insert(devOutbox)
      .values({
        id: m.id,
        channel: m.channel,
        recipient: m.recipient.address.toLowerCase(),
        subject: m.subject ?? null,
        body: m.body,
        eventType: m.event,
        createdAt: nowIso(),
      })
      .onConflictDoNothing();
    return { ok: true, provider: "dev-outbox", response: "written to the development outbox" };
  }
  return { ok: false, transient: false, provider: "none", error: `no ${m.channel} provider configured` };
}

// ---- webhooks (PLT-7) ----

/**
 * `X-Truckroll-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` —
 * receivers recompute it over the raw body and reject old timestamps.
 */
export async function signWebhook(secret: string, timestamp: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return `t=${timestamp},v1=${hex(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${timestamp}.${body}`)))}`;
}

/**
 * The Standard Webhooks signature (standardwebhooks.com): `v1,<base64 HMAC-SHA256(key, "<id>.<t>.<raw body>")>`,
 * where the key is the secret after `whsec_`, base64-decoded (base64url secrets of older webhooks too).
 */
export async function standardSignature(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  const encoded = secret
    .replace(/^whsec_/, "")
    .replace(/-/g, "+")
    .replace(/_/g, "/");
  const raw = Uint8Array.from(atob(encoded.padEnd(Math.ceil(encoded.length / 4) * 4, "=")), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(
    await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${id}.${timestamp}.${body}`)),
  );
  return `v1,${btoa(String.fromCharCode(...mac))}`;
}

export async function postWebhook(
  url: string,
  secret: string,
  deliveryId: string,
  eventType: string,
  payload: unknown,
): Promise<SendOutcome> {
  const body = JSON.stringify(payload);
  const timestamp = Math.floor(Date.now() / 1000);
  return post("webhook", url, {
    headers: {
      "content-type": "application/json",
      "user-agent": "truckroll-webhooks/1",
      // Standard Webhooks: receivers verify with its libraries in any language.
      "webhook-id": deliveryId,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": await standardSignature(secret, deliveryId, timestamp, body),
      // The earlier headers, kept for receivers written against them.
      "x-truckroll-event": eventType,
      "x-truckroll-delivery": deliveryId,
      "x-truckroll-signature": await signWebhook(secret, timestamp, body),
    },
    body,
  });
}
