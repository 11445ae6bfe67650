import { createRoute } from "@hono/zod-openapi";
import { jsonBody, jsonResponse } from "../../lib/openapi";
import { errorResponses } from "../../lib/problem";
import { requires } from "../../middleware/auth";
import {
  CompanyIdParam,
  CompanyUserPageSchema,
  CompanyUsersQuery,
  EmployeeSchema,
  UserIdParam,
  UserLookupResultSchema,
  UserLookupSchema,
} from "./directory.schemas";
import { UserSchema } from "../users";

const tags = ["directory"];

export const lookupUser = createRoute({
  method: "get",
  path: "/v1/internal/users/{id}",
  tags,
  operationId: "lookupUser",
  summary: "A user, for another service",
  ...requires("users:lookup"),
  request: { params: UserIdParam },
  responses: { 200: jsonResponse(UserSchema, "The user"), ...errorResponses(400, 401, 403, 404) },
});

export const lookupUsers = createRoute({
  method: "post",
  path: "/v1/internal/users/lookup",
  tags,
  operationId: "lookupUsers",
  summary: "Up to 100 users in one call",
  description: "Ids that name nobody are listed in `unknown`; they do not fail the call. Answers in the order asked.",
  ...requires("users:lookup"),
  request: { body: jsonBody(UserLookupSchema) },
  responses: { 200: jsonResponse(UserLookupResultSchema, "The users found"), ...errorResponses(400, 401, 403) },
});

export const lookupCompanyUsers = createRoute({
  method: "get",
  path: "/v1/internal/companies/{id}/users",
  tags,
  operationId: "lookupCompanyUsers",
  summary: "The people of a contractor company",
  ...requires("users:lookup"),
  request: { params: CompanyIdParam, query: CompanyUsersQuery },
  responses: { 200: jsonResponse(CompanyUserPageSchema, "A page of users"), ...errorResponses(400, 401, 403, 404) },
});

export const lookupEmployee = createRoute({
  method: "get",
  path: "/v1/internal/employees/{id}",
  tags,
  operationId: "lookupEmployee",
  summary: "An employee: the user, their company and their working profile",
  ...requires("users:lookup"),
  request: { params: UserIdParam },
  responses: { 200: jsonResponse(EmployeeSchema, "The employee"), ...errorResponses(400, 401, 403, 404) },
});
