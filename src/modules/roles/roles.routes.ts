import { createRoute } from "@hono/zod-openapi";
import { idempotencyHeader, idempotent } from "../../middleware/idempotency";
import { requires } from "../../middleware/auth";
import { jsonBody, jsonResponse, noContent } from "../../lib/openapi";
import { errorResponses } from "../../lib/problem";
import {
  PermissionListSchema,
  RoleCreateSchema,
  RoleKeyParam,
  RoleListSchema,
  RolePoolSchema,
  RoleSchema,
  RoleUpdateSchema,
} from "./roles.schemas";

const tags = ["roles"];

export const listPermissions = createRoute({
  method: "get",
  path: "/v1/permissions",
  tags,
  operationId: "listPermissions",
  summary: "Every permission string and what it allows",
  ...requires("roles:read"),
  responses: { 200: jsonResponse(PermissionListSchema, "Permissions"), ...errorResponses(401, 403) },
});

export const listRoles = createRoute({
  method: "get",
  path: "/v1/roles",
  tags,
  operationId: "listRoles",
  summary: "Built-in and custom roles",
  ...requires("roles:read"),
  responses: { 200: jsonResponse(RoleListSchema, "Roles"), ...errorResponses(401, 403) },
});

export const createRole = createRoute({
  method: "post",
  path: "/v1/roles",
  tags,
  operationId: "createRole",
  summary: "Create a custom role",
  ...requires("roles:write", idempotent()),
  request: { headers: idempotencyHeader, body: jsonBody(RoleCreateSchema) },
  responses: { 201: jsonResponse(RoleSchema, "Created"), ...errorResponses(400, 401, 403, 409) },
});

export const getRole = createRoute({
  method: "get",
  path: "/v1/roles/{key}",
  tags,
  operationId: "getRole",
  summary: "Get a role",
  ...requires("roles:read"),
  request: { params: RoleKeyParam },
  responses: { 200: jsonResponse(RoleSchema, "The role"), ...errorResponses(401, 403, 404) },
});

export const updateRole = createRoute({
  method: "patch",
  path: "/v1/roles/{key}",
  tags,
  operationId: "updateRole",
  summary: "Update a custom role (built-ins are fixed)",
  ...requires("roles:write"),
  request: { params: RoleKeyParam, body: jsonBody(RoleUpdateSchema) },
  responses: { 200: jsonResponse(RoleSchema, "Updated"), ...errorResponses(400, 401, 403, 404) },
});

export const deleteRole = createRoute({
  method: "delete",
  path: "/v1/roles/{key}",
  tags,
  operationId: "deleteRole",
  summary: "Delete a custom role no user holds (built-ins cannot be deleted)",
  ...requires("roles:write"),
  request: { params: RoleKeyParam },
  responses: { 204: noContent, ...errorResponses(401, 403, 404, 409) },
});

export const getRolePool = createRoute({
  method: "get",
  path: "/v1/roles/{key}/pool",
  tags,
  operationId: "getRolePool",
  summary: "Active users holding a role: the round-robin pool",
  ...requires("tickets:assign"),
  request: { params: RoleKeyParam },
  responses: { 200: jsonResponse(RolePoolSchema, "The pool"), ...errorResponses(400, 401, 403, 404) },
});
