import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context";
import { userContext } from "../../lib/create-router";
import * as actions from "./actions.service";
import * as devices from "./devices.service";
import * as routes from "./mobile.routes";
import * as syncing from "./sync.service";

export const syncMobile: RouteHandler<typeof routes.syncMobile, AppEnv> = async (c) =>
  c.json(await syncing.sync(userContext(c), c.req.valid("json")), 200);

export const applyMobileActions: RouteHandler<typeof routes.applyMobileActions, AppEnv> = async (c) =>
  c.json(await actions.applyActions(userContext(c), c.req.valid("json")), 200);

export const listMobileDevices: RouteHandler<typeof routes.listMobileDevices, AppEnv> = async (c) =>
  c.json(await devices.listDevices(userContext(c), c.req.valid("query")), 200);

export const revokeMobileDevice: RouteHandler<typeof routes.revokeMobileDevice, AppEnv> = async (c) =>
  c.json(await devices.revokeDevice(userContext(c), c.req.valid("param").id), 200);
