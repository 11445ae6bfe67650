// Reports (RPT-1…3, FW-5): the dashboard, technician and team performance, period reports, the
// ticket and services reports as JSON, CSV or PDF, and exports of any size as background jobs —
// all read from aggregates this module keeps in step with every ticket change (reportAggregatesOwner).
// Other modules read the aggregates only through the views of migration 0028
// (`technician_daily_results`, `technician_open_work`), never the tables.
import { createRouter } from "../../lib/create-router";
import * as h from "./reports.handlers";
import * as r from "./reports.routes";

export const reportsModule = createRouter()
  .openapi(r.getDashboard, h.getDashboard)
  .openapi(r.getTeamPerformanceReport, h.getTeamPerformanceReport)
  .openapi(r.getTechnicianPerformance, h.getTechnicianPerformance)
  .openapi(r.getPeriodReport, h.getPeriodReport)
  .openapi(r.getTicketReport, h.getTicketReport)
  .openapi(r.getServicesReport, h.getServicesReport)
  .openapi(r.getWarrantyEligibleCards, h.getWarrantyEligibleCards)
  .openapi(r.getUpcomingServices, h.getUpcomingServices)
  .openapi(r.startReportExport, h.startReportExport)
  .openapi(r.rebuildReportAggregates, h.rebuildReportAggregates);

export { runExportStep } from "./ticket-report";
export { runRebuildStep } from "./rebuild";
export { reportAggregatesOwner } from "./aggregates";
