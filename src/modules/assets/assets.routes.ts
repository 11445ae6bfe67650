import { createRoute } from "@hono/zod-openapi";
import { idempotencyHeader, idempotent } from "../../middleware/idempotency";
import { requires, requiresSignIn } from "../../middleware/auth";
import { jsonBody, jsonResponse, noContent } from "../../lib/openapi";
import { errorResponses } from "../../lib/problem";
import {
  AssetCreateSchema,
  AssetDetailSchema,
  AssetIdParam,
  AssetListQuery,
  AssetPageSchema,
  AssetSchema,
  AssetUpdateSchema,
  OwnCardCreateSchema,
  OwnCardUpdateSchema,
} from "./assets.schemas";

const tags = ["assets"];

export const listAssets = createRoute({
  method: "get",
  path: "/v1/assets",
  tags,
  operationId: "listAssets",
  summary: "Service cards; customers see their own",
  ...requires("assets:read"),
  request: { query: AssetListQuery },
  responses: { 200: jsonResponse(AssetPageSchema, "A page of service cards"), ...errorResponses(400, 401, 403) },
});

export const createAsset = createRoute({
  method: "post",
  path: "/v1/assets",
  tags,
  operationId: "createAsset",
  summary: "Create a service card",
  ...requires("assets:write", idempotent()),
  request: { headers: idempotencyHeader, body: jsonBody(AssetCreateSchema) },
  responses: { 201: jsonResponse(AssetSchema, "Created"), ...errorResponses(400, 401, 403) },
});

export const getAsset = createRoute({
  method: "get",
  path: "/v1/assets/{id}",
  tags,
  operationId: "getAsset",
  summary: "A service card with its service history",
  ...requires("assets:read"),
  request: { params: AssetIdParam },
  responses: { 200: jsonResponse(AssetDetailSchema, "The card"), ...errorResponses(400, 401, 403, 404) },
});

export const updateAsset = createRoute({
  method: "patch",
  path: "/v1/assets/{id}",
  tags,
  operationId: "updateAsset",
  summary: "Update a service card",
  ...requires("assets:write"),
  request: { params: AssetIdParam, body: jsonBody(AssetUpdateSchema) },
  responses: { 200: jsonResponse(AssetSchema, "Updated"), ...errorResponses(400, 401, 403, 404) },
});

export const deleteAsset = createRoute({
  method: "delete",
  path: "/v1/assets/{id}",
  tags,
  operationId: "deleteAsset",
  summary: "Delete a service card (soft)",
  ...requires("assets:write"),
  request: { params: AssetIdParam },
  responses: { 204: noContent, ...errorResponses(400, 401, 403, 404) },
});

const selfService =
  "Offered when the operator switches it on (`CUSTOMER_CARD_SELF_SERVICE=on`; 403 otherwise). The customer names the model, serial number and where the appliance is; its card type and warranty (which decide free or paid visits) are set by the operator's staff.";

export const registerOwnServiceCard = createRoute({
  method: "post",
  path: "/v1/me/service-cards",
  tags,
  operationId: "registerOwnServiceCard",
  summary: "A customer registers a service card of their own",
  description: selfService,
  ...requiresSignIn(),
  middleware: [...requiresSignIn().middleware, idempotent()],
  request: { headers: idempotencyHeader, body: jsonBody(OwnCardCreateSchema) },
  responses: { 201: jsonResponse(AssetSchema, "Registered"), ...errorResponses(400, 401, 403, 404) },
});

export const updateOwnServiceCard = createRoute({
  method: "patch",
  path: "/v1/me/service-cards/{id}",
  tags,
  operationId: "updateOwnServiceCard",
  summary: "A customer corrects their own card (model, serial number, where it is)",
  description: selfService,
  ...requiresSignIn(),
  request: { params: AssetIdParam, body: jsonBody(OwnCardUpdateSchema) },
  responses: { 200: jsonResponse(AssetSchema, "Updated"), ...errorResponses(400, 401, 403, 404) },
});
