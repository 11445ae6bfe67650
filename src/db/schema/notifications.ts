import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const CHANNELS = ["email", "sms", "whatsapp", "push", "webhook"] as const;
export type Channel = (typeof CHANNELS)[number];
/** `held`: waiting for quiet hours to end; `superseded`: a held text a newer message about the same visit replaced. */
export const DELIVERY_STATUSES = [
  "pending",
  "held",
  "sending",
  "sent",
  "retrying",
  "failed",
  "dead",
  "superseded",
] as const;

/**
 * The delivery log (NTF-1). One row per message id — event × recipient × channel — so a
 * redelivered queue message finds its row already `sent` and is not sent twice.
 */
export const deliveries = sqliteTable(
  "deliveries",
  {
    id: text("id").primaryKey(),
    eventId: text("event_id"),
    eventType: text("event_type").notNull(),
    channel: text("channel", { enum: CHANNELS }).notNull(),
    recipient: text("recipient").notNull(),
    userId: text("user_id"),
    status: text("status", { enum: DELIVERY_STATUSES }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    provider: text("provider"),
    providerResponse: text("provider_response"),
    lastError: text("last_error"),
    message: text("message", { mode: "json" }).notNull(),
    claimedAt: text("claimed_at"),
    /** When the queue should have (re)delivered it: a held text at the end of quiet hours, a retry after its back-off. */
    nextAttemptAt: text("next_attempt_at"),
    /** Messages to one customer address about one visit share it: a newer one replaces a held older one. */
    coalesceKey: text("coalesce_key"),
    sentAt: text("sent_at"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    index("deliveries_status_idx").on(t.status, t.createdAt),
    index("deliveries_created_idx").on(t.createdAt, t.id),
    index("deliveries_event_idx").on(t.eventId),
    index("deliveries_overdue_idx")
      .on(t.nextAttemptAt)
      .where(sql`status IN ('pending', 'held', 'retrying', 'sending')`),
    index("deliveries_coalesce_idx").on(t.coalesceKey, t.createdAt).where(sql`coalesce_key IS NOT NULL`),
  ],
);

/** In-app notifications (NTF-3). */
export const notifications = sqliteTable(
  "notifications",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    type: text("type").notNull(),
    title: text("title").notNull(),
    body: text("body").notNull(),
    ticketId: text("ticket_id"),
    data: text("data", { mode: "json" }).$type<Record<string, unknown>>().notNull().default({}),
    readAt: text("read_at"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    index("notifications_user_idx").on(t.userId, t.createdAt, t.id),
    index("notifications_unread_idx").on(t.userId, t.readAt),
    // Retention: read notifications by age.
    index("notifications_read_age_idx").on(t.createdAt).where(sql`read_at IS NOT NULL`),
  ],
);

/** Per-user channel choices; no row means the channel's default. */
export const notificationPreferences = sqliteTable(
  "notification_preferences",
  {
    userId: text("user_id").notNull(),
    channel: text("channel", { enum: CHANNELS }).notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.channel] })],
);

/** Outbound webhooks for integrators (PLT-7). */
export const webhooks = sqliteTable("webhooks", {
  id: text("id").primaryKey(),
  url: text("url").notNull(),
  events: text("events", { mode: "json" }).$type<string[]>().notNull(),
  secret: text("secret").notNull(),
  active: integer("active", { mode: "boolean" }).notNull().default(true),
  description: text("description"),
  createdBy: text("created_by").notNull(),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});

/** Technician location reports (FW-2); the latest per technician feeds the map. */
export const technicianLocations = sqliteTable(
  "technician_locations",
  {
    id: text("id").primaryKey(),
    technicianId: text("technician_id").notNull(),
    lat: real("lat").notNull(),
    lng: real("lng").notNull(),
    accuracyM: real("accuracy_m"),
    reportedAt: text("reported_at").notNull(),
  },
  (t) => [
    index("technician_locations_tech_idx").on(t.technicianId, t.reportedAt),
    index("technician_locations_age_idx").on(t.reportedAt),
  ],
);

/** Cron runs already done, per job and scheduled time: a second run for the same time is a no-op. */
export const cronRuns = sqliteTable(
  "cron_runs",
  {
    job: text("job").notNull(),
    scheduledTime: integer("scheduled_time").notNull(),
    finishedAt: text("finished_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.job, t.scheduledTime] })],
);
