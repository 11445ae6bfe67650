import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

/**
 * The inventory lists stay flat as the ledger grows: each filter and order the API offers is
 * served by an index (EXPLAIN QUERY PLAN shows no full scan of the large tables).
 */
const LISTS: [string, string, unknown[]][] = [
  [
    "movements, newest first",
    "SELECT * FROM stock_movements WHERE (created_at, id) < (?, ?) ORDER BY created_at DESC, id DESC LIMIT 51",
    ["2026-11-01", "mov_x"],
  ],
  [
    "movements of an item",
    "SELECT * FROM stock_movements WHERE item_id = ? ORDER BY created_at DESC, id DESC LIMIT 51",
    ["itm_x"],
  ],
  [
    "movements of a ticket",
    "SELECT * FROM stock_movements WHERE ticket_id = ? ORDER BY created_at DESC, id DESC LIMIT 51",
    ["tkt_x"],
  ],
  [
    "assignments of a technician",
    "SELECT * FROM equipment_assignments WHERE technician_id = ? ORDER BY created_at DESC, id DESC LIMIT 51",
    ["usr_x"],
  ],
  ["assignments, newest first", "SELECT * FROM equipment_assignments ORDER BY created_at DESC, id DESC LIMIT 51", []],
  ["items by name", "SELECT * FROM inventory_items WHERE retired_at IS NULL ORDER BY name, id LIMIT 51", []],
  ["items of a category", "SELECT * FROM inventory_items WHERE category = ? ORDER BY name, id LIMIT 51", ["router"]],
  ["an item's stock", "SELECT * FROM stock_balances WHERE item_id = ? AND quantity <> 0", ["itm_x"]],
];

describe("inventory query plans", () => {
  it.each(LISTS)("%s uses an index", async (_name, sql, params) => {
    const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .bind(...params)
      .all<{ detail: string }>();
    const details = results.map((r) => r.detail);
    expect(
      details.some((d) => /USING (COVERING )?INDEX|USING PRIMARY KEY/.test(d)),
      details.join(" | "),
    ).toBe(true);
    expect(
      details.filter((d) => /^SCAN (stock_movements|equipment_assignments|stock_balances)$/.test(d)),
      details.join(" | "),
    ).toEqual([]);
  });
});
