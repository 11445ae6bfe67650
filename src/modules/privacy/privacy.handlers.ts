import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context";
import { userContext } from "../../lib/create-router";
import type * as routes from "./privacy.routes";
import * as privacy from "./privacy.service";

export const eraseCustomer: RouteHandler<typeof routes.eraseCustomer, AppEnv> = async (c) =>
  c.json(await privacy.eraseCustomer(userContext(c), c.req.valid("param").id, c.req.valid("json").reason), 200);
