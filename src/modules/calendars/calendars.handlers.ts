import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context";
import { userContext } from "../../lib/create-router";
import * as calendars from "./calendars.service";
import type * as routes from "./calendars.routes";

export const listCalendars: RouteHandler<typeof routes.listCalendars, AppEnv> = async (c) =>
  c.json(await calendars.listCalendars(userContext(c), c.req.valid("query")), 200);
export const createCalendar: RouteHandler<typeof routes.createCalendar, AppEnv> = async (c) =>
  c.json(await calendars.createCalendar(userContext(c), c.req.valid("json")), 201);
export const getCalendar: RouteHandler<typeof routes.getCalendar, AppEnv> = async (c) =>
  c.json(await calendars.getCalendar(userContext(c), c.req.valid("param").id), 200);
export const updateCalendar: RouteHandler<typeof routes.updateCalendar, AppEnv> = async (c) =>
  c.json(await calendars.updateCalendar(userContext(c), c.req.valid("param").id, c.req.valid("json")), 200);
export const deleteCalendar: RouteHandler<typeof routes.deleteCalendar, AppEnv> = async (c) => {
  await calendars.deleteCalendar(userContext(c), c.req.valid("param").id);
  return c.body(null, 204);
};
export const getCalendarWorkingTime: RouteHandler<typeof routes.getCalendarWorkingTime, AppEnv> = async (c) =>
  c.json(await calendars.calendarWorkingTime(userContext(c), c.req.valid("param").id, c.req.valid("query")), 200);
