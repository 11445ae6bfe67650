import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context";
import { userContext } from "../../lib/create-router";
import * as audit from "./audit.service";
import type * as routes from "./audit.routes";

export const listAuditLog: RouteHandler<typeof routes.listAuditLog, AppEnv> = async (c) =>
  c.json(await audit.listAuditLog(userContext(c), c.req.valid("query")), 200);
