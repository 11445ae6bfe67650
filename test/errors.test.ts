import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { listOutbox } from "../src/modules/platform/platform.service";
import { settingsFrom, type Env } from "../src/lib/env";
import { createDb } from "../src/db/client";

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
