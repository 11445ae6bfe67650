import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call } from "../../../test/helpers";
import { assignedTicket, customerAccount, raiseTicket, staff } from "../../../test/work-factories";
import { systemContext } from "../../lib/context";
import { permissionsOf } from "../../contracts/permissions";
import { buildTicketListQuery } from "./tickets.list";

const found = async (token: string, q: string) => {
  const res = await call(`/v1/tickets?q=${encodeURIComponent(q)}&limit=100`, { token });
  expect(res.status, res.text).toBe(200);
  return res.json.data.map((t: any) => t.id) as string[];
};

describe("free-text search on tickets", () => {
  it("finds every word in number, title, description and address, the last as a prefix, accents ignored", async () => {
    const dispatcher = await staff("dispatcher");
    const cable = await raiseTicket(dispatcher.token, {
      title: "Fibre cable cut on Main Road",
      description: "Contractor dug through the duct",
    });
    const router = await raiseTicket(dispatcher.token, {
      title: "Router keeps rebooting",
      description: "Customer at the Café Lumière",
    });
    expect(await found(dispatcher.token, "fibre")).toEqual([cable.id]);
    expect(await found(dispatcher.token, "FIBRE cab")).toEqual([cable.id]);
    expect(await found(dispatcher.token, "cafe lumiere")).toEqual([router.id]);
    expect(await found(dispatcher.token, "duct contractor")).toEqual([cable.id]);
    expect(await found(dispatcher.token, cable.number.split("-")[1])).toEqual([cable.id]);
    expect(await found(dispatcher.token, "fibre router")).toEqual([]);
    // The user's text is never FTS5 syntax.
    expect(await found(dispatcher.token, '"fibre OR router* NEAR(')).toEqual([]);
    expect(await found(dispatcher.token, "%%% ---")).toEqual([]);
    // Edits reach the index.
    await call(`/v1/tickets/${router.id}`, {
      method: "PATCH",
      token: dispatcher.token,
      body: { title: "Modem overheating" },
    });
    expect(await found(dispatcher.token, "rebooting")).toEqual([]);
    expect(await found(dispatcher.token, "modem")).toEqual([router.id]);
  });

  it("searches only the tickets the caller may see, and combines with the other filters", async () => {
    const a = await customerAccount();
    const b = await customerAccount();
    const mine = await raiseTicket(a.token, { title: "Flickering lights in the kitchen", priority: "low" });
    const theirs = await raiseTicket(b.token, { title: "Flickering lights in the garage", priority: "high" });
    expect(await found(a.token, "flickering")).toEqual([mine.id]);
    const dispatcher = await staff("dispatcher");
    expect((await found(dispatcher.token, "flickering")).sort()).toEqual([mine.id, theirs.id].sort());
    const high = await call("/v1/tickets?q=flickering&priority=high", { token: dispatcher.token });
    expect(high.json.data.map((t: any) => t.id)).toEqual([theirs.id]);
    expect((await call(`/v1/tickets?q=${"x".repeat(101)}`, { token: dispatcher.token })).status).toBe(400);
  });

  it("is answered from the full-text index", async () => {
    const ctx = {
      ...systemContext(env, "test"),
      actor: {
        kind: "user" as const,
        userId: "usr_x",
        sessionId: "s",
        role: "admin",
        permissions: permissionsOf("admin", null),
        via: "bearer" as const,
        tokenExpiresAt: 0,
      },
    };
    const { statement } = await buildTicketListQuery(ctx, { q: "fibre cable", limit: 20, order: "-created_at" });
    const q = statement.toSQL();
    const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${q.sql}`)
      .bind(...q.params)
      .all<{ detail: string }>();
    expect(plan.results.map((r) => r.detail).join("\n")).toMatch(/tickets_fts VIRTUAL TABLE/);
  });
});

describe("external references", () => {
  it("a ticket keeps the source system's case number: unique, and found by it", async () => {
    const dispatcher = await staff("dispatcher");
    const ref = `INC-${crypto.randomUUID().slice(0, 8)}`;
    const t = await raiseTicket(dispatcher.token, { external_ref: ref });
    expect(t.external_ref).toBe(ref);
    const again = await call("/v1/tickets", {
      token: dispatcher.token,
      body: { kind: "repair", priority: "high", title: "Same case", external_ref: ref },
    });
    expect(again.status).toBe(409);
    expect(again.json.errors).toEqual([{ path: "external_ref", message: "Already in use" }]);
    const found = await call(`/v1/tickets?external_ref=${ref}`, { token: dispatcher.token });
    expect(found.json.data.map((x: { id: string }) => x.id)).toEqual([t.id]);
    expect(found.json.data[0].customer).toBeNull();
  });

  it("list items carry the customer in brief and each technician's phone", async () => {
    const { ticket, tech, cust } = await assignedTicket();
    const page = await call(`/v1/tickets?number=${ticket.number}`, { token: cust.token });
    expect(page.json.data[0].customer).toMatchObject({ id: cust.customerId, full_name: expect.any(String) });
    expect(page.json.data[0].assignees[0]).toMatchObject({ technician_id: tech.user.id, phone: tech.user.phone });
  });
});
