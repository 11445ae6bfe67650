import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context";
import { userContext } from "../../lib/create-router";
import type * as routes from "./contracts.routes";
import * as contracts from "./contracts.service";

export const listServiceContracts: RouteHandler<typeof routes.listServiceContracts, AppEnv> = async (c) =>
  c.json(await contracts.listServiceContracts(userContext(c), c.req.valid("query")), 200);
export const createServiceContract: RouteHandler<typeof routes.createServiceContract, AppEnv> = async (c) =>
  c.json(await contracts.createServiceContract(userContext(c), c.req.valid("json")), 201);
export const getServiceContract: RouteHandler<typeof routes.getServiceContract, AppEnv> = async (c) =>
  c.json(await contracts.getServiceContract(userContext(c), c.req.valid("param").id), 200);
export const updateServiceContract: RouteHandler<typeof routes.updateServiceContract, AppEnv> = async (c) =>
  c.json(await contracts.updateServiceContract(userContext(c), c.req.valid("param").id, c.req.valid("json")), 200);
export const cancelServiceContract: RouteHandler<typeof routes.cancelServiceContract, AppEnv> = async (c) =>
  c.json(
    await contracts.cancelServiceContract(userContext(c), c.req.valid("param").id, c.req.valid("json").reason),
    200,
  );
export const renewServiceContract: RouteHandler<typeof routes.renewServiceContract, AppEnv> = async (c) =>
  c.json(await contracts.renewServiceContract(userContext(c), c.req.valid("param").id), 200);
export const listContractsEnding: RouteHandler<typeof routes.listContractsEnding, AppEnv> = async (c) =>
  c.json(await contracts.listContractsEnding(userContext(c), c.req.valid("query")), 200);
