import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context";
import { userContext } from "../../lib/create-router";
import * as policies from "./sla-policies.service";
import type * as routes from "./sla-policies.routes";

export const listSlaPolicies: RouteHandler<typeof routes.listSlaPolicies, AppEnv> = async (c) =>
  c.json(await policies.listSlaPolicies(userContext(c), c.req.valid("query")), 200);
export const createSlaPolicy: RouteHandler<typeof routes.createSlaPolicy, AppEnv> = async (c) =>
  c.json(await policies.createSlaPolicy(userContext(c), c.req.valid("json")), 201);
export const getSlaPolicy: RouteHandler<typeof routes.getSlaPolicy, AppEnv> = async (c) =>
  c.json(await policies.getSlaPolicy(userContext(c), c.req.valid("param").id), 200);
export const updateSlaPolicy: RouteHandler<typeof routes.updateSlaPolicy, AppEnv> = async (c) =>
  c.json(await policies.updateSlaPolicy(userContext(c), c.req.valid("param").id, c.req.valid("json")), 200);
export const deleteSlaPolicy: RouteHandler<typeof routes.deleteSlaPolicy, AppEnv> = async (c) => {
  await policies.deleteSlaPolicy(userContext(c), c.req.valid("param").id);
  return c.body(null, 204);
};
