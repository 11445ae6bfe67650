import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context";
import { userContext } from "../../lib/create-router";
import * as directory from "./directory.service";
import * as routes from "./directory.routes";

export const lookupUser: RouteHandler<typeof routes.lookupUser, AppEnv> = async (c) =>
  c.json(await directory.lookupUser(userContext(c), c.req.valid("param").id), 200);
export const lookupUsers: RouteHandler<typeof routes.lookupUsers, AppEnv> = async (c) =>
  c.json(await directory.lookupUsers(userContext(c), c.req.valid("json").ids), 200);
export const lookupCompanyUsers: RouteHandler<typeof routes.lookupCompanyUsers, AppEnv> = async (c) =>
  c.json(await directory.companyUsers(userContext(c), c.req.valid("param").id, c.req.valid("query")), 200);
export const lookupEmployee: RouteHandler<typeof routes.lookupEmployee, AppEnv> = async (c) =>
  c.json(await directory.lookupEmployee(userContext(c), c.req.valid("param").id), 200);
