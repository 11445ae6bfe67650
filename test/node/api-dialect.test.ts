import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";

function fakeEnv() {
  const jwk = { ...generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }), kid: "k" };
  return { DB: {}, ENVIRONMENT: "test", JWT_PRIVATE_KEYS: JSON.stringify([jwk]), HMAC_SECRET: "x".repeat(32) };
}

type Param = { name: string; in: string; deprecated?: boolean; description?: string };

async function queryParams() {
  const doc = (await (await createApp().request("/openapi.json", {}, fakeEnv())).json()) as {
    paths: Record<string, Record<string, { operationId: string; parameters?: Param[] }>>;
  };
  return Object.values(doc.paths).flatMap((methods) =>
    Object.values(methods).flatMap((op) =>
      (op.parameters ?? [])
        .filter((p) => p.in === "query")
        .map((p) => ({ op: op.operationId, ...p, all: op.parameters! })),
    ),
  );
}

/** Names a filter on a person or group must not have: the dialect says `<noun>_id`. */
const PEOPLE = ["technician", "supervisor", "user", "team", "customer", "assignee", "author", "manager", "dispatcher"];
/** The one sort parameter is `order`. */
const SORTS = ["ordering", "sort", "sort_by", "order_by", "sortBy"];

describe("one dialect for pages", () => {
  it("every page that has a next_cursor says has_more", async () => {
    const doc = (await (await createApp().request("/openapi.json", {}, fakeEnv())).json()) as {
      components: { schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }> };
    };
    const pages = Object.entries(doc.components.schemas).filter(([, s]) => s.properties?.next_cursor);
    expect(pages.length).toBeGreaterThan(30);
    expect(pages.filter(([, s]) => !s.required?.includes("has_more")).map(([name]) => name)).toEqual([]);
  });
});

describe("one dialect for date filters", () => {
  it("every range filter (…_from, …_to, from, to) takes a date or a date-time", async () => {
    // An instant the computation starts from, not a filter.
    const NOT_FILTERS = new Set(["getCalendarWorkingTime"]);
    const params = (await queryParams()).filter((p) => /(^|_)(from|to)$/.test(p.name) && !NOT_FILTERS.has(p.op));
    expect(params.length).toBeGreaterThan(20);
    const one = params.filter((p) => {
      const schema = JSON.stringify((p as unknown as { schema: unknown }).schema);
      return !(schema.includes("date-time") && (schema.includes('"format":"date"') || schema.includes("\\d{4}-")));
    });
    expect(one.map((p) => `${p.op}: ${p.name}`)).toEqual([]);
  });
});

describe("one dialect for query parameters", () => {
  it("filters name people and teams by `*_id` and sort with `order`; an old name is a deprecated alias naming its replacement", async () => {
    const params = await queryParams();
    const wrong = params
      .filter((p) => !p.deprecated && (PEOPLE.includes(p.name) || SORTS.includes(p.name)))
      .map((p) => `${p.op}: ${p.name}`);
    expect(wrong).toEqual([]);
    const aliases = params.filter((p) => p.deprecated);
    expect(aliases.length).toBeGreaterThan(0);
    for (const alias of aliases) {
      const replacement = /use `([a-z_]+)`/.exec(alias.description ?? "")?.[1];
      expect(replacement, `${alias.op}: ${alias.name} names its replacement`).toBeTruthy();
      expect(
        alias.all.some((p) => p.name === replacement && !p.deprecated),
        `${alias.op}: ${replacement} exists`,
      ).toBe(true);
    }
  });
});

describe("response headers a client may read are declared", () => {
  it("request id and bookmark everywhere; replay, ETag, deprecation and rate limits where they are sent", async () => {
    const doc = (await (await createApp().request("/openapi.json", {}, fakeEnv())).json()) as {
      paths: Record<
        string,
        Record<string, { operationId: string; responses: Record<string, { headers?: Record<string, unknown> }> }>
      >;
    };
    const op = (path: string, method: string) => doc.paths[path][method];
    const headersOf = (path: string, method: string, status: string) =>
      Object.keys(op(path, method).responses[status].headers ?? {});
    for (const [path, methods] of Object.entries(doc.paths))
      for (const o of path.startsWith("/v1") ? Object.values(methods) : [])
        for (const [status, r] of Object.entries(o.responses))
          expect(Object.keys(r.headers ?? {}), `${o.operationId} ${status}`).toEqual(
            expect.arrayContaining(["X-Request-Id", "X-D1-Bookmark"]),
          );
    expect(headersOf("/v1/tickets", "post", "201")).toContain("Idempotent-Replayed");
    expect(headersOf("/v1/tickets/{id}", "get", "200")).toContain("ETag");
    expect(headersOf("/v1/technicians", "get", "200")).toContain("Deprecation");
    expect(headersOf("/v1/auth/password/forgot", "post", "202")).toEqual(
      expect.arrayContaining(["RateLimit-Policy", "RateLimit"]),
    );
    expect(headersOf("/v1/auth/password/forgot", "post", "429")).toContain("Retry-After");
  });
});
