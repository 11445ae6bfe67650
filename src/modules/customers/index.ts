// Customers / subscribers (CRM-1). A customer login is linked to at most one customer record.
// Leaves first: other modules read these at load time, so they must not wait on a cycle.
export { CustomerIdParam } from "./customers.schemas";

import { createRouter } from "../../lib/create-router";
import * as h from "./customers.handlers";
import * as r from "./customers.routes";

export const customersModule = createRouter()
  .openapi(r.listCustomers, h.listCustomers)
  .openapi(r.createCustomer, h.createCustomer)
  .openapi(r.getCustomer, h.getCustomer)
  .openapi(r.updateCustomer, h.updateCustomer)
  .openapi(r.deleteCustomer, h.deleteCustomer)
  .openapi(r.startCustomerDataExport, h.startCustomerDataExport)
  .openapi(r.startOwnDataExport, h.startOwnDataExport);

export { runCustomerExportStep } from "./data-export";

export {
  customerForUser,
  findCustomer,
  findVisibleCustomer,
  visibleCustomerReads,
  setCustomerLanguage,
  visibleCustomersByAccount,
} from "./customers.service";
export {
  customerImport,
  customerReferenceColumns,
  customerReferenceOf,
  resolveCustomerReferences,
  type CustomerReference,
  type ReferencedCustomer,
} from "./customers.import";
export { customersForSync } from "./customers.service";
export { customerErasure } from "./erasure";
