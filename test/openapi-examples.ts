// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/**
 * An example value for a schema of the generated OpenAPI document: its examples, enums and formats;
 * with only the required fields, or (`full`) with every field.
 */
export function exampleOf(doc: Json, schema: Json, full: boolean): Json {
  const resolve = (s: Json): Json => (s?.$ref ? resolve(doc.components.schemas[s.$ref.split("/").pop()]) : (s ?? {}));
  const example = (schema: Json, full: boolean, depth = 0): Json => {
    const s = resolve(schema);
    if (s.example !== undefined) return s.example;
    if (s.examples?.length) return s.examples[0];
    if (s.default !== undefined && !full) return s.default;
    if (s.const !== undefined) return s.const;
    if (s.enum) return s.enum[0];
    if (s.allOf) return Object.assign({}, ...s.allOf.map((part: Json) => example(part, full, depth + 1)));
    const alternatives = s.anyOf ?? s.oneOf;
    if (alternatives) return example(alternatives.find((a: Json) => resolve(a).type !== "null") ?? alternatives[0], full, depth + 1);
    const type: string = ([] as string[]).concat(s.type ?? "string").find((t) => t !== "null") ?? "string";
    if (type === "object") {
      const out: Record<string, Json> = {};
      for (const [key, prop] of Object.entries<Json>(s.properties ?? {})) {
        if (full || (s.required ?? []).includes(key)) out[key] = example(prop, full, depth + 1);
      }
      return out;
    }
    if (type === "array") return Array.from({ length: Math.max(s.minItems ?? 0, full ? 1 : 0) }, () => example(s.items ?? {}, full, depth + 1));
    if (type === "integer" || type === "number") return s.minimum ?? 1;
    if (type === "boolean") return true;
    if (s.format === "date") return "2026-12-01";
    if (s.format === "date-time") return "2026-12-01T09:00:00.000Z";
    if (s.format === "email") return "someone@example.com";
    if (s.format === "uri") return "https://hooks.example.com/truckroll";
    return "x".repeat(Math.max(s.minLength ?? 1, 1));
  };
  return example(schema, full);
}
