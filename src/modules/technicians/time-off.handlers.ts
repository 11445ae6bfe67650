import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context";
import { userContext } from "../../lib/create-router";
import * as timeOff from "./time-off.service";
import type * as routes from "./time-off.routes";

export const listTimeOff: RouteHandler<typeof routes.listTimeOff, AppEnv> = async (c) =>
  c.json(await timeOff.listTimeOff(userContext(c), c.req.valid("query")), 200);
export const createTimeOff: RouteHandler<typeof routes.createTimeOff, AppEnv> = async (c) =>
  c.json(await timeOff.createTimeOff(userContext(c), c.req.valid("json")), 201);
export const getTimeOff: RouteHandler<typeof routes.getTimeOff, AppEnv> = async (c) =>
  c.json(await timeOff.getTimeOff(userContext(c), c.req.valid("param").id), 200);
export const approveTimeOff: RouteHandler<typeof routes.approveTimeOff, AppEnv> = async (c) =>
  c.json(await timeOff.approveTimeOff(userContext(c), c.req.valid("param").id, c.req.valid("json").note), 200);
export const rejectTimeOff: RouteHandler<typeof routes.rejectTimeOff, AppEnv> = async (c) =>
  c.json(await timeOff.rejectTimeOff(userContext(c), c.req.valid("param").id, c.req.valid("json").note), 200);
export const cancelTimeOff: RouteHandler<typeof routes.cancelTimeOff, AppEnv> = async (c) =>
  c.json(await timeOff.cancelTimeOff(userContext(c), c.req.valid("param").id, c.req.valid("json").note), 200);
