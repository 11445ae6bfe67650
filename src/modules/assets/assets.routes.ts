import { createRoute } from "@hono/zod-openapi";
import { idempotencyHeader, idempotent } from "../../middleware/idempotency";
import { requires } from "../../middleware/auth";
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
