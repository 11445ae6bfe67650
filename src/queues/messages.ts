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

export type QueueMessage = NotificationMessage | DomainEventMessage;

export function isDomainEvent(message: QueueMessage): message is DomainEventMessage {
  return message.kind === "event";
}
