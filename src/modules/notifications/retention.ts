import type { ServiceContext } from "../../lib/context";
import { daysBefore, deleteInChunks } from "../../lib/retention";

/**
 * The notification module's logs past their retention: read in-app notifications, deliveries
 * that ended (`sent`, or `failed` for good), and domain events already published. Unread
 * notifications, deliveries still pending, retrying or dead (the dead-letter review), and events
 * not yet published stay, however old.
 */
export async function pruneNotificationLogs(ctx: ServiceContext, scheduledTime: number) {
  const { retention } = ctx.settings;
  const db = ctx.env.DB;
  const chunk = retention.chunkRows;
  const notifications = await deleteInChunks(db, {
    table: "notifications",
    where: "created_at < ? AND read_at IS NOT NULL",
    params: [daysBefore(scheduledTime, retention.notificationsDays)],
    chunk,
  });
  const deliveries = await deleteInChunks(db, {
    table: "deliveries",
    where: "created_at < ? AND status IN ('sent', 'failed')",
    params: [daysBefore(scheduledTime, retention.deliveriesDays)],
    chunk,
  });
  const events = await deleteInChunks(db, {
    table: "domain_events",
    where: "created_at < ? AND published_at IS NOT NULL",
    params: [daysBefore(scheduledTime, retention.eventsDays)],
    chunk,
  });
  return { notifications, deliveries, events };
}
