import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context";
import { catalogue } from "../../locales/catalogue";
import { userContext } from "../../lib/create-router";
import * as routes from "./platform.routes";
import * as platform from "./platform.service";

export const getApiRoot: RouteHandler<typeof routes.getApiRoot, AppEnv> = async (c) => c.json(platform.apiRoot(), 200);

export const getHealth: RouteHandler<typeof routes.getHealth, AppEnv> = async (c) => {
  const result = await platform.health({ env: c.env });
  return c.json(result, result.status === "ok" ? 200 : 503);
};

export const listDevOutbox: RouteHandler<typeof routes.listDevOutbox, AppEnv> = async (c) =>
  c.json(await platform.listOutbox(userContext(c), c.req.valid("query")), 200);

export const getLabels: RouteHandler<typeof routes.getLabels, AppEnv> = async (c) => {
  const language = c.req.valid("query").language ?? c.var.settings.language;
  c.header("cache-control", "public, max-age=3600");
  c.header("content-language", language);
  return c.json({ language, labels: catalogue(language).labels }, 200);
};
