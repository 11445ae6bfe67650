import { createRoute } from "@hono/zod-openapi";
import { idempotencyHeader, idempotent } from "../../middleware/idempotency";
import { requires } from "../../middleware/auth";
import { jsonBody, jsonResponse, noContent } from "../../lib/openapi";
import { errorResponses } from "../../lib/problem";
import {
  CompanyCreateSchema,
  CompanyIdParam,
  CompanyListQuery,
  CompanyPageSchema,
  CompanySchema,
  CompanyUpdateSchema,
} from "./companies.schemas";

const tags = ["companies"];

export const listCompanies = createRoute({
  method: "get",
  path: "/v1/companies",
  tags,
  operationId: "listCompanies",
  summary: "Contractor companies",
  ...requires("companies:read"),
  request: { query: CompanyListQuery },
  responses: { 200: jsonResponse(CompanyPageSchema, "A page of companies"), ...errorResponses(400, 401, 403) },
});

export const createCompany = createRoute({
  method: "post",
  path: "/v1/companies",
  tags,
  operationId: "createCompany",
  summary: "Create a company",
  ...requires("companies:write", idempotent()),
  request: { headers: idempotencyHeader, body: jsonBody(CompanyCreateSchema) },
  responses: { 201: jsonResponse(CompanySchema, "Created"), ...errorResponses(400, 401, 403, 409) },
});

export const getCompany = createRoute({
  method: "get",
  path: "/v1/companies/{id}",
  tags,
  operationId: "getCompany",
  summary: "Get a company",
  ...requires("companies:read"),
  request: { params: CompanyIdParam },
  responses: { 200: jsonResponse(CompanySchema, "The company"), ...errorResponses(400, 401, 403, 404) },
});

export const updateCompany = createRoute({
  method: "patch",
  path: "/v1/companies/{id}",
  tags,
  operationId: "updateCompany",
  summary: "Update a company",
  ...requires("companies:write"),
  request: { params: CompanyIdParam, body: jsonBody(CompanyUpdateSchema) },
  responses: { 200: jsonResponse(CompanySchema, "Updated"), ...errorResponses(400, 401, 403, 404, 409) },
});

export const deleteCompany = createRoute({
  method: "delete",
  path: "/v1/companies/{id}",
  tags,
  operationId: "deleteCompany",
  summary: "Delete a company (soft); its members are detached",
  ...requires("companies:write"),
  request: { params: CompanyIdParam },
  responses: { 204: noContent, ...errorResponses(400, 401, 403, 404) },
});
