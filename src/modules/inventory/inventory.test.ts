import { env } from "cloudflare:workers";
import { systemContext } from "../../lib/context";
import { planFanOut } from "../notifications/fanout";
import { describe, expect, it } from "vitest";
import { call, expectProblem, signedIn } from "../../../test/helpers";
import { securitySuite } from "../../../test/security-suite";
import { assignedTicket, staff, technicianAccount } from "../../../test/work-factories";

securitySuite("inventory");

const unique = () => Math.random().toString(36).slice(2, 8).toUpperCase();

async function item(token: string, body: Record<string, unknown> = {}) {
  const res = await call("/v1/inventory/items", {
    token,
    body: {
      sku: `SKU-${unique()}`,
      name: `Drop cable ${unique()}`,
      category: "cable",
      unit_price: 1250,
      currency: "BWP",
      ...body,
    },
  });
  expect(res.status, res.text).toBe(201);
  return res.json;
}

/** Every non-outside balance equals what the ledger says moved in minus what moved out. */
async function ledgerAgrees(itemId: string) {
  const rows = await env.DB.prepare(
    `SELECT b.location, b.quantity,
            coalesce((SELECT sum(quantity) FROM stock_movements WHERE item_id = b.item_id AND to_location = b.location), 0)
          - coalesce((SELECT sum(quantity) FROM stock_movements WHERE item_id = b.item_id AND from_location = b.location), 0) AS ledger
       FROM stock_balances b WHERE b.item_id = ?1`,
  )
    .bind(itemId)
    .all<{ location: string; quantity: number; ledger: number }>();
  for (const r of rows.results) expect(r.quantity, r.location).toBe(r.ledger);
}

describe("INV-1 items", () => {
  it("creates with opening stock through the ledger, refuses a second SKU, filters, edits and retires", async () => {
    const manager = await staff("manager");
    const created = await item(manager.token, { initial_quantity: 5, min_level: 10, category: "ont-test" });
    expect(created).toMatchObject({ stock_quantity: 5, is_low_stock: true, serialised: false, retired: false });
    const movements = await call(`/v1/inventory/movements?item_id=${created.id}`, { token: manager.token });
    expect(movements.json.data).toEqual([
      expect.objectContaining({
        kind: "receive",
        quantity: 5,
        from: "supplier",
        to: "warehouse",
        reason: "opening stock",
      }),
    ]);
    expectProblem(
      await call("/v1/inventory/items", {
        token: manager.token,
        body: { sku: created.sku, name: "Again", category: "x", unit_price: 1, currency: "BWP" },
      }),
      409,
      "conflict",
    );
    // Refused by the SKU's unique index: the opening stock of the refused item is not received either.
    const again = await call("/v1/inventory/items", {
      token: manager.token,
      body: { sku: created.sku, name: "Again", category: "x", unit_price: 1, currency: "BWP", initial_quantity: 3 },
    });
    expectProblem(again, 409, "conflict");
    expect(again.json.errors).toEqual([expect.objectContaining({ path: "sku" })]);
    const receipts = await env.DB.prepare(
      "SELECT count(*) AS n FROM stock_movements WHERE reason = 'opening stock' AND item_id NOT IN (SELECT id FROM inventory_items)",
    ).first<{ n: number }>();
    expect(receipts?.n).toBe(0);
    const other = await item(manager.token, { category: "ont-test-2" });
    expectProblem(
      await call(`/v1/inventory/items/${other.id}`, {
        method: "PATCH",
        token: manager.token,
        body: { sku: created.sku },
      }),
      409,
      "conflict",
    );
    const low = await call("/v1/inventory/items?category=ont-test&low_stock=true", { token: manager.token });
    expect(low.json.data.map((i: { id: string }) => i.id)).toEqual([created.id]);
    expect(
      (await call("/v1/inventory/items?category=ont-test&low_stock=false", { token: manager.token })).json.data,
    ).toEqual([]);
    const edited = await call(`/v1/inventory/items/${created.id}`, {
      method: "PATCH",
      token: manager.token,
      body: { min_level: 2, name: "Renamed" },
    });
    expect(edited.json).toMatchObject({ name: "Renamed", is_low_stock: false, stock_quantity: 5 });
    expectProblem(
      await call(`/v1/inventory/items/${created.id}`, {
        method: "PATCH",
        token: manager.token,
        body: { stock_quantity: 99 },
      }),
      400,
      "validation_failed",
    );
    expect((await call(`/v1/inventory/items/${created.id}`, { method: "DELETE", token: manager.token })).status).toBe(
      204,
    );
    expect((await call(`/v1/inventory/items/${created.id}`, { token: manager.token })).json.retired).toBe(true);
    expectProblem(
      await call("/v1/inventory/receipts", { token: manager.token, body: { item_id: created.id, quantity: 1 } }),
      404,
      "not_found",
    );
  });

  it("lets dispatchers read the catalogue but not change it, and keeps technicians and customers out", async () => {
    const manager = await staff("manager");
    const created = await item(manager.token);
    const dispatcher = await staff("dispatcher");
    expect((await call(`/v1/inventory/items/${created.id}`, { token: dispatcher.token })).status).toBe(200);
    expectProblem(
      await call("/v1/inventory/receipts", { token: dispatcher.token, body: { item_id: created.id, quantity: 1 } }),
      403,
      "forbidden",
    );
    for (const role of ["technician", "customer"]) {
      expectProblem(await call("/v1/inventory/items", { token: (await signedIn(role)).token }), 403, "forbidden");
    }
  });
});

describe("INV-2 the ledger never goes below zero", () => {
  it("lets at most 10 of 50 simultaneous transfers of the last 10 units through; stock ends at 0 and the ledger agrees", async () => {
    const manager = await staff("manager");
    const tech = await technicianAccount();
    const created = await item(manager.token, { initial_quantity: 10 });
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        call("/v1/inventory/transfers", {
          token: manager.token,
          body: { item_id: created.id, from: "warehouse", to: `van:${tech.user.id}`, quantity: 1 },
        }),
      ),
    );
    const statuses = results.map((r) => r.status);
    // D1 runs each batch as one transaction: exactly the 10 units move, and no more.
    expect(statuses.filter((s) => s === 201).length).toBe(10);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    for (const r of results.filter((r) => r.status === 409)) expect(r.json.code).toBe("insufficient_stock");
    const moved = statuses.filter((s) => s === 201).length;
    const stock = await call(`/v1/inventory/items/${created.id}/stock`, { token: manager.token });
    const at = (loc: string) =>
      stock.json.locations.find((l: { location: string }) => l.location === loc)?.quantity ?? 0;
    expect(at("warehouse")).toBe(0);
    expect(at(`van:${tech.user.id}`)).toBe(moved);
    // Whatever raced, one more than what is left is refused and writes nothing.
    const before = await env.DB.prepare("SELECT count(*) AS n FROM stock_movements WHERE item_id = ?1")
      .bind(created.id)
      .first<{ n: number }>();
    expectProblem(
      await call("/v1/inventory/transfers", {
        token: manager.token,
        body: { item_id: created.id, from: "warehouse", to: `van:${tech.user.id}`, quantity: 10 - moved + 1 },
      }),
      409,
      "insufficient_stock",
    );
    expect(
      await env.DB.prepare("SELECT count(*) AS n FROM stock_movements WHERE item_id = ?1")
        .bind(created.id)
        .first<{ n: number }>(),
    ).toEqual(before);
    await ledgerAgrees(created.id);
  });

  it("tracks each serial in one place: unknown or misplaced serials are refused, a known one cannot be received twice", async () => {
    const manager = await staff("manager");
    const tech = await technicianAccount();
    const sn = [`SN-${unique()}`, `SN-${unique()}`, `SN-${unique()}`];
    const ont = await item(manager.token, { serialised: true, initial_serials: sn, category: "ont" });
    expect(ont.stock_quantity).toBe(3);
    expectProblem(
      await call("/v1/inventory/receipts", {
        token: manager.token,
        body: { item_id: ont.id, quantity: 1, serials: [sn[0]] },
      }),
      409,
      "conflict",
    );
    expectProblem(
      await call("/v1/inventory/receipts", {
        token: manager.token,
        body: { item_id: ont.id, quantity: 2, serials: [`SN-${unique()}`] },
      }),
      400,
      "validation_failed",
    );
    const moved = await call("/v1/inventory/transfers", {
      token: manager.token,
      body: { item_id: ont.id, from: "warehouse", to: `van:${tech.user.id}`, quantity: 1, serials: [sn[1]] },
    });
    expect(moved.status, moved.text).toBe(201);
    // sn[1] is in the van now, not the warehouse.
    expectProblem(
      await call("/v1/inventory/transfers", {
        token: manager.token,
        body: { item_id: ont.id, from: "warehouse", to: "quarantine", quantity: 1, serials: [sn[1]] },
      }),
      409,
      "insufficient_stock",
    );
    const stock = await call(`/v1/inventory/items/${ont.id}/stock`, { token: manager.token });
    expect(stock.json.locations).toEqual([
      { location: `van:${tech.user.id}`, quantity: 1, serials: [sn[1]] },
      { location: "warehouse", quantity: 2, serials: [sn[0], sn[2]].sort() },
    ]);
    await ledgerAgrees(ont.id);
  });

  it("treats look-alike serials as the serial they look like: case, width, zero-width and control characters", async () => {
    const manager = await staff("manager");
    const base = `SN-A${unique().toUpperCase()}`;
    const ont = await item(manager.token, { serialised: true, initial_serials: [base], category: "ont" });
    const fullWidth = [...base]
      .map((ch) => (ch >= "!" && ch <= "~" ? String.fromCharCode(ch.charCodeAt(0) + 0xfee0) : ch))
      .join("");
    for (const twin of [
      base.toLowerCase(),
      `${base.slice(0, 3)}\u200b${base.slice(3)}`,
      `${base}\u0007`,
      fullWidth,
      `\u202e${base}`,
    ]) {
      const res = await call("/v1/inventory/receipts", {
        token: manager.token,
        body: { item_id: ont.id, quantity: 1, serials: [twin] },
      });
      expectProblem(res, 409, "conflict");
    }
    expectProblem(
      await call("/v1/inventory/receipts", {
        token: manager.token,
        body: { item_id: ont.id, quantity: 2, serials: ["SN-ZZ1", "sn-zz1"] },
      }),
      400,
      "validation_failed",
    );
    // A look-alike finds the stored serial too.
    const moved = await call("/v1/inventory/transfers", {
      token: manager.token,
      body: { item_id: ont.id, from: "warehouse", to: "quarantine", quantity: 1, serials: [base.toLowerCase()] },
    });
    expect(moved.status, moved.text).toBe(201);
    const stock = await call(`/v1/inventory/items/${ont.id}/stock`, { token: manager.token });
    expect(stock.json.locations).toEqual([{ location: "quarantine", quantity: 1, serials: [base] }]);
  });

  it("adjusts with a reason in either direction, never below zero, and checks every location it names", async () => {
    const manager = await staff("manager");
    const created = await item(manager.token, { initial_quantity: 3 });
    expect(
      (
        await call("/v1/inventory/adjustments", {
          token: manager.token,
          body: { item_id: created.id, location: "warehouse", quantity: -2, reason: "count" },
        })
      ).status,
    ).toBe(201);
    expectProblem(
      await call("/v1/inventory/adjustments", {
        token: manager.token,
        body: { item_id: created.id, location: "warehouse", quantity: -2, reason: "count" },
      }),
      409,
      "insufficient_stock",
    );
    expectProblem(
      await call("/v1/inventory/adjustments", {
        token: manager.token,
        body: { item_id: created.id, location: "warehouse", quantity: 1 },
      }),
      400,
      "validation_failed",
    );
    expectProblem(
      await call("/v1/inventory/transfers", {
        token: manager.token,
        body: { item_id: created.id, from: "warehouse", to: "van:usr_nobody", quantity: 1 },
      }),
      400,
      "validation_failed",
    );
    expectProblem(
      await call("/v1/inventory/transfers", {
        token: manager.token,
        body: { item_id: created.id, from: "warehouse", to: "customer:cus_nobody", quantity: 1 },
      }),
      400,
      "validation_failed",
    );
    expectProblem(
      await call("/v1/inventory/transfers", {
        token: manager.token,
        body: { item_id: created.id, from: "warehouse", to: "mars", quantity: 1 },
      }),
      400,
      "validation_failed",
    );
    expect((await call(`/v1/inventory/items/${created.id}`, { token: manager.token })).json.stock_quantity).toBe(1);
    await ledgerAgrees(created.id);
  });

  it("raises inventory.low_stock once when the warehouse falls below the minimum", async () => {
    const manager = await staff("manager");
    const created = await item(manager.token, { initial_quantity: 5, min_level: 4 });
    await call("/v1/inventory/adjustments", {
      token: manager.token,
      body: { item_id: created.id, location: "warehouse", quantity: -1, reason: "count" },
    });
    const events = () =>
      env.DB.prepare(
        "SELECT type, json_extract(data, '$.quantity') AS quantity FROM domain_events WHERE subject_id = ?1",
      )
        .bind(created.id)
        .all();
    expect((await events()).results).toEqual([]);
    await call("/v1/inventory/adjustments", {
      token: manager.token,
      body: { item_id: created.id, location: "warehouse", quantity: -1, reason: "count" },
    });
    await call("/v1/inventory/adjustments", {
      token: manager.token,
      body: { item_id: created.id, location: "warehouse", quantity: -1, reason: "count" },
    });
    expect((await events()).results).toEqual([{ type: "inventory.low_stock", quantity: 3 }]);
    // Fan-out tells those who manage stock (admins, managers), not technicians.
    const row = await env.DB.prepare(
      "SELECT id, type, subject_id, actor_id, data, created_at FROM domain_events WHERE subject_id = ?1",
    )
      .bind(created.id)
      .first<Record<string, string>>();
    const plan = await planFanOut(systemContext(env, "test"), {
      kind: "event",
      id: row!.id,
      type: row!.type,
      subject_id: row!.subject_id,
      actor_id: row!.actor_id,
      data: JSON.parse(row!.data),
      occurred_at: row!.created_at,
    });
    const roles = await env.DB.prepare(
      `SELECT DISTINCT role FROM users WHERE id IN (${plan.inApp.map(() => "?").join(",")})`,
    )
      .bind(...plan.inApp.map((n) => n.userId))
      .all<{ role: string }>();
    expect(roles.results.map((r) => r.role).sort()).toEqual(
      ["manager"].concat(roles.results.some((r) => r.role === "admin") ? ["admin"] : []).sort(),
    );
    expect(plan.inApp.some((n) => n.userId === manager.user.id)).toBe(true);
  });
});

describe("equipment issued to technicians", () => {
  it("issues for a ticket, shows technicians only their own, and takes back good, damaged and lost", async () => {
    const manager = await staff("manager");
    const { tech, ticket } = await assignedTicket();
    const other = await technicianAccount();
    const router = await item(manager.token, { initial_quantity: 6, category: "router" });
    const issued = await call("/v1/inventory/assignments", {
      token: manager.token,
      body: { item_id: router.id, technician_id: tech.user.id, ticket_id: ticket.id, quantity: 5 },
    });
    expect(issued.status, issued.text).toBe(201);
    expect(issued.json).toMatchObject({
      status: "assigned",
      quantity: 5,
      outstanding_quantity: 5,
      ticket_id: ticket.id,
    });
    expectProblem(
      await call("/v1/inventory/assignments", {
        token: manager.token,
        body: { item_id: router.id, technician_id: tech.user.id, quantity: 2 },
      }),
      409,
      "insufficient_stock",
    );
    expectProblem(
      await call("/v1/inventory/assignments", {
        token: manager.token,
        body: { item_id: router.id, technician_id: tech.user.id, ticket_id: "tkt_nope", quantity: 1 },
      }),
      400,
      "validation_failed",
    );

    const inVan = await call(`/v1/inventory/vans/${tech.user.id}`, { token: tech.token });
    expect(inVan.json.items).toEqual([
      expect.objectContaining({ item_id: router.id, sku: router.sku, quantity: 5, serials: [] }),
    ]);
    expect((await call(`/v1/inventory/vans/${tech.user.id}`, { token: manager.token })).json.items).toHaveLength(1);
    const mine = await call(`/v1/inventory/assignments?ticket_id=${ticket.id}`, { token: tech.token });
    expect(mine.json.data.map((a: { id: string }) => a.id)).toEqual([issued.json.id]);
    expect((await call("/v1/inventory/assignments", { token: other.token })).json.data).toEqual([]);
    expectProblem(await call(`/v1/inventory/assignments/${issued.json.id}`, { token: other.token }), 404, "not_found");
    expectProblem(
      await call(`/v1/inventory/assignments/${issued.json.id}/return`, {
        token: other.token,
        body: { quantity: 1, condition: "good" },
      }),
      404,
      "not_found",
    );

    const good = await call(`/v1/inventory/assignments/${issued.json.id}/return`, {
      token: tech.token,
      body: { quantity: 2, condition: "good" },
    });
    expect(good.json).toMatchObject({ status: "partially_returned", returned_quantity: 2, outstanding_quantity: 3 });
    await call(`/v1/inventory/assignments/${issued.json.id}/return`, {
      token: manager.token,
      body: { quantity: 1, condition: "damaged" },
    });
    const lost = await call(`/v1/inventory/assignments/${issued.json.id}/return`, {
      token: manager.token,
      body: { quantity: 2, condition: "lost" },
    });
    expect(lost.json).toMatchObject({ status: "returned", outstanding_quantity: 0 });
    expectProblem(
      await call(`/v1/inventory/assignments/${issued.json.id}/return`, {
        token: manager.token,
        body: { quantity: 1, condition: "good" },
      }),
      400,
      "validation_failed",
    );

    const van = await call(`/v1/inventory/vans/${tech.user.id}`, { token: tech.token });
    expect(van.json.items).toEqual([]);
    expectProblem(await call(`/v1/inventory/vans/${tech.user.id}`, { token: other.token }), 404, "not_found");
    const stock = await call(`/v1/inventory/items/${router.id}/stock`, { token: manager.token });
    expect(stock.json.locations.map((l: { location: string; quantity: number }) => [l.location, l.quantity])).toEqual([
      ["quarantine", 1],
      ["warehouse", 3],
    ]);
    const ledger = await call(`/v1/inventory/movements?item_id=${router.id}&kind=return`, { token: manager.token });
    expect(ledger.json.data.map((m: { to: string }) => m.to).sort()).toEqual([
      "quarantine",
      "warehouse",
      "written_off",
    ]);
    await ledgerAgrees(router.id);
  });
});

describe("RPT-4 inventory report", () => {
  it("answers stock by item and location with its value, as JSON and as CSV", async () => {
    const manager = await staff("manager");
    const created = await item(manager.token, { initial_quantity: 4, unit_price: 2500, name: '=HYPERLINK("x")' });
    const report = await call("/v1/inventory/report", { token: manager.token });
    expect(report.status).toBe(200);
    const row = report.json.items.find((i: { item_id: string }) => i.item_id === created.id);
    expect(row).toMatchObject({
      warehouse_quantity: 4,
      total_quantity: 4,
      stock_value: 10_000,
      locations: [{ location: "warehouse", quantity: 4 }],
      movements: { receive: 4 },
    });
    const csv = await call("/v1/inventory/report?format=csv", { token: manager.token });
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const line = csv.text.split("\r\n").find((l) => l.startsWith(created.sku));
    expect(line).toBe(`${created.sku},"'=HYPERLINK(""x"")",cable,warehouse,4,2500,BWP,10000,0,false`);
  });
});

describe("INV-3 parts fitted during work", () => {
  it("draws parts from the technician's van when it holds them, else from the warehouse, with the work log", async () => {
    const manager = await staff("manager");
    const { tech, ticket, dispatcher } = await assignedTicket();
    await call(`/v1/tickets/${ticket.id}/start`, { token: tech.token, body: {} });
    const cable = await item(manager.token, { initial_quantity: 10 });
    const connector = await item(manager.token, { initial_quantity: 10, category: "connector", min_level: 8 });
    await call("/v1/inventory/transfers", {
      token: manager.token,
      body: { item_id: cable.id, from: "warehouse", to: `van:${tech.user.id}`, quantity: 3 },
    });
    const logged = await call(`/v1/tickets/${ticket.id}/work-logs`, {
      token: tech.token,
      body: {
        work_detail: "Re-spliced the drop",
        parts: [
          { code: cable.sku, quantity: 2, unit_price: 1250 },
          { code: connector.sku, quantity: 4, unit_price: 1250 },
        ],
        amount_charged: 0,
      },
    });
    expect(logged.status, logged.text).toBe(201);
    const consumed = await call(`/v1/inventory/movements?ticket_id=${ticket.id}&kind=consume`, {
      token: manager.token,
    });
    const from = Object.fromEntries(
      consumed.json.data.map((m: { item_id: string; from: string; quantity: number }) => [
        m.item_id,
        [m.from, m.quantity],
      ]),
    );
    expect(from).toEqual({ [cable.id]: [`van:${tech.user.id}`, 2], [connector.id]: ["warehouse", 4] });
    expect(consumed.json.data[0].to).toMatch(/^customer:|^written_off$/);
    await ledgerAgrees(cable.id);
    await ledgerAgrees(connector.id);
    // The fitting took the warehouse from 10 to 6, below the minimum of 8: the same batch wrote the event.
    const low = await env.DB.prepare(
      "SELECT json_extract(data, '$.quantity') AS quantity FROM domain_events WHERE subject_id = ?1 AND type = 'inventory.low_stock'",
    )
      .bind(connector.id)
      .all();
    expect(low.results).toEqual([{ quantity: 6 }]);
    void dispatcher;
  });

  it("writes nothing when a SKU is unknown or the stock is short", async () => {
    const manager = await staff("manager");
    const { tech, ticket } = await assignedTicket();
    await call(`/v1/tickets/${ticket.id}/start`, { token: tech.token, body: {} });
    const scarce = await item(manager.token, { initial_quantity: 1 });
    const count = async () =>
      await env.DB.prepare(
        "SELECT (SELECT count(*) FROM work_logs WHERE ticket_id = ?1) AS logs, (SELECT count(*) FROM stock_movements WHERE ticket_id = ?1) AS moves",
      )
        .bind(ticket.id)
        .first();
    const before = await count();
    const unknown = await call(`/v1/tickets/${ticket.id}/work-logs`, {
      token: tech.token,
      body: { work_detail: "x", parts: [{ code: "NO-SUCH-SKU", quantity: 1, unit_price: 1 }], amount_charged: 0 },
    });
    expectProblem(unknown, 400, "validation_failed");
    expect(unknown.json.errors).toEqual([expect.objectContaining({ path: "parts.0.code" })]);
    const short = await call(`/v1/tickets/${ticket.id}/work-logs`, {
      token: tech.token,
      body: {
        work_detail: "x",
        parts: [
          { source: "unstocked", name: "Cable ties", quantity: 4, unit_price: 50 },
          { code: scarce.sku, quantity: 2, unit_price: 1 },
        ],
        amount_charged: 0,
      },
    });
    expectProblem(short, 409, "insufficient_stock");
    // Which part, how many, and what the van and the warehouse hold.
    expect(short.json.detail).toContain(`Not enough ${scarce.sku}`);
    expect(short.json.detail).toContain("2 needed, 0 in the van, 1 in the warehouse");
    expect(short.json.errors).toEqual([expect.objectContaining({ path: "parts.1.quantity" })]);
    expect(await count()).toEqual(before);
    expect((await call(`/v1/inventory/items/${scarce.id}`, { token: manager.token })).json.stock_quantity).toBe(1);
  });

  it("records parts that are not stocked, or that the customer supplied, without moving stock", async () => {
    const manager = await staff("manager");
    const { tech, ticket } = await assignedTicket();
    await call(`/v1/tickets/${ticket.id}/start`, { token: tech.token, body: {} });
    const scarce = await item(manager.token, { initial_quantity: 1 });
    const logged = await call(`/v1/tickets/${ticket.id}/work-logs`, {
      token: tech.token,
      body: {
        work_detail: "Fitted a pump bought at the hardware store; the customer had the filter",
        parts: [
          { source: "unstocked", code: "HW-PUMP-12", name: "12 V pump", quantity: 1, unit_price: 38_000 },
          { source: "customer_supplied", code: scarce.sku, name: "Filter", quantity: 3, unit_price: 0 },
        ],
        amount_charged: 38_000,
      },
    });
    expect(logged.status, logged.text).toBe(201);
    expect(logged.json.parts.map((p: { source: string }) => p.source)).toEqual(["unstocked", "customer_supplied"]);
    expect(logged.json.parts_cost).toBe(38_000);
    const moves = await env.DB.prepare("SELECT count(*) AS n FROM stock_movements WHERE ticket_id = ?")
      .bind(ticket.id)
      .first<{ n: number }>();
    expect(moves?.n).toBe(0);
    expect((await call(`/v1/inventory/items/${scarce.id}`, { token: manager.token })).json.stock_quantity).toBe(1);
    // A part not stocked needs a name; a stocked one needs its SKU.
    const nameless = await call(`/v1/tickets/${ticket.id}/work-logs`, {
      token: tech.token,
      body: { work_detail: "x", parts: [{ source: "unstocked", quantity: 1, unit_price: 1 }], amount_charged: 0 },
    });
    expectProblem(nameless, 400, "validation_failed");
    expect(nameless.json.errors).toEqual([
      { path: "parts.0.name", message: "name is required for a part that is not stocked", in: "body" },
    ]);
    const skuless = await call(`/v1/tickets/${ticket.id}/work-logs`, {
      token: tech.token,
      body: { work_detail: "x", parts: [{ name: "Something", quantity: 1, unit_price: 1 }], amount_charged: 0 },
    });
    expect(skuless.json.errors).toEqual([
      { path: "parts.0.code", message: "code (the SKU) is required for a stocked part", in: "body" },
    ]);
  });
});
