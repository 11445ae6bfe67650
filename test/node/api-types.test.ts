import openapiTS, { astToString, type OpenAPI3 } from "openapi-typescript";
import { generateKeyPairSync } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";

/**
 * The tests' typed client (test/client.ts) reads `test/api-types.ts`, generated from the document
 * the app serves. This fails when the file is stale; regenerate it with
 * `UPDATE_API_TYPES=1 npx vitest run test/node/api-types.test.ts`.
 */
const file = join(dirname(fileURLToPath(import.meta.url)), "../api-types.ts");

describe("the tests' API types", () => {
  it("match the document the app serves", async () => {
    const jwk = { ...generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }), kid: "k" };
    const env = { DB: {}, ENVIRONMENT: "test", JWT_PRIVATE_KEYS: JSON.stringify([jwk]), HMAC_SECRET: "x".repeat(32) };
    const doc = (await (await createApp().request("/openapi.json", {}, env)).json()) as OpenAPI3;
    const generated = `// Generated from the OpenAPI document by test/node/api-types.test.ts; do not edit.\n${astToString(await openapiTS(doc))}`;
    if (process.env.UPDATE_API_TYPES) writeFileSync(file, generated);
    expect(readFileSync(file, "utf8")).toBe(generated);
  });
});
