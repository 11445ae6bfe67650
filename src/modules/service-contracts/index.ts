// Service contracts (PM-2): a customer's cover, visits included per period, renewal and reminders.
import { createRouter } from "../../lib/create-router";
import * as h from "./contracts.handlers";
import * as r from "./contracts.routes";

export const serviceContractsModule = createRouter()
  .openapi(r.listServiceContracts, h.listServiceContracts)
  .openapi(r.createServiceContract, h.createServiceContract)
  .openapi(r.getServiceContract, h.getServiceContract)
  .openapi(r.updateServiceContract, h.updateServiceContract)
  .openapi(r.cancelServiceContract, h.cancelServiceContract)
  .openapi(r.renewServiceContract, h.renewServiceContract)
  .openapi(r.listContractsEnding, h.listContractsEnding);

export { contractCharge } from "./contracts.service";
export { renewServiceContracts } from "./renewals";
export { contractErasure } from "./erasure";
