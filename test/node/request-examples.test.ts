import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { finishDocument } from "../../src/lib/openapi-reference";

/**
 * The document and the server must agree: every request body carries examples (built from the
 * document's examples, enums and formats: only the required fields, and every field, unless the
 * schema gives its own), and every JSON example must satisfy the document's own schema — an
 * `allOf` of two closed objects, for one, is satisfied by nothing — and the server's validation.
 */
type Json = any;
const app = createApp();
const doc: Json = finishDocument(
  app.getOpenAPI31Document({ openapi: "3.1.0", info: { title: "examples", version: "1" } }),
);

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const validateAgainstDocument = (schema: Json) => ajv.compile({ ...schema, components: doc.components });

/** Server-side schemas by method and path, from the routes' own definitions. */
const serverSchemas = new Map<string, { safeParse: (v: unknown) => { success: boolean; error?: unknown } }>();
for (const def of (app as Json).openAPIRegistry.definitions as Json[]) {
  const schema = def.route?.request?.body?.content?.["application/json"]?.schema;
  if (def.type === "route" && schema) serverSchemas.set(`${def.route.method.toUpperCase()} ${def.route.path}`, schema);
}

const bodies: { where: string; schema: Json; examples: Json[] }[] = [];
const withoutExamples: string[] = [];
for (const [path, item] of Object.entries<Json>(doc.paths)) {
  for (const [method, op] of Object.entries<Json>(item)) {
    for (const [type, media] of Object.entries<Json>(op.requestBody?.content ?? {})) {
      if (media.example === undefined && !Object.keys(media.examples ?? {}).length)
        withoutExamples.push(`${method.toUpperCase()} ${path} ${type}`);
    }
    const media = op.requestBody?.content?.["application/json"];
    if (media?.schema)
      bodies.push({
        where: `${method.toUpperCase()} ${path}`,
        schema: media.schema,
        examples: Object.values<Json>(media.examples ?? {}).map((e) => e.value),
      });
  }
}

describe("every request body's example satisfies the document and the server", () => {
  it("finds the request bodies", () => {
    expect(bodies.length).toBeGreaterThan(50);
    expect(serverSchemas.size).toBe(bodies.length);
  });

  it("gives every request body, in every media type it takes, an example", () => {
    expect(withoutExamples).toEqual([]);
  });

  for (const { where, schema, examples } of bodies) {
    it(where, () => {
      const validate = validateAgainstDocument(schema);
      expect(examples.length).toBeGreaterThan(0);
      for (const sample of examples) {
        expect(
          validate(sample),
          `example ${JSON.stringify(sample)} against the document: ${JSON.stringify(validate.errors)}`,
        ).toBe(true);
        const parsed = serverSchemas.get(where)!.safeParse(sample);
        expect(parsed.success, `server refuses ${JSON.stringify(sample)}: ${JSON.stringify(parsed.error)}`).toBe(true);
      }
    });
  }
});
