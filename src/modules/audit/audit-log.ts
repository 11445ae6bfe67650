import { type ErasureSubject, redactValues } from "../../lib/erasure";
import type { AuditEntry, DerivedOwner, OwnerContext } from "../../lib/change-batch";
import { numbered } from "../../lib/d1";
import { newId, nowIso } from "../../lib/ids";

/** Fields never copied into the audit log: credentials and their hashes. */
const SECRET = /password|secret|hash|token|salt/i;

/** A value as the audit log keeps it: secrets left out, at any depth. */
export function redacted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redacted);
  if (value && typeof value === "object")
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([k]) => !SECRET.test(k))
        .map(([k, v]) => [k, redacted(v)]),
    );
  return value;
}

function actorOf(ctx: OwnerContext): { id: string | null; kind: "user" | "api_key" | "system" } {
  if (ctx.actor.kind === "user") return { id: ctx.actor.userId, kind: ctx.actor.apiKey ? "api_key" : "user" };
  return { id: null, kind: "system" };
}

const json = (v: unknown) => (v === undefined ? null : JSON.stringify(redacted(v)));

/**
 * The audit log's owner: every administrative change states what it did (`change.audit`), and its
 * rows are written in the change's batch under its guard, with who, from where and in which
 * request. Nothing updates or deletes them.
 */
export const auditLogOwner: DerivedOwner = {
  module: "audit",
  tables: ["audit_log"],
  statements(db, ctx, change) {
    const entries: AuditEntry[] = change.audit ?? [];
    if (!entries.length) return [];
    const actor = actorOf(ctx);
    const now = nowIso();
    const rows = JSON.stringify(
      entries.map((e) => [
        newId("aud"),
        now,
        actor.id,
        actor.kind,
        e.action,
        e.targetType,
        e.targetId,
        json(e.before),
        json(e.after),
        ctx.clientIp ?? null,
        ctx.requestId ?? null,
      ]),
    );
    const guard = change.guard;
    const where = guard ? ` WHERE ${numbered(guard.sql, 2)}` : "";
    return [
      db
        .prepare(
          `INSERT INTO audit_log (id, occurred_at, actor_id, actor_kind, action, target_type, target_id, before, after, client_ip, request_id)
           SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7, value->>8, value->>9, value->>10
             FROM json_each(?1)${where} ORDER BY key`,
        )
        .bind(rows, ...(guard?.params ?? [])),
    ];
  },
};

/**
 * The audit log is never changed by the API, except here: entries about the customer or their
 * account keep who did what and when, not the personal values they recorded.
 */
export function auditErasure(db: D1Database, s: ErasureSubject): D1PreparedStatement[] {
  return [
    db
      .prepare(
        `UPDATE audit_log SET before = CASE WHEN before IS NULL THEN NULL ELSE '{"erased":true}' END, after = '{"erased":true}'
          WHERE target_id IN (?1, ?2) AND action NOT IN ('customer.erased', 'customer.data_exported')`,
      )
      .bind(s.customerId, s.userId ?? ""),
    ...redactValues(db, s, "audit_log", ["before", "after"], "1", []),
  ];
}
