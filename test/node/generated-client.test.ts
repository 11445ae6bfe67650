import openapiTS, { astToString } from "openapi-typescript";
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { exampleOf } from "../../src/lib/openapi-reference";

/**
 * Integrators generate clients from the document. This generates one the way most TypeScript
 * users would (openapi-typescript with its default options, called through openapi-fetch) and
 * type-checks, strictly and without casts, a small integration and a call of every operation
 * that takes a JSON body with only the fields the API requires.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
// Inside node_modules so that the script resolves openapi-fetch like an integrator's project would.
const workDir = join(root, "node_modules/.cache/truckroll-generated-client");

async function servedDocument(): Promise<Json> {
  const jwk = { ...generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }), kid: "k" };
  const env = { DB: {}, ENVIRONMENT: "test", JWT_PRIVATE_KEYS: JSON.stringify([jwk]), HMAC_SECRET: "x".repeat(32) };
  return (await createApp().request("/openapi.json", {}, env)).json();
}

const INTEGRATION = `
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

type Problem = components["schemas"]["Problem"];

export function explain(problem: Problem): string {
  const fields = (problem.errors ?? []).map((e) => e.path + ": " + e.message).join("; ");
  return problem.code + " — " + problem.detail + (fields ? " (" + fields + ")" : "");
}

export async function integrate(baseUrl: string): Promise<string[]> {
  const client = createClient<paths>({ baseUrl });
  const said: string[] = [];

  const login = await client.POST("/v1/auth/login", { body: { identifier: "dispatcher", password: "truckroll-demo" } });
  if (login.error) return [explain(login.error)];
  if (!("access_token" in login.data) || !login.data.access_token) return ["second factor needed"];
  const headers = { authorization: "Bearer " + login.data.access_token };

  const page = await client.GET("/v1/tickets", { params: { query: { status: "new", limit: 20 } }, headers });
  if (page.data) {
    for (const ticket of page.data.data) said.push(ticket.number + " " + ticket.status + " " + (ticket.customer?.full_name ?? "-"));
    if (page.data.next_cursor) await client.GET("/v1/tickets", { params: { query: { cursor: page.data.next_cursor } }, headers });
  }

  const created = await client.POST("/v1/tickets", {
    params: { header: { "idempotency-key": crypto.randomUUID() } },
    body: { kind: "repair", title: "No internet since the storm" },
    headers,
  });
  if (created.error) return [...said, explain(created.error)];
  const id: string = created.data.id;

  const read = await client.GET("/v1/tickets/{id}", { params: { path: { id } }, headers });
  if (read.data) said.push(read.data.number + " " + read.data.priority + " " + read.data.status);

  const refused = await client.POST("/v1/tickets", { body: { kind: "repair", title: "" }, headers });
  if (refused.error) said.push(explain(refused.error));
  const missing = await client.GET("/v1/tickets/{id}", { params: { path: { id: "tkt_does_not_exist" } }, headers });
  if (missing.error && missing.response.status === 404) said.push(missing.error.code);
  return said;
}
`;

function literal(value: unknown) {
  return JSON.stringify(value);
}

/** A call of each JSON-body operation with only its required fields (and required parameters). */
function everyBodyCall(doc: Json): string {
  const calls: string[] = [];
  for (const [path, item] of Object.entries<Json>(doc.paths)) {
    for (const [method, op] of Object.entries<Json>(item)) {
      const media = op.requestBody?.content?.["application/json"];
      if (!media?.schema || Object.keys(op.requestBody.content).length > 1) continue;
      const params: Record<string, Record<string, unknown>> = {};
      for (const p of op.parameters ?? []) {
        if (!p.required) continue;
        (params[p.in] ??= {})[p.name] = p.schema?.enum?.[0] ?? exampleOf(doc, p.schema, false);
      }
      const body = exampleOf(doc, media.schema, false);
      calls.push(
        `  await client.${method.toUpperCase()}(${literal(path)}, { ${Object.keys(params).length ? `params: ${literal(params)}, ` : ""}body: ${literal(body)} });`,
      );
    }
  }
  return `import createClient from "openapi-fetch";
import type { paths } from "./schema";

export async function callEverything(client: ReturnType<typeof createClient<paths>>) {
${calls.join("\n")}
}
`;
}

function typeErrors(files: string[]): string[] {
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
    types: [],
    skipLibCheck: true,
    exactOptionalPropertyTypes: false,
  });
  return ts
    .getPreEmitDiagnostics(program)
    .map(
      (d) =>
        `${d.file?.fileName.split("/").pop()}:${d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : "?"} ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`,
    );
}

describe("a client generated from the document", () => {
  it("type-checks an integration (sign in, list, create, read back, handle a problem) and every body with only its required fields", {
    timeout: 120_000,
  }, async () => {
    const doc = await servedDocument();
    rmSync(workDir, { recursive: true, force: true });
    mkdirSync(workDir, { recursive: true });
    writeFileSync(join(workDir, "schema.d.ts"), astToString(await openapiTS(doc)));
    writeFileSync(join(workDir, "integration.ts"), INTEGRATION);
    const everything = everyBodyCall(doc);
    writeFileSync(join(workDir, "every-body.ts"), everything);
    expect(INTEGRATION).not.toMatch(/\sas\s|<any>|@ts-/);
    expect(everything.split("\n").filter((l) => l.includes("await client.")).length).toBeGreaterThan(80);
    expect(typeErrors([join(workDir, "integration.ts"), join(workDir, "every-body.ts")])).toEqual([]);
  });
});
