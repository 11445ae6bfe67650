/** The body of every message on the `notifications` queue. */
export interface NotificationMessage {
  /** Unique per event+recipient+channel: the idempotency key for delivery. */
  id: string;
  event: string;
  channel: "email" | "sms" | "whatsapp" | "push";
  recipient: { user_id?: string; address: string };
  subject?: string;
  body: string;
  created_at: string;
}
