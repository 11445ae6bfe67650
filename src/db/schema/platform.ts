import { sql } from "drizzle-orm";
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

/** Idempotency-Key records (PLT-6): the first response to a key is replayed to its retries. */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    key: text("key").primaryKey(),
    requestHash: text("request_hash").notNull(),
    status: integer("status"),
    responseBody: text("response_body"),
    createdAt: integer("created_at").notNull(),
    /** Set in the same batch as the first write the request made: without it, nothing was written. */
    committedAt: integer("committed_at"),
  },
  (t) => [index("idempotency_keys_created_idx").on(t.createdAt)],
);

/** Domain events as written with each change; the queue message carries the same id. */
export const domainEvents = sqliteTable(
  "domain_events",
  {
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    subjectId: text("subject_id").notNull(),
    actorId: text("actor_id"),
    data: text("data", { mode: "json" }).notNull(),
    createdAt: text("created_at").notNull(),
    /** When the event reached the queue; null: committed, not yet published (the relay finds it). */
    publishedAt: text("published_at"),
  },
  (t) => [
    index("domain_events_subject_idx").on(t.subjectId, t.createdAt),
    index("domain_events_unpublished_idx").on(t.createdAt).where(sql`published_at IS NULL`),
    // Retention: published events by age.
    index("domain_events_published_idx").on(t.createdAt).where(sql`published_at IS NOT NULL`),
  ],
);
