import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context";
import { userContext } from "../../lib/create-router";
import * as routes from "./comments.routes";
import * as comments from "./comments.service";

export const listComments: RouteHandler<typeof routes.listComments, AppEnv> = async (c) =>
  c.json(await comments.listComments(userContext(c), c.req.valid("query")), 200);
export const addComment: RouteHandler<typeof routes.addComment, AppEnv> = async (c) =>
  c.json(await comments.addComment(userContext(c), c.req.valid("json")), 201);
export const updateComment: RouteHandler<typeof routes.updateComment, AppEnv> = async (c) =>
  c.json(await comments.updateComment(userContext(c), c.req.valid("param").id, c.req.valid("json")), 200);
export const deleteComment: RouteHandler<typeof routes.deleteComment, AppEnv> = async (c) => {
  await comments.deleteComment(userContext(c), c.req.valid("param").id);
  return c.body(null, 204);
};
