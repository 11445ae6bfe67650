import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context";
import { catalogue } from "../../locales/catalogue";
import { userContext } from "../../lib/create-router";
import * as routes from "./platform.routes";
import * as platform from "./platform.service";

export const apiRoot: RouteHandler<typeof routes.apiRoot, AppEnv> = async (c) => c.json(platform.apiRoot(), 200);

export const health: RouteHandler<typeof routes.health, AppEnv> = async (c) => {
  const result = await platform.health({ env: c.env });
  return c.json(result, result.status === "ok" ? 200 : 503);
};

export const devOutbox: RouteHandler<typeof routes.devOutbox, AppEnv> = async (c) =>
  c.json(await platform.listOutbox(userContext(c), c.req.valid("query")), 200);

export const labels: RouteHandler<typeof routes.labels, AppEnv> = async (c) => {
  const language = c.req.valid("query").language ?? c.var.settings.language;
  c.header("cache-control", "public, max-age=3600");
  c.header("content-language", language);
  return c.json({ language, labels: catalogue(language).labels }, 200);
};
