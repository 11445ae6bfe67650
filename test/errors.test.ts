import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { listOutbox } from "../src/modules/platform/platform.service";
import { settingsFrom, type Env } from "../src/lib/env";
import { createDb } from "../src/db/client";
import { call } from "./helpers";

describe("PLT-2 errors", () => {
  it("answers an unexpected failure with a bare 500 problem that shows no internals", async () => {
    const app = createApp();
    app.get("/v1/boom", () => {
      throw new Error("SQLITE_ERROR: no such column users.secret_field at /src/modules/x.ts:12");
    });
    const res = await app.request("/v1/boom", {}, env);
    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 500, code: "internal_error", detail: "Internal error." });
    expect(JSON.stringify(body)).not.toMatch(/SQLITE|secret_field|\.ts/);
    expect(body.request_id).toBe(res.headers.get("x-request-id"));
  });

  it("never opens the development outbox in production", async () => {
    const production = { ...env, ENVIRONMENT: "production" } as Env;
    const ctx = {
      db: createDb(env.DB),
      env: production,
      settings: settingsFrom(production),
      requestId: "r",
      clientIp: "127.0.0.1",
      waitUntil: () => {},
      actor: {
        kind: "user" as const,
        userId: "usr_x",
        sessionId: "ses_x",
        role: "admin",
        permissions: new Set<never>(),
        via: "bearer" as const,
        tokenExpiresAt: 0,
      },
    };
    await expect(listOutbox(ctx, { limit: 10 })).rejects.toMatchObject({ code: "not_found", status: 404 });
  });
});

describe("validation messages in plain words", () => {
  it("names the field: required, type, length, choices, format, unknown field — in body and query alike", async () => {
    const { signedIn } = await import("./helpers");
    const admin = await signedIn("admin");
    const missing = await call("/v1/customers", { token: admin.token, body: { phone: 12 } });
    expect(missing.status).toBe(400);
    const byPath = Object.fromEntries(
      (missing.json.errors as { path: string; message: string }[]).map((e) => [e.path, e.message]),
    );
    expect(byPath.full_name).toBe("full_name is required");
    expect(byPath.phone).toBe("phone must be text");
    const unknown = await call("/v1/customers", { token: admin.token, body: { full_name: "Neo", colour: "blue" } });
    expect(unknown.json.errors).toContainEqual({
      path: "colour",
      message: "colour is not a field this request takes",
      in: "body",
    });
    const query = await call("/v1/tickets?limit=0&status=lost&colour=blue", { token: admin.token });
    expect(query.status).toBe(400);
    const q = Object.fromEntries(
      (query.json.errors as { path: string; message: string }[]).map((e) => [e.path, e.message]),
    );
    // The same path form as the body's; `in` says where the value came from.
    expect(q.limit).toBe("limit must be at least 1");
    expect(q.colour).toBe("colour is not a field this request takes");
    expect(q.status).toContain("Unknown status: lost");
    expect(new Set((query.json.errors as { in: string }[]).map((e) => e.in))).toEqual(new Set(["query"]));
    const header = await call("/v1/customers", {
      token: admin.token,
      body: { full_name: "Neo", phone: "+26771234567" },
      headers: { "idempotency-key": "x".repeat(300) },
    });
    expect(header.status, header.text).toBe(400);
    expect(header.json.errors[0]).toMatchObject({ path: "idempotency-key", in: "header" });
    for (const e of [...missing.json.errors, ...query.json.errors] as { message: string }[])
      expect(e.message).not.toMatch(/^(Invalid input|Too small|Too big|Invalid option|Unrecognized key)/);
  });
});

describe("throttled routes say their limits (RateLimit-Policy, RateLimit)", () => {
  it("each answer names every rule's quota and window, and what is left of the closest one", async () => {
    const ip = `10.99.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
    const who = `nobody-${crypto.randomUUID().slice(0, 8)}`;
    const first = await call("/v1/auth/password/forgot", { body: { identifier: who }, ip });
    expect(first.status, first.text).toBe(202);
    const policy = first.headers.get("ratelimit-policy") ?? "";
    expect(policy).toMatch(/"forgot_account";q=\d+;w=3600/);
    expect(policy).toMatch(/"forgot_ip";q=\d+;w=3600/);
    const quota = Number(/"forgot_account";q=(\d+)/.exec(policy)![1]);
    expect(first.headers.get("ratelimit")).toMatch(new RegExp(`^"forgot_account";r=${quota - 1};t=\\d+$`));
    const second = await call("/v1/auth/password/forgot", { body: { identifier: who }, ip });
    expect(second.headers.get("ratelimit")).toMatch(new RegExp(`^"forgot_account";r=${quota - 2};t=\\d+$`));
  });
});
