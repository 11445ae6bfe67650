// Field workforce: technician profiles (FW-1), availability (FW-3) and supervisors' teams (IAM-14).
// Leaves first: other modules read these at load time, so they must not wait on a cycle.
export { TechnicianIdParam } from "./technicians.schemas";

import { createRouter } from "../../lib/create-router";
import * as h from "./technicians.handlers";
import * as r from "./technicians.routes";
import * as th from "./time-off.handlers";
import * as tr from "./time-off.routes";

export const techniciansModule = createRouter()
  .openapi(r.listTechnicians, h.listTechnicians)
  .openapi(r.getTechnician, h.getTechnician)
  .openapi(r.updateTechnician, h.updateTechnician)
  .openapi(r.setTechnicianAvailability, h.setTechnicianAvailability)
  .openapi(r.listTeams, h.listTeams)
  .openapi(r.getTeam, h.getTeam)
  .openapi(r.assignToTeam, h.assignToTeam)
  .openapi(r.unassignFromTeam, h.unassignFromTeam)
  .openapi(r.getLatestLocations, h.getLatestLocations)
  .openapi(r.reportTechnicianLocation, h.reportTechnicianLocation)
  .openapi(tr.listTimeOff, th.listTimeOff)
  .openapi(tr.createTimeOff, th.createTimeOff)
  .openapi(tr.getTimeOff, th.getTimeOff)
  .openapi(tr.approveTimeOff, th.approveTimeOff)
  .openapi(tr.rejectTimeOff, th.rejectTimeOff)
  .openapi(tr.cancelTimeOff, th.cancelTimeOff);

export { findTechnician, technicianProfileReads, toTechnicianResponse } from "./technicians.service";
export { TechnicianSchema } from "./technicians.schemas";
export { locationReads, locationReport, reportLocation } from "./technicians.service";
export { LocationReportSchema } from "./technicians.schemas";
export { settleTimeOffHolds } from "./time-off.service";
export { pruneLocationTrail } from "./retention";
