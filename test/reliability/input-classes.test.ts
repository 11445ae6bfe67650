/// <reference types="vite/client" />
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { outboundTargetProblem } from "../../src/lib/outbound-targets";
import { SEARCH_MAX_LENGTH } from "../../src/lib/search";
import { call, createUser, expectProblem, signedIn } from "../helpers";
import { makeAsset, makeCustomer, staff } from "../work-factories";

/**
 * Classes of defect the outside test found, each held by a test that follows the OpenAPI
 * document (so a route added later is covered without a line here) or the source tree.
 */
type Json = any;
const doc: Json = createApp().getOpenAPI31Document({ openapi: "3.1.0", info: { title: "classes", version: "1" } });
const ops: { method: string; path: string; id: string; op: Json }[] = [];
for (const [path, item] of Object.entries<Json>(doc.paths))
  for (const [method, op] of Object.entries<Json>(item))
    ops.push({ method: method.toUpperCase(), path, id: op.operationId, op });
const queryParams = (op: Json) => ((op.parameters ?? []) as Json[]).filter((p) => p.in === "query");

/** Every source file, read through Vite's glob import (workerd has no file system). */
const sources = import.meta.glob("../../src/**/*.ts", { query: "?raw", import: "default", eager: true }) as Record<
  string,
  string
>;
const productionSources = Object.entries(sources).filter(([file]) => !file.endsWith(".test.ts"));

describe("text search: one helper, a limit the document states, every character literal", () => {
  const searchable = ops.filter((o) => o.method === "GET" && queryParams(o.op).some((p: Json) => p.name === "q"));
  let admin = "";
  let customerId = "";
  beforeAll(async () => {
    admin = (await signedIn("admin")).token;
    // Rows in every searched table: a search over an empty table never evaluates its pattern.
    customerId = await makeCustomer();
    await makeAsset(customerId);
    expect(
      (await call("/v1/companies", { token: admin, body: { name: `Searchable ${crypto.randomUUID().slice(0, 6)}` } }))
        .status,
    ).toBe(201);
  });

  /** Lists under a parent (a customer's tickets) need a real parent. */
  const real = (path: string) => path.replace("/customers/{id}/", `/customers/${customerId}/`);

  it("is offered on the lists that search", () => {
    expect(searchable.map((o) => o.id).sort()).toEqual(
      expect.arrayContaining(["listAssets", "listCompanies", "listCustomers", "listTickets", "listUsers"]),
    );
  });

  for (const { path, id, op } of searchable) {
    it(`${id}: q up to ${SEARCH_MAX_LENGTH} characters answers 200, longer is 400, % and _ match only themselves`, async () => {
      const q = queryParams(op).find((p: Json) => p.name === "q");
      expect(q.schema.maxLength).toBe(SEARCH_MAX_LENGTH);
      for (const text of ["x".repeat(49), "é".repeat(SEARCH_MAX_LENGTH), "%", "_", "\\\\", "%_%"]) {
        const res = await call(`${real(path)}?q=${encodeURIComponent(text)}`, { token: admin });
        expect(res.status, `${text.slice(0, 10)}… ${res.text.slice(0, 200)}`).toBe(200);
        // Nothing stored here contains these characters, so a literal match finds nothing (the ticket report lists `rows`).
        if (/^[%_\\]+$/.test(text)) expect(res.json.data ?? res.json.rows).toEqual([]);
      }
      expectProblem(
        await call(`${real(path)}?q=${"x".repeat(SEARCH_MAX_LENGTH + 1)}`, { token: admin }),
        400,
        "validation_failed",
      );
    });
  }

  it("finds a name containing % literally", async () => {
    const user = await createUser({ role: "technician" });
    await env.DB.prepare("UPDATE users SET first_name = '100% Fibre_Team' WHERE id = ?1").bind(user.id).run();
    const res = await call(`/v1/users?q=${encodeURIComponent("100% fibre_t")}`, { token: admin });
    expect(res.json.data.map((u: { id: string }) => u.id)).toEqual([user.id]);
  });

  it("no production code writes LIKE outside the search helper", () => {
    const offenders = productionSources.filter(
      ([file, text]) =>
        !file.endsWith("lib/search.ts") && /\bLIKE\b/.test(text.replace(/\/\/.*|\/\*[\s\S]*?\*\//g, "")),
    );
    expect(offenders.map(([file]) => file)).toEqual([]);
  });
});

describe("bound parameters: every IN list goes through one helper", () => {
  it("no production code calls drizzle's inArray/notInArray directly", () => {
    const offenders = productionSources.filter(
      ([file, text]) => !file.endsWith("lib/d1.ts") && /\b(notInArray|inArray)\b/.test(text),
    );
    expect(offenders.map(([file]) => file)).toEqual([]);
  });

  it("marks 200 present and 200 absent in one request (400 ids, over D1's 100-parameter limit)", async () => {
    const manager = await staff("manager");
    const ids = Array.from({ length: 400 }, (_, i) => `usr_bulk${i}${crypto.randomUUID().slice(0, 8)}`);
    const now = new Date().toISOString();
    await env.DB.batch(
      ids.map((id) =>
        env.DB.prepare(
          "INSERT INTO users (id, username, email, password_hash, role, status, created_at, updated_at) VALUES (?1, ?1, ?1 || '@example.test', 'x', 'technician', 'active', ?2, ?2)",
        ).bind(id, now),
      ),
    );
    const res = await call("/v1/attendance/bulk", {
      token: manager.token,
      body: { date: "2026-12-01", present: ids.slice(0, 200), absent: ids.slice(200), reason: "Strike" },
    });
    expect(res.status, res.text.slice(0, 300)).toBe(200);
    const counts = await env.DB.prepare(
      "SELECT status, count(*) AS n FROM attendance WHERE date = '2026-12-01' GROUP BY status ORDER BY status",
    ).all<{ status: string; n: number }>();
    expect(counts.results).toEqual([
      { status: "absent", n: 200 },
      { status: "present", n: 200 },
    ]);
  });

  it("400 unknown ids are a 400 naming them, not a crash", async () => {
    const manager = await staff("manager");
    const ids = Array.from({ length: 200 }, (_, i) => `usr_unknown${i}`);
    const res = await call("/v1/attendance/bulk", {
      token: manager.token,
      body: { date: "2026-12-02", present: ids, absent: ids.map((id) => `${id}b`) },
    });
    expectProblem(res, 400, "validation_failed");
    expect(res.json.errors).toHaveLength(400);
  });
});

describe("query parameters: an unknown one is a 400, like an unknown body field", () => {
  let admin = "";
  beforeAll(async () => {
    admin = (await signedIn("admin")).token;
  });
  for (const { method, path, id, op } of ops.filter(
    (o) => o.method === "GET" && queryParams(o.op).length && o.id !== "connectEvents",
  )) {
    it(`${id}`, async () => {
      const required = queryParams(op).filter((p: Json) => p.required);
      const filled = required.map((p: Json) => `${p.name}=${p.name.includes("date") ? "2026-12-01" : "x"}`);
      const url = `${path.replace(/\{[^}]+\}/g, "x0000000000000000000")}?${[...filled, "__unknown_filter=1"].join("&")}`;
      const res = await call(url, { method, token: admin });
      expect(res.status, res.text.slice(0, 200)).toBe(400);
      expect(JSON.stringify(res.json.errors ?? [])).toContain("__unknown_filter");
    });
  }

  it("?q= and ?search= on tickets are refused, not silently ignored", async () => {
    for (const param of ["search=router"])
      expectProblem(await call(`/v1/tickets?${param}`, { token: admin }), 400, "validation_failed");
  });
});

describe("text in JSON bodies: UTF-8, whole code points, no NUL — refused alike on every route", () => {
  const companies = () => env.DB.prepare("SELECT count(*) AS n FROM companies").first<{ n: number }>();
  const raw = async (token: string, bytes: Uint8Array) => {
    const { SELF } = await import("cloudflare:test");
    const res = await SELF.fetch("https://api.truckroll.test/v1/companies", {
      method: "POST",
      body: bytes,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "cf-connecting-ip": "10.9.9.9" },
    });
    return { status: res.status, json: (await res.json()) as { code: string } };
  };
  const utf8 = (s: string) => new TextEncoder().encode(s);
  const join = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

  it("refuses bytes that are not UTF-8 (\\xff\\xfe, an overlong /, a lone surrogate's bytes) with 400 and stores nothing", async () => {
    const admin = (await signedIn("admin")).token;
    const before = await companies();
    for (const bad of [
      [0xff, 0xfe],
      [0xc0, 0xaf],
      [0xed, 0xa0, 0x80],
    ]) {
      const res = await raw(admin, join(utf8('{"name":"Bad '), Uint8Array.from(bad), utf8('"}')));
      expect(res.status).toBe(400);
      expect(res.json.code).toBe("invalid_encoding");
    }
    expect(await companies()).toEqual(before);
  });

  it("refuses a lone surrogate escape and a NUL in any text field, nested ones too", async () => {
    const admin = (await signedIn("admin")).token;
    const before = await companies();
    expectProblem(
      await call("/v1/companies", { token: admin, body: '{"name":"Half \\ud800 pair"}' }),
      400,
      "invalid_encoding",
    );
    const nul = await call("/v1/companies", { token: admin, body: '{"name":"Nul\\u0000Co"}' });
    expectProblem(nul, 400, "validation_failed");
    expect(nul.json.errors[0].path).toBe("name");
    expect(await companies()).toEqual(before);
    // A proper pair and ordinary Unicode pass.
    expect(
      (
        await call("/v1/companies", {
          token: admin,
          body: { name: `Fibre 👩🏽‍🔧 Ωmega ${crypto.randomUUID().slice(0, 6)}` },
        })
      ).status,
    ).toBe(201);
  });
});

describe("retries: every POST that creates or acts takes an Idempotency-Key", () => {
  /**
   * The exceptions, each for a reason: credential exchanges and session operations (a stored answer
   * would hold a token, and a retry simply signs in again), reads sent as POST (nothing to repeat),
   * and the phone's action batches (each action carries its own id, replayed per action).
   */
  const EXEMPT = new Set([
    "createEventsTicket",
    "clientCredentialsToken",
    "lookupUsers",
    "syncMobile",
    "applyMobileActions",
  ]);
  const exempt = (o: { path: string; id: string }) => EXEMPT.has(o.id) || o.path.startsWith("/v1/auth/");
  for (const { method, path, id, op } of ops.filter((o) => o.method === "POST" && !exempt(o))) {
    it(`${method} ${path} (${id}) declares the idempotency-key header`, () => {
      expect(((op.parameters ?? []) as Json[]).some((p) => p.in === "header" && p.name === "idempotency-key")).toBe(
        true,
      );
    });
  }

  it("a retried comment is stored once", async () => {
    const { assignedTicket } = await import("../work-factories");
    const { cust, ticket } = await assignedTicket();
    const send = () =>
      call(`/v1/tickets/${ticket.id}/comments`, {
        token: cust.token,
        body: { body: "Is anyone coming?" },
        headers: { "idempotency-key": "comment-retry-0001", "content-type": "application/json" },
      });
    const [first, second] = [await send(), await send()];
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(second.json.id).toBe(first.json.id);
    const n = await env.DB.prepare("SELECT count(*) AS n FROM ticket_comments WHERE ticket_id = ?1")
      .bind(ticket.id)
      .first<{ n: number }>();
    expect(n!.n).toBe(1);
  });

  it("after a crash: a reservation that wrote nothing is taken over after its lease; one whose write committed is never run again", async () => {
    const { assignedTicket } = await import("../work-factories");
    const { cust, ticket } = await assignedTicket();
    const path = `/v1/tickets/${ticket.id}/comments`;
    const body = { body: "Crash-safe comment", visibility: "public" };
    const send = (key: string) => call(path, { token: cust.token, body, headers: { "idempotency-key": key } });
    const keyOf = (k: string) => `${cust.user.id}:POST:${path}:${k}`;
    const comments = async () =>
      (await env.DB.prepare("SELECT count(*) AS n FROM ticket_comments WHERE ticket_id = ?1 AND body = ?2")
        .bind(ticket.id, body.body)
        .first<{ n: number }>())!.n;
    const reserve = (k: string, createdAt: number, committedAt: number | null) =>
      env.DB.prepare(
        "INSERT INTO idempotency_keys (key, request_hash, created_at, committed_at) SELECT ?1, request_hash, ?2, ?3 FROM idempotency_keys WHERE key = ?4",
      )
        .bind(keyOf(k), createdAt, committedAt, keyOf("crash-original-1"))
        .run();

    // A normal request: its write stamped the key in the same batch, then the answer was stored.
    expect((await send("crash-original-1")).status).toBe(201);
    const first = await env.DB.prepare("SELECT status, committed_at FROM idempotency_keys WHERE key = ?1")
      .bind(keyOf("crash-original-1"))
      .first<{ status: number; committed_at: number | null }>();
    expect(first).toMatchObject({ status: 201, committed_at: expect.any(Number) });
    expect(await comments()).toBe(1);

    // Died before writing, moments ago: still in progress, with a Retry-After.
    await reserve("crash-before-2", Date.now(), null);
    const busy = await send("crash-before-2");
    expectProblem(busy, 409, "conflict");
    expect(Number(busy.headers.get("retry-after"))).toBeGreaterThan(0);
    // …and after the lease: nothing was written, so the retry takes the key over and runs.
    await reserve("crash-before-3", Date.now() - 60_000, null);
    expect((await send("crash-before-3")).status).toBe(201);
    expect(await comments()).toBe(2);

    // Died after its write committed, before answering: never run again, and the client is told it took effect.
    await reserve("crash-after-4", Date.now() - 60_000, Date.now() - 59_000);
    expectProblem(await send("crash-after-4"), 409, "request_applied");
    expect(await comments()).toBe(2);
  });

  it("compares the body as a JSON document: another key order or spacing is the same request, another value is not", async () => {
    const { assignedTicket } = await import("../work-factories");
    const { cust, ticket } = await assignedTicket();
    const send = (body: string) =>
      call(`/v1/tickets/${ticket.id}/comments`, {
        token: cust.token,
        body,
        headers: { "idempotency-key": "comment-order-0001", "content-type": "application/json" },
      });
    const first = await send('{"body":"Gate code 1234","visibility":"public"}');
    expect(first.status, first.text).toBe(201);
    const reordered = await send('{ "visibility": "public",\n  "body": "Gate code 1234" }');
    expect(reordered.status, reordered.text).toBe(201);
    expect(reordered.headers.get("idempotent-replayed")).toBe("true");
    expect(reordered.json.id).toBe(first.json.id);
    expectProblem(await send('{"visibility":"public","body":"Gate code 9999"}'), 422, "idempotency_key_reused");
  });
});

describe("webhook targets", () => {
  const refusedEverywhere = [
    "https://127.0.0.1/hook",
    "https://localhost/hook",
    "https://[::1]/hook",
    "https://2130706433/hook",
    "https://0x7f000001/hook",
    "https://0177.0.0.1/hook",
    "https://user:pass@hooks.example.com/x",
    "https://hooks.example.com:pass@evil.example/x",
    "https://10.0.0.8/x",
    "https://172.16.4.1/x",
    "https://192.168.1.1/x",
    "https://169.254.169.254/latest/meta-data",
    "https://100.64.0.1/x",
    "https://0.0.0.0/x",
    "https://[fe80::1]/x",
    "https://[fd00::1]/x",
    "https://[::ffff:127.0.0.1]/x",
    "https://printer.local/x",
    "https://metadata.internal/x",
    "https://intranet/x",
    "http://hooks.example.com/x",
    "ftp://hooks.example.com/x",
  ];

  it("refuses loopback, private, link-local, numeric-encoded hosts and credentials in every environment", () => {
    for (const url of refusedEverywhere) {
      expect(outboundTargetProblem(url, { allowLocalDevelopment: false }), url).not.toBeNull();
      expect(outboundTargetProblem(url, { allowLocalDevelopment: true }), url).not.toBeNull();
    }
  });

  it("allows public https hosts, and http://localhost or http://127.0.0.1 only in local development", () => {
    for (const url of ["https://hooks.example.com/truckroll", "https://203.0.114.9/x", "https://[2606:4700::1111]/x"])
      expect(outboundTargetProblem(url, { allowLocalDevelopment: false }), url).toBeNull();
    for (const url of ["http://localhost:9000/hook", "http://127.0.0.1:8080/x"]) {
      expect(outboundTargetProblem(url, { allowLocalDevelopment: true }), url).toBeNull();
      expect(outboundTargetProblem(url, { allowLocalDevelopment: false }), url).not.toBeNull();
    }
  });

  it("answers 400 on create and update, and stores nothing", async () => {
    const admin = await signedIn("admin");
    const before = await env.DB.prepare("SELECT count(*) AS n FROM webhooks").first<{ n: number }>();
    for (const url of [
      "https://127.0.0.1/hook",
      "https://2130706433/hook",
      "https://user:pass@hooks.example.com/x",
      "https://[::1]/x",
    ]) {
      const res = await call("/v1/webhooks", { token: admin.token, body: { url, events: ["ticket.created"] } });
      expectProblem(res, 400, "validation_failed");
      expect(res.json.errors[0].path).toBe("url");
      expect(res.text).not.toContain("pass@");
    }
    expect(await env.DB.prepare("SELECT count(*) AS n FROM webhooks").first<{ n: number }>()).toEqual(before);
    const ok = await call("/v1/webhooks", {
      token: admin.token,
      body: { url: "https://hooks.example.com/a", events: ["ticket.created"] },
    });
    expect(ok.status).toBe(201);
    expectProblem(
      await call(`/v1/webhooks/${ok.json.id}`, {
        method: "PATCH",
        token: admin.token,
        body: { url: "https://192.168.0.10/x" },
      }),
      400,
      "validation_failed",
    );
    expect((await call(`/v1/webhooks/${ok.json.id}`, { token: admin.token })).json.url).toBe(
      "https://hooks.example.com/a",
    );
    // Gone again, so no later event in this file tries to reach it.
    expect((await call(`/v1/webhooks/${ok.json.id}`, { method: "DELETE", token: admin.token })).status).toBe(204);
  });
});
