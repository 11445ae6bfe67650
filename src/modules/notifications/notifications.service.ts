import { and, eq, isNull, sql, type SQL } from "drizzle-orm";
import { sendToQueue } from "../../lib/events";
import type { QueueMessage } from "../../lib/messages";
import { isLocal } from "../../lib/env";
import { outboundTargetProblem } from "../../lib/outbound-targets";
import { inList, known, mapReads, reads } from "../../lib/d1";
import { deliveries, notificationPreferences, notifications, users, webhooks, type Channel } from "../../db/schema";
import { commitAudited, commitAuditedAndRead, commitChange, statementOf } from "../../lib/change-batch";
import type { UserContext, ServiceContext } from "../../lib/context";
import { callers } from "../../lib/identity";
import { newId, nowIso } from "../../lib/ids";
import { keyset } from "../../lib/pagination";
import { AppError } from "../../lib/problem";
import { signToken, verifyToken } from "../../lib/tokens";

// ---- delivery log (NTF-1) ----

type DeliveryRow = typeof deliveries.$inferSelect;

const toDelivery = (d: DeliveryRow) => ({
  id: d.id,
  event_id: d.eventId,
  event_type: d.eventType,
  channel: d.channel,
  recipient: d.recipient,
  user_id: d.userId,
  status: d.status,
  attempts: d.attempts,
  provider: d.provider,
  provider_response: d.providerResponse,
  last_error: d.lastError,
  sent_at: d.sentAt,
  created_at: d.createdAt,
  updated_at: d.updatedAt,
});

export async function listDeliveries(
  ctx: UserContext,
  query: { limit: number; cursor?: string; status?: DeliveryRow["status"]; channel?: Channel; event_id?: string },
) {
  const page = keyset({
    order: "-created_at",
    column: deliveries.createdAt,
    idColumn: deliveries.id,
    cursor: query.cursor,
  });
  const rows = await ctx.db
    .select()
    .from(deliveries)
    .where(
      and(
        page.where,
        query.status ? eq(deliveries.status, query.status) : undefined,
        query.channel ? eq(deliveries.channel, query.channel) : undefined,
        query.event_id ? eq(deliveries.eventId, query.event_id) : undefined,
      ),
    )
    .orderBy(...page.orderBy)
    .limit(query.limit + 1);
  const result = page.page(rows, query.limit, (r) => r.createdAt);
  return { data: result.data.map(toDelivery), next_cursor: result.next_cursor, has_more: result.next_cursor !== null };
}

/** Replays a failed or dead delivery: the stored message goes back on the queue under the same id. */
export async function retryDelivery(ctx: UserContext, id: string) {
  const row = await ctx.db.query.deliveries.findFirst({ where: eq(deliveries.id, id) });
  if (!row) throw new AppError("not_found", "No such delivery.");
  // A retrying delivery past its next attempt lost its queue message: it may be replayed too.
  const overdue =
    ["retrying", "pending"].includes(row.status) && row.nextAttemptAt !== null && row.nextAttemptAt < nowIso();
  if (!["failed", "dead"].includes(row.status) && !overdue)
    throw new AppError("invalid_transition", `A ${row.status} delivery that is not overdue is not replayed.`);
  const reset = await ctx.db
    .update(deliveries)
    // Due again once the queue had its chance: until then a second replay is refused.
    .set({ status: "retrying", updatedAt: nowIso(), nextAttemptAt: new Date(Date.now() + 10 * 60_000).toISOString() })
    .where(
      and(
        eq(deliveries.id, id),
        eq(deliveries.status, row.status),
        row.nextAttemptAt ? eq(deliveries.nextAttemptAt, row.nextAttemptAt) : undefined,
      ),
    )
    .returning();
  if (!reset.length) throw new AppError("conflict", "The delivery changed meanwhile.");
  await sendToQueue(ctx.env, [{ body: row.message as QueueMessage }]);
  return toDelivery(reset[0]);
}

// ---- in-app (NTF-3) ----

type NotificationRow = typeof notifications.$inferSelect;
const toNotification = (n: NotificationRow) => ({
  id: n.id,
  type: n.type,
  title: n.title,
  body: n.body,
  ticket_id: n.ticketId,
  data: n.data,
  is_read: Boolean(n.readAt),
  read_at: n.readAt,
  created_at: n.createdAt,
});

export async function listNotifications(
  ctx: UserContext,
  query: { limit: number; cursor?: string; is_read?: boolean; type?: string },
) {
  const page = keyset({
    order: "-created_at",
    column: notifications.createdAt,
    idColumn: notifications.id,
    cursor: query.cursor,
  });
  const filters: (SQL | undefined)[] = [eq(notifications.userId, ctx.actor.userId), page.where];
  if (query.is_read !== undefined)
    filters.push(query.is_read ? sql`${notifications.readAt} IS NOT NULL` : isNull(notifications.readAt));
  if (query.type) filters.push(eq(notifications.type, query.type));
  const [rows, unreadRows] = await ctx.db.batch([
    ctx.db
      .select()
      .from(notifications)
      .where(and(...filters))
      .orderBy(...page.orderBy)
      .limit(query.limit + 1),
    ctx.db
      .select({ n: sql<number>`count(*)` })
      .from(notifications)
      .where(and(eq(notifications.userId, ctx.actor.userId), isNull(notifications.readAt)))
      .limit(1),
  ]);
  const unread = unreadRows[0];
  const result = page.page(rows, query.limit, (r) => r.createdAt);
  return {
    data: result.data.map(toNotification),
    next_cursor: result.next_cursor,
    has_more: result.next_cursor !== null,
    unread_count: unread?.n ?? 0,
  };
}

export async function markRead(ctx: UserContext, id: string) {
  const row = await ctx.db.query.notifications.findFirst({
    where: and(eq(notifications.id, id), eq(notifications.userId, ctx.actor.userId)),
  });
  if (!row) throw new AppError("not_found", "No such notification.");
  if (!row.readAt) {
    await commitChange(ctx, {
      statements: [
        statementOf(ctx.env.DB, ctx.db.update(notifications).set({ readAt: nowIso() }).where(eq(notifications.id, id))),
      ],
      changed: [{ table: notifications, id, of: ctx.actor.userId }],
    });
  }
  return toNotification((await ctx.db.query.notifications.findFirst({ where: eq(notifications.id, id) }))!);
}

export async function markAllRead(ctx: UserContext) {
  const now = nowIso();
  // The rows this call marks are those now read at exactly `now`: the same batch logs them for the phone.
  const { results } = await commitChange(ctx, {
    statements: [
      ctx.env.DB.prepare("UPDATE notifications SET read_at = ?2 WHERE user_id = ?1 AND read_at IS NULL").bind(
        ctx.actor.userId,
        now,
      ),
    ],
    changedWhere: [
      { table: notifications, where: { sql: "user_id = ? AND read_at = ?", params: [ctx.actor.userId, now] } },
    ],
  });
  return { marked: results[0]?.meta.changes ?? 0 };
}

// ---- preferences ----

export async function getPreferences(ctx: UserContext) {
  const [[user], rows] = await ctx.db.batch([
    ctx.db
      .select({ role: users.role, whatsapp: users.whatsapp, pushToken: users.pushToken })
      .from(users)
      .where(eq(users.id, ctx.actor.userId))
      .limit(1),
    ctx.db.select().from(notificationPreferences).where(eq(notificationPreferences.userId, ctx.actor.userId)),
  ]);
  const defaults = {
    email: true,
    sms: user?.role === "customer",
    whatsapp: Boolean(user?.whatsapp),
    push: Boolean(user?.pushToken),
  };
  for (const r of rows) if (r.channel !== "webhook") defaults[r.channel] = r.enabled;
  return defaults;
}

export async function setPreferences(
  ctx: UserContext,
  input: Partial<Record<"email" | "sms" | "whatsapp" | "push", boolean>>,
) {
  const now = nowIso();
  const entries = Object.entries(input).filter(([, v]) => v !== undefined) as [Channel, boolean][];
  for (const [channel, enabled] of entries) {
    await ctx.db
      .insert(notificationPreferences)
      .values({ userId: ctx.actor.userId, channel, enabled, updatedAt: now })
      .onConflictDoUpdate({
        target: [notificationPreferences.userId, notificationPreferences.channel],
        set: { enabled, updatedAt: now },
      });
  }
  return getPreferences(ctx);
}

// ---- webhooks (PLT-7) ----

type WebhookRow = typeof webhooks.$inferSelect;
const toWebhook = (w: WebhookRow) => ({
  id: w.id,
  url: w.url,
  events: w.events,
  active: w.active,
  description: w.description,
  created_at: w.createdAt,
  updated_at: w.updatedAt,
});

export async function listWebhooks(ctx: UserContext, query: { limit: number; cursor?: string }) {
  const page = keyset({
    order: "-created_at",
    column: webhooks.createdAt,
    idColumn: webhooks.id,
    cursor: query.cursor,
  });
  const rows = await ctx.db
    .select()
    .from(webhooks)
    .where(page.where)
    .orderBy(...page.orderBy)
    .limit(query.limit + 1);
  const result = page.page(rows, query.limit, (r) => r.createdAt);
  return { data: result.data.map(toWebhook), next_cursor: result.next_cursor, has_more: result.next_cursor !== null };
}

function assertWebhookTarget(ctx: UserContext, url: string) {
  const problem = outboundTargetProblem(url, { allowLocalDevelopment: isLocal(ctx.settings) });
  if (problem)
    throw new AppError("validation_failed", "The webhook URL is not an allowed target.", {
      errors: [{ path: "url", message: problem }],
    });
}

export async function createWebhook(ctx: UserContext, input: { url: string; events: string[]; description?: string }) {
  assertWebhookTarget(ctx, input.url);
  const now = nowIso();
  const row: WebhookRow = {
    id: newId("whk"),
    url: input.url,
    events: [...new Set(input.events)],
    secret: `whsec_${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))}`,
    active: true,
    description: input.description ?? null,
    createdBy: ctx.actor.userId,
    createdAt: now,
    updatedAt: now,
  };
  await commitAudited(ctx, [ctx.db.insert(webhooks).values(row)], {
    action: "webhook.created",
    targetType: "webhook",
    targetId: row.id,
    after: toWebhook(row),
  });
  return { ...toWebhook(row), secret: row.secret };
}

async function findWebhook(ctx: UserContext, id: string) {
  const row = await ctx.db.query.webhooks.findFirst({ where: eq(webhooks.id, id) });
  if (!row) throw new AppError("not_found", "No such webhook.");
  return row;
}

export async function getWebhook(ctx: UserContext, id: string) {
  return toWebhook(await findWebhook(ctx, id));
}

export async function updateWebhook(
  ctx: UserContext,
  id: string,
  input: { url?: string; events?: string[]; description?: string | null; active?: boolean },
) {
  const before = toWebhook(await findWebhook(ctx, id));
  if (input.url) assertWebhookTarget(ctx, input.url);
  const set = {
    ...(input.url ? { url: input.url } : {}),
    ...(input.events ? { events: [...new Set(input.events)] } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.active !== undefined ? { active: input.active } : {}),
    updatedAt: nowIso(),
  };
  const [row] = await commitAuditedAndRead(
    ctx,
    [ctx.db.update(webhooks).set(set).where(eq(webhooks.id, id))],
    [{ action: "webhook.updated", targetType: "webhook", targetId: id, before, after: set }],
    ctx.db.select().from(webhooks).where(eq(webhooks.id, id)).limit(1),
  );
  return toWebhook(row ?? (await findWebhook(ctx, id)));
}

export async function deleteWebhook(ctx: UserContext, id: string) {
  const before = toWebhook(await findWebhook(ctx, id));
  await commitAudited(ctx, [ctx.db.delete(webhooks).where(eq(webhooks.id, id))], {
    action: "webhook.deleted",
    targetType: "webhook",
    targetId: id,
    before,
  });
}

// ---- realtime (NTF-4) ----

export const EVENTS_TICKET_TTL_SECONDS = 60;

/** A one-minute ticket for the WebSocket URL, so no long-lived token ever sits in a URL or a log. */
export async function eventsTicket(ctx: UserContext) {
  const ticket = await signToken(
    ctx.settings,
    "events",
    { sub: ctx.actor.userId, sid: ctx.actor.sessionId, jti: newId("wst") },
    EVENTS_TICKET_TTL_SECONDS,
  );
  return { ticket, url: `/v1/events?ticket=${encodeURIComponent(ticket)}`, expires_in: EVENTS_TICKET_TTL_SECONDS };
}

/** Checks an events ticket and its live session; returns who connects and whether they see everything. */
export async function connectionFor(ctx: ServiceContext, ticket: string) {
  const claims = await verifyToken(ctx.settings, "events", ticket);
  const { caller } = await callers().bySession(ctx.env.DB, claims.sid, claims.sub);
  if (!caller) throw new AppError("invalid_token", "The session has ended.");
  return { userId: claims.sub, scopeAll: caller.actor.permissions.has("tickets:scope_all") };
}

/** The caller's notifications for their phone: by id, or the newest `latest`. */
export function notificationsForSync(ctx: UserContext, by: { ids?: string[]; latest?: number }) {
  if (by.ids && !by.ids.length) return known([]);
  const mine = eq(notifications.userId, ctx.actor.userId);
  const query = ctx.db
    .select()
    .from(notifications)
    .where(and(mine, by.ids ? inList(notifications.id, by.ids) : undefined))
    .orderBy(sql`${notifications.createdAt} DESC`);
  return mapReads(reads(by.ids ? query : query.limit(by.latest ?? 50)), (rows) => rows.map(toNotification));
}
