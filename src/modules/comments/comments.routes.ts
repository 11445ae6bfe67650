import { createRoute } from "@hono/zod-openapi";
import { jsonBody, jsonResponse, noContent } from "../../lib/openapi";
import { errorResponses } from "../../lib/problem";
import { requiresSignIn } from "../../middleware/auth";
import { idempotencyHeader, idempotent } from "../../middleware/idempotency";
import {
  CommentCreateSchema,
  CommentIdParam,
  CommentListQuery,
  CommentUpdateSchema,
  ObjectCommentPageSchema,
  ObjectCommentSchema,
} from "./comments.schemas";

const tags = ["comments"];
const who =
  "Each kind of object has its own permissions: copper-theft incidents and their affected customers need `network:read` to read and `network:manage` to comment; their author or a holder of `network:admin` edits and deletes.";

export const listObjectComments = createRoute({
  method: "get",
  path: "/v1/comments",
  tags,
  operationId: "listObjectComments",
  summary: "Comments on an object, oldest first",
  description: who,
  ...requiresSignIn(),
  request: { query: CommentListQuery },
  responses: {
    200: jsonResponse(ObjectCommentPageSchema, "A page of comments"),
    ...errorResponses(400, 401, 403, 404),
  },
});
export const addObjectComment = createRoute({
  method: "post",
  path: "/v1/comments",
  tags,
  operationId: "addObjectComment",
  summary: "Comment on an object",
  description: who,
  ...requiresSignIn(),
  middleware: [...requiresSignIn().middleware, idempotent()],
  request: { headers: idempotencyHeader, body: jsonBody(CommentCreateSchema) },
  responses: { 201: jsonResponse(ObjectCommentSchema, "Added"), ...errorResponses(400, 401, 403, 404) },
});
export const getObjectComment = createRoute({
  method: "get",
  path: "/v1/comments/{id}",
  tags,
  operationId: "getObjectComment",
  summary: "One comment",
  description: who,
  ...requiresSignIn(),
  request: { params: CommentIdParam },
  responses: { 200: jsonResponse(ObjectCommentSchema, "The comment"), ...errorResponses(400, 401, 403, 404) },
});
export const updateObjectComment = createRoute({
  method: "patch",
  path: "/v1/comments/{id}",
  tags,
  operationId: "updateObjectComment",
  summary: "Edit a comment (its author, or an administrator of its kind)",
  ...requiresSignIn(),
  request: { params: CommentIdParam, body: jsonBody(CommentUpdateSchema) },
  responses: { 200: jsonResponse(ObjectCommentSchema, "Edited"), ...errorResponses(400, 401, 403, 404) },
});
export const deleteObjectComment = createRoute({
  method: "delete",
  path: "/v1/comments/{id}",
  tags,
  operationId: "deleteObjectComment",
  summary: "Delete a comment (its author, or an administrator of its kind)",
  ...requiresSignIn(),
  request: { params: CommentIdParam },
  responses: { 204: noContent, ...errorResponses(400, 401, 403, 404) },
});
