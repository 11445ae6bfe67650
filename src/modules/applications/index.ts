// Applications truckroll signs users in to (a helpdesk, a partner portal): their registry, their
// own roles, who holds them, round-robin pools, and what a sign-in for an application may carry.
import { createRouter } from "../../lib/create-router";
import * as h from "./applications.handlers";
import * as r from "./applications.routes";

export const applicationsModule = createRouter()
  .openapi(r.listPublicApplications, h.listPublicApplications)
  .openapi(r.listApplications, h.listApplications)
  .openapi(r.createApplication, h.createApplication)
  .openapi(r.getApplication, h.getApplication)
  .openapi(r.updateApplication, h.updateApplication)
  .openapi(r.listApplicationRoles, h.listApplicationRoles)
  .openapi(r.createApplicationRole, h.createApplicationRole)
  .openapi(r.updateApplicationRole, h.updateApplicationRole)
  .openapi(r.deleteApplicationRole, h.deleteApplicationRole)
  .openapi(r.getApplicationPool, h.getApplicationPool)
  .openapi(r.takeApplicationPoolTurn, h.takeApplicationPoolTurn)
  .openapi(r.listApplicationGrants, h.listApplicationGrants)
  .openapi(r.createApplicationGrant, h.createApplicationGrant)
  .openapi(r.getApplicationGrant, h.getApplicationGrant)
  .openapi(r.updateApplicationGrant, h.updateApplicationGrant)
  .openapi(r.deleteApplicationGrant, h.deleteApplicationGrant);

export { accessById, applicationAccess } from "./applications.service";
export { applicationCors } from "./cors";
