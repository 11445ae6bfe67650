import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context";
import { serviceContext, userContext } from "../../lib/create-router";
import * as contacts from "./contact-changes.service";
import * as routes from "./users.routes";
import * as users from "./users.service";

// The auth middleware has just read the user with the session: no second query (found by `npm run bench`).
export const getMe: RouteHandler<typeof routes.getMe, AppEnv> = async (c) => {
  const { application } = c.var.actor;
  return c.json({ ...users.toUserResponse(c.var.currentUser), ...(application ? { application } : {}) }, 200);
};

export const updateMe: RouteHandler<typeof routes.updateMe, AppEnv> = async (c) =>
  c.json(await users.updateMe(userContext(c), c.req.valid("json")), 200);

export const setPushToken: RouteHandler<typeof routes.setPushToken, AppEnv> = async (c) =>
  c.json(await users.setPushToken(userContext(c), c.req.valid("json").token), 200);

export const listUsers: RouteHandler<typeof routes.listUsers, AppEnv> = async (c) =>
  c.json(await users.listUsers(userContext(c), c.req.valid("query")), 200);

export const listPendingUsers: RouteHandler<typeof routes.listPendingUsers, AppEnv> = async (c) =>
  c.json(
    await users.listUsers(userContext(c), { ...c.req.valid("query"), status: "pending", order: "created_at" }),
    200,
  );

export const createUser: RouteHandler<typeof routes.createUser, AppEnv> = async (c) =>
  c.json(await users.createUser(userContext(c), c.req.valid("json")), 201);

export const getUser: RouteHandler<typeof routes.getUser, AppEnv> = async (c) =>
  c.json(await users.getUser(userContext(c), c.req.valid("param").id), 200);

export const updateUser: RouteHandler<typeof routes.updateUser, AppEnv> = async (c) =>
  c.json(await users.updateUser(userContext(c), c.req.valid("param").id, c.req.valid("json")), 200);

export const deleteUser: RouteHandler<typeof routes.deleteUser, AppEnv> = async (c) => {
  await users.deleteUser(userContext(c), c.req.valid("param").id);
  return c.body(null, 204);
};

export const activateUser: RouteHandler<typeof routes.activateUser, AppEnv> = async (c) =>
  c.json(await users.activateUser(userContext(c), c.req.valid("param").id), 200);

export const deactivateUser: RouteHandler<typeof routes.deactivateUser, AppEnv> = async (c) =>
  c.json(await users.deactivateUser(userContext(c), c.req.valid("param").id), 200);

export const approveUser: RouteHandler<typeof routes.approveUser, AppEnv> = async (c) =>
  c.json(await users.approveUser(userContext(c), c.req.valid("param").id), 200);

export const rejectUser: RouteHandler<typeof routes.rejectUser, AppEnv> = async (c) =>
  c.json(await users.rejectUser(userContext(c), c.req.valid("param").id), 200);

export const setUserPassword: RouteHandler<typeof routes.setUserPassword, AppEnv> = async (c) => {
  await users.setUserPassword(userContext(c), c.req.valid("param").id, c.req.valid("json").password);
  return c.body(null, 204);
};

export const verifyContactChange: RouteHandler<typeof routes.verifyContactChange, AppEnv> = async (c) =>
  c.json(await contacts.verifyContactChange(serviceContext(c), c.req.valid("json").token), 200);

export const undoContactChange: RouteHandler<typeof routes.undoContactChange, AppEnv> = async (c) =>
  c.json(await contacts.undoContactChange(serviceContext(c), c.req.valid("json").token), 200);
