import { z } from "@hono/zod-openapi";

/** Every machine-readable error code the API answers with, and its HTTP status. */
export const ERROR_CODES = {
  validation_failed: { status: 400, title: "Validation failed" },
  malformed_json: { status: 400, title: "Malformed JSON" },
  invalid_encoding: { status: 400, title: "Not valid UTF-8 text" },
  invalid_request: { status: 400, title: "Invalid request" },
  invalid_link: { status: 400, title: "Invalid token" },
  unauthorized: { status: 401, title: "Authentication required" },
  invalid_token: { status: 401, title: "Invalid token" },
  invalid_credentials: { status: 401, title: "Invalid credentials" },
  invalid_code: { status: 401, title: "Invalid code" },
  token_expired: { status: 401, title: "Token expired" },
  forbidden: { status: 403, title: "Forbidden" },
  csrf_failed: { status: 403, title: "CSRF check failed" },
  account_inactive: { status: 403, title: "Account not active" },
  device_revoked: { status: 403, title: "Device revoked" },
  device_mismatch: { status: 403, title: "Session belongs to another device" },
  application_denied: { status: 403, title: "No access to this application" },
  not_found: { status: 404, title: "Not found" },
  method_not_allowed: { status: 405, title: "Method not allowed" },
  conflict: { status: 409, title: "Conflict" },
  invalid_transition: { status: 409, title: "Invalid transition" },
  slot_unavailable: { status: 409, title: "Slot unavailable" },
  checklist_incomplete: { status: 409, title: "Checklist incomplete" },
  insufficient_stock: { status: 409, title: "Insufficient stock" },
  already_submitted: { status: 409, title: "Already submitted" },
  request_applied: { status: 409, title: "Applied; answer lost" },
  precondition_failed: { status: 412, title: "Precondition failed" },
  payload_too_large: { status: 413, title: "Payload too large" },
  unsupported_media_type: { status: 415, title: "Unsupported media type" },
  unprocessable: { status: 422, title: "Unprocessable request" },
  idempotency_key_reused: { status: 422, title: "Idempotency-Key reused with another request" },
  invalid_file: { status: 422, title: "Invalid file" },
  rate_limited: { status: 429, title: "Too many requests" },
  internal_error: { status: 500, title: "Internal error" },
  element_manager_unavailable: { status: 502, title: "Element manager unavailable; nothing changed, safe to retry" },
  element_manager_not_configured: { status: 503, title: "No element manager configured" },
  element_manager_timeout: { status: 504, title: "Element manager timed out; nothing changed, safe to retry" },
  element_manager_outcome_unknown: { status: 504, title: "Element manager outcome unknown; check before retrying" },
  routing_unavailable: { status: 502, title: "Routing engine unavailable; nothing booked, safe to retry" },
  routing_not_configured: { status: 503, title: "No routing engine configured" },
  routing_timeout: { status: 504, title: "Routing engine timed out; nothing booked, safe to retry" },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Where a request value came from: the JSON body, the query string, a header or the path. */
export type FieldLocation = "body" | "query" | "header" | "path" | "cookie";

export interface FieldError {
  /** The field's own dotted path (`items.0.name`, `limit`), the same form wherever the value came from. */
  path: string;
  message: string;
  in?: FieldLocation;
}

/** The one error services throw; `onError` turns it into problem+json. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly errors?: FieldError[];
  readonly headers?: Record<string, string>;

  constructor(
    code: ErrorCode,
    detail?: string,
    options: { errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail ?? ERROR_CODES[code].title);
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.errors = options.errors;
    this.headers = options.headers;
  }
}

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: "https://truckroll.dev/problems/validation_failed" }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]),
    request_id: z.string(),
    errors: z
      .array(
        z.object({
          path: z.string().openapi({
            description: "The field's dotted path, the same form for the body, the query, headers and the path",
            example: "items.0.name",
          }),
          message: z.string().openapi({ example: "name is required" }),
          in: z
            .enum(["body", "query", "header", "path", "cookie"])
            .optional()
            .openapi({ description: "Where the value came from, when the request's own checks found it" }),
        }),
      )
      .optional()
      .openapi({ description: "Per-field errors, on validation failures" }),
  })
  .openapi("Problem");

export type Problem = z.infer<typeof ProblemSchema>;

export function problemBody(code: ErrorCode, detail: string, requestId: string, errors?: FieldError[]): Problem {
  const { status, title } = ERROR_CODES[code];
  return {
    type: `https://truckroll.dev/problems/${code}`,
    title,
    status,
    detail,
    code,
    request_id: requestId,
    ...(errors && errors.length ? { errors } : {}),
  };
}

export function problemResponse(
  code: ErrorCode,
  detail: string,
  requestId: string,
  options: { errors?: FieldError[]; headers?: Record<string, string> } = {},
): Response {
  const body = problemBody(code, detail, requestId, options.errors);
  const headers = new Headers(options.headers);
  headers.set("content-type", "application/problem+json");
  headers.set("x-request-id", requestId);
  if (body.status === 401 && !headers.has("www-authenticate")) {
    headers.set(
      "www-authenticate",
      `Bearer realm="truckroll"${code === "invalid_token" ? ', error="invalid_token"' : ""}`,
    );
  }
  return new Response(JSON.stringify(body), { status: body.status, headers });
}

/** What zod says when a schema gave no message of its own: such messages are rewritten in plain words. */
const ZOD_DEFAULT =
  /^(Invalid input|Too small|Too big|Invalid option|Unrecognized key|Invalid string|Invalid ISO|Invalid email|Invalid URL|Invalid UUID|Invalid date|Invalid element|Invalid key|Invalid value|Invalid number|Invalid type)/;

const KINDS: Record<string, string> = {
  string: "text",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "an object",
  date: "a date",
  bigint: "a whole number",
};

const FORMATS: Record<string, string> = {
  email: "an email address",
  url: "a URL",
  uuid: "a UUID",
  datetime: "a date-time with offset (RFC 3339, e.g. 2026-12-01T09:00:00Z)",
  date: "a date (YYYY-MM-DD)",
  time: "a time (HH:MM)",
  e164: "a phone number in international form (+267…)",
};

type ZodLikeIssue = {
  path: ReadonlyArray<PropertyKey>;
  message: string;
  code?: string;
  expected?: string;
  origin?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  values?: readonly unknown[];
  keys?: readonly string[];
  format?: string;
};

/** The message in plain words, naming the field ("full_name is required", not zod's "Invalid input: expected string, received undefined"). */
function plainMessage(issue: ZodLikeIssue, field: string): string {
  if (!ZOD_DEFAULT.test(issue.message)) return issue.message;
  const name = field || "The body";
  const bound = (n: number | bigint | undefined, word: string) => `${n} ${word}${Number(n) === 1 ? "" : "s"}`;
  switch (issue.code) {
    case "invalid_type":
      if (/received undefined$/.test(issue.message)) return `${name} is required`;
      return `${name} must be ${KINDS[issue.expected ?? ""] ?? issue.expected}`;
    case "too_small":
      if (issue.origin === "string")
        return Number(issue.minimum) === 1
          ? `${name} must not be empty`
          : `${name} must be at least ${bound(issue.minimum, "character")}`;
      if (issue.origin === "array" || issue.origin === "set")
        return `${name} must have at least ${bound(issue.minimum, "item")}`;
      return `${name} must be ${issue.inclusive === false ? "more than" : "at least"} ${issue.minimum}`;
    case "too_big":
      if (issue.origin === "string") return `${name} must be at most ${bound(issue.maximum, "character")}`;
      if (issue.origin === "array" || issue.origin === "set")
        return `${name} must have at most ${bound(issue.maximum, "item")}`;
      return `${name} must be ${issue.inclusive === false ? "less than" : "at most"} ${issue.maximum}`;
    case "invalid_value":
      return issue.values && issue.values.length === 1
        ? `${name} must be ${JSON.stringify(issue.values[0])}`
        : `${name} must be one of ${(issue.values ?? []).map(String).join(", ")}`;
    case "invalid_format":
      return `${name} must be ${FORMATS[issue.format ?? ""] ?? `in the form of ${issue.format}`}`;
    case "invalid_union":
      return `${name} is not in any of the accepted forms`;
    default:
      return `${name} is not valid`;
  }
}

/**
 * Zod issues → `[{ path, message, in }]` with the field's own dotted path (`items.0.name`,
 * `limit`; `prefix` for a value nested under another field), messages in plain words, one entry
 * per unknown field named by its own path, and where the value came from.
 */
export function fieldErrors(
  issues: ReadonlyArray<ZodLikeIssue>,
  options: { prefix?: string; in?: FieldLocation } = {},
): FieldError[] {
  const pathOf = (segments: ReadonlyArray<PropertyKey>) =>
    [...(options.prefix ? [options.prefix] : []), ...segments.map(String)].join(".") || "(root)";
  const where = options.in ? { in: options.in } : {};
  return issues.flatMap((issue) => {
    if (issue.code === "unrecognized_keys" && issue.keys?.length && ZOD_DEFAULT.test(issue.message))
      return issue.keys.map((key) => ({
        path: pathOf([...issue.path, key]),
        message: `${[...issue.path.map(String), key].join(".")} is not a field this request takes`,
        ...where,
      }));
    return [{ path: pathOf(issue.path), message: plainMessage(issue, issue.path.map(String).join(".")), ...where }];
  });
}

const problemContent = { "application/problem+json": { schema: ProblemSchema } };

const RESPONSE_DESCRIPTIONS: Record<number, string> = {
  400: "Invalid input (validation_failed, malformed_json)",
  401: "Missing, invalid or expired credentials",
  403: "The caller lacks the permission or may not touch this object",
  404: "Not found",
  409: "Conflict with the current state",
  413: "Request body over the size cap",
  422: "Well-formed but cannot be processed",
  429: "Rate limited; see Retry-After",
  502: "An outside system failed (element_manager_unavailable, routing_unavailable: nothing changed, safe to retry)",
  503: "No element manager or routing engine is configured (element_manager_not_configured, routing_not_configured)",
  504: "An outside system did not answer in time (element_manager_timeout, routing_timeout: safe to retry; element_manager_outcome_unknown: a change may have been applied, check before retrying)",
};

/** Spread into a route's `responses` so every documented error uses the Problem schema. */
export function errorResponses(...statuses: number[]) {
  const out: Record<number, { description: string; content: typeof problemContent }> = {};
  for (const s of statuses) out[s] = { description: RESPONSE_DESCRIPTIONS[s] ?? "Error", content: problemContent };
  return out;
}
