import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context";
import { userContext } from "../../lib/create-router";
import * as routes from "./roles.routes";
import * as roles from "./roles.service";

export const listPermissions: RouteHandler<typeof routes.listPermissions, AppEnv> = async (c) =>
  c.json(roles.listPermissions(), 200);

export const listRoles: RouteHandler<typeof routes.listRoles, AppEnv> = async (c) =>
  c.json(await roles.listRoles(userContext(c)), 200);

export const createRole: RouteHandler<typeof routes.createRole, AppEnv> = async (c) =>
  c.json(await roles.createRole(userContext(c), c.req.valid("json")), 201);

export const getRole: RouteHandler<typeof routes.getRole, AppEnv> = async (c) =>
  c.json(await roles.getRole(userContext(c), c.req.valid("param").key), 200);

export const updateRole: RouteHandler<typeof routes.updateRole, AppEnv> = async (c) =>
  c.json(await roles.updateRole(userContext(c), c.req.valid("param").key, c.req.valid("json")), 200);

export const deleteRole: RouteHandler<typeof routes.deleteRole, AppEnv> = async (c) => {
  await roles.deleteRole(userContext(c), c.req.valid("param").key);
  return c.body(null, 204);
};

export const getRolePool: RouteHandler<typeof routes.getRolePool, AppEnv> = async (c) =>
  c.json(await roles.rolePool(userContext(c), c.req.valid("param").key), 200);
