import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { exampleOf } from "../openapi-examples";

/**
 * The document and the server must agree: for every JSON request body, an example built from the
 * document (its examples, enums and formats; once with only the required fields, once with every
 * field) must satisfy the document's own schema — an `allOf` of two closed objects, for one, is
 * satisfied by nothing — and the fullest example must pass the server's validation too.
 */
type Json = any;
const app = createApp();
const doc: Json = app.getOpenAPI31Document({ openapi: "3.1.0", info: { title: "examples", version: "1" } });

const example = (schema: Json, full: boolean) => exampleOf(doc, schema, full);

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const validateAgainstDocument = (schema: Json) => ajv.compile({ ...schema, components: doc.components });

/** Server-side schemas by method and path, from the routes' own definitions. */
const serverSchemas = new Map<string, { safeParse: (v: unknown) => { success: boolean; error?: unknown } }>();
for (const def of (app as Json).openAPIRegistry.definitions as Json[]) {
  const schema = def.route?.request?.body?.content?.["application/json"]?.schema;
  if (def.type === "route" && schema) serverSchemas.set(`${def.route.method.toUpperCase()} ${def.route.path}`, schema);
}

const bodies: { where: string; schema: Json }[] = [];
for (const [path, item] of Object.entries<Json>(doc.paths)) {
  for (const [method, op] of Object.entries<Json>(item)) {
    const schema = op.requestBody?.content?.["application/json"]?.schema;
    if (schema) bodies.push({ where: `${method.toUpperCase()} ${path}`, schema });
  }
}

/** Refinements the document cannot express (one field or another, cross-field order): the full example breaks them on purpose. */
const REFINED = new Set<string>([
  "POST /v1/tickets/assign", // technician_ids or strategy, not both
  "POST /v1/tickets/{id}/assign", // technician_ids or strategy, not both
  "POST /v1/attendance/bulk", // nobody both present and absent
]);

describe("every request body's example satisfies the document and the server", () => {
  it("finds the request bodies", () => {
    expect(bodies.length).toBeGreaterThan(50);
    expect(serverSchemas.size).toBe(bodies.length);
  });

  for (const { where, schema } of bodies) {
    it(where, () => {
      const validate = validateAgainstDocument(schema);
      for (const full of [false, true]) {
        const sample = example(schema, full);
        expect(validate(sample), `${full ? "full" : "minimal"} example ${JSON.stringify(sample)} against the document: ${JSON.stringify(validate.errors)}`).toBe(true);
      }
      if (!REFINED.has(where)) {
        const sample = example(schema, true);
        const parsed = serverSchemas.get(where)!.safeParse(sample);
        expect(parsed.success, `server refuses ${JSON.stringify(sample)}: ${JSON.stringify(parsed.error)}`).toBe(true);
      }
    });
  }
});
