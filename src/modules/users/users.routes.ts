import { createRoute, z } from "@hono/zod-openapi";
import { idempotencyHeader, idempotent } from "../../middleware/idempotency";
import { requires, requiresSignIn } from "../../middleware/auth";
import { PUBLIC, jsonBody, jsonResponse, noContent } from "../../lib/openapi";
import { cursorParam, limitParam } from "../../lib/pagination";
import { errorResponses } from "../../lib/problem";
import {
  ProfileUpdateSchema,
  PushTokenSchema,
  RejectSchema,
  SetPasswordSchema,
  UserCreateSchema,
  UserIdParam,
  UserListQuery,
  MeSchema,
  UserPageSchema,
  UserSchema,
  UserUpdateSchema,
  ContactTokenSchema,
  MessageSchema,
} from "./users.schemas";

const tags = ["users"];

// ---- own profile ----

export const getMe = createRoute({
  method: "get",
  path: "/v1/me",
  tags,
  operationId: "getMe",
  summary: "Your profile",
  ...requiresSignIn(),
  responses: { 200: jsonResponse(MeSchema, "Your profile"), ...errorResponses(401) },
});

export const updateMe = createRoute({
  method: "patch",
  path: "/v1/me",
  tags,
  operationId: "updateMe",
  summary: "Update your profile",
  description: "Role, status and id are not yours to change: such fields are rejected (400).",
  ...requiresSignIn(),
  request: { body: jsonBody(ProfileUpdateSchema) },
  responses: { 200: jsonResponse(MeSchema, "Updated profile"), ...errorResponses(400, 401, 403, 409, 429) },
});

export const verifyContactChange = createRoute({
  method: "post",
  path: "/v1/auth/contact/verify",
  tags,
  operationId: "verifyContactChange",
  security: PUBLIC,
  summary: "Make a new email or phone yours (the link sent to it)",
  description:
    "The token from the message sent to the new address. The change takes effect and the old address is told, with a link to undo it.",
  request: { body: jsonBody(ContactTokenSchema) },
  responses: { 200: jsonResponse(MessageSchema, "Changed"), ...errorResponses(400, 401, 409, 429) },
});

export const undoContactChange = createRoute({
  method: "post",
  path: "/v1/auth/contact/undo",
  tags,
  operationId: "undoContactChange",
  security: PUBLIC,
  summary: "Undo a change of your email or phone (the link sent to the old one)",
  description:
    "Restores the old address, ends every session and voids password-reset links sent meanwhile. Valid 7 days.",
  request: { body: jsonBody(ContactTokenSchema) },
  responses: { 200: jsonResponse(MessageSchema, "Undone"), ...errorResponses(400, 401, 429) },
});

export const setPushToken = createRoute({
  method: "put",
  path: "/v1/me/push-token",
  tags,
  operationId: "setPushToken",
  summary: "Register (or clear with null) your Expo push token",
  ...requiresSignIn(),
  request: { body: jsonBody(PushTokenSchema) },
  responses: { 200: jsonResponse(UserSchema, "Updated profile"), ...errorResponses(400, 401, 403) },
});

// ---- administration ----

export const listUsers = createRoute({
  method: "get",
  path: "/v1/users",
  tags,
  operationId: "listUsers",
  summary: "List users",
  description: "Filters: role, phone, q, is_active, status. Ordering: created_at, username (prefix - for descending).",
  ...requires("users:read"),
  request: { query: UserListQuery },
  responses: { 200: jsonResponse(UserPageSchema, "A page of users"), ...errorResponses(400, 401, 403) },
});

export const listPendingUsers = createRoute({
  method: "get",
  path: "/v1/users/pending",
  tags,
  operationId: "listPendingUsers",
  summary: "Registrations waiting for approval",
  ...requires("users:approve"),
  request: { query: z.strictObject({ limit: limitParam, cursor: cursorParam }) },
  responses: { 200: jsonResponse(UserPageSchema, "A page of pending users"), ...errorResponses(400, 401, 403) },
});

export const createUser = createRoute({
  method: "post",
  path: "/v1/users",
  tags,
  operationId: "createUser",
  summary: "Create a user",
  ...requires("users:create", idempotent()),
  request: { headers: idempotencyHeader, body: jsonBody(UserCreateSchema) },
  responses: { 201: jsonResponse(UserSchema, "Created"), ...errorResponses(400, 401, 403, 409, 413) },
});

export const getUser = createRoute({
  method: "get",
  path: "/v1/users/{id}",
  tags,
  operationId: "getUser",
  summary: "Get a user",
  ...requires("users:read"),
  request: { params: UserIdParam },
  responses: { 200: jsonResponse(UserSchema, "The user"), ...errorResponses(401, 403, 404) },
});

export const updateUser = createRoute({
  method: "patch",
  path: "/v1/users/{id}",
  tags,
  operationId: "updateUser",
  summary: "Update a user",
  ...requires("users:update"),
  request: { params: UserIdParam, body: jsonBody(UserUpdateSchema) },
  responses: { 200: jsonResponse(UserSchema, "Updated"), ...errorResponses(400, 401, 403, 404, 409) },
});

export const deleteUser = createRoute({
  method: "delete",
  path: "/v1/users/{id}",
  tags,
  operationId: "deleteUser",
  summary: "Soft-delete a user (never yourself); their sessions end",
  ...requires("users:delete"),
  request: { params: UserIdParam },
  responses: { 204: noContent, ...errorResponses(401, 403, 404) },
});

function statusAction(
  path: `/v1/users/{id}/${string}`,
  operationId: `${string}User`,
  permission: "users:update" | "users:approve",
  summary: string,
  body?: typeof RejectSchema,
) {
  return createRoute({
    method: "post",
    path,
    tags,
    operationId,
    summary,
    ...requires(permission, idempotent()),
    request: {
      headers: idempotencyHeader,
      params: UserIdParam,
      ...(body ? { body: { required: false, content: { "application/json": { schema: body } } } } : {}),
    },
    responses: { 200: jsonResponse(UserSchema, "The user"), ...errorResponses(400, 401, 403, 404, 409) },
  });
}

export const activateUser = statusAction(
  "/v1/users/{id}/activate",
  "activateUser",
  "users:update",
  "Activate a deactivated user",
);
export const deactivateUser = statusAction(
  "/v1/users/{id}/deactivate",
  "deactivateUser",
  "users:update",
  "Deactivate a user (never yourself); their sessions end",
);
export const approveUser = statusAction(
  "/v1/users/{id}/approve",
  "approveUser",
  "users:approve",
  "Approve a pending registration",
);
export const rejectUser = statusAction(
  "/v1/users/{id}/reject",
  "rejectUser",
  "users:approve",
  "Reject a pending registration",
  RejectSchema,
);

export const setUserPassword = createRoute({
  method: "post",
  path: "/v1/users/{id}/password",
  tags,
  operationId: "setUserPassword",
  summary: "Set a user's password; their sessions end",
  ...requires("users:set_password", idempotent()),
  request: { headers: idempotencyHeader, params: UserIdParam, body: jsonBody(SetPasswordSchema) },
  responses: { 204: noContent, ...errorResponses(400, 401, 403, 404) },
});
