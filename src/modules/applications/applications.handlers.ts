import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context";
import { serviceContext, userContext } from "../../lib/create-router";
import * as apps from "./applications.service";
import * as routes from "./applications.routes";

export const listPublicApplications: RouteHandler<typeof routes.listPublicApplications, AppEnv> = async (c) =>
  c.json(await apps.publicApplications(serviceContext(c)), 200);
export const listApplications: RouteHandler<typeof routes.listApplications, AppEnv> = async (c) =>
  c.json(await apps.listApplications(userContext(c), c.req.valid("query")), 200);
export const createApplication: RouteHandler<typeof routes.createApplication, AppEnv> = async (c) =>
  c.json(await apps.createApplication(userContext(c), c.req.valid("json")), 201);
export const getApplication: RouteHandler<typeof routes.getApplication, AppEnv> = async (c) =>
  c.json(await apps.getApplication(userContext(c), c.req.valid("param").id), 200);
export const updateApplication: RouteHandler<typeof routes.updateApplication, AppEnv> = async (c) =>
  c.json(await apps.updateApplication(userContext(c), c.req.valid("param").id, c.req.valid("json")), 200);

export const listApplicationRoles: RouteHandler<typeof routes.listApplicationRoles, AppEnv> = async (c) =>
  c.json(await apps.listRoles(userContext(c), c.req.valid("param").id), 200);
export const createApplicationRole: RouteHandler<typeof routes.createApplicationRole, AppEnv> = async (c) =>
  c.json(await apps.createRole(userContext(c), c.req.valid("param").id, c.req.valid("json")), 201);
export const updateApplicationRole: RouteHandler<typeof routes.updateApplicationRole, AppEnv> = async (c) => {
  const { id, role_id } = c.req.valid("param");
  return c.json(await apps.updateRole(userContext(c), id, role_id, c.req.valid("json")), 200);
};
export const deleteApplicationRole: RouteHandler<typeof routes.deleteApplicationRole, AppEnv> = async (c) => {
  const { id, role_id } = c.req.valid("param");
  await apps.deleteRole(userContext(c), id, role_id);
  return c.body(null, 204);
};

export const getApplicationPool: RouteHandler<typeof routes.getApplicationPool, AppEnv> = async (c) =>
  c.json(await apps.applicationPool(userContext(c), c.req.valid("param").id, c.req.valid("query").role), 200);
export const takeApplicationPoolTurn: RouteHandler<typeof routes.takeApplicationPoolTurn, AppEnv> = async (c) =>
  c.json(await apps.takePoolTurn(userContext(c), c.req.valid("param").id, c.req.valid("query").role), 200);

export const listApplicationGrants: RouteHandler<typeof routes.listApplicationGrants, AppEnv> = async (c) =>
  c.json(await apps.listGrants(userContext(c), c.req.valid("query")), 200);
export const createApplicationGrant: RouteHandler<typeof routes.createApplicationGrant, AppEnv> = async (c) =>
  c.json(await apps.createGrant(userContext(c), c.req.valid("json")), 201);
export const getApplicationGrant: RouteHandler<typeof routes.getApplicationGrant, AppEnv> = async (c) =>
  c.json(await apps.getGrant(userContext(c), c.req.valid("param").id), 200);
export const updateApplicationGrant: RouteHandler<typeof routes.updateApplicationGrant, AppEnv> = async (c) =>
  c.json(await apps.updateGrant(userContext(c), c.req.valid("param").id, c.req.valid("json")), 200);
export const deleteApplicationGrant: RouteHandler<typeof routes.deleteApplicationGrant, AppEnv> = async (c) => {
  await apps.deleteGrant(userContext(c), c.req.valid("param").id);
  return c.body(null, 204);
};
