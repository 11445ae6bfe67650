import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context";
import { userContext } from "../../lib/create-router";
import * as routes from "./comments.routes";
import * as comments from "./comments.service";

export const listObjectComments: RouteHandler<typeof routes.listObjectComments, AppEnv> = async (c) =>
  c.json(await comments.listComments(userContext(c), c.req.valid("query")), 200);
export const addObjectComment: RouteHandler<typeof routes.addObjectComment, AppEnv> = async (c) =>
  c.json(await comments.addComment(userContext(c), c.req.valid("json")), 201);
export const getObjectComment: RouteHandler<typeof routes.getObjectComment, AppEnv> = async (c) =>
  c.json(await comments.getComment(userContext(c), c.req.valid("param").id), 200);
export const updateObjectComment: RouteHandler<typeof routes.updateObjectComment, AppEnv> = async (c) =>
  c.json(await comments.updateComment(userContext(c), c.req.valid("param").id, c.req.valid("json")), 200);
export const deleteObjectComment: RouteHandler<typeof routes.deleteObjectComment, AppEnv> = async (c) => {
  await comments.deleteComment(userContext(c), c.req.valid("param").id);
  return c.body(null, 204);
};
