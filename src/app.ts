import "./owners";
import "./identity";
import { OpenAPIHono } from "@hono/zod-openapi";
import { finishDocument } from "./lib/openapi-reference";
import { Scalar } from "@scalar/hono-api-reference";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { HTTPException } from "hono/http-exception";
import { secureHeaders } from "hono/secure-headers";
import { ZodError } from "zod";
import type { AppEnv } from "./lib/context";
import { settingsFrom } from "./lib/env";
import { AppError, fieldErrors, problemResponse, type ErrorCode } from "./lib/problem";
import { requestContext } from "./middleware/request-context";
import { d1Session } from "./middleware/d1-session";
import { serviceContext } from "./lib/create-router";
import { forgetSessionsAfterWrites } from "./middleware/auth";
import { accountPage, type AccountPageKind } from "./web/account-page";
import { appointmentPage } from "./web/appointment-page";
import { catalogue, pickLanguage } from "./locales/catalogue";
import { authModule } from "./modules/auth";
import { platformModule } from "./modules/platform";
import { rolesModule } from "./modules/roles";
import { auditModule } from "./modules/audit";
import { calendarsModule } from "./modules/calendars";
import { templatesModule } from "./modules/templates";
import { maintenanceModule } from "./modules/maintenance";
import { serviceContractsModule } from "./modules/service-contracts";
import { privacyModule } from "./modules/privacy";
import { archiveModule } from "./modules/archive";
import { avatarsModule } from "./modules/avatars";
import { offersModule } from "./modules/offers";
import { usersModule } from "./modules/users";
import { companiesModule } from "./modules/companies";
import { customersModule } from "./modules/customers";
import { assetsModule } from "./modules/assets";
import { techniciansModule } from "./modules/technicians";
import { ticketsModule } from "./modules/tickets";
import { bucketsModule } from "./modules/buckets";
import { schedulingModule, visitPageData } from "./modules/scheduling";
import { attendanceModule } from "./modules/attendance";
import { inventoryModule } from "./modules/inventory";
import { notificationsModule, webhookDocuments } from "./modules/notifications";
import { mobileModule } from "./modules/mobile";
import { uploadsModule } from "./modules/uploads";
import { networkModule } from "./modules/network";
import { provisioningModule } from "./modules/provisioning";
import { commentsModule } from "./modules/comments";
import { jobsModule } from "./modules/jobs";
import { reportsModule } from "./modules/reports";
import { importsModule } from "./modules/imports";
import { applicationCors, applicationsModule } from "./modules/applications";
import { apiKeysModule } from "./modules/api-keys";
import { directoryModule } from "./modules/directory";

const ACCOUNT_PAGES: Record<string, AccountPageKind> = {
  "/reset-password": "reset",
  "/verify-contact": "verify",
  "/undo-contact": "undo",
};
const BODY_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const ACCEPTED_BODY_TYPES = ["application/json", "multipart/form-data"];
/** Imports also take the file as the raw body. */
const CSV_BODY_TYPES = ["text/csv", "application/csv", "text/plain"];

/** Uploads get room for the file cap plus base64 or multipart overhead; everything else the body cap. */
function capFor(
  path: string,
  settings: {
    maxBodyBytes: number;
    maxUploadBytes: number;
    importMaxBytes: number;
    uploadMaxBytes: Record<string, number>;
  },
) {
  if (path.startsWith("/v1/imports/")) return settings.importMaxBytes + 65_536;
  if (path === "/v1/uploads") return Math.max(...Object.values(settings.uploadMaxBytes)) + 65_536;
  return path.endsWith("/attachments") ? Math.ceil(settings.maxUploadBytes * 1.4) + 65_536 : settings.maxBodyBytes;
}

/** A request that may carry a body passes the three checks below; a GET or HEAD (no body) skips them. */
function bodyChecks() {
  const checks = [bodySizeCap(), requireKnownContentType(), requireCleanJsonText()];
  return createMiddleware<AppEnv>((c, next) => {
    if (!BODY_METHODS.has(c.req.method)) return next();
    const run = (i: number): Promise<void> =>
      i === checks.length ? next() : Promise.resolve(checks[i](c, () => run(i + 1))).then(() => undefined);
    return run(0);
  });
}

/** Bodies larger than the cap are refused before anything reads them. */
function bodySizeCap() {
  return createMiddleware<AppEnv>((c, next) =>
    bodyLimit({
      maxSize: capFor(c.req.path, c.var.settings),
      onError: () => {
        throw new AppError(
          "payload_too_large",
          `The request body is larger than ${capFor(c.req.path, c.var.settings)} bytes.`,
        );
      },
    })(c, next),
  );
}

/** A body must say it is JSON (or multipart, for uploads); anything else is 415, not a silent `{}`. */
function requireKnownContentType() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const hasBody = c.req.header("content-length")
      ? c.req.header("content-length") !== "0"
      : Boolean(c.req.header("transfer-encoding"));
    if (BODY_METHODS.has(c.req.method) && hasBody) {
      const type = (c.req.header("content-type") ?? "").split(";")[0].trim().toLowerCase();
      const accepted =
        ACCEPTED_BODY_TYPES.includes(type) ||
        (c.req.path.startsWith("/v1/imports/") && CSV_BODY_TYPES.includes(type)) ||
        // OAuth 2.0 token requests are form-encoded (RFC 6749 §4.4.2).
        (c.req.path === "/v1/oauth/token" && type === "application/x-www-form-urlencoded");
      if (!accepted) {
        throw new AppError("unsupported_media_type", "Send the body as application/json.");
      }
    }
    await next();
  });
}

/**
 * A JSON body is UTF-8 text: bytes that do not decode (a stray \xff, an overlong sequence) or a
 * lone surrogate escape would be stored altered (as U+FFFD), and NUL ends strings in other
 * systems. All are refused with 400 before any handler runs, the same on every route (CSV imports
 * refuse the same bytes in their files). Reads a copy, so the body stays unread for the route.
 */
function requireCleanJsonText() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const type = (c.req.header("content-type") ?? "").split(";")[0].trim().toLowerCase();
    if (!BODY_METHODS.has(c.req.method) || type !== "application/json" || !c.req.raw.body) return next();
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(await c.req.raw.clone().arrayBuffer());
    } catch {
      throw new AppError("invalid_encoding", "The request body is not valid UTF-8.");
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return next(); // the route's parser answers malformed_json
    }
    const problem = textProblem(value, "");
    if (problem)
      throw new AppError(problem.code, problem.detail, {
        errors: [{ path: problem.path || "(root)", message: problem.message }],
      });
    await next();
  });
}

function textProblem(
  value: unknown,
  path: string,
): { code: "invalid_encoding" | "validation_failed"; detail: string; path: string; message: string } | null {
  if (typeof value === "string") {
    if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value))
      return {
        code: "invalid_encoding",
        detail: "The request body has a lone UTF-16 surrogate (an unpaired \\uD800–\\uDFFF escape).",
        path,
        message: "Not valid Unicode text",
      };
    if (value.includes("\u0000"))
      return {
        code: "validation_failed",
        detail: "Text may not contain NUL characters.",
        path,
        message: "Contains a NUL character",
      };
    return null;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = textProblem(value[i], path ? `${path}.${i}` : String(i));
      if (p) return p;
    }
    return null;
  }
  if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      const p = textProblem(k, path) ?? textProblem(v, path ? `${path}.${k}` : k);
      if (p) return p;
    }
  }
  return null;
}

function noStore() {
  return createMiddleware<AppEnv>(async (c, next) => {
    await next();
    c.res.headers.set("cache-control", "no-store");
    c.res.headers.set("referrer-policy", "no-referrer");
  });
}

const STATUS_CODES: Record<number, ErrorCode> = {
  400: "invalid_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  409: "conflict",
  413: "payload_too_large",
  415: "unsupported_media_type",
  422: "unprocessable",
  429: "rate_limited",
};

function requestIdOf(c: Context<AppEnv>) {
  return c.var.requestId ?? crypto.randomUUID();
}

/** The one place errors become responses: AppError, Hono's HTTPException, stray ZodErrors, and the rest as 500. */
export function handleError(err: Error, c: Context<AppEnv>): Response {
  const requestId = requestIdOf(c);
  if (err instanceof AppError) {
    return problemResponse(err.code, err.message, requestId, { errors: err.errors, headers: err.headers });
  }
  if (err instanceof HTTPException) {
    if (err.status === 400 && /malformed json/i.test(err.message)) {
      return problemResponse("malformed_json", "The request body is not valid JSON.", requestId);
    }
    const code = STATUS_CODES[err.status] ?? (err.status >= 500 ? "internal_error" : "invalid_request");
    return problemResponse(code, err.status >= 500 ? "Internal error." : err.message || code, requestId);
  }
  if (err instanceof ZodError) {
    return problemResponse("validation_failed", "The request did not pass validation.", requestId, {
      errors: fieldErrors(err.issues),
    });
  }
  console.error(
    JSON.stringify({
      level: "error",
      msg: "unhandled error",
      request_id: requestId,
      error: err?.message,
      stack: err?.stack,
    }),
  );
  return problemResponse("internal_error", "Internal error.", requestId);
}

/**
 * Optional query filters carry no example: the reference page pre-fills examples, so an untouched
 * "Send" on a list would filter by them and answer an empty page. Their shared schemas keep the
 * examples where they describe bodies.
 */
/** The API's groups in the order the reference shows them: the daily work first, administration last. */
export const API_TAGS = [
  {
    name: "tickets",
    description:
      "Work orders — cases, tasks, incidents and service bookings: raise, assign, work, resolve, approve; SLA targets, comments, attachments, history, work logs and completion by customer code.",
  },
  {
    name: "scheduling",
    description:
      "Technicians' free slots, appointments (booked one writer per technician, so never twice), their steps from confirmed to completed, customer booking links, feedback and ratings.",
  },
  {
    name: "public",
    description:
      "What a customer does from the link in their SMS, without an account: see the visit, pick or move a slot, share a location, give feedback. The link's token is the credential.",
  },
  {
    name: "customers",
    description: "Customers and subscribers: contact details, address and location, service area and package.",
  },
  {
    name: "assets",
    description: "Service cards: the equipment at a customer's premises, with serial number and warranty.",
  },
  {
    name: "technicians",
    description: "Technicians' profiles, skills and service areas, availability, teams and live locations.",
  },
  {
    name: "mobile",
    description:
      "Technicians' phones offline: a snapshot and then only the changes since (by a server sequence, never clocks), actions taken offline applied once each with conflicts answered, and the devices that sync.",
  },
  {
    name: "uploads",
    description:
      "Photos, documents and signatures from the field: checked by their content, stored, attached to a ticket (and a work log) at once or later; never-attached ones are cleaned up.",
  },
  {
    name: "network",
    description:
      "Network operations: regions and their localities (which the free-text service areas map to), copper-theft incidents with the cable price list, the customers each one cut off, and their restoration tickets.",
  },
  {
    name: "provisioning",
    description:
      "The fibre network through its element manager: ONT link checks and subscriber health (technicians too, for their own tickets), service provisioning, CPE changes, ONT removal, VLANs on nodes (handed out by one writer per node, never twice), subscriber search, and the provisioning log. Element-manager failures answer 502/504 with a code that says whether retrying is safe.",
  },
  {
    name: "comments",
    description:
      "Comments on any object, known by its kind and id (copper-theft incidents and the customers they affected): list, add, edit and delete by the author or an administrator.",
  },
  { name: "attendance", description: "Daily presence of technicians and staff." },
  {
    name: "inventory",
    description:
      "The catalogue, stock by location (warehouse, vans, customers) in a ledger that never goes below zero, serial numbers, and equipment issued to technicians.",
  },
  {
    name: "reports",
    description:
      "The dashboard, technician and team performance with trends, period reports, ticket and service reports as JSON, CSV or PDF, and exports of any size.",
  },
  {
    name: "imports",
    description:
      "Customers, tickets, service cards and catalogue items from CSV files, taken in as background jobs: dry runs, column mapping, what to do with records that exist, and a report of every rejected row to fix and upload again.",
  },
  {
    name: "jobs",
    description:
      "Background jobs started by imports and exports: state, progress and counts, cancel, and the finished file (an export, or an import's error report) for the user who started it.",
  },
  { name: "buckets", description: "Saved, named ticket queues: a set of ticket-list filters under a name." },
  {
    name: "notifications",
    description: "In-app notifications, each user's channel preferences, and the delivery log of every message sent.",
  },
  { name: "realtime", description: "Events pushed over a WebSocket as they happen." },
  { name: "webhooks", description: "Events delivered to your HTTPS endpoint, signed, retried with back-off." },
  {
    name: "directory",
    description:
      "Lookups for other services, with an API key or a token: a user, up to 100 users at once, a company's people, an employee with company and working profile.",
  },
  {
    name: "api-keys",
    description:
      "Credentials for services and integrations: API keys with exactly the permissions they are given, rotation with an overlap, revocation, use per day, and the OAuth 2.0 client-credentials grant for short-lived tokens.",
  },
  {
    name: "auth",
    description:
      "Sign-in with username, email or phone; refresh and sign-out; passwords; two-factor codes; token validation and the public keys that verify tokens.",
  },
  {
    name: "users",
    description: "Your own profile, and user administration: create, edit, approve registrations, (de)activate.",
  },
  { name: "roles", description: "Permissions, built-in and custom roles, and round-robin pools." },
  { name: "calendars", description: "Business hours: weekly frames in a time zone, exceptions, holidays." },
  {
    name: "maintenance",
    description:
      "Preventive maintenance: plans that raise a ticket from a job template ahead of each occurrence of a recurrence rule.",
  },
  {
    name: "privacy",
    description: "Data protection: erasing a customer's personal data on request (their export is under customers).",
  },
  {
    name: "avatars",
    description: "Users' pictures: a photo upload named as the user's avatar, shown to staff.",
  },
  {
    name: "archive",
    description:
      "Archive: closed work older than the archive age moved to compressed files by month (with a manifest), still readable by ticket and in a customer's history, and restorable by month.",
  },
  {
    name: "service-contracts",
    description:
      "Service contracts: a customer's cover for a period, the visits included per period (free or paid) that decide a booking's charge, renewal and reminders.",
  },
  {
    name: "job-templates",
    description:
      "What a kind of job takes: estimate, skills, parts expected and a checklist copied onto each ticket raised from it.",
  },
  {
    name: "time-off",
    description:
      "Technicians' leave, sickness and training: asked for by the technician, decided by their supervisor or a manager; approved time off closes their slots.",
  },
  {
    name: "sla-policies",
    description:
      "Which tickets get which response and resolution targets, in working minutes on which calendar; changes move open tickets' due times, never the time already used.",
  },
  { name: "audit", description: "Who changed accounts, roles, grants, API keys, applications, webhooks and teams." },
  {
    name: "applications",
    description:
      "The operator's other applications that sign their users in through truckroll: registry, public list for login screens, each application's own roles, who holds them, and round-robin pools.",
  },
  { name: "companies", description: "Contractor companies that technicians may belong to." },
  {
    name: "offers",
    description:
      "The catalogue of offers (packages) customers subscribe to: speeds, monthly price, on sale or retired. A customer's `offer_id` names one.",
  },
  { name: "platform", description: "The API root, health, and the local development outbox." },
];

export function createApp() {
  const app = new OpenAPIHono<AppEnv>();

  app.use("*", requestContext());
  app.use("*", secureHeaders({ crossOriginResourcePolicy: false, contentSecurityPolicy: undefined }));
  // The registered applications' web pages may call the API from their origins (answered before anything else).
  app.use("/v1/*", applicationCors());
  app.use("/v1/*", d1Session(), forgetSessionsAfterWrites(), bodyChecks());
  // Token-bearing pages and API: never cached, never leaked in a Referer.
  app.use("/v1/public/*", noStore());
  app.use("/a/*", noStore());
  for (const path of Object.keys(ACCOUNT_PAGES)) app.use(path, noStore());

  app.route("/", platformModule);
  app.route("/", authModule);
  app.route("/", usersModule);
  app.route("/", rolesModule);
  app.route("/", notificationsModule);
  app.route("/", companiesModule);
  app.route("/", customersModule);
  app.route("/", assetsModule);
  app.route("/", techniciansModule);
  app.route("/", ticketsModule);
  app.route("/", bucketsModule);
  app.route("/", schedulingModule);
  app.route("/", attendanceModule);
  app.route("/", inventoryModule);
  app.route("/", reportsModule);
  app.route("/", importsModule);
  app.route("/", applicationsModule);
  app.route("/", apiKeysModule);
  app.route("/", directoryModule);
  app.route("/", jobsModule);
  app.route("/", mobileModule);
  app.route("/", uploadsModule);
  app.route("/", networkModule);
  app.route("/", provisioningModule);
  app.route("/", commentsModule);
  app.route("/", auditModule);
  app.route("/", calendarsModule);
  app.route("/", templatesModule);
  app.route("/", maintenanceModule);
  app.route("/", serviceContractsModule);
  app.route("/", privacyModule);
  app.route("/", archiveModule);
  app.route("/", avatarsModule);
  app.route("/", offersModule);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description:
      "An access token from /v1/auth/login (EdDSA-signed JWT, typ at+jwt) or from the client-credentials grant (/v1/oauth/token), or an API key's secret (trk_…), which acts with exactly the key's permissions",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "cookieAuth", {
    type: "apiKey",
    in: "cookie",
    name: "tr_access",
    description: "Cookie mode (token_delivery: cookie). Unsafe methods also need the X-CSRF-Token header.",
  });
  for (const webhook of webhookDocuments()) app.openAPIRegistry.registerWebhook(webhook);
  app.get("/openapi.json", (c) =>
    c.json(
      finishDocument(
        app.getOpenAPI31Document({
          openapi: "3.1.0",
          info: {
            title: "truckroll API",
            version: "1.0.0",
            contact: {
              name: "truckroll API support",
              url: "https://truckroll.dev/support",
              email: "api@truckroll.dev",
            },
            license: {
              name: "Proprietary: for truckroll customers and their integrators",
              url: "https://truckroll.dev/terms",
            },
            description:
              "Field-service operations API. Errors are RFC 9457 application/problem+json with a machine `code`; lists use `limit` and an opaque `cursor`; unknown body fields and query parameters are refused. Creates take an `Idempotency-Key` header for safe retries. Reads may come from a nearby replica: send the `X-D1-Bookmark` header of a response back on the next request to read at least what it saw (your own writes).",
          },
          servers: [
            { url: "/", description: "This deployment (the server serving this document)" },
            { url: "http://localhost:8787", description: "Local development (`npm run dev`)" },
            { url: "https://api.truckroll.dev", description: "Production" },
          ],
          security: [{ bearerAuth: [] }, { cookieAuth: [] }],
          tags: API_TAGS,
        }),
      ),
    ),
  );
  // The platform serves files under public/ before the worker runs; this route is the fallback
  // for runtimes that route everything to the worker (the test pool).
  app.get("/docs/scalar.js", async (c) => {
    if (!c.env.ASSETS) return c.notFound();
    const asset = await c.env.ASSETS.fetch(c.req.raw);
    return new Response(asset.body, asset); // a fetched response's headers are immutable
  });
  app.get("/a/:token", async (c) => {
    const nonce = crypto.randomUUID().replace(/-/g, "");
    c.header("content-security-policy", pagePolicy(nonce));
    c.header("vary", "accept-language");
    const settings = settingsFrom(c.env);
    // The first paint needs no API call: the link's context and its first day of slots come inside the page.
    const data = await visitPageData(serviceContext(c), c.req.param("token"));
    const language = pickLanguage(
      c.req.query("lang"),
      data.customerLanguage,
      c.req.header("accept-language"),
      settings.language,
    );
    const words = catalogue(language);
    const context = data.context && { ...data.context, service_name: words.services[data.context.service_type] };
    return c.html(
      appointmentPage(
        nonce,
        words,
        {
          name: settings.companyName,
          phone: settings.companyPhone,
        },
        { context, first: data.first, problem: data.problem },
      ),
    );
  });
  // The pages behind the links sent about an account (password reset, contact change): PUBLIC_BASE_URL
  // points the links at this worker by default, or at the operator's own app serving the same paths.
  for (const [path, kind] of Object.entries(ACCOUNT_PAGES)) {
    app.get(path, (c) => {
      const nonce = crypto.randomUUID().replace(/-/g, "");
      c.header("content-security-policy", pagePolicy(nonce));
      return c.html(accountPage(nonce, kind, { name: settingsFrom(c.env).companyName }));
    });
  }
  // Works offline: no AI agent, MCP, telemetry or web fonts; the token typed into the page survives reloads.
  const reference = Scalar({
    url: "/openapi.json",
    pageTitle: "truckroll API",
    favicon: "/favicon.svg",
    cdn: "/docs/scalar.js",
    withDefaultFonts: false,
    persistAuth: true,
    telemetry: false,
    showDeveloperTools: "never",
    hideClientButton: false,
    agent: { disabled: true },
    mcp: { disabled: true },
  } as Parameters<typeof Scalar>[0]);
  // The reference page keeps the bearer token a reader types in local storage: no script runs on it
  // but its own bundle and its one inline start-up script (by nonce). The bundle inserts its styles at
  // run time, so styles are allowed inline (a style cannot run script); everything else is same-origin.
  app.get("/docs", async (c) => {
    const nonce = crypto.randomUUID().replace(/-/g, "");
    const page = (await reference(c as never, async () => {})) as Response;
    const html = (await page.text()).replace(/<script\b/g, `<script nonce="${nonce}"`);
    c.header("content-security-policy", docsPagePolicy(nonce));
    c.header("x-content-type-options", "nosniff");
    c.header("referrer-policy", "no-referrer");
    return c.html(html);
  });

  app.notFound((c) => {
    const allowed = allowedMethods(app, c.req.path);
    if (allowed.length) {
      return problemResponse("method_not_allowed", `${c.req.method} is not allowed here.`, requestIdOf(c), {
        headers: { allow: allowed.join(", ") },
      });
    }
    return problemResponse("not_found", `No route for ${c.req.method} ${c.req.path}.`, requestIdOf(c));
  });
  app.onError(handleError);
  return app;
}

/** The pages truckroll serves to people (the visit page, the account pages): their own nonce'd script and style only. */
function pagePolicy(nonce: string) {
  return `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
}

export function docsPagePolicy(nonce: string) {
  return [
    "default-src 'none'",
    `script-src 'self' 'nonce-${nonce}'`,
    "style-src 'self' 'unsafe-inline'",
    "connect-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "worker-src 'self' blob:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

let routePatterns: { method: string; pattern: RegExp }[] | undefined;

/** Methods registered for a path, so a wrong method answers 405 with Allow rather than 404. */
function allowedMethods(app: OpenAPIHono<AppEnv>, path: string): string[] {
  routePatterns ??= app.routes
    .filter((r) => r.method !== "ALL")
    .map((r) => ({
      method: r.method,
      pattern: new RegExp(`^${r.path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/:[^/]+/g, "[^/]+")}/?$`),
    }));
  const methods = new Set(routePatterns.filter((r) => r.pattern.test(path)).map((r) => r.method));
  if (methods.has("GET")) methods.add("HEAD");
  return [...methods].sort();
}
