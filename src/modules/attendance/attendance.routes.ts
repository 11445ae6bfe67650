import { idempotencyHeader, idempotent } from "../../middleware/idempotency";
import { createRoute } from "@hono/zod-openapi";
import { requires, requiresSignIn } from "../../middleware/auth";
import { jsonBody, jsonResponse } from "../../lib/openapi";
import { errorResponses } from "../../lib/problem";
import {
  AttendanceListQuery,
  AttendancePageSchema,
  AttendanceSchema,
  BulkMarkSchema,
  BulkResultSchema,
  MarkSchema,
  TodaySchema,
} from "./attendance.schemas";

const tags = ["attendance"];

export const listAttendance = createRoute({
  method: "get",
  path: "/v1/attendance",
  tags,
  operationId: "listAttendance",
  summary: "Attendance marks",
  description: "Managers see everyone, supervisors their team. Filters: user_id, date, date_from, date_to, status.",
  ...requires("attendance:read"),
  request: { query: AttendanceListQuery },
  responses: { 200: jsonResponse(AttendancePageSchema, "A page of marks"), ...errorResponses(400, 401, 403) },
});

export const getMyAttendance = createRoute({
  method: "get",
  path: "/v1/attendance/me",
  tags,
  operationId: "getMyAttendance",
  summary: "Your own attendance",
  ...requiresSignIn(),
  request: { query: AttendanceListQuery.omit({ user_id: true }) },
  responses: { 200: jsonResponse(AttendancePageSchema, "Your marks"), ...errorResponses(400, 401) },
});

export const getMyAttendanceToday = createRoute({
  method: "get",
  path: "/v1/attendance/me/today",
  tags,
  operationId: "getMyAttendanceToday",
  summary: "Your attendance today: one record",
  description: "`unmarked` when nobody has marked you today (in the deployment's time zone).",
  ...requiresSignIn(),
  responses: { 200: jsonResponse(TodaySchema, "Today"), ...errorResponses(401) },
});

export const markAttendance = createRoute({
  method: "post",
  path: "/v1/attendance/mark",
  tags,
  operationId: "markAttendance",
  summary: "Mark one person present or absent for a day (absent technicians get no slots)",
  ...requires("attendance:write", idempotent()),
  request: { headers: idempotencyHeader, body: jsonBody(MarkSchema) },
  responses: { 200: jsonResponse(AttendanceSchema, "The mark"), ...errorResponses(400, 401, 403) },
});

export const bulkMarkAttendance = createRoute({
  method: "post",
  path: "/v1/attendance/bulk",
  tags,
  operationId: "bulkMarkAttendance",
  summary: "Mark many at once for a day",
  ...requires("attendance:write", idempotent()),
  request: { headers: idempotencyHeader, body: jsonBody(BulkMarkSchema) },
  responses: {
    200: jsonResponse(BulkResultSchema, "The day's marks, and how many this call marked"),
    ...errorResponses(400, 401, 403),
  },
});
