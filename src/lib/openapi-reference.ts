import { BUILTIN_ROLES, BUILTIN_ROLE_KEYS, PERMISSIONS, type Permission } from "../contracts/permissions";

/**
 * The finishing touches of the served OpenAPI document, derived from what the routes declare so
 * they never drift from the code: who may call each operation, its paging and retry rules, and an
 * example for every request body.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/**
 * An example value for a schema of the generated OpenAPI document: its examples, enums and formats;
 * with only the required fields, or (`full`) with every field.
 */
export function exampleOf(doc: Json, schema: Json, full: boolean): Json {
  const resolve = (s: Json): Json => (s?.$ref ? resolve(doc.components.schemas[s.$ref.split("/").pop()]) : (s ?? {}));
  const example = (schema: Json, full: boolean, depth = 0, key = ""): Json => {
    const s = resolve(schema);
    if (s.example !== undefined) return s.example;
    if (s.examples?.length) return s.examples[0];
    if (s.default !== undefined && !full) return s.default;
    if (s.const !== undefined) return s.const;
    if (s.enum) return s.enum[0];
    if (s.allOf) return Object.assign({}, ...s.allOf.map((part: Json) => example(part, full, depth + 1)));
    const alternatives = s.anyOf ?? s.oneOf;
    if (alternatives)
      return example(alternatives.find((a: Json) => resolve(a).type !== "null") ?? alternatives[0], full, depth + 1);
    const types = ([] as string[]).concat(s.type ?? "string");
    if (types.length && types.every((t) => t === "null")) return null;
    const type: string = types.find((t) => t !== "null") ?? "string";
    if (type === "object") {
      const out: Record<string, Json> = {};
      for (const [key, prop] of Object.entries<Json>(s.properties ?? {})) {
        if (full || (s.required ?? []).includes(key)) out[key] = example(prop, full, depth + 1, key);
      }
      return out;
    }
    if (type === "array")
      return Array.from({ length: Math.max(s.minItems ?? 0, full ? 1 : 0) }, () =>
        example(s.items ?? {}, full, depth + 1),
      );
    if (type === "integer" || type === "number") {
      const named = NUMBER_BY_NAME[key];
      const fits = (v: number) =>
        (s.minimum === undefined || v >= s.minimum) &&
        (s.maximum === undefined || v <= s.maximum) &&
        (type === "number" || Number.isInteger(v));
      return named !== undefined && fits(named) ? named : (s.minimum ?? 1);
    }
    if (type === "boolean") return true;
    if (s.format === "date") return "2026-12-01";
    if (s.format === "date-time") return "2026-12-01T09:00:00.000Z";
    if (s.format === "email") return "someone@example.com";
    if (s.format === "uri") return "https://hooks.example.com/truckroll";
    if (s.format === "binary") return "(the file)";
    const named = stringByName(key);
    const fits = (v: string) =>
      v.length >= (s.minLength ?? 0) &&
      v.length <= (s.maxLength ?? Number.POSITIVE_INFINITY) &&
      (!s.pattern || new RegExp(s.pattern, "u").test(v));
    if (named !== undefined && fits(named)) return named;
    return "x".repeat(Math.max(s.minLength ?? 1, 1));
  };
  return example(schema, full);
}

/** Realistic values by field name, for schemas that carry no example of their own. */
const NUMBER_BY_NAME: Record<string, number> = {
  lat: -24.6282,
  lng: 25.9231,
  accuracy_m: 12,
  quantity: 2,
  unit_price: 1500,
  amount_charged: 0,
  duration_minutes: 60,
  limit: 20,
};

const ID_PREFIXES: Record<string, string> = {
  ticket: "tkt",
  technician: "usr",
  user: "usr",
  supervisor: "usr",
  customer: "cus",
  asset: "ast",
  item: "itm",
  company: "cmp",
  appointment: "apt",
  template: "tpl",
  calendar: "cal",
  plan: "mpl",
  contract: "sct",
  upload: "upl",
  region: "reg",
  locality: "loc",
  incident: "cti",
  application: "app",
};

function stringByName(key: string): string | undefined {
  if (key.endsWith("_id")) return `${ID_PREFIXES[key.slice(0, -3)] ?? "id"}_0a1b2c3d4e5f6g7h8i9j`;
  if (/(^|_)(phone|whatsapp|msisdn)$/.test(key)) return "+26771234567";
  if (/(^|_)email$/.test(key)) return "kagiso.molefe@example.com";
  if (/(^|_)(full_name|display_name|name)$/.test(key)) return "Kagiso Molefe";
  if (key === "first_name") return "Kagiso";
  if (key === "last_name") return "Molefe";
  if (key === "username" || key === "identifier") return "kagiso.molefe";
  if (/password$/.test(key)) return "correct horse battery";
  if (/(^|_)address$/.test(key)) return "Plot 4411, Block 8, Gaborone";
  if (key === "title" || key === "summary") return "No internet since the storm";
  if (/^(description|body|comment|reason|notes?|work_detail|message)$/.test(key))
    return "The customer reports no dial tone since the storm on Tuesday.";
  if (key === "city") return "Gaborone";
  if (key === "serial_number" || key === "serial") return "HWTC8A1F22C3";
  if (key === "sku" || key === "code") return "CON-SC-APC";
  return undefined;
}

/**
 * Optional filters carry no example: the docs page would pre-fill them and an untouched "Send"
 * would filter. An optional parameter with a fixed set of values and no default gets its first
 * value as an example marked `x-disabled` — the docs page otherwise fills in the first value
 * itself (`service_category=voice`) and sends it.
 */
function withoutFilterExamples(doc: Json) {
  for (const op of operationsOf(doc)) {
    for (const p of op.parameters ?? []) {
      if (p.in !== "query" || p.required) continue;
      delete p.example;
      delete p.examples;
      if (p.schema) {
        delete p.schema.example;
        delete p.schema.examples;
        if (Array.isArray(p.schema.enum) && p.schema.default === undefined)
          p.examples = {
            default: { summary: "Not sent unless switched on", value: p.schema.enum[0], "x-disabled": true },
          };
      }
    }
  }
}

function operationsOf(doc: Json): Json[] {
  return Object.values<Json>(doc.paths ?? {}).flatMap((item) => Object.values<Json>(item));
}

function rolesHolding(permission: Permission): string[] {
  return BUILTIN_ROLE_KEYS.filter((role) =>
    (BUILTIN_ROLES[role].permissions as readonly string[]).includes(permission),
  );
}

/** Who may call an operation, in the words of its declared requirement. */
export function accessNote(requirement: string | undefined, security: Json[] | undefined): string {
  if (requirement && requirement in PERMISSIONS) {
    const permission = requirement as Permission;
    return `**Who may call:** holders of the \`${permission}\` permission (${PERMISSIONS[permission].toLowerCase()}) — by default the roles ${rolesHolding(permission).join(", ")}; API keys given it.`;
  }
  if (requirement === "authenticated")
    return "**Who may call:** any signed-in user; the answer covers only what the caller may see or change.";
  if (requirement === "optional") return "**Who may call:** anyone; a signed-in caller acts as themselves.";
  if (!security?.length) return "**Who may call:** anyone, without a token.";
  return "**Who may call:** any signed-in user.";
}

function describeOperations(doc: Json) {
  for (const op of operationsOf(doc)) {
    const params: Json[] = op.parameters ?? [];
    const notes = [accessNote(op["x-permission"], op.security ?? doc.security)];
    if (params.some((p) => p.in === "query" && p.name === "cursor")) {
      notes.push(
        "Answers one page; pass the answer's `next_cursor` back as `cursor` for the following page (it is `null` on the last), `limit` sets the page size.",
      );
    }
    if (params.some((p) => p.in === "header" && p.name === "idempotency-key")) {
      notes.push(
        "Send an `Idempotency-Key` header to retry safely: the same key and body replay the first answer instead of acting twice.",
      );
    }
    if (op.responses?.["404"] && params.some((p) => p.in === "path")) {
      notes.push("An object that does not exist, or that the caller may not see, answers 404.");
    }
    const lead = op.description ?? `${op.summary}.`;
    op.description = `${lead}\n\n${notes.join("\n\n")}`;
  }
}

/** Request bodies without an example get one built from their schema: the required fields, and every field. */
function exemplifyRequestBodies(doc: Json) {
  const webhooks = Object.values<Json>(doc.webhooks ?? {}).flatMap((item) => Object.values<Json>(item));
  for (const op of [...operationsOf(doc), ...webhooks]) {
    for (const [type, media] of Object.entries<Json>(op.requestBody?.content ?? {})) {
      if (media.example !== undefined || media.examples !== undefined || !media.schema) continue;
      const minimal = exampleOf(doc, media.schema, false);
      const full = exampleOf(doc, media.schema, true);
      media.examples =
        JSON.stringify(minimal) === JSON.stringify(full)
          ? { example: { summary: "An example", value: full } }
          : {
              minimal: { summary: "Only the required fields", value: minimal },
              full: { summary: "Every field", value: full },
            };
    }
  }
}

/** Names of the component schemas a part of the document refers to, followed through references. */
function referencedSchemas(doc: Json, roots: Json[]): Set<string> {
  const found = new Set<string>();
  const visit = (node: Json) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== "object") return;
    if (typeof node.$ref === "string") {
      const name = node.$ref.split("/").pop();
      if (!found.has(name)) {
        found.add(name);
        visit(doc.components?.schemas?.[name]);
      }
    }
    Object.values(node).forEach(visit);
  };
  roots.forEach(visit);
  return found;
}

/**
 * Optional request fields keep their default in words only: client generators (openapi-typescript
 * among them) type a property with a `default` as always present, which would make callers send
 * fields the server fills in. Schemas shared with responses keep the keyword.
 */
function defaultsInWords(doc: Json) {
  const operations = operationsOf(doc);
  const inRequests = referencedSchemas(
    doc,
    operations.map((op) => op.requestBody),
  );
  const inResponses = referencedSchemas(doc, [...operations.map((op) => op.responses), doc.webhooks]);
  const visit = (node: Json) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== "object" || node.$ref) return;
    for (const [key, property] of Object.entries<Json>(node.properties ?? {})) {
      if (
        property &&
        typeof property === "object" &&
        property.default !== undefined &&
        !(node.required ?? []).includes(key)
      ) {
        const said = `Defaults to \`${JSON.stringify(property.default)}\`.`;
        property.description = property.description ? `${property.description.replace(/\.?$/, ".")} ${said}` : said;
        delete property.default;
      }
    }
    Object.values(node).forEach(visit);
  };
  for (const name of inRequests) if (!inResponses.has(name)) visit(doc.components.schemas[name]);
  for (const op of operations)
    for (const media of Object.values<Json>(op.requestBody?.content ?? {})) visit(media.schema);
}

/**
 * The refusals every operation can answer before its own code runs, so the document lists every
 * status a client may see: 400 (a malformed `X-D1-Bookmark`, an unknown query parameter, a body
 * that is not UTF-8), 413 and 415 for every method that may carry a body, 401 and 403 for signed-in ones
 * (a missing token, a cookie request without its CSRF header), and 429 for the public ones (throttled).
 */
function transportErrors(doc: Json) {
  const problem = { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } };
  const add = (op: Json, status: number, description: string) => {
    op.responses ??= {};
    op.responses[String(status)] ??= { description, content: problem };
  };
  for (const [path, item] of Object.entries<Json>(doc.paths ?? {})) {
    if (!path.startsWith("/v1")) continue;
    for (const [method, op] of Object.entries<Json>(item)) {
      add(op, 400, "Invalid input (validation_failed, malformed_json, invalid_encoding)");
      // Any body sent to a method that may carry one is checked, even where the operation takes none.
      if (op.requestBody || ["post", "put", "patch", "delete"].includes(method)) {
        add(op, 413, "Request body over the size cap");
        add(op, 415, "The body is not JSON (or a type this operation takes)");
      }
      if ((op.security ?? doc.security ?? []).length) {
        add(op, 401, "Missing, invalid or expired credentials");
        add(op, 403, "The caller lacks the permission or may not touch this object");
      }
    }
  }
}

/**
 * A nullable reference with its own description comes out of the generator as
 * `allOf: [{ $ref }, { type: [..., "null"] }]`, which no null can satisfy (the reference requires an
 * object). It is rewritten as what it means: `anyOf: [{ $ref }, { type: "null" }]`.
 */
function nullableReferences(doc: Json) {
  const visit = (node: Json) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== "object") return;
    const all = node.allOf;
    if (
      Array.isArray(all) &&
      all.length === 2 &&
      all[0]?.$ref &&
      Array.isArray(all[1]?.type) &&
      all[1].type.includes("null")
    ) {
      const { type: _type, ...rest } = all[1];
      delete node.allOf;
      Object.assign(node, rest, { anyOf: [all[0], { type: "null" }] });
    }
    Object.values(node).forEach(visit);
  };
  visit(doc.paths);
  visit(doc.components);
  visit(doc.webhooks);
}

const header = (description: string, example?: string) => ({
  description,
  schema: { type: "string", ...(example ? { example } : {}) },
});

/**
 * Every response header a client may read, declared where it is sent: the request id and the
 * session bookmark on every answer (and, outside production, the D1 round trips), the replay mark
 * on operations that take an Idempotency-Key, the ETag on answers that carry a ticket, the
 * deprecation mark where a deprecated parameter exists, and the rate-limit headers on throttled
 * operations (those that can answer 429).
 */
function responseHeaders(doc: Json) {
  for (const [path, item] of Object.entries<Json>(doc.paths ?? {})) {
    if (!path.startsWith("/v1")) continue;
    for (const op of Object.values<Json>(item)) {
      const params: Json[] = op.parameters ?? [];
      const idempotent = params.some((p) => p.in === "header" && p.name === "idempotency-key");
      const deprecated = params.some((p) => p.deprecated);
      const throttled = Boolean(op.responses?.["429"]);
      for (const [status, response] of Object.entries<Json>(op.responses ?? {})) {
        const ok = status.startsWith("2");
        const headers: Json = (response.headers ??= {});
        headers["X-Request-Id"] ??= header(
          "The request's id (send your own to correlate; quote it to support)",
          "3f1c2a9e-8d47-4b1e-9c2f-5a6b7c8d9e0f",
        );
        headers["X-D1-Bookmark"] ??= header(
          "The database session's position: send it back as `X-D1-Bookmark` to read your own writes on the next request",
        );
        headers["X-D1-Round-Trips"] ??= header(
          "Outside production only: the database round trips the request took",
          "2",
        );
        if (idempotent && ok)
          headers["Idempotent-Replayed"] ??= header(
            "`true` when this answer is the stored one of an earlier request with the same Idempotency-Key",
            "true",
          );
        const ref = JSON.stringify(response.content ?? {});
        if (ok && /#\/components\/schemas\/Ticket(Detail)?"/.test(ref))
          headers.ETag ??= header("The ticket's version; send it as `If-Match` to change only what you read", '"7"');
        if (deprecated)
          headers.Deprecation ??= header(
            "Present when a deprecated parameter was used: when it was deprecated (RFC 9745)",
            "@1796515200",
          );
        if (throttled) {
          headers["RateLimit-Policy"] ??= header(
            "Each throttle of the operation: its quota `q` per window `w` seconds (IETF draft)",
            '"forgot_ip";q=20;w=3600',
          );
          headers.RateLimit ??= header(
            "The throttle closest to its limit: `r` requests left, reset in `t` seconds (IETF draft)",
            '"forgot_ip";r=19;t=3540',
          );
          if (status === "429") headers["Retry-After"] ??= header("Seconds to wait before trying again", "30");
        }
      }
    }
  }
}

export function finishDocument<T>(doc: T): T {
  nullableReferences(doc);
  transportErrors(doc);
  responseHeaders(doc);
  withoutFilterExamples(doc);
  describeOperations(doc);
  exemplifyRequestBodies(doc);
  defaultsInWords(doc);
  return doc;
}
