import { and, eq, isNull } from "drizzle-orm";
import { customers } from "../../db/schema";
import type { ServiceContext, UserContext } from "../../lib/context";
import { newId } from "../../lib/ids";
import { AppError } from "../../lib/problem";
import { type JobRow, type StepResult, jobRequester, startJob } from "../jobs";
import { findVisibleCustomer } from "./customers.service";

/**
 * A customer's data (data-protection access requests: GDPR art. 15, Botswana DPA 2018): every
 * row about them, section by section, as NDJSON lines `{"section": …, "data": {…}}`. One section
 * page per job step (each stored as one part; the download streams the parts in order), so a
 * customer with years of work is exported in bounded steps. Staff notes marked internal and
 * secrets (password hashes, token hashes, push tokens) are not part of it. `?1` is the customer.
 */
const SECTIONS: { name: string; sql: string }[] = [
  { name: "profile", sql: "SELECT * FROM customers WHERE id = ?1" },
  {
    name: "account",
    sql: `SELECT id, username, email, phone, whatsapp, first_name, last_name, address, role, status, last_login_at, created_at, updated_at
            FROM users WHERE id = (SELECT user_id FROM customers WHERE id = ?1)`,
  },
  { name: "service_cards", sql: "SELECT * FROM assets WHERE customer_id = ?1" },
  { name: "service_contracts", sql: "SELECT * FROM service_contracts WHERE customer_id = ?1" },
  { name: "maintenance_plans", sql: "SELECT * FROM maintenance_plans WHERE customer_id = ?1" },
  {
    name: "tickets",
    sql: `SELECT id, number, external_ref, kind, priority, status, title, description, address, lat, lng, preferred_at, scheduled_at,
                 service_type, service_category, contract_id, opened_at, assigned_at, started_at, resolved_at, closed_at, cancelled_at, created_at, updated_at
            FROM tickets WHERE customer_id = ?1`,
  },
  {
    name: "comments",
    sql: `SELECT id, ticket_id, author_id, body, created_at FROM ticket_comments
           WHERE visibility = 'public' AND ticket_id IN (SELECT id FROM tickets WHERE customer_id = ?1)`,
  },
  {
    name: "history",
    sql: `SELECT id, ticket_id, action, from_value, to_value, comment, created_at FROM ticket_history
           WHERE internal = 0 AND ticket_id IN (SELECT id FROM tickets WHERE customer_id = ?1)`,
  },
  {
    name: "appointments",
    sql: `SELECT id, ticket_id, technician_id, date, start_time, end_time, timezone, status, address, lat, lng, confirmed_at, arrived_at, completed_at, cancelled_at, created_at
            FROM appointments WHERE ticket_id IN (SELECT id FROM tickets WHERE customer_id = ?1)`,
  },
  {
    name: "work_logs",
    sql: "SELECT id, ticket_id, work_detail, parts, amount_charged, next_service_date, created_at FROM work_logs WHERE ticket_id IN (SELECT id FROM tickets WHERE customer_id = ?1)",
  },
  {
    name: "feedback",
    sql: "SELECT * FROM feedback WHERE ticket_id IN (SELECT id FROM tickets WHERE customer_id = ?1)",
  },
  {
    name: "messages_sent",
    sql: `SELECT id, event_type, channel, recipient, status, sent_at, created_at, json_extract(message, '$.subject') AS subject, json_extract(message, '$.body') AS body
            FROM deliveries WHERE recipient IN (SELECT value FROM customers c, json_each(json_array(c.phone, c.email, c.whatsapp)) WHERE c.id = ?1 AND value IS NOT NULL)`,
  },
  {
    name: "notifications",
    sql: "SELECT id, type, title, body, ticket_id, read_at, created_at FROM notifications WHERE user_id = (SELECT user_id FROM customers WHERE id = ?1)",
  },
  {
    name: "uploads",
    sql: "SELECT id, kind, filename, content_type, size_bytes, ticket_id, attached_at, created_at FROM uploads WHERE uploaded_by = (SELECT user_id FROM customers WHERE id = ?1)",
  },
];

const PAGE_ROWS = 1000;

/** Staff (who see the customer) ask for a customer's data. */
export async function startCustomerExport(ctx: UserContext, customerId: string) {
  await findVisibleCustomer(ctx, customerId);
  return exportJob(ctx, customerId);
}

/** The job, with who asked for whose data in the audit log (one batch). */
function exportJob(ctx: UserContext, customerId: string) {
  const id = newId("job");
  return startJob(
    ctx,
    "customer_export",
    ctx.actor.userId,
    { customer_id: customerId },
    {
      id,
      audit: { action: "customer.data_exported", targetType: "customer", targetId: customerId, after: { job_id: id } },
    },
  );
}

/** A customer asks for their own data. */
export async function startOwnExport(ctx: UserContext) {
  const own = await ctx.db.query.customers.findFirst({
    where: and(eq(customers.userId, ctx.actor.userId), isNull(customers.deletedAt)),
    columns: { id: true },
  });
  if (!own) throw new AppError("not_found", "There is no customer record for this account.");
  return exportJob(ctx, own.id);
}

/**
 * One step: the next page of the current section, stored as the next part. The requester is
 * checked again each step (still active, still allowed to see the customer, or the customer
 * themselves).
 */
export async function runCustomerExportStep(ctx: ServiceContext, job: JobRow): Promise<StepResult> {
  const { customer_id: customerId } = job.params as { customer_id: string };
  const state = job.state as { section?: number; after?: number; parts?: number; bytes?: number };
  const requester = await jobRequester(ctx, job);
  if (!requester) throw new Error("the requester can no longer act");
  const own = await ctx.db.query.customers.findFirst({
    where: eq(customers.id, customerId),
    columns: { userId: true },
  });
  if (own?.userId !== requester.actor.userId) {
    if (!requester.actor.permissions.has("customers:read"))
      throw new Error("the requester can no longer read customers");
    await findVisibleCustomer(requester, customerId);
  }
  const index = state.section ?? 0;
  const section = SECTIONS[index];
  const after = state.after ?? 0;
  const { results } = await ctx.env.DB.prepare(
    `SELECT * FROM (${section.sql.replace(/^SELECT /, "SELECT rowid AS _rid, ")}) WHERE _rid > ?2 ORDER BY _rid LIMIT ?3`,
  )
    .bind(customerId, after, PAGE_ROWS)
    .all<Record<string, unknown>>();
  const lines = results.map((r) => {
    const { _rid, ...data } = r;
    return `${JSON.stringify({ section: section.name, data })}\n`;
  });
  const body = new TextEncoder().encode(lines.join(""));
  const part = (state.parts ?? 0) + 1;
  const prefix = `exports/${job.id}/`;
  await ctx.env.FILES.put(`${prefix}part-${String(part).padStart(6, "0")}.ndjson`, body, {
    httpMetadata: { contentType: "application/x-ndjson" },
  });
  const bytes = (state.bytes ?? 0) + body.byteLength;
  const rows = job.rowsProcessed + results.length;
  const last = results[results.length - 1];
  const more = results.length === PAGE_ROWS;
  const next = more
    ? { section: index, after: Number(last._rid), parts: part, bytes }
    : { section: index + 1, after: 0, parts: part, bytes };
  if (next.section < SECTIONS.length) return { state: next, rowsProcessed: rows };
  return {
    state: next,
    rowsProcessed: rows,
    rowsTotal: rows,
    done: {
      key: prefix,
      filename: `customer-${customerId}-${job.createdAt.slice(0, 10)}.ndjson`,
      contentType: "application/x-ndjson",
      bytes,
    },
  };
}
