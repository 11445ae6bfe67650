import { and, eq } from "drizzle-orm";
import { devOutbox } from "../../db/schema";
import type { UserContext, ServiceContext } from "../../lib/context";
import { isLocal } from "../../lib/env";
import { keyset } from "../../lib/pagination";
import { AppError } from "../../lib/problem";

/**
 * Collections a client can start from: at least one per top-level path of the API (a test holds
 * every path of the OpenAPI document to this list); later modules add theirs here.
 */
export const COLLECTIONS: Record<string, string> = {
  auth: "/v1/auth",
  oauth_token: "/v1/oauth/token",
  me: "/v1/me",
  users: "/v1/users",
  user_lookup: "/v1/internal/users/lookup",
  roles: "/v1/roles",
  permissions: "/v1/permissions",
  applications: "/v1/applications",
  application_grants: "/v1/application-grants",
  api_keys: "/v1/api-keys",
  audit_log: "/v1/audit-log",
  companies: "/v1/companies",
  customers: "/v1/customers",
  offers: "/v1/offers",
  assets: "/v1/assets",
  technicians: "/v1/technicians",
  teams: "/v1/teams",
  time_off: "/v1/time-off",
  calendars: "/v1/calendars",
  regions: "/v1/regions",
  localities: "/v1/localities",
  tickets: "/v1/tickets",
  comments: "/v1/comments",
  uploads: "/v1/uploads",
  labels: "/v1/labels",
  workload: "/v1/workload",
  buckets: "/v1/buckets",
  sla_policies: "/v1/sla-policies",
  job_templates: "/v1/job-templates",
  maintenance_plans: "/v1/maintenance-plans",
  service_contracts: "/v1/service-contracts",
  appointments: "/v1/appointments",
  availability: "/v1/availability",
  public_appointments: "/v1/public/appointments/{token}",
  feedback: "/v1/feedback",
  attendance: "/v1/attendance",
  inventory_items: "/v1/inventory/items",
  equipment_assignments: "/v1/inventory/assignments",
  stock_movements: "/v1/inventory/movements",
  network_incidents: "/v1/network/incidents",
  network_nodes: "/v1/network/nodes",
  network_subscribers: "/v1/network/subscribers",
  provisioning_actions: "/v1/network/provisioning/actions",
  imports: "/v1/imports/{kind}/template",
  mobile_sync: "/v1/mobile/sync",
  mobile_devices: "/v1/mobile/devices",
  reports: "/v1/reports/dashboard",
  jobs: "/v1/jobs",
  archive: "/v1/archive/months",
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
    has_more: result.next_cursor !== null,
  };
}
