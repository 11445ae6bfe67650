import { describe, expect, it } from "vitest";
import { call, expectProblem, signedIn } from "../../../test/helpers";
import { securitySuite } from "../../../test/security-suite";
import { TICKET_KINDS, TICKET_STATUSES } from "../../db/schema";
import { BUILTIN_ROLE_KEYS } from "../../contracts/permissions";

describe("platform", () => {
  it("lists the collections at /v1", async () => {
    const res = await call("/v1");
    expect(res.status).toBe(200);
    expect(res.json.collections.users).toBe("/v1/users");
    expect(res.headers.get("x-request-id")).toBeTruthy();
  });

  it("lists a collection for every top-level path of the API, and each is a path of the document", async () => {
    const root = (await call("/v1")).json.collections as Record<string, string>;
    const paths = Object.keys((await call("/openapi.json")).json.paths as Record<string, unknown>);
    const tops = new Set(
      paths
        .filter((p) => p.startsWith("/v1/") && !p.startsWith("/v1/dev/"))
        .map((p) => p.split("/").slice(0, 3).join("/")),
    );
    const listed = Object.values(root);
    expect([...tops].filter((top) => !listed.some((c) => c === top || c.startsWith(`${top}/`)))).toEqual([]);
    expect(listed.filter((c) => !paths.includes(c) && !paths.some((p) => p.startsWith(`${c}/`)))).toEqual([]);
  });

  it("checks D1 at /v1/health", async () => {
    const res = await call("/v1/health");
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: "ok", checks: { d1: { ok: true } } });
  });

  it("names every value of the API's value sets for display, in the deployment's language or the one asked for", async () => {
    const en = await call("/v1/labels");
    expect(en.status).toBe(200);
    expect(en.json.language).toBe("en");
    expect(en.headers.get("cache-control")).toContain("max-age=3600");
    expect(Object.keys(en.json.labels.ticket_status)).toEqual([...TICKET_STATUSES]);
    expect(Object.keys(en.json.labels.ticket_kind)).toEqual([...TICKET_KINDS]);
    expect(Object.keys(en.json.labels.role).sort()).toEqual([...BUILTIN_ROLE_KEYS].sort());
    expect(en.json.labels.visit_type.carry_in).toBe("Carried in");
    const id = await call("/v1/labels?language=id");
    expect(id.json.labels.ticket_status.in_progress).toBe("Dikerjakan");
    for (const [set, names] of Object.entries<Record<string, string>>(en.json.labels)) {
      expect(Object.keys(id.json.labels[set]), set).toEqual(Object.keys(names));
      for (const name of Object.values(id.json.labels[set])) expect(name, set).toMatch(/\S/);
    }
    expectProblem(await call("/v1/labels?language=fr"), 400);
  });

  it("keeps a sane incoming request id and replaces a hostile one", async () => {
    const kept = await call("/v1", { headers: { "x-request-id": "abc12345-trace" } });
    expect(kept.headers.get("x-request-id")).toBe("abc12345-trace");
    const replaced = await call("/v1", { headers: { "x-request-id": "<script>" } });
    expect(replaced.headers.get("x-request-id")).not.toBe("<script>");
  });

  it("answers unknown routes with a 404 problem", async () => {
    expectProblem(await call("/v1/nope"), 404, "not_found");
  });

  it("answers a wrong method with 405 and Allow", async () => {
    const res = await call("/v1/health", { method: "DELETE" });
    expectProblem(res, 405, "method_not_allowed");
    expect(res.headers.get("allow")).toContain("GET");
  });
});

securitySuite("platform");

describe("development outbox", () => {
  it("is readable by admins in local development and closed to others", async () => {
    const admin = await signedIn("admin");
    const res = await call("/v1/dev/outbox", { token: admin.token });
    expect(res.status).toBe(200);
    expect(Array.isArray(res.json.data)).toBe(true);
    expectProblem(await call("/v1/dev/outbox", { token: (await signedIn("manager")).token }), 403, "forbidden");
  });
});

describe("PLT-1 API reference", () => {
  it("serves /docs with the reference script from the worker's own assets", async () => {
    const page = await call("/docs");
    expect(page.status).toBe(200);
    expect(page.text).toContain('src="/docs/scalar.js"');
    expect(page.text).toContain("/openapi.json");
    // Offline and private: no AI agent or MCP buttons, no telemetry, no font CDN; the token persists.
    const config = JSON.parse(/createApiReference\('#app', (\{[\s\S]*?\})\)\s*<\/script>/.exec(page.text)![1]);
    expect(config).toMatchObject({
      agent: { disabled: true },
      mcp: { disabled: true },
      withDefaultFonts: false,
      persistAuth: true,
      telemetry: false,
    });
    expect(page.text).not.toMatch(/fonts\.googleapis|fonts\.scalar|cdn\.jsdelivr/);
    const script = await call("/docs/scalar.js");
    expect(script.status).toBe(200);
    expect(script.text.length).toBeGreaterThan(100_000);
  });

  it("runs no script on the reference page but its own bundle and its nonce'd start-up script", async () => {
    const page = await call("/docs");
    const csp = page.headers.get("content-security-policy")!;
    const nonce = /'nonce-([A-Za-z0-9]+)'/.exec(csp)![1];
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9]+'(;|$)/);
    expect(csp).not.toMatch(/script-src[^;]*(unsafe-inline|unsafe-eval)/);
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    const scripts = page.text.match(/<script\b[^>]*>/g)!;
    expect(scripts.length).toBeGreaterThan(1);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
    // A fresh nonce on every load.
    expect((await call("/docs")).headers.get("content-security-policy")).not.toBe(csp);
  });
});

describe("the pages behind account links", () => {
  it("serves the reset, verify and undo pages: never cached, strict policy, the token only in the query", async () => {
    for (const path of ["/reset-password", "/verify-contact", "/undo-contact"]) {
      // A token no hex nonce can contain ("z" and "q" are not hex digits).
      const page = await call(`${path}?token=zqzqzq`);
      expect(page.status, path).toBe(200);
      expect(page.headers.get("content-type")).toContain("text/html");
      expect(page.headers.get("cache-control")).toBe("no-store");
      expect(page.headers.get("referrer-policy")).toBe("no-referrer");
      const csp = page.headers.get("content-security-policy")!;
      const nonce = /'nonce-([A-Za-z0-9]+)'/.exec(csp)![1];
      expect(csp).toContain("default-src 'none'");
      expect(csp).toMatch(/script-src 'nonce-[A-Za-z0-9]+';/);
      for (const tag of page.text.match(/<(script|style)\b[^>]*>/g)!) expect(tag).toContain(`nonce="${nonce}"`);
      expect(page.text).not.toContain("zqzqzq");
    }
  });

  it("the reset link in the email opens a page that exists", async () => {
    const { createUser, waitForOutbox } = await import("../../../test/helpers");
    const user = await createUser();
    await call("/v1/auth/password/forgot", { body: { identifier: user.username } });
    const body = (await waitForOutbox(user.email)).map((m) => m.body).join("\n");
    const link = /(https?:\/\/\S+\/reset-password\?token=\S+)/.exec(body)![1];
    const page = await call(new URL(link).pathname + new URL(link).search);
    expect(page.status).toBe(200);
    expect(page.text).toContain("Choose a new password");
  });
});
