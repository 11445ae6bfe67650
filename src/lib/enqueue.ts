import type { ServiceContext } from "./context";
import { sendToQueue } from "./events";
import { newId, nowIso } from "./ids";
import type { NotificationMessage } from "./messages";

/** Puts one email on the notifications queue; awaited so a failed enqueue fails the request. */
export async function enqueueEmail(
  ctx: Pick<ServiceContext, "env">,
  message: { event: string; userId?: string; to: string; subject: string; body: string },
): Promise<void> {
  await enqueueMessage(ctx, {
    event: message.event,
    channel: "email",
    recipient: { user_id: message.userId, address: message.to },
    subject: message.subject,
    body: message.body,
  });
}

/** A message about a person's own account: by email, or by SMS to an account registered with a phone only. */
export async function enqueueAccountMessage(
  ctx: Pick<ServiceContext, "env">,
  user: { id: string; email: string; phone: string | null },
  message: { event: string; subject: string; body: string },
): Promise<void> {
  if (user.email) return enqueueEmail(ctx, { ...message, userId: user.id, to: user.email });
  if (user.phone)
    await enqueueMessage(ctx, {
      event: message.event,
      channel: "sms",
      recipient: { user_id: user.id, address: user.phone },
      body: message.body,
    });
}

/** Puts one SMS to an address (a customer's phone) on the notifications queue. */
export async function enqueueSms(
  ctx: Pick<ServiceContext, "env">,
  message: { event: string; to: string; body: string },
): Promise<void> {
  await enqueueMessage(ctx, {
    event: message.event,
    channel: "sms",
    recipient: { address: message.to },
    body: message.body,
  });
}

async function enqueueMessage(
  ctx: Pick<ServiceContext, "env">,
  message: Omit<NotificationMessage, "id" | "created_at">,
) {
  await sendToQueue(ctx.env, [{ body: { id: newId("msg"), ...message, created_at: nowIso() } }]);
}
