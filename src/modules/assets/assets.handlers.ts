import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context";
import { userContext } from "../../lib/create-router";
import * as routes from "./assets.routes";
import * as assets from "./assets.service";

export const listAssets: RouteHandler<typeof routes.listAssets, AppEnv> = async (c) =>
  c.json(await assets.listAssets(userContext(c), c.req.valid("query")), 200);

export const createAsset: RouteHandler<typeof routes.createAsset, AppEnv> = async (c) =>
  c.json(await assets.createAsset(userContext(c), c.req.valid("json")), 201);

export const getAsset: RouteHandler<typeof routes.getAsset, AppEnv> = async (c) =>
  c.json(await assets.getAsset(userContext(c), c.req.valid("param").id), 200);

export const updateAsset: RouteHandler<typeof routes.updateAsset, AppEnv> = async (c) =>
  c.json(await assets.updateAsset(userContext(c), c.req.valid("param").id, c.req.valid("json")), 200);

export const deleteAsset: RouteHandler<typeof routes.deleteAsset, AppEnv> = async (c) => {
  await assets.deleteAsset(userContext(c), c.req.valid("param").id);
  return c.body(null, 204);
};

export const registerOwnServiceCard: RouteHandler<typeof routes.registerOwnServiceCard, AppEnv> = async (c) =>
  c.json(await assets.registerOwnCard(userContext(c), c.req.valid("json")), 201);

export const updateOwnServiceCard: RouteHandler<typeof routes.updateOwnServiceCard, AppEnv> = async (c) =>
  c.json(await assets.updateOwnCard(userContext(c), c.req.valid("param").id, c.req.valid("json")), 200);
