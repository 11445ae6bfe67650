import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context";
import { userContext } from "../../lib/create-router";
import { fileDownload } from "../../lib/files";
import type * as routes from "./avatars.routes";
import * as avatars from "./avatars.service";

export const setOwnAvatar: RouteHandler<typeof routes.setOwnAvatar, AppEnv> = async (c) =>
  c.json(await avatars.setOwnAvatar(userContext(c), c.req.valid("json").upload_id), 200);

export const removeOwnAvatar: RouteHandler<typeof routes.removeOwnAvatar, AppEnv> = async (c) =>
  c.json(await avatars.removeOwnAvatar(userContext(c)), 200);

export const getUserAvatar: RouteHandler<typeof routes.getUserAvatar, AppEnv> = async (c) => {
  const { row, object } = await avatars.getUserAvatar(userContext(c), c.req.valid("param").id);
  return fileDownload(object, row);
};
