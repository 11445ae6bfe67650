import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context";
import { userContext } from "../../lib/create-router";
import type * as routes from "./maintenance.routes";
import * as plans from "./maintenance.service";

export const listMaintenancePlans: RouteHandler<typeof routes.listMaintenancePlans, AppEnv> = async (c) =>
  c.json(await plans.listMaintenancePlans(userContext(c), c.req.valid("query")), 200);
export const createMaintenancePlan: RouteHandler<typeof routes.createMaintenancePlan, AppEnv> = async (c) =>
  c.json(await plans.createMaintenancePlan(userContext(c), c.req.valid("json")), 201);
export const getMaintenancePlan: RouteHandler<typeof routes.getMaintenancePlan, AppEnv> = async (c) =>
  c.json(await plans.getMaintenancePlan(userContext(c), c.req.valid("param").id), 200);
export const updateMaintenancePlan: RouteHandler<typeof routes.updateMaintenancePlan, AppEnv> = async (c) =>
  c.json(await plans.updateMaintenancePlan(userContext(c), c.req.valid("param").id, c.req.valid("json")), 200);
export const pauseMaintenancePlan: RouteHandler<typeof routes.pauseMaintenancePlan, AppEnv> = async (c) =>
  c.json(await plans.setPlanStatus(userContext(c), c.req.valid("param").id, "pause"), 200);
export const resumeMaintenancePlan: RouteHandler<typeof routes.resumeMaintenancePlan, AppEnv> = async (c) =>
  c.json(await plans.setPlanStatus(userContext(c), c.req.valid("param").id, "resume"), 200);
export const endMaintenancePlan: RouteHandler<typeof routes.endMaintenancePlan, AppEnv> = async (c) =>
  c.json(await plans.setPlanStatus(userContext(c), c.req.valid("param").id, "end"), 200);
export const listMaintenanceOccurrences: RouteHandler<typeof routes.listMaintenanceOccurrences, AppEnv> = async (c) =>
  c.json(await plans.listMaintenanceOccurrences(userContext(c), c.req.valid("param").id, c.req.valid("query")), 200);
export const skipMaintenanceOccurrence: RouteHandler<typeof routes.skipMaintenanceOccurrence, AppEnv> = async (c) => {
  const { id, date } = c.req.valid("param");
  return c.json(await plans.skipMaintenanceOccurrence(userContext(c), id, date, c.req.valid("json").reason), 200);
};
