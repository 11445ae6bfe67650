import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context";
import { userContext } from "../../lib/create-router";
import * as routes from "./offers.routes";
import * as offers from "./offers.service";

export const listOffers: RouteHandler<typeof routes.listOffers, AppEnv> = async (c) =>
  c.json(await offers.listOffers(userContext(c), c.req.valid("query")), 200);

export const createOffer: RouteHandler<typeof routes.createOffer, AppEnv> = async (c) =>
  c.json(await offers.createOffer(userContext(c), c.req.valid("json")), 201);

export const getOffer: RouteHandler<typeof routes.getOffer, AppEnv> = async (c) =>
  c.json(await offers.getOffer(userContext(c), c.req.valid("param").id), 200);

export const updateOffer: RouteHandler<typeof routes.updateOffer, AppEnv> = async (c) =>
  c.json(await offers.updateOffer(userContext(c), c.req.valid("param").id, c.req.valid("json")), 200);
