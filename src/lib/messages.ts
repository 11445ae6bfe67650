/** A message to one recipient on one channel. */
export interface NotificationMessage {
  kind?: "notification";
  /** Unique per event+recipient+channel: the idempotency key for delivery. */
  id: string;
  event: string;
  channel: "email" | "sms" | "whatsapp" | "push";
  recipient: { user_id?: string; address: string };
  subject?: string;
  body: string;
  created_at: string;
  /**
   * Messages to one address about one visit share this key: a newer one replaces an older one still
   * held for quiet hours. With it, `event_at` is when the event it tells of happened.
   */
  coalesce_key?: string;
  event_at?: string;
}

/** A domain event (`ticket.created`, `sla.breached` …); its id lets consumers de-duplicate. */
export interface DomainEventMessage {
  kind: "event";
  id: string;
  type: string;
  subject_id: string;
  actor_id: string | null;
  data: Record<string, unknown>;
  occurred_at: string;
}

/** One webhook delivery: an event's payload for one subscribed endpoint. */
export interface WebhookMessage {
  kind: "webhook";
  id: string;
  webhook_id: string;
  event_type: string;
  payload: Record<string, unknown>;
}

/** One step of a background job (`jobs` table); `step` lets a redelivered message be recognised. */
export interface JobMessage {
  kind: "job";
  job_id: string;
  step: number;
}

export type QueueMessage = NotificationMessage | DomainEventMessage | WebhookMessage;

export function isWebhook(message: QueueMessage): message is WebhookMessage {
  return message.kind === "webhook";
}

export function isDomainEvent(message: QueueMessage): message is DomainEventMessage {
  return message.kind === "event";
}
