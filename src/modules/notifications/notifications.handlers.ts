import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context";
import { userContext, serviceContext } from "../../lib/create-router";
import { AppError } from "../../lib/problem";
import * as routes from "./notifications.routes";
import * as n from "./notifications.service";
import { eventsHub } from "../../lib/events-hub";

export const listNotifications: RouteHandler<typeof routes.listNotifications, AppEnv> = async (c) =>
  c.json(await n.listNotifications(userContext(c), c.req.valid("query")), 200);
export const markAllNotificationsRead: RouteHandler<typeof routes.markAllNotificationsRead, AppEnv> = async (c) =>
  c.json(await n.markAllRead(userContext(c)), 200);
export const markNotificationRead: RouteHandler<typeof routes.markNotificationRead, AppEnv> = async (c) =>
  c.json(await n.markRead(userContext(c), c.req.valid("param").id), 200);
export const getNotificationPreferences: RouteHandler<typeof routes.getNotificationPreferences, AppEnv> = async (c) =>
  c.json(await n.getPreferences(userContext(c)), 200);
export const setNotificationPreferences: RouteHandler<typeof routes.setNotificationPreferences, AppEnv> = async (c) =>
  c.json(await n.setPreferences(userContext(c), c.req.valid("json")), 200);
export const listDeliveries: RouteHandler<typeof routes.listDeliveries, AppEnv> = async (c) =>
  c.json(await n.listDeliveries(userContext(c), c.req.valid("query")), 200);
export const retryDelivery: RouteHandler<typeof routes.retryDelivery, AppEnv> = async (c) =>
  c.json(await n.retryDelivery(userContext(c), c.req.valid("param").id), 202);
export const listWebhooks: RouteHandler<typeof routes.listWebhooks, AppEnv> = async (c) =>
  c.json(await n.listWebhooks(userContext(c), c.req.valid("query")), 200);
export const createWebhook: RouteHandler<typeof routes.createWebhook, AppEnv> = async (c) =>
  c.json(await n.createWebhook(userContext(c), c.req.valid("json")), 201);
export const getWebhook: RouteHandler<typeof routes.getWebhook, AppEnv> = async (c) =>
  c.json(await n.getWebhook(userContext(c), c.req.valid("param").id), 200);
export const updateWebhook: RouteHandler<typeof routes.updateWebhook, AppEnv> = async (c) =>
  c.json(await n.updateWebhook(userContext(c), c.req.valid("param").id, c.req.valid("json")), 200);
export const deleteWebhook: RouteHandler<typeof routes.deleteWebhook, AppEnv> = async (c) => {
  await n.deleteWebhook(userContext(c), c.req.valid("param").id);
  return c.body(null, 204);
};
export const createEventsTicket: RouteHandler<typeof routes.createEventsTicket, AppEnv> = async (c) =>
  c.json(await n.eventsTicket(userContext(c)), 201);

export const connectEvents: RouteHandler<typeof routes.connectEvents, AppEnv> = async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket")
    throw new AppError("invalid_request", "Connect with a WebSocket upgrade.");
  const who = await n.connectionFor(serviceContext(c), c.req.valid("query").ticket);
  const headers = new Headers(c.req.raw.headers);
  headers.set("x-user-id", who.userId);
  headers.set("x-scope-all", String(who.scopeAll));
  const upgraded = await eventsHub(c.env).fetch(new Request(c.req.raw.url, { headers }));
  if (upgraded.status !== 101) throw new AppError("invalid_request", "The realtime hub refused the connection.");
  // A fresh response: the hub's has immutable headers, and the middleware adds the request id.
  return new Response(null, { status: 101, webSocket: upgraded.webSocket });
};
