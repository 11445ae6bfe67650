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
  .openapi(r.listCablePrices, h.listCablePrices)
  .openapi(r.getCablePrice, h.getCablePrice)
  .openapi(r.setCablePrice, h.setCablePrice)
  .openapi(r.listCopperTheftIncidents, h.listCopperTheftIncidents)
  .openapi(r.createCopperTheftIncident, h.createCopperTheftIncident)
  .openapi(r.getCopperTheftIncident, h.getCopperTheftIncident)
  .openapi(r.updateCopperTheftIncident, h.updateCopperTheftIncident)
  .openapi(r.deleteCopperTheftIncident, h.deleteCopperTheftIncident)
  .openapi(r.listAffectedCustomers, h.listAffectedCustomers)
  .openapi(r.addAffectedCustomers, h.addAffectedCustomers)
  .openapi(r.deleteAllAffectedCustomers, h.deleteAllAffectedCustomers)
  .openapi(r.getAffectedCustomer, h.getAffectedCustomer)
  .openapi(r.updateAffectedCustomer, h.updateAffectedCustomer)
  .openapi(r.deleteAffectedCustomer, h.deleteAffectedCustomer)
  .openapi(r.raiseRestorationTickets, h.raiseRestorationTickets)
  .openapi(r.getCopperTheftReport, h.getCopperTheftReport);
export { findAffectedEntry, findIncident } from "./incidents.service";
export { subscriberImport } from "./subscribers.import";
