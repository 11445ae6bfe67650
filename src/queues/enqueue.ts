import type { ServiceContext } from "../lib/context";
import { newId, nowIso } from "../lib/ids";
import type { NotificationMessage } from "./messages";

/** Puts one message on the notifications queue; awaited so a failed enqueue fails the request. */
export async function enqueueEmail(
  ctx: Pick<ServiceContext, "env">,
  message: { event: string; userId?: string; to: string; subject: string; body: string },
): Promise<void> {
  const body: NotificationMessage = {
    id: newId("msg"),
    event: message.event,
    channel: "email",
    recipient: { user_id: message.userId, address: message.to },
    subject: message.subject,
    body: message.body,
    created_at: nowIso(),
  };
  await ctx.env.NOTIFICATIONS.send(body, { contentType: "json" });
}
