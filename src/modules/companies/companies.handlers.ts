import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context";
import { userContext } from "../../lib/create-router";
import * as routes from "./companies.routes";
import * as companies from "./companies.service";

export const listCompanies: RouteHandler<typeof routes.listCompanies, AppEnv> = async (c) =>
  c.json(await companies.listCompanies(userContext(c), c.req.valid("query")), 200);

export const createCompany: RouteHandler<typeof routes.createCompany, AppEnv> = async (c) =>
  c.json(await companies.createCompany(userContext(c), c.req.valid("json")), 201);

export const getCompany: RouteHandler<typeof routes.getCompany, AppEnv> = async (c) =>
  c.json(await companies.getCompany(userContext(c), c.req.valid("param").id), 200);

export const updateCompany: RouteHandler<typeof routes.updateCompany, AppEnv> = async (c) =>
  c.json(await companies.updateCompany(userContext(c), c.req.valid("param").id, c.req.valid("json")), 200);

export const deleteCompany: RouteHandler<typeof routes.deleteCompany, AppEnv> = async (c) => {
  await companies.deleteCompany(userContext(c), c.req.valid("param").id);
  return c.body(null, 204);
};
