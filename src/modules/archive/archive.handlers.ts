import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context";
import { userContext } from "../../lib/create-router";
import type * as routes from "./archive.routes";
import * as archive from "./archive.service";

export const listArchiveMonths: RouteHandler<typeof routes.listArchiveMonths, AppEnv> = async (c) =>
  c.json(await archive.listArchiveMonths(userContext(c), c.req.valid("query")), 200);

export const archiveMonth: RouteHandler<typeof routes.archiveMonth, AppEnv> = async (c) =>
  c.json(await archive.archiveMonth(userContext(c), c.req.valid("param").month), 202);

export const restoreArchivedMonth: RouteHandler<typeof routes.restoreArchivedMonth, AppEnv> = async (c) =>
  c.json(await archive.restoreArchivedMonth(userContext(c), c.req.valid("param").month), 202);
