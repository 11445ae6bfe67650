import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context";
import { userContext } from "../../lib/create-router";
import * as routes from "./customers.routes";
import * as customers from "./customers.service";
import { startCustomerExport, startOwnExport } from "./data-export";

export const listCustomers: RouteHandler<typeof routes.listCustomers, AppEnv> = async (c) =>
  c.json(await customers.listCustomers(userContext(c), c.req.valid("query")), 200);

export const createCustomer: RouteHandler<typeof routes.createCustomer, AppEnv> = async (c) =>
  c.json(await customers.createCustomer(userContext(c), c.req.valid("json")), 201);

export const getCustomer: RouteHandler<typeof routes.getCustomer, AppEnv> = async (c) =>
  c.json(await customers.getCustomer(userContext(c), c.req.valid("param").id), 200);

export const updateCustomer: RouteHandler<typeof routes.updateCustomer, AppEnv> = async (c) =>
  c.json(await customers.updateCustomer(userContext(c), c.req.valid("param").id, c.req.valid("json")), 200);

export const deleteCustomer: RouteHandler<typeof routes.deleteCustomer, AppEnv> = async (c) => {
  await customers.deleteCustomer(userContext(c), c.req.valid("param").id);
  return c.body(null, 204);
};

export const startCustomerDataExport: RouteHandler<typeof routes.startCustomerDataExport, AppEnv> = async (c) =>
  c.json(await startCustomerExport(userContext(c), c.req.valid("param").id), 202);

export const startOwnDataExport: RouteHandler<typeof routes.startOwnDataExport, AppEnv> = async (c) =>
  c.json(await startOwnExport(userContext(c)), 202);
