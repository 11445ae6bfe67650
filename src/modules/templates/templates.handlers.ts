import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context";
import { userContext } from "../../lib/create-router";
import type * as routes from "./templates.routes";
import * as templates from "./templates.service";

export const listJobTemplates: RouteHandler<typeof routes.listJobTemplates, AppEnv> = async (c) =>
  c.json(await templates.listJobTemplates(userContext(c), c.req.valid("query")), 200);
export const createJobTemplate: RouteHandler<typeof routes.createJobTemplate, AppEnv> = async (c) =>
  c.json(await templates.createJobTemplate(userContext(c), c.req.valid("json")), 201);
export const getJobTemplate: RouteHandler<typeof routes.getJobTemplate, AppEnv> = async (c) =>
  c.json(await templates.getJobTemplate(userContext(c), c.req.valid("param").id), 200);
export const updateJobTemplate: RouteHandler<typeof routes.updateJobTemplate, AppEnv> = async (c) =>
  c.json(await templates.updateJobTemplate(userContext(c), c.req.valid("param").id, c.req.valid("json")), 200);
