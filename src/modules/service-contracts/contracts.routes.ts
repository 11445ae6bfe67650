import { createRoute } from "@hono/zod-openapi";
import { requires } from "../../middleware/auth";
import { idempotencyHeader, idempotent } from "../../middleware/idempotency";
import { jsonBody, jsonResponse } from "../../lib/openapi";
import { errorResponses } from "../../lib/problem";
import {
  CancelSchema,
  ContractCreateSchema,
  ContractDetailSchema,
  ContractIdParam,
  ContractListQuery,
  ContractPageSchema,
  ContractSchema,
  ContractUpdateSchema,
  EndingPageSchema,
  EndingQuery,
} from "./contracts.schemas";

const tags = ["service-contracts"];

export const listServiceContracts = createRoute({
  method: "get",
  path: "/v1/service-contracts",
  tags,
  operationId: "listServiceContracts",
  summary: "Service contracts, newest first (filters: customer, covered card, status)",
  ...requires("contracts:read"),
  request: { query: ContractListQuery },
  responses: { 200: jsonResponse(ContractPageSchema, "A page of contracts"), ...errorResponses(400, 401, 403) },
});

export const createServiceContract = createRoute({
  method: "post",
  path: "/v1/service-contracts",
  tags,
  operationId: "createServiceContract",
  summary: "Cover a customer's service cards for a period, with visits included per period",
  description:
    "While a contract covers a card, a service booking of it is charged as the contract says (`charge`) as long as the period has included visits left, and paid beyond them; without a contract the warranty rule decides. The customer is reminded `reminder_days` before the end.",
  ...requires("contracts:manage", idempotent()),
  request: { headers: idempotencyHeader, body: jsonBody(ContractCreateSchema) },
  responses: { 201: jsonResponse(ContractSchema, "Created"), ...errorResponses(400, 401, 403) },
});

export const getServiceContract = createRoute({
  method: "get",
  path: "/v1/service-contracts/{id}",
  tags,
  operationId: "getServiceContract",
  summary: "A service contract, with the visits used and left in the current period",
  ...requires("contracts:read"),
  request: { params: ContractIdParam },
  responses: { 200: jsonResponse(ContractDetailSchema, "The contract"), ...errorResponses(400, 401, 403, 404) },
});

export const updateServiceContract = createRoute({
  method: "patch",
  path: "/v1/service-contracts/{id}",
  tags,
  operationId: "updateServiceContract",
  summary: "Change a contract (bookings already made keep their charge)",
  ...requires("contracts:manage"),
  request: { params: ContractIdParam, body: jsonBody(ContractUpdateSchema) },
  responses: { 200: jsonResponse(ContractSchema, "Updated"), ...errorResponses(400, 401, 403, 404, 409) },
});

export const cancelServiceContract = createRoute({
  method: "post",
  path: "/v1/service-contracts/{id}/cancel",
  tags,
  operationId: "cancelServiceContract",
  summary: "Cancel a contract: it covers nothing from now on (the reason is kept)",
  ...requires("contracts:manage", idempotent()),
  request: { headers: idempotencyHeader, params: ContractIdParam, body: jsonBody(CancelSchema) },
  responses: { 200: jsonResponse(ContractSchema, "The contract"), ...errorResponses(400, 401, 403, 404, 409) },
});

export const renewServiceContract = createRoute({
  method: "post",
  path: "/v1/service-contracts/{id}/renew",
  tags,
  operationId: "renewServiceContract",
  summary: "Renew a contract for one more term after its end (contracts on `auto` renew by themselves)",
  ...requires("contracts:manage", idempotent()),
  request: { headers: idempotencyHeader, params: ContractIdParam },
  responses: { 200: jsonResponse(ContractSchema, "The contract"), ...errorResponses(400, 401, 403, 404, 409) },
});

export const listContractsEnding = createRoute({
  method: "get",
  path: "/v1/reports/contracts-ending",
  tags,
  operationId: "listContractsEnding",
  summary: "Contracts ending in a month (default next month), soonest first, with whether each renews by itself",
  ...requires("contracts:read"),
  request: { query: EndingQuery },
  responses: { 200: jsonResponse(EndingPageSchema, "Contracts ending"), ...errorResponses(400, 401, 403) },
});
