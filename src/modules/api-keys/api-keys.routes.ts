import { createRoute, z } from "@hono/zod-openapi";
import { jsonBody, jsonResponse, PUBLIC } from "../../lib/openapi";
import { errorResponses } from "../../lib/problem";
import { requires } from "../../middleware/auth";
import { idempotencyHeader, idempotent } from "../../middleware/idempotency";
import {
  AccessTokenSchema,
  ApiKeyCreateSchema,
  ApiKeyDetailSchema,
  ApiKeyIdParam,
  ApiKeyListQuery,
  ApiKeyPageSchema,
  ApiKeyRotateSchema,
  ApiKeySchema,
  ApiKeyWithSecretSchema,
  ClientCredentialsSchema,
} from "./api-keys.schemas";

const tags = ["api-keys"];

export const listApiKeys = createRoute({
  method: "get",
  path: "/v1/api-keys",
  tags,
  operationId: "listApiKeys",
  summary: "API keys, newest first (never their secrets)",
  ...requires("api_keys:manage"),
  request: { query: ApiKeyListQuery },
  responses: { 200: jsonResponse(ApiKeyPageSchema, "A page of keys"), ...errorResponses(400, 401, 403) },
});

export const createApiKey = createRoute({
  method: "post",
  path: "/v1/api-keys",
  tags,
  operationId: "createApiKey",
  summary: "Create an API key for a service or integration",
  description:
    "The answer holds the secret, shown this once; only its hash is kept. Requests then send `Authorization: Bearer <secret>` and act with exactly the key's permissions (a subset of yours).",
  ...requires("api_keys:manage", idempotent()),
  request: { headers: idempotencyHeader, body: jsonBody(ApiKeyCreateSchema) },
  responses: {
    201: jsonResponse(ApiKeyWithSecretSchema, "Created: store the secret now"),
    ...errorResponses(400, 401, 403),
  },
});

export const getApiKey = createRoute({
  method: "get",
  path: "/v1/api-keys/{id}",
  tags,
  operationId: "getApiKey",
  summary: "An API key, with its use per day",
  ...requires("api_keys:manage"),
  request: { params: ApiKeyIdParam },
  responses: { 200: jsonResponse(ApiKeyDetailSchema, "The key"), ...errorResponses(400, 401, 403, 404) },
});

export const revokeApiKey = createRoute({
  method: "post",
  path: "/v1/api-keys/{id}/revoke",
  tags,
  operationId: "revokeApiKey",
  summary: "Revoke a key at once",
  description:
    "Requests with it are refused from now on; tokens already exchanged for it (client credentials) run out within five minutes.",
  ...requires("api_keys:manage", idempotent()),
  request: { headers: idempotencyHeader, params: ApiKeyIdParam },
  responses: { 200: jsonResponse(ApiKeySchema, "Revoked"), ...errorResponses(400, 401, 403, 404, 409) },
});

export const rotateApiKey = createRoute({
  method: "post",
  path: "/v1/api-keys/{id}/rotate",
  tags,
  operationId: "rotateApiKey",
  summary: "Replace a key's secret, keeping the old one for an overlap",
  description:
    "A new key with the same name, application, permissions and expiry; the old one works for `overlap_minutes` more (default 60), then expires.",
  ...requires("api_keys:manage", idempotent()),
  request: { headers: idempotencyHeader, params: ApiKeyIdParam, body: jsonBody(ApiKeyRotateSchema) },
  responses: {
    201: jsonResponse(ApiKeyWithSecretSchema, "The new key: store the secret now"),
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

export const clientCredentialsToken = createRoute({
  method: "post",
  path: "/v1/oauth/token",
  tags,
  operationId: "clientCredentialsToken",
  security: PUBLIC,
  summary: "Exchange an API key for a short-lived access token (OAuth 2.0 client credentials)",
  description:
    "`grant_type=client_credentials` with the key's secret as `client_secret` (form-encoded or JSON), or as HTTP Basic's password with the key id as user name. The token lasts five minutes, is verifiable with `/.well-known/jwks.json`, carries the key's permissions as `scope` (and its application as `azp`), and is accepted like the key itself without a lookup per call. Errors use this API's problem format.",
  request: {
    body: {
      required: false,
      content: {
        "application/x-www-form-urlencoded": { schema: ClientCredentialsSchema },
        "application/json": { schema: ClientCredentialsSchema },
      },
    },
  },
  responses: { 200: jsonResponse(AccessTokenSchema, "The token"), ...errorResponses(400, 401, 429) },
});

export const ClientCredentialsBody = z.object({
  grant_type: z.string().optional(),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
});
