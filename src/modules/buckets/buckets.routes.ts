import { createRoute } from "@hono/zod-openapi";
import { idempotencyHeader, idempotent } from "../../middleware/idempotency";
import { requires } from "../../middleware/auth";
import { jsonBody, jsonResponse, noContent } from "../../lib/openapi";
import { errorResponses } from "../../lib/problem";
import { TicketPageSchema } from "../tickets";
import {
  BucketCreateSchema,
  BucketIdParam,
  BucketListSchema,
  BucketRefreshQuery,
  BucketSchema,
  BucketUpdateSchema,
} from "./buckets.schemas";

const tags = ["buckets"];

export const listBuckets = createRoute({
  method: "get",
  path: "/v1/buckets",
  tags,
  operationId: "listBuckets",
  summary: "Your saved ticket queues",
  ...requires("tickets:read"),
  responses: { 200: jsonResponse(BucketListSchema, "Your buckets"), ...errorResponses(401, 403) },
});

export const createBucket = createRoute({
  method: "post",
  path: "/v1/buckets",
  tags,
  operationId: "createBucket",
  summary: "Save a named ticket queue",
  ...requires("tickets:read", idempotent()),
  request: { headers: idempotencyHeader, body: jsonBody(BucketCreateSchema) },
  responses: { 201: jsonResponse(BucketSchema, "Created"), ...errorResponses(400, 401, 403, 409) },
});

export const updateBucket = createRoute({
  method: "patch",
  path: "/v1/buckets/{id}",
  tags,
  operationId: "updateBucket",
  summary: "Rename a bucket or change its filters",
  ...requires("tickets:read"),
  request: { params: BucketIdParam, body: jsonBody(BucketUpdateSchema) },
  responses: { 200: jsonResponse(BucketSchema, "Updated"), ...errorResponses(400, 401, 403, 404, 409) },
});

export const deleteBucket = createRoute({
  method: "delete",
  path: "/v1/buckets/{id}",
  tags,
  operationId: "deleteBucket",
  summary: "Delete a bucket",
  ...requires("tickets:read"),
  request: { params: BucketIdParam },
  responses: { 204: noContent, ...errorResponses(400, 401, 403, 404) },
});

export const refreshBucket = createRoute({
  method: "post",
  path: "/v1/buckets/{id}/refresh",
  tags,
  operationId: "refreshBucket",
  summary: "Run the bucket's filters now and return its tickets",
  ...requires("tickets:read", idempotent()),
  request: { headers: idempotencyHeader, params: BucketIdParam, query: BucketRefreshQuery },
  responses: { 200: jsonResponse(TicketPageSchema, "The bucket's tickets"), ...errorResponses(400, 401, 403, 404) },
});
