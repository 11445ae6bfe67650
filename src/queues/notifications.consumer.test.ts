import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../lib/env";
import type { NotificationMessage } from "../lib/messages";
import { DEAD_LETTER_QUEUE, backoffSeconds, handleNotificationBatch } from "./notifications.consumer";

const message = (id: string): NotificationMessage => ({
  id,
  event: "auth.otp_requested",
  channel: "email",
  recipient: { address: `${id}@example.test` },
  subject: "s",
  body: "b",
  created_at: new Date().toISOString(),
});

async function run(queue: string, bodies: NotificationMessage[], bindings: Env = env) {
  const batch = createMessageBatch<NotificationMessage>(
    queue,
    bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 2, body })),
  );
  const ctx = createExecutionContext();
  await handleNotificationBatch(batch, bindings, ctx);
  return getQueueResult(batch, ctx);
}

describe("notifications consumer", () => {
  it("acks each delivered message on its own and writes a redelivery once", async () => {
    const result = await run("truckroll-notifications", [message("msg_a1"), message("msg_a1"), message("msg_a2")]);
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1", "m2"]);
    const { results } = await env.DB.prepare("SELECT id FROM dev_outbox WHERE id IN ('msg_a1','msg_a2')").all();
    expect(results).toHaveLength(2);
  });

  it("fails, without retrying, a channel with no provider in production", async () => {
    const production = { ...env, ENVIRONMENT: "production" } as Env;
    const result = await run("truckroll-notifications", [message("msg_b1")], production);
    expect(result.explicitAcks).toEqual(["m0"]);
    const row = await env.DB.prepare("SELECT status, last_error FROM deliveries WHERE id = 'msg_b1'").first();
    expect(row).toEqual({ status: "failed", last_error: "no email provider configured" });
    expect(backoffSeconds(1)).toBe(30);
    expect(backoffSeconds(3)).toBe(120);
    expect(backoffSeconds(20)).toBe(3600);
  });

  it("keeps dead-lettered messages instead of dropping them", async () => {
    const result = await run(DEAD_LETTER_QUEUE, [message("msg_c1")]);
    expect(result.explicitAcks).toEqual(["m0"]);
    const row = await env.DB.prepare(
      "SELECT queue, attempts, body FROM dead_letters WHERE message_id = 'msg_c1'",
    ).first<{ queue: string; attempts: number; body: string }>();
    expect(row).toMatchObject({ queue: DEAD_LETTER_QUEUE, attempts: 2 });
    expect(await env.DB.prepare("SELECT status FROM deliveries WHERE id = 'msg_c1'").first()).toBeNull();
    expect(JSON.parse(row!.body).recipient.address).toBe("msg_c1@example.test");
  });
});
