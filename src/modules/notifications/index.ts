// Notifications: the delivery log, in-app notifications, preferences, webhooks, realtime events
// (NTF-1…4, PLT-7). The queue consumer calls fanOutEvent, deliver and keepDeadLetter.
import { createRouter } from "../../lib/create-router";
import * as h from "./notifications.handlers";
import * as r from "./notifications.routes";

export const notificationsModule = createRouter()
  .openapi(r.listDeliveries, h.listDeliveries)
  .openapi(r.retryDelivery, h.retryDelivery)
  .openapi(r.listNotifications, h.listNotifications)
  .openapi(r.markAllNotificationsRead, h.markAllNotificationsRead)
  .openapi(r.markNotificationRead, h.markNotificationRead)
  .openapi(r.getNotificationPreferences, h.getNotificationPreferences)
  .openapi(r.setNotificationPreferences, h.setNotificationPreferences)
  .openapi(r.listWebhooks, h.listWebhooks)
  .openapi(r.createWebhook, h.createWebhook)
  .openapi(r.getWebhook, h.getWebhook)
  .openapi(r.updateWebhook, h.updateWebhook)
  .openapi(r.deleteWebhook, h.deleteWebhook)
  .openapi(r.createEventsTicket, h.createEventsTicket)
  .openapi(r.connectEvents, h.connectEvents);

export {
  DEAD_LETTER_QUEUE,
  backoffSeconds,
  deliver,
  fanOutEvent,
  keepDeadLetter,
  redeliverOverdue,
  type DeliveryResult,
} from "./delivery";
export { webhookDocuments } from "./webhook-events";
export { notificationsForSync } from "./notifications.service";
export { eventOutboxOwner, relayUnpublishedEvents, RELAY_GRACE_MS } from "./outbox";
export { pruneNotificationLogs } from "./retention";
export { notificationErasure } from "./erasure";
