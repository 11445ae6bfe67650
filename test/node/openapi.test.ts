import { Validator } from "@seriousme/openapi-schema-validator";
import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { WEBHOOK_EVENTS } from "../../src/modules/notifications/notifications.schemas";

/** Just enough bindings to serve the document; no route here touches storage. */
function fakeEnv() {
  const jwk = { ...generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }), kid: "k" };
  return { DB: {}, ENVIRONMENT: "test", JWT_PRIVATE_KEYS: JSON.stringify([jwk]), HMAC_SECRET: "x".repeat(32) };
}

async function servedDocument() {
  const res = await createApp().request("/openapi.json", {}, fakeEnv());
  expect(res.status).toBe(200);
  return (await res.json()) as any;
}

describe("PLT-1 the OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const doc = await servedDocument();
    expect(doc.openapi).toBe("3.1.0");
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("lists every group with a description, names its servers and owner, and speaks without internal requirement codes", async () => {
    const doc = await servedDocument();
    const listed = doc.tags.map((t: any) => t.name);
    const used = new Set<string>(
      Object.values<any>(doc.paths).flatMap((item) => Object.values<any>(item).flatMap((op) => op.tags)),
    );
    expect([...used].filter((t) => !listed.includes(t))).toEqual([]);
    expect(listed.filter((t: string) => !used.has(t))).toEqual([]);
    expect(listed.slice(0, 2)).toEqual(["tickets", "scheduling"]);
    for (const t of doc.tags) expect(t.description?.length, t.name).toBeGreaterThan(20);
    expect(doc.servers.map((s: any) => s.url)).toEqual(["/", "http://localhost:8787", "https://api.truckroll.dev"]);
    expect(doc.info.contact.email).toBeTruthy();
    expect(doc.info.license.name).toBeTruthy();
    const codes = JSON.stringify(doc).match(/\b(WO|SCH|FB|IAM|CRM|FW|RPT|INV|NET|NTF|PLT|MOB)-\d+\b/g);
    expect(codes).toBeNull();
  });

  it("pre-fills no optional filter: optional query parameters carry no example", async () => {
    const doc = await servedDocument();
    const prefilled: string[] = [];
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        for (const p of op.parameters ?? []) {
          if (
            p.in === "query" &&
            !p.required &&
            (p.example !== undefined || p.schema?.example !== undefined || p.schema?.examples !== undefined)
          )
            prefilled.push(`${method} ${path} ${p.name}`);
        }
      }
    }
    expect(prefilled).toEqual([]);
  });

  it("describes every operation (with who may call it) and every parameter", async () => {
    const doc = await servedDocument();
    const undescribed: string[] = [];
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        const where = `${method.toUpperCase()} ${path}`;
        if (!/\*\*Who may call:\*\*/.test(op.description ?? "")) undescribed.push(where);
        if ((op.description ?? "").split("\n\n")[0].length < 5) undescribed.push(`${where} (no lead sentence)`);
        for (const p of op.parameters ?? [])
          if (!(p.description ?? p.schema?.description)) undescribed.push(`${where} ${p.in} ${p.name}`);
      }
    }
    expect(undescribed).toEqual([]);
    const tickets = doc.paths["/v1/tickets"].get;
    expect(tickets.description).toContain("`tickets:read`");
    expect(tickets.description).toContain("next_cursor");
    expect(doc.paths["/v1/tickets"].post.description).toContain("Idempotency-Key");
  });

  it("describes every webhook event's delivery, with its signature headers and an example", async () => {
    const doc = await servedDocument();
    const documented = Object.keys(doc.webhooks).sort();
    expect(documented).toEqual(WEBHOOK_EVENTS.filter((e) => e !== "*").sort());
    for (const type of documented) {
      const op = doc.webhooks[type].post;
      expect(op.summary?.length, type).toBeGreaterThan(10);
      expect(op.parameters.map((p: any) => p.name).sort()).toEqual([
        "webhook-id",
        "webhook-signature",
        "webhook-timestamp",
      ]);
      const body = op.requestBody.content["application/json"];
      expect(Object.keys(body.examples ?? {}).length, type).toBeGreaterThan(0);
      expect(
        doc.components.schemas[body.schema.$ref.split("/").pop()].properties.type.const ??
          doc.components.schemas[body.schema.$ref.split("/").pop()].properties.type.enum?.[0],
      ).toBe(type);
    }
  });

  it("gives every operation an id, a tag, responses, its errors and its security", async () => {
    const doc = await servedDocument();
    const ids = new Set<string>();
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        const where = `${method.toUpperCase()} ${path}`;
        expect(op.operationId, where).toMatch(/^[a-z][A-Za-z0-9]+$/);
        expect(ids.has(op.operationId), `${where} duplicate operationId`).toBe(false);
        ids.add(op.operationId);
        expect(op.tags?.length, where).toBeGreaterThan(0);
        expect(Array.isArray(op.security), `${where} states its security`).toBe(true);
        const statuses = Object.keys(op.responses);
        expect(
          statuses.some((s) => s.startsWith("2") || s === "101"),
          where,
        ).toBe(true);
        if (op.security.length) {
          expect(statuses, `${where} documents 401`).toContain("401");
          const problem = op.responses["401"].content["application/problem+json"].schema;
          expect(problem.$ref).toBe("#/components/schemas/Problem");
        }
        if (op.requestBody) expect(statuses, `${where} documents 400`).toContain("400");
      }
    }
    expect(doc.components.securitySchemes).toHaveProperty("bearerAuth");
    expect(doc.components.securitySchemes).toHaveProperty("cookieAuth");
  });
});
