import { createRoute, z } from "@hono/zod-openapi";
import { requires } from "../../middleware/auth";
import { PUBLIC, jsonResponse } from "../../lib/openapi";
import { cursorParam, limitParam, pageSchema } from "../../lib/pagination";
import { errorResponses } from "../../lib/problem";
import { LANGUAGES, catalogue } from "../../locales/catalogue";

const tags = ["platform"];

export const ApiRootSchema = z
  .object({
    name: z.string(),
    version: z.string(),
    docs: z.string(),
    openapi: z.string(),
    collections: z.record(z.string(), z.string()),
  })
  .openapi("ApiRoot");

export const HealthSchema = z
  .object({
    status: z.enum(["ok", "degraded"]),
    checks: z.object({ d1: z.object({ ok: z.boolean(), latency_ms: z.number() }) }),
    time: z.string(),
  })
  .openapi("Health");

export const OutboxMessageSchema = z
  .object({
    id: z.string(),
    channel: z.string(),
    recipient: z.string(),
    subject: z.string().nullable(),
    body: z.string(),
    event_type: z.string(),
    created_at: z.string(),
  })
  .openapi("OutboxMessage");

const labelSets = catalogue("en").labels;
const labelSet = (name: keyof typeof labelSets) =>
  z.object(
    Object.fromEntries(
      Object.entries(labelSets[name]).map(([value, label]) => [value, z.string().openapi({ example: label })]),
    ) as Record<string, z.ZodString>,
  );

export const LabelsSchema = z
  .object({
    language: z.enum(Object.keys(LANGUAGES) as [keyof typeof LANGUAGES]),
    labels: z.object(
      Object.fromEntries(
        Object.keys(labelSets).map((name) => [name, labelSet(name as keyof typeof labelSets)]),
      ) as Record<keyof typeof labelSets, ReturnType<typeof labelSet>>,
    ),
  })
  .openapi("Labels");

export const LabelsQuery = z.strictObject({
  language: z
    .enum(Object.keys(LANGUAGES) as [keyof typeof LANGUAGES])
    .optional()
    .openapi({
      param: { name: "language", in: "query" },
      description: "The language of the names; the deployment's language (the LANGUAGE setting) when not given",
    }),
});

export const getApiRoot = createRoute({
  method: "get",
  path: "/v1",
  tags,
  operationId: "getApiRoot",
  security: PUBLIC,
  summary: "The resource collections",
  responses: { 200: jsonResponse(ApiRootSchema, "Collections") },
});

export const getLabels = createRoute({
  method: "get",
  path: "/v1/labels",
  tags,
  operationId: "getLabels",
  security: PUBLIC,
  summary: "Display names for the API's value sets (statuses, kinds, priorities …)",
  description:
    "Responses carry machine values (`in_progress`, `carry_in`); show these names to people instead. One object per value set, keyed by value, in the deployment's language or the one asked for. Stable and cacheable for an hour.",
  request: { query: LabelsQuery },
  responses: { 200: jsonResponse(LabelsSchema, "Names by value set and value"), ...errorResponses(400) },
});

export const getHealth = createRoute({
  method: "get",
  path: "/v1/health",
  tags,
  operationId: "getHealth",
  security: PUBLIC,
  summary: "Liveness and a D1 round trip",
  responses: { 200: jsonResponse(HealthSchema, "Healthy"), 503: jsonResponse(HealthSchema, "D1 unreachable") },
});

export const listDevOutbox = createRoute({
  method: "get",
  path: "/v1/dev/outbox",
  tags,
  operationId: "listDevOutbox",
  summary: "Local development only: messages the notification consumer would have sent",
  description: "404 outside local development. Filter by recipient address.",
  ...requires("dev:outbox"),
  request: {
    query: z.strictObject({
      limit: limitParam,
      cursor: cursorParam,
      recipient: z
        .string()
        .max(254)
        .optional()
        .openapi({
          param: { name: "recipient", in: "query" },
          description: "Only messages to this address (email or E.164 phone)",
        }),
    }),
  },
  responses: {
    200: jsonResponse(pageSchema(OutboxMessageSchema, "OutboxPage"), "Newest first"),
    ...errorResponses(400, 401, 403, 404),
  },
});
