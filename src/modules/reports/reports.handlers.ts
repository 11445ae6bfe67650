import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context";
import { userContext } from "../../lib/create-router";
import { startRebuild } from "./rebuild";
import * as reports from "./reports.service";
import * as routes from "./reports.routes";
import { upcomingServices as upcoming, warrantyEligible as warranty } from "./services";
import {
  servicesFilters,
  startExport as startExportJob,
  ticketReport as ticketReportJson,
  ticketReportCsv,
  ticketReportPdf,
} from "./ticket-report";

const attachment = (contentType: string, filename: string) => ({
  "content-type": contentType,
  "content-disposition": `attachment; filename="${filename}"`,
  "cache-control": "private, no-store",
});

export const getDashboard: RouteHandler<typeof routes.getDashboard, AppEnv> = async (c) =>
  c.json(await reports.dashboard(userContext(c), c.req.valid("query")), 200);
export const getTeamPerformanceReport: RouteHandler<typeof routes.getTeamPerformanceReport, AppEnv> = async (c) =>
  c.json(await reports.teamReport(userContext(c), c.req.valid("query")), 200);
export const getTechnicianPerformance: RouteHandler<typeof routes.getTechnicianPerformance, AppEnv> = async (c) =>
  c.json(await reports.technicianPerformance(userContext(c), c.req.valid("param").id, c.req.valid("query")), 200);
export const getPeriodReport: RouteHandler<typeof routes.getPeriodReport, AppEnv> = async (c) =>
  c.json(await reports.periodReport(userContext(c), c.req.valid("query")), 200);

export const getTicketReport: RouteHandler<typeof routes.getTicketReport, AppEnv> = async (c) => {
  const { format, bom, ...filters } = c.req.valid("query");
  const ctx = userContext(c);
  if (format === "csv") {
    const csv = await ticketReportCsv(ctx, "tickets", filters, bom ?? false);
    return c.body(csv.body, 200, attachment("text/csv; charset=utf-8", csv.filename));
  }
  if (format === "pdf") {
    const pdf = await ticketReportPdf(ctx, filters);
    return c.body(pdf.body as Uint8Array<ArrayBuffer>, 200, attachment("application/pdf", pdf.filename));
  }
  return c.json(await ticketReportJson(ctx, filters), 200);
};

export const getServicesReport: RouteHandler<typeof routes.getServicesReport, AppEnv> = async (c) => {
  const { format, bom, ...period } = c.req.valid("query");
  const ctx = userContext(c);
  const filters = servicesFilters(ctx, period);
  if (format === "json") return c.json(await ticketReportJson(ctx, filters), 200);
  const csv = await ticketReportCsv(ctx, "services", filters, bom ?? false);
  return c.body(csv.body, 200, attachment("text/csv; charset=utf-8", csv.filename));
};

export const startReportExport: RouteHandler<typeof routes.startReportExport, AppEnv> = async (c) =>
  c.json(await startExportJob(userContext(c), c.req.valid("json")), 202);
export const rebuildReportAggregates: RouteHandler<typeof routes.rebuildReportAggregates, AppEnv> = async (c) =>
  c.json(await startRebuild(userContext(c)), 202);
export const getWarrantyEligibleCards: RouteHandler<typeof routes.getWarrantyEligibleCards, AppEnv> = async (c) =>
  c.json(await warranty(userContext(c), c.req.valid("query")), 200);
export const getUpcomingServices: RouteHandler<typeof routes.getUpcomingServices, AppEnv> = async (c) =>
  c.json(await upcoming(userContext(c), c.req.valid("query")), 200);
