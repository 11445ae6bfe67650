// Network operations: regions and localities, copper-theft incidents with the cable price list,
// affected customers and their restoration tickets (NET-1, NET-2).
import { createRouter } from "../../lib/create-router";
import * as h from "./network.handlers";
import * as r from "./network.routes";

export const networkModule = createRouter()
  .openapi(r.listRegions, h.listRegions)
  .openapi(r.createRegion, h.createRegion)
  .openapi(r.updateRegion, h.updateRegion)
  .openapi(r.deleteRegion, h.deleteRegion)
  .openapi(r.listLocalities, h.listLocalities)
  .openapi(r.createLocality, h.createLocality)
  .openapi(r.updateLocality, h.updateLocality)
  .openapi(r.deleteLocality, h.deleteLocality)
  .openapi(r.listPrices, h.listPrices)
  .openapi(r.getPrice, h.getPrice)
  .openapi(r.setPrice, h.setPrice)
  .openapi(r.listIncidents, h.listIncidents)
  .openapi(r.createIncident, h.createIncident)
  .openapi(r.getIncident, h.getIncident)
  .openapi(r.updateIncident, h.updateIncident)
  .openapi(r.deleteIncident, h.deleteIncident)
  .openapi(r.listAffected, h.listAffected)
  .openapi(r.addAffected, h.addAffected)
  .openapi(r.deleteAllAffected, h.deleteAllAffected)
  .openapi(r.getAffected, h.getAffected)
  .openapi(r.updateAffected, h.updateAffected)
  .openapi(r.deleteAffected, h.deleteAffected)
  .openapi(r.raiseRestoration, h.raiseRestoration)
  .openapi(r.incidentReport, h.incidentReport);
export { findAffectedEntry, findIncident } from "./incidents.service";
export { subscriberImport } from "./subscribers.import";
