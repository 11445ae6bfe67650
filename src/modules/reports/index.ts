// Reports (RPT-1…3, FW-5): the dashboard, technician and team performance, period reports, the
// ticket and services reports as JSON, CSV or PDF, and exports of any size as background jobs —
// all read from aggregates the tickets module keeps in step with every change.
import { createRouter } from "../../lib/create-router";
import * as h from "./reports.handlers";
import * as r from "./reports.routes";

export const reportsModule = createRouter()
  .openapi(r.dashboard, h.dashboard)
  .openapi(r.teamReport, h.teamReport)
  .openapi(r.technicianPerformance, h.technicianPerformance)
  .openapi(r.periodReport, h.periodReport)
  .openapi(r.ticketReport, h.ticketReport)
  .openapi(r.servicesReport, h.servicesReport)
  .openapi(r.warrantyEligible, h.warrantyEligible)
  .openapi(r.upcomingServices, h.upcomingServices)
  .openapi(r.startExport, h.startExport)
  .openapi(r.rebuildAggregates, h.rebuildAggregates);

export { runExportStep } from "./ticket-report";
export { runRebuildStep } from "./rebuild";
