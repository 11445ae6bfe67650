import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Fixed-window counters; one UPSERT per hit keeps them exact under concurrency. */
export const rateLimits = sqliteTable(
  "rate_limits",
  {
    key: text("key").primaryKey(),
    count: integer("count").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("rate_limits_expires_idx").on(t.expiresAt)],
);

/** Local development only: what the notification consumer would have sent. */
export const devOutbox = sqliteTable(
  "dev_outbox",
  {
    id: text("id").primaryKey(),
    channel: text("channel").notNull(),
    recipient: text("recipient").notNull(),
    subject: text("subject"),
    body: text("body").notNull(),
    eventType: text("event_type").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("dev_outbox_created_idx").on(t.createdAt, t.id)],
);

/** Messages that exhausted their retries; kept, never dropped. */
export const deadLetters = sqliteTable("dead_letters", {
  id: text("id").primaryKey(),
  queue: text("queue").notNull(),
  messageId: text("message_id").notNull(),
  body: text("body", { mode: "json" }).notNull(),
  attempts: integer("attempts").notNull(),
  createdAt: text("created_at").notNull(),
});
