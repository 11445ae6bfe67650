import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context";
import { userContext } from "../../lib/create-router";
import * as routes from "./provisioning.routes";
import * as provisioning from "./provisioning.service";

type Handler<R extends keyof typeof routes> = RouteHandler<(typeof routes)[R], AppEnv>;

export const listNetworkNodes: Handler<"listNetworkNodes"> = async (c) =>
  c.json(await provisioning.listNodes(userContext(c)), 200);
export const checkOntLink: Handler<"checkOntLink"> = async (c) =>
  c.json(await provisioning.linkCheck(userContext(c), c.req.valid("query")), 200);
export const subscriberHealth: Handler<"subscriberHealth"> = async (c) =>
  c.json(await provisioning.subscriberHealth(userContext(c), c.req.valid("query")), 200);
export const listUnprovisionedOnts: Handler<"listUnprovisionedOnts"> = async (c) =>
  c.json(await provisioning.unprovisionedOnts(userContext(c), c.req.valid("query").node), 200);
export const provisionService: Handler<"provisionService"> = async (c) =>
  c.json(await provisioning.provisionService(userContext(c), c.req.valid("json")), 201);
export const changeCpe: Handler<"changeCpe"> = async (c) =>
  c.json(await provisioning.changeCpe(userContext(c), c.req.valid("json")), 200);
export const deleteOnt: Handler<"deleteOnt"> = async (c) =>
  c.json(
    await provisioning.deleteOnt(userContext(c), c.req.valid("param").serial, c.req.valid("query").ticket_id),
    200,
  );
export const listAvailableVlans: Handler<"listAvailableVlans"> = async (c) =>
  c.json(await provisioning.availableVlans(userContext(c), c.req.valid("param").node, c.req.valid("query").limit), 200);
export const createVlans: Handler<"createVlans"> = async (c) =>
  c.json(await provisioning.createVlans(userContext(c), c.req.valid("param").node, c.req.valid("json")), 201);
export const listUnusedVlans: Handler<"listUnusedVlans"> = async (c) =>
  c.json(await provisioning.unusedVlans(userContext(c), c.req.valid("query").node), 200);
export const deleteUnusedVlans: Handler<"deleteUnusedVlans"> = async (c) =>
  c.json(await provisioning.deleteUnusedVlans(userContext(c), c.req.valid("json")), 200);
export const searchSubscribers: Handler<"searchSubscribers"> = async (c) =>
  c.json(await provisioning.searchSubscribers(userContext(c), c.req.valid("query")), 200);
export const lookupSubscriber: Handler<"lookupSubscriber"> = async (c) =>
  c.json(await provisioning.lookupSubscriber(userContext(c), c.req.valid("param").subscriber_id), 200);
export const listProvisioningActions: Handler<"listProvisioningActions"> = async (c) =>
  c.json(await provisioning.listActions(userContext(c), c.req.valid("query")), 200);
export const getProvisioningAction: Handler<"getProvisioningAction"> = async (c) =>
  c.json(await provisioning.getAction(userContext(c), c.req.valid("param").id), 200);
