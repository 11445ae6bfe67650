import { and, eq, gte, lte, type SQL } from "drizzle-orm";
import { endOf, startOf } from "../../lib/query-dialect";
import { auditLog } from "../../db/schema";
import type { UserContext } from "../../lib/context";
import { keyset } from "../../lib/pagination";
import type { z } from "@hono/zod-openapi";
import type { AuditListQuery } from "./audit.schemas";

type AuditRow = typeof auditLog.$inferSelect;

const parsed = (text: string | null) => (text === null ? null : (JSON.parse(text) as Record<string, unknown>));

function toAuditEntry(r: AuditRow) {
  return {
    id: r.id,
    occurred_at: r.occurredAt,
    actor_id: r.actorId,
    actor_kind: r.actorKind as "user" | "api_key" | "system",
    action: r.action,
    target_type: r.targetType,
    target_id: r.targetId,
    before: parsed(r.before),
    after: parsed(r.after),
    client_ip: r.clientIp,
    request_id: r.requestId,
  };
}

/** Administrative changes, newest first by default, by keyset pages over (occurred_at, id). */
export async function listAuditLog(ctx: UserContext, query: z.infer<typeof AuditListQuery>) {
  const page = keyset({ order: query.order, column: auditLog.occurredAt, idColumn: auditLog.id, cursor: query.cursor });
  const filters: (SQL | undefined)[] = [
    page.where,
    query.actor_id ? eq(auditLog.actorId, query.actor_id) : undefined,
    query.target_type ? eq(auditLog.targetType, query.target_type) : undefined,
    query.target_id ? eq(auditLog.targetId, query.target_id) : undefined,
    query.action ? eq(auditLog.action, query.action) : undefined,
    query.occurred_from ? gte(auditLog.occurredAt, startOf(query.occurred_from, ctx.settings.timeZone)) : undefined,
    query.occurred_to ? lte(auditLog.occurredAt, endOf(query.occurred_to, ctx.settings.timeZone)) : undefined,
  ];
  const rows = await ctx.db
    .select()
    .from(auditLog)
    .where(and(...filters))
    .orderBy(...page.orderBy)
    .limit(query.limit + 1);
  const result = page.page(rows, query.limit, (r) => r.occurredAt);
  return {
    data: result.data.map(toAuditEntry),
    next_cursor: result.next_cursor,
    has_more: result.next_cursor !== null,
  };
}
