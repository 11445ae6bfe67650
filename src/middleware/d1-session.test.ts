import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { settingsFrom, type Env } from "../lib/env";
import { call, expectProblem, signedIn } from "../../test/helpers";
import { BOOKMARK_HEADER } from "./d1-session";

describe("a D1 session per request", () => {
  it("answers every API call with the session's bookmark", async () => {
    const { token } = await signedIn("technician");
    const read = await call("/v1/me", { token });
    expect(read.status).toBe(200);
    expect(read.headers.get(BOOKMARK_HEADER)).toMatch(/\S+/);
  });

  it("hands back the client's bookmark on an answer that read nothing (the API root, a refusal before any query)", async () => {
    const { token } = await signedIn("technician");
    const bookmark = (await call("/v1/me", { token })).headers.get(BOOKMARK_HEADER)!;
    for (const path of ["/v1", "/v1/labels"])
      expect((await call(path, { headers: { [BOOKMARK_HEADER]: bookmark } })).headers.get(BOOKMARK_HEADER), path).toBe(
        bookmark,
      );
    const refused = await call("/v1/tickets", { token: "not-a-token", headers: { [BOOKMARK_HEADER]: bookmark } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get(BOOKMARK_HEADER)).toBe(bookmark);
  });

  it("reads its own write when the client sends the write's bookmark back", async () => {
    const { token } = await signedIn("technician");
    const write = await call("/v1/me", { method: "PATCH", token, body: { first_name: "Bookmarked" } });
    expect(write.status).toBe(200);
    const bookmark = write.headers.get(BOOKMARK_HEADER)!;
    expect(bookmark).toBeTruthy();
    const read = await call("/v1/me", { token, headers: { [BOOKMARK_HEADER]: bookmark } });
    expect(read.status).toBe(200);
    expect(read.json.first_name).toBe("Bookmarked");
    // Bookmarks only move forward within a client's sequence of calls.
    expect(read.headers.get(BOOKMARK_HEADER)! >= bookmark).toBe(true);
  });

  it("refuses a malformed bookmark with a 400 and changes nothing", async () => {
    const { token } = await signedIn("technician");
    expectProblem(
      await call("/v1/me", {
        method: "PATCH",
        token,
        body: { first_name: "Nope" },
        headers: { [BOOKMARK_HEADER]: "not a bookmark!" },
      }),
      400,
      "validation_failed",
    );
    expect((await call("/v1/me", { token })).json.first_name).not.toBe("Nope");
  });
});

describe("counting D1 round trips", () => {
  it("happens outside production unless switched off, and never in production", () => {
    const base = { ...env, ENVIRONMENT: "development" } as Env;
    expect(settingsFrom(base).countD1RoundTrips).toBe(true);
    expect(settingsFrom({ ...base, D1_ROUND_TRIPS: "off" }).countD1RoundTrips).toBe(false);
    expect(
      settingsFrom({
        ...base,
        ENVIRONMENT: "production",
        JWT_PRIVATE_KEYS: env.JWT_PRIVATE_KEYS,
        HMAC_SECRET: env.HMAC_SECRET,
      }).countD1RoundTrips,
    ).toBe(false);
  });
});
