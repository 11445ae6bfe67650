import { createRoute } from "@hono/zod-openapi";
import { requiresSignIn } from "../../middleware/auth";
import { jsonBody, jsonResponse } from "../../lib/openapi";
import { errorResponses } from "../../lib/problem";
import { AvatarSetSchema, UserIdParam, UserSchema } from "../users";

const tags = ["avatars"];

export const setOwnAvatar = createRoute({
  method: "put",
  path: "/v1/me/avatar",
  tags,
  operationId: "setOwnAvatar",
  summary: "Set your picture to one of your photo uploads",
  description:
    "Upload the photo first (`POST /v1/uploads`, kind `photo`, JPEG, PNG or WebP), then name it here; a previous picture is let go and deleted by the daily clean-up.",
  ...requiresSignIn(),
  request: { body: jsonBody(AvatarSetSchema) },
  responses: { 200: jsonResponse(UserSchema, "Your profile"), ...errorResponses(400, 401, 409) },
});

export const removeOwnAvatar = createRoute({
  method: "delete",
  path: "/v1/me/avatar",
  tags,
  operationId: "removeOwnAvatar",
  summary: "Remove your picture",
  ...requiresSignIn(),
  responses: { 200: jsonResponse(UserSchema, "Your profile"), ...errorResponses(401) },
});

export const getUserAvatar = createRoute({
  method: "get",
  path: "/v1/users/{id}/avatar",
  tags,
  operationId: "getUserAvatar",
  summary: "A user's picture",
  description: "For the user and for staff who read users or technicians; 404 when there is none.",
  ...requiresSignIn(),
  request: { params: UserIdParam },
  responses: {
    200: {
      description: "The picture",
      content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } },
    },
    ...errorResponses(400, 401, 404),
  },
});
