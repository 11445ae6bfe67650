// Preventive maintenance (PM-1): plans on service cards that raise their visits ahead, never twice.
import { createRouter } from "../../lib/create-router";
import * as h from "./maintenance.handlers";
import * as r from "./maintenance.routes";

export const maintenanceModule = createRouter()
  .openapi(r.listMaintenancePlans, h.listMaintenancePlans)
  .openapi(r.createMaintenancePlan, h.createMaintenancePlan)
  .openapi(r.getMaintenancePlan, h.getMaintenancePlan)
  .openapi(r.updateMaintenancePlan, h.updateMaintenancePlan)
  .openapi(r.pauseMaintenancePlan, h.pauseMaintenancePlan)
  .openapi(r.resumeMaintenancePlan, h.resumeMaintenancePlan)
  .openapi(r.endMaintenancePlan, h.endMaintenancePlan)
  .openapi(r.listMaintenanceOccurrences, h.listMaintenanceOccurrences)
  .openapi(r.skipMaintenanceOccurrence, h.skipMaintenanceOccurrence);

export { generateMaintenance } from "./generator";
export { planNextService } from "./follow-up";
export { maintenanceErasure } from "./erasure";
