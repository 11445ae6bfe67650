import { Validator, type Schema } from "@cfworker/json-schema";

/**
 * Holds an answer to the OpenAPI document, strictly: its status must be one the operation
 * documents, and a JSON (or problem+json) body must match that status's schema. The validator
 * (@cfworker/json-schema, made for Workers: no code generation, ~30 KiB, tests only) reads the
 * document's `#/components` references.
 */
type Json = any;

const validators = new Map<string, Validator>();

function validatorFor(doc: Json, key: string, schema: Json): Validator {
  let v = validators.get(key);
  if (!v) {
    v = new Validator({ ...schema, components: doc.components } as Schema, "2020-12", false);
    validators.set(key, v);
  }
  return v;
}

export function responseProblems(
  doc: Json,
  method: string,
  path: string,
  status: number,
  contentType: string | null,
  text: string,
): string[] {
  const op = doc.paths?.[path]?.[method.toLowerCase()];
  if (!op) return [`${method} ${path} is not in the document`];
  const documented = op.responses?.[String(status)] ?? op.responses?.default;
  if (!documented)
    return [
      `${method} ${path} answered ${status}, which the document does not list (${Object.keys(op.responses ?? {}).join(", ")})`,
    ];
  const type = (contentType ?? "").split(";")[0].trim();
  const content = documented.content ?? {};
  if (!type.endsWith("json") || !text) return [];
  const media = content[type];
  if (!media)
    return Object.keys(content).length
      ? [`${method} ${path} ${status}: ${type} is not a documented content type (${Object.keys(content).join(", ")})`]
      : [];
  if (!media.schema) return [];
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return [`${method} ${path} ${status}: the body is not JSON`];
  }
  const result = validatorFor(doc, `${method} ${path} ${status} ${type}`, media.schema).validate(body);
  return result.valid
    ? []
    : result.errors
        .filter((e) => !e.error.startsWith("Property") || true)
        .slice(0, 5)
        .map((e) => `${method} ${path} ${status}: ${e.instanceLocation} ${e.error}`);
}
