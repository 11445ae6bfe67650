import fc from "fast-check";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { call, signedIn } from "../helpers";
import { finishDocument } from "../../src/lib/openapi-reference";
import { responseProblems } from "../response-check";

/**
 * Schema-driven fuzzing (issue 6): for every operation in the generated OpenAPI document,
 * requests that break its schema — wrong types, missing or unknown fields, oversized strings and
 * arrays, out-of-range numbers, malformed JSON, wrong content types, hostile path and query
 * values, with odd Unicode as noise — must all get a 4xx problem+json, never a 5xx, and change
 * no row anywhere. fast-check shrinks a failure to a minimal request.
 */
type Json = any;
const doc: Json = finishDocument(
  createApp().getOpenAPI31Document({ openapi: "3.1.0", info: { title: "fuzz", version: "1" } }),
);

function resolve(schema: Json): Json {
  if (schema?.$ref) return resolve(doc.components.schemas[schema.$ref.split("/").pop()]);
  return schema ?? {};
}

/** Lone surrogates cannot be URI-encoded; send the raw (invalid UTF-8) bytes instead. */
function encode(value: string) {
  try {
    return encodeURIComponent(value);
  } catch {
    return "%ED%A0%80";
  }
}

const ODD = [
  "\u0000",
  "\uD800",
  "👩🏽‍🔧",
  "\u202E",
  "Ω≈ç√",
  "'; DROP TABLE users; --",
  "<script>alert(1)</script>",
  "../../etc/passwd",
  "%00",
  "\r\n",
];
const odd = fc.constantFrom(...ODD);

interface Operation {
  method: string;
  path: string;
  id: string;
  secured: boolean;
  body?: Json;
  query: Json[];
  pathParams: Json[];
}

const operations: Operation[] = [];
for (const [path, item] of Object.entries<Json>(doc.paths)) {
  for (const [method, op] of Object.entries<Json>(item)) {
    if (op.operationId === "connectEvents") continue; // a WebSocket upgrade, covered in notifications tests
    const params = (op.parameters ?? []) as Json[];
    operations.push({
      method: method.toUpperCase(),
      path,
      id: op.operationId,
      secured: (op.security ?? []).length > 0,
      body: op.requestBody?.content?.["application/json"]?.schema,
      query: params.filter((p) => p.in === "query"),
      pathParams: params.filter((p) => p.in === "path"),
    });
  }
}

/** Values that a property of this schema certainly rejects (empty when none is certain). */
function wrongValues(prop: Json): Json[] {
  const s = resolve(prop);
  const types = new Set<string>([].concat(s.type ?? []));
  for (const alt of s.anyOf ?? s.oneOf ?? []) for (const t of [].concat(resolve(alt).type ?? [])) types.add(t);
  if (!types.size) return [];
  const out: Json[] = [];
  if (!types.has("object")) out.push({ nested: { deep: [1, 2, 3] } });
  if (!types.has("array") && !types.has("object")) out.push([1, "two", null]);
  if (!types.has("boolean") && !types.has("string")) out.push(true);
  if (!types.has("string") && !types.has("number") && !types.has("integer")) out.push("not-a-value");
  if (types.has("string") && s.maxLength) out.push("x".repeat(Math.min(s.maxLength + 1 + 1000, 200_000)));
  if (types.has("array") && s.maxItems) out.push(Array.from({ length: s.maxItems + 5 }, () => "x"));
  if ((types.has("integer") || types.has("number")) && s.maximum !== undefined) out.push(s.maximum + 1e12);
  if ((types.has("integer") || types.has("number")) && s.minimum !== undefined) out.push(s.minimum - 1e12);
  if (types.has("integer")) out.push(1.5);
  if (types.has("string") && s.enum) out.push("definitely-not-in-the-enum");
  if (types.has("string") && (s.format || s.pattern)) out.push("@@ not valid @@");
  return out;
}

interface BadRequest {
  body?: string;
  contentType?: string;
  pathValue: string;
  query: string;
}

function badRequests(op: Operation): fc.Arbitrary<BadRequest> {
  const body = op.body ? resolve(op.body) : undefined;
  const strict = body?.additionalProperties === false;
  const props = Object.entries<Json>(body?.properties ?? {});
  const bodies: fc.Arbitrary<{ body?: string; contentType?: string }>[] = [];
  if (op.method !== "GET" && op.method !== "DELETE") {
    bodies.push(
      fc
        .constantFrom('{"broken": ', "{'single': 'quotes'}", "[1,2", "\u0000")
        .map((b) => ({ body: b, contentType: "application/json" })),
    );
    bodies.push(fc.string().map((b) => ({ body: b || "x", contentType: "text/plain" })));
    if (body) {
      bodies.push(
        fc
          .oneof(fc.integer(), fc.constant(null), fc.string(), fc.array(fc.integer()))
          .map((v) => ({ body: JSON.stringify(v), contentType: "application/json" })),
      );
      if (strict)
        bodies.push(
          fc
            .tuple(fc.string({ minLength: 1, maxLength: 8 }), odd)
            .map(([k, v]) => ({ body: JSON.stringify({ [`__fuzz_${k}`]: v }), contentType: "application/json" })),
        );
      const wrongs = props.flatMap(([name, schema]) => wrongValues(schema).map((v) => [name, v] as const));
      if (wrongs.length) {
        bodies.push(
          fc.tuple(fc.constantFrom(...wrongs), odd).map(([[name, v], noise]) => ({
            body: JSON.stringify({ [name]: v, ...(strict ? { __noise: noise } : {}) }),
            contentType: "application/json",
          })),
        );
      }
    }
  }
  const queries: fc.Arbitrary<string>[] = [];
  for (const q of op.query) {
    for (const v of wrongValues(q.schema ?? {}).filter((x) => typeof x !== "object" && x !== true))
      queries.push(fc.constant(`${q.name}=${encode(String(v))}`));
    if (q.name === "cursor") queries.push(odd.map((v) => `cursor=${encode(v)}`));
  }
  const hostileIds = fc.oneof(
    odd,
    fc.constant("x".repeat(5000)),
    fc.string({ minLength: 1, maxLength: 20 }).map((s) => `usr_${s}`),
  );
  const choices: fc.Arbitrary<BadRequest>[] = [];
  for (const b of bodies)
    choices.push(
      fc.tuple(b, hostileIds).map(([x, id]) => ({ ...x, pathValue: op.pathParams.length ? id : "", query: "" })),
    );
  for (const q of queries) choices.push(q.map((query) => ({ pathValue: "tkt_doesnotexist000000", query })));
  if (op.pathParams.length)
    choices.push(
      hostileIds.map((id) => ({
        pathValue: id,
        query: "",
        ...(op.body ? { body: "{", contentType: "application/json" } : {}),
      })),
    );
  return choices.length ? fc.oneof(...choices) : fc.constant({ pathValue: "", query: "", body: undefined });
}

async function snapshot(): Promise<Record<string, number>> {
  const tables = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT IN ('d1_migrations', 'rate_limits')",
  ).all<{ name: string }>();
  const out: Record<string, number> = {};
  for (const { name } of tables.results)
    out[name] = (await env.DB.prepare(`SELECT count(*) AS n FROM "${name}"`).first<{ n: number }>())!.n;
  const changed = await env.DB.prepare("SELECT coalesce(max(updated_at), '') AS t FROM tickets").first<{ t: string }>();
  out["tickets.updated_at"] = changed!.t.length; // any UPDATE of a ticket moves this
  out["tickets.latest"] = Date.parse(changed!.t || "1970-01-01") || 0;
  return out;
}

const fuzzable = operations.filter((op) => op.body || op.query.length || op.pathParams.length);

describe("schema-driven fuzzing: bad input is a 4xx problem and changes nothing", () => {
  let token = "";
  beforeAll(async () => {
    token = (await signedIn("admin")).token;
  });

  it("covers every operation that takes input", () => {
    expect(fuzzable.length).toBeGreaterThan(100);
  });

  for (const op of fuzzable) {
    it(`${op.method} ${op.path}`, async () => {
      const before = await snapshot();
      await fc.assert(
        fc.asyncProperty(badRequests(op), async (req) => {
          const path = op.path.replace(/\{[^}]+\}/g, () => encode(req.pathValue || "x"));
          const res = await call(`${path}${req.query ? `?${req.query}` : ""}`, {
            method: op.method,
            token: op.secured ? token : undefined,
            body: req.body,
            headers: req.contentType ? { "content-type": req.contentType } : {},
          });
          if (res.status >= 500 || res.status < 400)
            throw new Error(`${res.status} for ${JSON.stringify(req).slice(0, 300)}: ${res.text.slice(0, 300)}`);
          if (!(res.headers.get("content-type") ?? "").includes("application/problem+json"))
            throw new Error(`not problem+json: ${res.headers.get("content-type")}`);
          const problems = responseProblems(
            doc,
            op.method,
            op.path,
            res.status,
            res.headers.get("content-type"),
            res.text,
          );
          if (problems.length) throw new Error(`${problems.join("; ")} for ${JSON.stringify(req).slice(0, 200)}`);
        }),
        { numRuns: 12, seed: 20261124 },
      );
      expect(await snapshot()).toEqual(before);
    });
  }
});

/**
 * Valid-looking input at the schema's own limits: arrays of `maxItems` distinct id-like strings,
 * strings of `maxLength`, every optional field present. Such requests may well be valid, so the
 * answer may be 2xx or 4xx — but never a 5xx. This is what reaches D1's limits (bound parameters,
 * LIKE pattern length) that malformed input never gets past validation to touch.
 */
let unique = 0;
function atLimits(schema: Json, name = "", depth = 0): Json {
  const s = resolve(schema);
  if (depth > 4) return undefined;
  if (s.example !== undefined && !s.maxItems && !s.maxLength) return s.example;
  if (s.const !== undefined) return s.const;
  if (s.enum) return s.enum[0];
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives)
    return atLimits(alternatives.find((a: Json) => resolve(a).type !== "null") ?? alternatives[0], name, depth + 1);
  const type: string = ([] as string[]).concat(s.type ?? "string").find((t) => t !== "null") ?? "string";
  switch (type) {
    case "object": {
      const out: Record<string, Json> = {};
      for (const [key, prop] of Object.entries<Json>(s.properties ?? {})) {
        const value = atLimits(prop, key, depth + 1);
        if (value !== undefined) out[key] = value;
      }
      return out;
    }
    case "array": {
      const n = Math.min(s.maxItems ?? 3, 500);
      return Array.from({ length: n }, () => atLimits(s.items ?? {}, name, depth + 1));
    }
    case "integer":
    case "number":
      return s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : 1);
    case "boolean":
      return true;
    default: {
      unique += 1;
      if (s.format === "date") return "2026-12-01";
      if (s.format === "date-time") return "2026-12-01T09:00:00.000Z";
      if (s.format === "email") return `limit${unique}@example.test`;
      if (s.format === "uri") return `https://hooks.example.com/${unique}`;
      if (/(^|_)ids?$/.test(name)) return `usr_limit${String(unique).padStart(16, "0")}`.slice(0, s.maxLength ?? 64);
      const length = Math.min(s.maxLength ?? 12, 10_000);
      return `v${unique}`.padEnd(length, "x");
    }
  }
}

describe("valid-looking input at the schema's limits never causes a 5xx", () => {
  let token = "";
  beforeAll(async () => {
    token = (await signedIn("admin")).token;
  });

  for (const op of fuzzable.filter((o) => o.id !== "logout")) {
    it(`${op.method} ${op.path}`, async () => {
      const params = op.query
        .map((q) => [q.name, atLimits(q.schema ?? {}, q.name)] as const)
        .filter(([name, v]) => v !== undefined && name !== "cursor")
        .map(([name, v]) => `${name}=${encode(String(v))}`);
      // All parameters together, then each alone: another filter must not hide a limit by matching no rows.
      const queries = [params.join("&"), ...(params.length > 1 ? params : [])];
      const body = op.body && op.method !== "GET" ? JSON.stringify(atLimits(op.body)) : undefined;
      const path = op.path.replace(/\{[^}]+\}/g, "x0000000000000000000");
      for (const query of queries) {
        const res = await call(`${path}${query ? `?${query}` : ""}`, {
          method: op.method,
          token: op.secured ? token : undefined,
          body,
          headers: body ? { "content-type": "application/json" } : {},
        });
        expect(res.status, `${query}: ${res.status}: ${res.text.slice(0, 300)}`).toBeLessThan(500);
        expect(
          responseProblems(doc, op.method, op.path, res.status, res.headers.get("content-type"), res.text),
          query,
        ).toEqual([]);
      }
    });
  }
});
