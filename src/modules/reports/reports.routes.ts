import { createRoute, z } from "@hono/zod-openapi";
import { jsonBody, jsonResponse } from "../../lib/openapi";
import { errorResponses } from "../../lib/problem";
import { requires, requiresSignIn } from "../../middleware/auth";
import { idempotencyHeader, idempotent } from "../../middleware/idempotency";
import { JobSchema } from "../jobs";
import {
  DashboardSchema,
  ExportRequestSchema,
  PerformanceQuery,
  PerformanceSchema,
  PeriodQuery,
  PeriodReportQuery,
  PeriodReportSchema,
  ServicesReportQuery,
  TeamReportQuery,
  TeamReportSchema,
  TechnicianParam,
  TicketReportQuery,
  TicketReportSchema,
  UpcomingPageSchema,
  UpcomingQuery,
  WarrantyPageSchema,
  WarrantyQuery,
} from "./reports.schemas";

const tags = ["reports"];
const DEFINITIONS =
  "Every figure is defined in the reports guide (docs/reports.md); days are the deployment's calendar days.";

export const getDashboard = createRoute({
  method: "get",
  path: "/v1/reports/dashboard",
  tags,
  operationId: "getDashboard",
  summary: "Dashboard: totals, open work, satisfaction and chart series",
  description: `Supervisors see their team, managers and dispatchers every team. ${DEFINITIONS}`,
  ...requires("reports:read"),
  request: { query: PeriodQuery },
  responses: { 200: jsonResponse(DashboardSchema, "The dashboard"), ...errorResponses(400, 401, 403) },
});

export const getTeamPerformanceReport = createRoute({
  method: "get",
  path: "/v1/reports/technicians",
  tags,
  operationId: "getTeamPerformanceReport",
  summary: "Technician performance for a team: every technician, a summary with trends, the lowest performer",
  description: `The summary compares the period with the one of the same length before it (optionally for one technician). ${DEFINITIONS}`,
  ...requires("reports:read"),
  request: { query: TeamReportQuery },
  responses: { 200: jsonResponse(TeamReportSchema, "The team report"), ...errorResponses(400, 401, 403, 404) },
});

export const getTechnicianPerformance = createRoute({
  method: "get",
  path: "/v1/technicians/{id}/performance",
  tags,
  operationId: "getTechnicianPerformance",
  summary: "One technician's performance, trends and monthly figures",
  description: `A technician may read their own; supervisors their team's; managers and dispatchers anyone's. ${DEFINITIONS}`,
  ...requiresSignIn(),
  request: { params: TechnicianParam, query: PerformanceQuery },
  responses: {
    200: jsonResponse(PerformanceSchema, "The technician's performance"),
    ...errorResponses(400, 401, 403, 404),
  },
});

export const getPeriodReport = createRoute({
  method: "get",
  path: "/v1/reports/periods",
  tags,
  operationId: "getPeriodReport",
  summary: "Daily, weekly, monthly or yearly figures (by=technician&granularity=month: the monthly task report)",
  description: DEFINITIONS,
  ...requires("reports:read"),
  request: { query: PeriodReportQuery },
  responses: { 200: jsonResponse(PeriodReportSchema, "The period report"), ...errorResponses(400, 401, 403, 404) },
});

const fileOrJson = (schema: z.ZodType, description: string) => ({
  description,
  content: {
    "application/json": { schema },
    "text/csv": { schema: z.string() },
    "application/pdf": { schema: z.string().openapi({ format: "binary" }) },
  },
});

export const getTicketReport = createRoute({
  method: "get",
  path: "/v1/reports/tickets",
  tags,
  operationId: "getTicketReport",
  summary: "Ticket report with the ticket list's filters, as JSON, CSV or PDF",
  description:
    "Up to 10,000 tickets in one request (more: 422, start an export job). CSV is RFC 4180 with a header row, streamed; cells that a spreadsheet would run as a formula are prefixed with `'`. The PDF lists the first 300 tickets after the summary and a chart.",
  ...requires("reports:read"),
  request: { query: TicketReportQuery },
  responses: { 200: fileOrJson(TicketReportSchema, "The report"), ...errorResponses(400, 401, 403, 422) },
});

export const getServicesReport = createRoute({
  method: "get",
  path: "/v1/reports/services",
  tags,
  operationId: "getServicesReport",
  summary: "Service bookings created in a period, as CSV (default) or JSON",
  description: "Up to 10,000 bookings in one request; more through an export job.",
  ...requires("reports:read"),
  request: { query: ServicesReportQuery },
  responses: { 200: fileOrJson(TicketReportSchema, "The bookings"), ...errorResponses(400, 401, 403, 422) },
});

export const startReportExport = createRoute({
  method: "post",
  path: "/v1/reports/exports",
  tags,
  operationId: "startReportExport",
  summary: "Export a report of any size as a background job",
  description:
    "Answers 202 with a job: poll `GET /v1/jobs/{id}`; when done, its `file.download_url` serves the CSV to you alone.",
  ...requires("reports:read", idempotent()),
  request: { headers: idempotencyHeader, body: jsonBody(ExportRequestSchema) },
  responses: { 202: jsonResponse(JobSchema, "Queued"), ...errorResponses(400, 401, 403, 409, 422) },
});

export const rebuildReportAggregates = createRoute({
  method: "post",
  path: "/v1/reports/rebuild",
  tags,
  operationId: "rebuildReportAggregates",
  summary: "Recompute the report aggregates from the tickets (after changing the time zone)",
  description: "Answers 202 with a job. Reports stay available meanwhile; changes made during the rebuild are counted.",
  ...requires("reports:manage", idempotent()),
  request: { headers: idempotencyHeader },
  responses: { 202: jsonResponse(JobSchema, "Queued"), ...errorResponses(401, 403, 409, 422) },
});

export const getWarrantyEligibleCards = createRoute({
  method: "get",
  path: "/v1/reports/warranty-eligible",
  tags,
  operationId: "getWarrantyEligibleCards",
  summary: "Service cards due a free service in a month (in warranty, none free in the interval before)",
  description:
    "The booking flow's own rule: one free service per FREE_SERVICE_INTERVAL_MONTHS inside the warranty. Ordered by warranty end.",
  ...requires("reports:read"),
  request: { query: WarrantyQuery },
  responses: { 200: jsonResponse(WarrantyPageSchema, "A page of cards"), ...errorResponses(400, 401, 403) },
});

export const getUpcomingServices = createRoute({
  method: "get",
  path: "/v1/reports/upcoming-services",
  tags,
  operationId: "getUpcomingServices",
  summary: "Service bookings still to do, by scheduled (else preferred) time, in a period",
  description: "Default period: today and the next 29 days. Soonest first.",
  ...requires("reports:read"),
  request: { query: UpcomingQuery },
  responses: { 200: jsonResponse(UpcomingPageSchema, "A page of bookings"), ...errorResponses(400, 401, 403) },
});
