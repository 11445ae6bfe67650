import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context";
import { userContext } from "../../lib/create-router";
import * as routes from "./attendance.routes";
import * as attendance from "./attendance.service";

export const listAttendance: RouteHandler<typeof routes.listAttendance, AppEnv> = async (c) =>
  c.json(await attendance.list(userContext(c), c.req.valid("query")), 200);

export const getMyAttendance: RouteHandler<typeof routes.getMyAttendance, AppEnv> = async (c) => {
  const ctx = userContext(c);
  return c.json(await attendance.list(ctx, c.req.valid("query"), ctx.actor.userId), 200);
};

export const markAttendance: RouteHandler<typeof routes.markAttendance, AppEnv> = async (c) =>
  c.json(await attendance.mark(userContext(c), c.req.valid("json")), 200);

export const getMyAttendanceToday: RouteHandler<typeof routes.getMyAttendanceToday, AppEnv> = async (c) =>
  c.json(await attendance.today(userContext(c)), 200);

export const bulkMarkAttendance: RouteHandler<typeof routes.bulkMarkAttendance, AppEnv> = async (c) =>
  c.json(await attendance.bulkMark(userContext(c), c.req.valid("json")), 200);
