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
