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

export const dashboard: RouteHandler<typeof routes.dashboard, AppEnv> = async (c) =>
  c.json(await reports.dashboard(userContext(c), c.req.valid("query")), 200);
export const teamReport: RouteHandler<typeof routes.teamReport, AppEnv> = async (c) =>
  c.json(await reports.teamReport(userContext(c), c.req.valid("query")), 200);
export const technicianPerformance: RouteHandler<typeof routes.technicianPerformance, AppEnv> = async (c) =>
  c.json(await reports.technicianPerformance(userContext(c), c.req.valid("param").id, c.req.valid("query")), 200);
export const periodReport: RouteHandler<typeof routes.periodReport, AppEnv> = async (c) =>
  c.json(await reports.periodReport(userContext(c), c.req.valid("query")), 200);

export const ticketReport: RouteHandler<typeof routes.ticketReport, AppEnv> = async (c) => {
  const { format, bom, ...filters } = c.req.valid("query");
  const ctx = userContext(c);
  if (format === "csv") {
    const csv = await ticketReportCsv(ctx, "tickets", filters, bom ?? false);
    return c.body(csv.body, 200, attachment("text/csv; charset=utf-8", csv.filename)) as never;
  }
  if (format === "pdf") {
    const pdf = await ticketReportPdf(ctx, filters);
    return c.body(pdf.body as Uint8Array<ArrayBuffer>, 200, attachment("application/pdf", pdf.filename)) as never;
  }
  return c.json(await ticketReportJson(ctx, filters), 200);
};

export const servicesReport: RouteHandler<typeof routes.servicesReport, AppEnv> = async (c) => {
  const { format, bom, ...period } = c.req.valid("query");
  const ctx = userContext(c);
  const filters = servicesFilters(ctx, period);
  if (format === "json") return c.json(await ticketReportJson(ctx, filters), 200);
  const csv = await ticketReportCsv(ctx, "services", filters, bom ?? false);
  return c.body(csv.body, 200, attachment("text/csv; charset=utf-8", csv.filename)) as never;
};

export const startExport: RouteHandler<typeof routes.startExport, AppEnv> = async (c) =>
  c.json(await startExportJob(userContext(c), c.req.valid("json")), 202);
export const rebuildAggregates: RouteHandler<typeof routes.rebuildAggregates, AppEnv> = async (c) =>
  c.json(await startRebuild(userContext(c)), 202);
export const warrantyEligible: RouteHandler<typeof routes.warrantyEligible, AppEnv> = async (c) =>
  c.json(await warranty(userContext(c), c.req.valid("query")), 200);
export const upcomingServices: RouteHandler<typeof routes.upcomingServices, AppEnv> = async (c) =>
  c.json(await upcoming(userContext(c), c.req.valid("query")), 200);
