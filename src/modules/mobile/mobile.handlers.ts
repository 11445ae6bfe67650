import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context";
import { userContext } from "../../lib/create-router";
import * as actions from "./actions.service";
import * as devices from "./devices.service";
import * as routes from "./mobile.routes";
import * as syncing from "./sync.service";

export const sync: RouteHandler<typeof routes.sync, AppEnv> = async (c) =>
  c.json(await syncing.sync(userContext(c), c.req.valid("json")), 200);

export const applyActions: RouteHandler<typeof routes.actions, AppEnv> = async (c) =>
  c.json(await actions.applyActions(userContext(c), c.req.valid("json")), 200);

export const listDevices: RouteHandler<typeof routes.listDevices, AppEnv> = async (c) =>
  c.json(await devices.listDevices(userContext(c), c.req.valid("query")), 200);

export const revokeDevice: RouteHandler<typeof routes.revokeDevice, AppEnv> = async (c) =>
  c.json(await devices.revokeDevice(userContext(c), c.req.valid("param").id), 200);
