import { createRoute } from "@hono/zod-openapi";
import { idempotencyHeader, idempotent } from "../../middleware/idempotency";
import { requires, requiresSignIn } from "../../middleware/auth";
import { JobSchema } from "../jobs";
import { jsonBody, jsonResponse, noContent } from "../../lib/openapi";
import { errorResponses } from "../../lib/problem";
import {
  CustomerCreateSchema,
  CustomerIdParam,
  CustomerListQuery,
  CustomerPageSchema,
  CustomerSchema,
  CustomerUpdateSchema,
} from "./customers.schemas";

const tags = ["customers"];

export const listCustomers = createRoute({
  method: "get",
  path: "/v1/customers",
  tags,
  operationId: "listCustomers",
  summary: "Search customers",
  ...requires("customers:read"),
  request: { query: CustomerListQuery },
  responses: {
    200: jsonResponse(CustomerPageSchema, "A page of customers, newest first"),
    ...errorResponses(400, 401, 403),
  },
});

export const createCustomer = createRoute({
  method: "post",
  path: "/v1/customers",
  tags,
  operationId: "createCustomer",
  summary: "Register a customer",
  ...requires("customers:write", idempotent()),
  request: { headers: idempotencyHeader, body: jsonBody(CustomerCreateSchema) },
  responses: { 201: jsonResponse(CustomerSchema, "Created"), ...errorResponses(400, 401, 403, 409) },
});

export const getCustomer = createRoute({
  method: "get",
  path: "/v1/customers/{id}",
  tags,
  operationId: "getCustomer",
  summary: "Get a customer",
  ...requires("customers:read"),
  request: { params: CustomerIdParam },
  responses: { 200: jsonResponse(CustomerSchema, "The customer"), ...errorResponses(400, 401, 403, 404) },
});

export const updateCustomer = createRoute({
  method: "patch",
  path: "/v1/customers/{id}",
  tags,
  operationId: "updateCustomer",
  summary: "Update a customer",
  ...requires("customers:write"),
  request: { params: CustomerIdParam, body: jsonBody(CustomerUpdateSchema) },
  responses: { 200: jsonResponse(CustomerSchema, "Updated"), ...errorResponses(400, 401, 403, 404, 409) },
});

export const deleteCustomer = createRoute({
  method: "delete",
  path: "/v1/customers/{id}",
  tags,
  operationId: "deleteCustomer",
  summary: "Delete a customer (soft)",
  ...requires("customers:write"),
  request: { params: CustomerIdParam },
  responses: { 204: noContent, ...errorResponses(400, 401, 403, 404) },
});

export const startCustomerDataExport = createRoute({
  method: "post",
  path: "/v1/customers/{id}/data-export",
  tags,
  operationId: "startCustomerDataExport",
  summary: "Export everything about one customer (a data-protection access request), as a job",
  description:
    'Profile, account, service cards, contracts, plans, tickets with their public comments and history, visits, work logs, feedback, the messages sent to them, their notifications and uploads\' details — one NDJSON line per row (`{"section": …, "data": {…}}`). The file is downloadable by the requester only (`GET /v1/jobs/{id}/download`), for a few days. Staff notes marked internal are not included.',
  ...requires("customers:write", idempotent()),
  request: { headers: idempotencyHeader, params: CustomerIdParam },
  responses: { 202: jsonResponse(JobSchema, "Queued"), ...errorResponses(400, 401, 403, 404) },
});

export const startOwnDataExport = createRoute({
  method: "post",
  path: "/v1/me/data-export",
  tags,
  operationId: "startOwnDataExport",
  summary: "A customer asks for a copy of everything about them, as a job",
  description:
    "The same export as `POST /v1/customers/{id}/data-export`, of the caller's own customer record; only the caller can download it.",
  ...requiresSignIn(),
  middleware: [...requiresSignIn().middleware, idempotent()],
  request: { headers: idempotencyHeader },
  responses: { 202: jsonResponse(JobSchema, "Queued"), ...errorResponses(401, 404) },
});
