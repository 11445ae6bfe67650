import { and, eq } from "drizzle-orm";
import { devOutbox } from "../../db/schema";
import type { UserContext, ServiceContext } from "../../lib/context";
import { isLocal } from "../../lib/env";
import { keyset } from "../../lib/pagination";
import { AppError } from "../../lib/problem";

/** Collections a client can start from; later modules add theirs here. */
export const COLLECTIONS: Record<string, string> = {
  auth: "/v1/auth",
  me: "/v1/me",
  users: "/v1/users",
  roles: "/v1/roles",
  permissions: "/v1/permissions",
  companies: "/v1/companies",
  customers: "/v1/customers",
  assets: "/v1/assets",
  technicians: "/v1/technicians",
  teams: "/v1/teams",
  tickets: "/v1/tickets",
  workload: "/v1/workload",
  buckets: "/v1/buckets",
  appointments: "/v1/appointments",
  availability: "/v1/availability",
  feedback: "/v1/feedback",
  attendance: "/v1/attendance",
  inventory_items: "/v1/inventory/items",
  equipment_assignments: "/v1/inventory/assignments",
  reports: "/v1/reports/dashboard",
  jobs: "/v1/jobs",
  notifications: "/v1/notifications",
  webhooks: "/v1/webhooks",
  events: "/v1/events",
  health: "/v1/health",
};

export function apiRoot() {
  return { name: "truckroll", version: "1", docs: "/docs", openapi: "/openapi.json", collections: COLLECTIONS };
}

export async function health(ctx: Pick<ServiceContext, "env">) {
  const started = Date.now();
  let ok = true;
  try {
    await ctx.env.DB.prepare("SELECT 1").first();
  } catch (err) {
    ok = false;
    console.error(JSON.stringify({ level: "error", msg: "health check failed", error: String(err) }));
  }
  return {
    status: ok ? ("ok" as const) : ("degraded" as const),
    checks: { d1: { ok, latency_ms: Date.now() - started } },
    time: new Date().toISOString(),
  };
}

export async function listOutbox(ctx: UserContext, query: { limit: number; cursor?: string; recipient?: string }) {
  if (!isLocal(ctx.settings))
    throw new AppError("not_found", "The development outbox exists only in local development.");
  const page = keyset({
    order: "-created_at",
    column: devOutbox.createdAt,
    idColumn: devOutbox.id,
    cursor: query.cursor,
  });
  const rows = await ctx.db
    .select()
    .from(devOutbox)
    .where(and(page.where, query.recipient ? eq(devOutbox.recipient, query.recipient.toLowerCase()) : undefined))
    .orderBy(...page.orderBy)
    .limit(query.limit + 1);
  const result = page.page(rows, query.limit, (r) => r.createdAt);
  return {
    data: result.data.map((r) => ({
      id: r.id,
      channel: r.channel,
      recipient: r.recipient,
      subject: r.subject,
      body: r.body,
      event_type: r.eventType,
      created_at: r.createdAt,
    })),
    next_cursor: result.next_cursor,
  };
}
