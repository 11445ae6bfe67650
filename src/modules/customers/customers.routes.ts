import { createRoute } from "@hono/zod-openapi";
import { idempotencyHeader, idempotent } from "../../middleware/idempotency";
import { requires } from "../../middleware/auth";
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
