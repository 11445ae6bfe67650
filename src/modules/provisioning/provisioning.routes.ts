import { createRoute } from "@hono/zod-openapi";
import { jsonBody, jsonResponse } from "../../lib/openapi";
import { errorResponses } from "../../lib/problem";
import { requires, requiresSignIn } from "../../middleware/auth";
import { idempotencyHeader, idempotent } from "../../middleware/idempotency";
import {
  ActionIdParam,
  ActionListQuery,
  ActionPageSchema,
  ActionSchema,
  AvailableVlansQuery,
  AvailableVlansSchema,
  ChangeCpeResultSchema,
  ChangeCpeSchema,
  CreatedVlansSchema,
  CreateVlansSchema,
  DeletedOntSchema,
  DeletedVlansSchema,
  DeleteOntQuery,
  DeleteUnusedSchema,
  HealthQuery,
  HealthSchema,
  LinkCheckQuery,
  LinkCheckSchema,
  NodeFilterQuery,
  NodeListSchema,
  NodeParam,
  ProvisionResultSchema,
  ProvisionSchema,
  SerialParam,
  SubscriberListSchema,
  SubscriberParam,
  SubscriberSearchQuery,
  SubscriberViewSchema,
  UnprovisionedListSchema,
  VlanListSchema,
} from "./provisioning.schemas";

const tags = ["provisioning"];
/** Every call may reach the element manager: its failures answer 502/504 with a code that says whether to retry. */
const upstream = [502, 503, 504] as const;
const change =
  "Recorded in the provisioning log (who, what, for which subscriber and ticket, the request, the result, how long it took) before it is sent.";

export const listNetworkNodes = createRoute({
  method: "get",
  path: "/v1/network/nodes",
  tags,
  operationId: "listNetworkNodes",
  summary: "OLT nodes with their metro and VLAN range",
  ...requires("network:provision"),
  responses: {
    200: jsonResponse(NodeListSchema, "The element manager's nodes"),
    ...errorResponses(401, 403, ...upstream),
  },
});

export const checkOntLink = createRoute({
  method: "get",
  path: "/v1/network/link-check",
  tags,
  operationId: "checkOntLink",
  summary: "Check an ONT's link to its OLT (status and optical levels)",
  description:
    "Name exactly one of `serial`, `subscriber_id`, `customer_id` or `ticket_id`. Holders of `network:provision` may check any ONT; anyone else only the line of a ticket assigned to them (`ticket_id`), e.g. a technician at the visit. Each check is recorded in the provisioning log.",
  ...requiresSignIn(),
  request: { query: LinkCheckQuery },
  responses: {
    200: jsonResponse(LinkCheckSchema, "The link now"),
    ...errorResponses(400, 401, 403, 404, 422, ...upstream),
  },
});

export const subscriberHealth = createRoute({
  method: "get",
  path: "/v1/network/health",
  tags,
  operationId: "subscriberHealth",
  summary: "A subscriber's health: ONT link, light levels and CPE, with what is wrong",
  description:
    "Name exactly one of `subscriber_id`, `customer_id` or `ticket_id`. Holders of `network:provision` may check any subscriber; anyone else only the customer of a ticket assigned to them (`ticket_id`). Each check is recorded in the provisioning log.",
  ...requiresSignIn(),
  request: { query: HealthQuery },
  responses: {
    200: jsonResponse(HealthSchema, "healthy, degraded or down, with the problems found"),
    ...errorResponses(400, 401, 403, 404, 422, ...upstream),
  },
});

export const listUnprovisionedOnts = createRoute({
  method: "get",
  path: "/v1/network/onts/unprovisioned",
  tags,
  operationId: "listUnprovisionedOnts",
  summary: "ONTs discovered on the network but serving nobody yet",
  ...requires("network:provision"),
  request: { query: NodeFilterQuery },
  responses: {
    200: jsonResponse(UnprovisionedListSchema, "By node and port"),
    ...errorResponses(400, 401, 403, ...upstream),
  },
});

export const provisionService = createRoute({
  method: "post",
  path: "/v1/network/provisioning/services",
  tags,
  operationId: "provisionService",
  summary: "Provision a subscriber's service on an ONT",
  description: `Binds the ONT (by serial) to the subscriber with a VLAN of its node. VLANs are handed out one node at a time by a single writer, so two requests never get the same one; if the element manager fails, the VLAN goes back at once. ${change}`,
  ...requires("network:provision", idempotent()),
  request: { headers: idempotencyHeader, body: jsonBody(ProvisionSchema) },
  responses: {
    201: jsonResponse(ProvisionResultSchema, "Provisioned"),
    ...errorResponses(400, 401, 403, 404, 409, 422, ...upstream),
  },
});

export const changeCpe = createRoute({
  method: "post",
  path: "/v1/network/provisioning/change-cpe",
  tags,
  operationId: "changeCpe",
  summary: "Put a new CPE (router) in place of a subscriber's old one",
  description: `The new CPE must have reported to the CPE manager; one serving another subscriber is refused. ${change}`,
  ...requires("network:provision", idempotent()),
  request: { headers: idempotencyHeader, body: jsonBody(ChangeCpeSchema) },
  responses: {
    200: jsonResponse(ChangeCpeResultSchema, "The subscriber's CPE now"),
    ...errorResponses(400, 401, 403, 404, 409, 422, ...upstream),
  },
});

export const deleteOnt = createRoute({
  method: "delete",
  path: "/v1/network/onts/{serial}",
  tags,
  operationId: "deleteOnt",
  summary: "Remove an ONT's service (its VLAN is freed)",
  description: `The ONT goes back to the unprovisioned list if it is still plugged in. ${change}`,
  ...requires("network:provision", idempotent()),
  request: { headers: idempotencyHeader, params: SerialParam, query: DeleteOntQuery },
  responses: {
    200: jsonResponse(DeletedOntSchema, "Removed"),
    ...errorResponses(400, 401, 403, 404, 409, ...upstream),
  },
});

export const listAvailableVlans = createRoute({
  method: "get",
  path: "/v1/network/nodes/{node}/vlans/available",
  tags,
  operationId: "listAvailableVlans",
  summary: "Free VLAN ids on a node",
  description: "The node's range less the VLANs in use and those being handed out at this moment.",
  ...requires("network:provision"),
  request: { params: NodeParam, query: AvailableVlansQuery },
  responses: {
    200: jsonResponse(AvailableVlansSchema, "Lowest first"),
    ...errorResponses(400, 401, 403, 404, ...upstream),
  },
});

export const createVlans = createRoute({
  method: "post",
  path: "/v1/network/nodes/{node}/vlans",
  tags,
  operationId: "createVlans",
  summary: "Provision VLANs for a service type on a node",
  description: `Takes the lowest free ids through the same single writer as service provisioning. ${change}`,
  ...requires("network:provision", idempotent()),
  request: { headers: idempotencyHeader, params: NodeParam, body: jsonBody(CreateVlansSchema) },
  responses: {
    201: jsonResponse(CreatedVlansSchema, "Created"),
    ...errorResponses(400, 401, 403, 404, 409, 422, ...upstream),
  },
});

export const listUnusedVlans = createRoute({
  method: "get",
  path: "/v1/network/vlans/unused",
  tags,
  operationId: "listUnusedVlans",
  summary: "VLANs configured on nodes that carry nobody's service",
  ...requires("network:provision"),
  request: { query: NodeFilterQuery },
  responses: {
    200: jsonResponse(VlanListSchema, "By node and VLAN id"),
    ...errorResponses(400, 401, 403, ...upstream),
  },
});

export const deleteUnusedVlans = createRoute({
  method: "post",
  path: "/v1/network/vlans/unused/delete",
  tags,
  operationId: "deleteUnusedVlans",
  summary: "Clean up a node's unused VLANs",
  description: `All of the node's unused VLANs, or those listed (each must be unused: one in use is refused and nothing is deleted). ${change}`,
  ...requires("network:provision", idempotent()),
  request: { headers: idempotencyHeader, body: jsonBody(DeleteUnusedSchema) },
  responses: {
    200: jsonResponse(DeletedVlansSchema, "Deleted"),
    ...errorResponses(400, 401, 403, 404, 409, ...upstream),
  },
});

export const searchSubscribers = createRoute({
  method: "get",
  path: "/v1/network/subscribers",
  tags,
  operationId: "searchSubscribers",
  summary: "Find subscribers on the network by id, ONT or CPE serial, node or VLAN",
  description: "At most 50 matches; each names the customer with that account number when you can see them.",
  ...requires("network:provision"),
  request: { query: SubscriberSearchQuery },
  responses: {
    200: jsonResponse(SubscriberListSchema, "Matches by subscriber id"),
    ...errorResponses(400, 401, 403, ...upstream),
  },
});

export const lookupSubscriber = createRoute({
  method: "get",
  path: "/v1/network/subscribers/{subscriber_id}",
  tags,
  operationId: "lookupSubscriber",
  summary: "One subscriber: ONT, node, port, VLAN, service and CPE",
  ...requires("network:provision"),
  request: { params: SubscriberParam },
  responses: {
    200: jsonResponse(SubscriberViewSchema, "The subscriber"),
    ...errorResponses(400, 401, 403, 404, ...upstream),
  },
});

export const listProvisioningActions = createRoute({
  method: "get",
  path: "/v1/network/provisioning/actions",
  tags,
  operationId: "listProvisioningActions",
  summary: "The provisioning log, newest first",
  ...requires("network:provision"),
  request: { query: ActionListQuery },
  responses: { 200: jsonResponse(ActionPageSchema, "A page of actions"), ...errorResponses(400, 401, 403) },
});

export const getProvisioningAction = createRoute({
  method: "get",
  path: "/v1/network/provisioning/actions/{id}",
  tags,
  operationId: "getProvisioningAction",
  summary: "One provisioning action",
  ...requires("network:provision"),
  request: { params: ActionIdParam },
  responses: { 200: jsonResponse(ActionSchema, "The action"), ...errorResponses(400, 401, 403, 404) },
});
