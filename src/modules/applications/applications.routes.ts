import { createRoute } from "@hono/zod-openapi";
import { jsonBody, jsonResponse, noContent, PUBLIC } from "../../lib/openapi";
import { errorResponses } from "../../lib/problem";
import { requires } from "../../middleware/auth";
import { idempotencyHeader, idempotent } from "../../middleware/idempotency";
import {
  ApplicationCreateSchema,
  ApplicationIdParam,
  ApplicationListQuery,
  ApplicationPageSchema,
  ApplicationPoolSchema,
  ApplicationRoleCreateSchema,
  ApplicationRoleListSchema,
  ApplicationRoleParams,
  ApplicationRoleSchema,
  ApplicationRoleUpdateSchema,
  ApplicationSchema,
  ApplicationUpdateSchema,
  GrantCreateSchema,
  GrantIdParam,
  GrantListQuery,
  GrantPageSchema,
  GrantSchema,
  GrantUpdateSchema,
  PoolPickSchema,
  PoolQuery,
  PublicApplicationListSchema,
} from "./applications.schemas";

const tags = ["applications"];

export const listPublicApplications = createRoute({
  method: "get",
  path: "/v1/applications/public",
  tags,
  operationId: "listPublicApplications",
  security: PUBLIC,
  summary: "Applications a login screen offers (no sign-in needed)",
  description: "Listed, active applications: key, name, description and logo only.",
  responses: { 200: jsonResponse(PublicApplicationListSchema, "The listed applications") },
});

export const listApplications = createRoute({
  method: "get",
  path: "/v1/applications",
  tags,
  operationId: "listApplications",
  summary: "Registered applications",
  ...requires("applications:read"),
  request: { query: ApplicationListQuery },
  responses: { 200: jsonResponse(ApplicationPageSchema, "A page of applications"), ...errorResponses(400, 401, 403) },
});

export const createApplication = createRoute({
  method: "post",
  path: "/v1/applications",
  tags,
  operationId: "createApplication",
  summary: "Register an application",
  description:
    "Its users sign in with `application: <key>` on login; their tokens then carry `azp` and their roles in it.",
  ...requires("applications:write", idempotent()),
  request: { headers: idempotencyHeader, body: jsonBody(ApplicationCreateSchema) },
  responses: { 201: jsonResponse(ApplicationSchema, "Registered"), ...errorResponses(400, 401, 403, 409) },
});

export const getApplication = createRoute({
  method: "get",
  path: "/v1/applications/{id}",
  tags,
  operationId: "getApplication",
  summary: "An application",
  ...requires("applications:read"),
  request: { params: ApplicationIdParam },
  responses: { 200: jsonResponse(ApplicationSchema, "The application"), ...errorResponses(400, 401, 403, 404) },
});

export const updateApplication = createRoute({
  method: "patch",
  path: "/v1/applications/{id}",
  tags,
  operationId: "updateApplication",
  summary: "Change or deactivate an application",
  ...requires("applications:write"),
  request: { params: ApplicationIdParam, body: jsonBody(ApplicationUpdateSchema) },
  responses: { 200: jsonResponse(ApplicationSchema, "Updated"), ...errorResponses(400, 401, 403, 404) },
});

export const listApplicationRoles = createRoute({
  method: "get",
  path: "/v1/applications/{id}/roles",
  tags,
  operationId: "listApplicationRoles",
  summary: "The application's own roles, with how many users hold each",
  ...requires("applications:read"),
  request: { params: ApplicationIdParam },
  responses: { 200: jsonResponse(ApplicationRoleListSchema, "Roles"), ...errorResponses(400, 401, 403, 404) },
});

export const createApplicationRole = createRoute({
  method: "post",
  path: "/v1/applications/{id}/roles",
  tags,
  operationId: "createApplicationRole",
  summary: "Create a role in the application",
  ...requires("applications:write", idempotent()),
  request: { headers: idempotencyHeader, params: ApplicationIdParam, body: jsonBody(ApplicationRoleCreateSchema) },
  responses: { 201: jsonResponse(ApplicationRoleSchema, "Created"), ...errorResponses(400, 401, 403, 404, 409) },
});

export const updateApplicationRole = createRoute({
  method: "patch",
  path: "/v1/applications/{id}/roles/{role_id}",
  tags,
  operationId: "updateApplicationRole",
  summary: "Rename or describe a role",
  ...requires("applications:write"),
  request: { params: ApplicationRoleParams, body: jsonBody(ApplicationRoleUpdateSchema) },
  responses: { 200: jsonResponse(ApplicationRoleSchema, "Updated"), ...errorResponses(400, 401, 403, 404) },
});

export const deleteApplicationRole = createRoute({
  method: "delete",
  path: "/v1/applications/{id}/roles/{role_id}",
  tags,
  operationId: "deleteApplicationRole",
  summary: "Delete a role nobody holds",
  ...requires("applications:write"),
  request: { params: ApplicationRoleParams },
  responses: { 204: noContent, ...errorResponses(400, 401, 403, 404, 409) },
});

export const getApplicationPool = createRoute({
  method: "get",
  path: "/v1/applications/{id}/pool",
  tags,
  operationId: "getApplicationPool",
  summary: "Round-robin pool: the active holders of a role, and whose turn is next",
  ...requires("applications:read"),
  request: { params: ApplicationIdParam, query: PoolQuery },
  responses: { 200: jsonResponse(ApplicationPoolSchema, "The pool"), ...errorResponses(400, 401, 403, 404) },
});

export const takeApplicationPoolTurn = createRoute({
  method: "post",
  path: "/v1/applications/{id}/pool/next",
  tags,
  operationId: "takeApplicationPoolTurn",
  summary: "Take the next turn in a role's round-robin pool",
  description:
    "One atomic step of the pool's pointer: concurrent callers each get a different turn. 422 when nobody active holds the role.",
  ...requires("applications:read", idempotent()),
  request: { headers: idempotencyHeader, params: ApplicationIdParam, query: PoolQuery },
  responses: { 200: jsonResponse(PoolPickSchema, "Whose turn it was"), ...errorResponses(400, 401, 403, 404, 422) },
});

export const listApplicationGrants = createRoute({
  method: "get",
  path: "/v1/application-grants",
  tags,
  operationId: "listApplicationGrants",
  summary: "Who holds which role in which application",
  ...requires("applications:read"),
  request: { query: GrantListQuery },
  responses: { 200: jsonResponse(GrantPageSchema, "A page of grants"), ...errorResponses(400, 401, 403) },
});

export const createApplicationGrant = createRoute({
  method: "post",
  path: "/v1/application-grants",
  tags,
  operationId: "createApplicationGrant",
  summary: "Give a user a role in an application",
  description: "Only for users you may change (nobody changes a user more powerful than themselves).",
  ...requires("applications:write", idempotent()),
  request: { headers: idempotencyHeader, body: jsonBody(GrantCreateSchema) },
  responses: { 201: jsonResponse(GrantSchema, "Granted"), ...errorResponses(400, 401, 403, 409) },
});

export const getApplicationGrant = createRoute({
  method: "get",
  path: "/v1/application-grants/{id}",
  tags,
  operationId: "getApplicationGrant",
  summary: "A grant",
  ...requires("applications:read"),
  request: { params: GrantIdParam },
  responses: { 200: jsonResponse(GrantSchema, "The grant"), ...errorResponses(400, 401, 403, 404) },
});

export const updateApplicationGrant = createRoute({
  method: "patch",
  path: "/v1/application-grants/{id}",
  tags,
  operationId: "updateApplicationGrant",
  summary: "Change the role a grant gives",
  ...requires("applications:write"),
  request: { params: GrantIdParam, body: jsonBody(GrantUpdateSchema) },
  responses: { 200: jsonResponse(GrantSchema, "Updated"), ...errorResponses(400, 401, 403, 404, 409) },
});

export const deleteApplicationGrant = createRoute({
  method: "delete",
  path: "/v1/application-grants/{id}",
  tags,
  operationId: "deleteApplicationGrant",
  summary: "Remove a user's role in an application",
  ...requires("applications:write"),
  request: { params: GrantIdParam },
  responses: { 204: noContent, ...errorResponses(400, 401, 403, 404) },
});
