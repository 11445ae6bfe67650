import { createRoute } from "@hono/zod-openapi";
import { requires } from "../../middleware/auth";
import { idempotencyHeader, idempotent } from "../../middleware/idempotency";
import { jsonBody, jsonResponse, noContent } from "../../lib/openapi";
import { errorResponses } from "../../lib/problem";
import {
  CalendarCreateSchema,
  CalendarIdParam,
  CalendarListQuery,
  CalendarPageSchema,
  CalendarSchema,
  CalendarUpdateSchema,
  WorkingTimeQuery,
  WorkingTimeSchema,
} from "./calendars.schemas";

const tags = ["calendars"];

export const listCalendars = createRoute({
  method: "get",
  path: "/v1/calendars",
  tags,
  operationId: "listCalendars",
  summary: "Business-hours calendars, by name",
  ...requires("calendars:read"),
  request: { query: CalendarListQuery },
  responses: { 200: jsonResponse(CalendarPageSchema, "A page of calendars"), ...errorResponses(400, 401, 403) },
});

export const createCalendar = createRoute({
  method: "post",
  path: "/v1/calendars",
  tags,
  operationId: "createCalendar",
  summary: "Create a calendar: weekly frames in its time zone, dated exceptions, holidays",
  description:
    "Frames are local times in the calendar's zone (daylight saving follows the zone's rules). A frame whose end is not after its start runs past midnight; `00:00`–`00:00` is the whole day. A holiday closes the frames that start on it; `--MM-DD` repeats every year. `is_default: true` makes it the deployment's default calendar (the previous default stops being it).",
  ...requires("calendars:manage", idempotent()),
  request: { headers: idempotencyHeader, body: jsonBody(CalendarCreateSchema) },
  responses: { 201: jsonResponse(CalendarSchema, "Created"), ...errorResponses(400, 401, 403) },
});

export const getCalendar = createRoute({
  method: "get",
  path: "/v1/calendars/{id}",
  tags,
  operationId: "getCalendar",
  summary: "A calendar",
  ...requires("calendars:read"),
  request: { params: CalendarIdParam },
  responses: { 200: jsonResponse(CalendarSchema, "The calendar"), ...errorResponses(400, 401, 403, 404) },
});

export const updateCalendar = createRoute({
  method: "patch",
  path: "/v1/calendars/{id}",
  tags,
  operationId: "updateCalendar",
  summary: "Change a calendar (each list given replaces the stored one)",
  ...requires("calendars:manage"),
  request: { params: CalendarIdParam, body: jsonBody(CalendarUpdateSchema) },
  responses: { 200: jsonResponse(CalendarSchema, "Updated"), ...errorResponses(400, 401, 403, 404) },
});

export const deleteCalendar = createRoute({
  method: "delete",
  path: "/v1/calendars/{id}",
  tags,
  operationId: "deleteCalendar",
  summary: "Delete a calendar (not the default one)",
  ...requires("calendars:manage"),
  request: { params: CalendarIdParam },
  responses: { 204: noContent, ...errorResponses(400, 401, 403, 404, 409) },
});

export const getCalendarWorkingTime = createRoute({
  method: "get",
  path: "/v1/calendars/{id}/working-time",
  tags,
  operationId: "getCalendarWorkingTime",
  summary: "When a number of working minutes from an instant ends on this calendar",
  description:
    "What a target of that many business minutes, started then, would be due at: holidays and closed days do not count.",
  ...requires("calendars:read"),
  request: { params: CalendarIdParam, query: WorkingTimeQuery },
  responses: {
    200: jsonResponse(WorkingTimeSchema, "The end of that working time"),
    ...errorResponses(400, 401, 403, 404),
  },
});
