import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../db/client";
import { settingsFrom } from "../../lib/env";
import type { UserContext } from "../../lib/context";
import { permissionsOf } from "../../contracts/permissions";
import { buildTicketListQuery } from "./tickets.list";
import { createUser } from "../../../test/helpers";

async function contextFor(role: string): Promise<UserContext> {
  const user = await createUser({ role });
  return {
    db: createDb(env.DB),
    env,
    settings: settingsFrom(env),
    requestId: "plan",
    clientIp: "127.0.0.1",
    waitUntil: () => {},
    actor: {
      kind: "user" as const,
      userId: user.id,
      sessionId: "ses_plan",
      role,
      permissions: permissionsOf(role, null),
      via: "bearer",
      tokenExpiresAt: 0,
    },
  };
}

async function plan(ctx: UserContext, query: Record<string, unknown>) {
  const { statement } = await buildTicketListQuery(ctx, { limit: 50, order: "-created_at", ...query } as never);
  const { sql, params } = statement.toSQL();
  const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .bind(...params)
    .all<{ detail: string }>();
  return results.map((r) => r.detail);
}

const CASES: [string, string, Record<string, unknown>][] = [
  ["admin", "newest first", {}],
  ["admin", "by status", { status: ["new", "opened"] }],
  ["admin", "by priority", { priority: ["high"] }],
  ["admin", "by kind", { kind: ["repair"] }],
  ["admin", "by customer", { customer_id: "cus_x" }],
  ["admin", "by case number", { number: "TR-000123" }],
  ["admin", "by technician", { technician_id: "usr_x" }],
  ["admin", "created range", { created_from: "2026-01-01T00:00:00Z", created_to: "2026-12-31T00:00:00Z" }],
  ["admin", "scheduled order", { order: "scheduled_at", scheduled_from: "2026-01-01T00:00:00Z" }],
  ["admin", "visit order, unscheduled last", { order: "scheduled_at" }],
  ["admin", "service bookings in visit order (their default)", { kind: ["service_booking"], order: undefined }],
  ["admin", "by service card", { asset_id: "ast_x" }],
  ["admin", "by region", { region_id: "reg_x" }],
  ["admin", "by locality", { locality_id: "lcl_x" }],
  ["admin", "updated order", { order: "-updated_at" }],
  [
    "admin",
    "deep cursor",
    { cursor: btoa(JSON.stringify(["-created_at", "2026-01-01T00:00:00.000Z", "tkt_x"])).replace(/=+$/, "") },
  ],
  ["customer", "own tickets", {}],
  ["technician", "assigned tickets", { status: ["in_progress"] }],
  ["supervisor", "team tickets", {}],
];

describe("every ticket list query is served by an index", () => {
  it.each(CASES)("%s: %s", async (role, _name, query) => {
    const ctx = await contextFor(role);
    const details = await plan(ctx, query);
    // "SCAN tickets" without "USING … INDEX" is a full table scan.
    const scans = details.filter((d) => /\bSCAN tickets\b/.test(d) && !/USING (COVERING )?INDEX/.test(d));
    expect(scans, details.join("\n")).toEqual([]);
  });
});

const deep = (order: string, value: string) => btoa(JSON.stringify([order, value, "tkt_x"])).replace(/=+$/, "");
const CURSOR_CASES: [string, Record<string, unknown>][] = [
  ["newest first", { cursor: deep("-created_at", "2026-01-01T00:00:00.000Z") }],
  ["oldest first", { order: "created_at", cursor: deep("created_at", "2026-01-01T00:00:00.000Z") }],
  ["by status", { status: ["new"], cursor: deep("-created_at", "2026-01-01T00:00:00.000Z") }],
  ["updated order", { order: "-updated_at", cursor: deep("-updated_at", "2026-01-01T00:00:00.000Z") }],
  [
    "scheduled order",
    { order: "scheduled_at", cursor: deep("scheduled_at", "2026-01-01T00:00:00.000Z 2025-12-01T00:00:00.000Z") },
  ],
  [
    "unscheduled part of the visit order",
    { order: "-scheduled_at", cursor: deep("-scheduled_at", "~ 2025-12-01T00:00:00.000Z") },
  ],
];

// A "SCAN … USING INDEX" walks the index from its start and filters: flat for the first page,
// linear in the table for a deep one (86 ms at 1M tickets). A deep page must be a SEARCH.
describe("a deep page starts at the cursor in the index instead of walking to it", () => {
  it.each(CURSOR_CASES)("admin: %s", async (_name, query) => {
    const details = await plan(await contextFor("admin"), query);
    expect(
      details.filter((d) => /\bSCAN tickets\b/.test(d)),
      details.join("\n"),
    ).toEqual([]);
    expect(
      details.some((d) => /\bSEARCH tickets USING (COVERING )?INDEX\b/.test(d)),
      details.join("\n"),
    ).toBe(true);
  });
});

describe("the plan check itself", () => {
  it("does see a full scan when there is one", async () => {
    const { results } = await env.DB.prepare(
      "EXPLAIN QUERY PLAN SELECT * FROM tickets WHERE address = 'x' ORDER BY title",
    ).all<{ detail: string }>();
    expect(results.some((r) => /\bSCAN tickets\b/.test(r.detail) && !/USING (COVERING )?INDEX/.test(r.detail))).toBe(
      true,
    );
  });
});
