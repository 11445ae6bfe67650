// Customers / subscribers (CRM-1). A customer login is linked to at most one customer record.
import { createRouter } from "../../lib/create-router";
import * as h from "./customers.handlers";
import * as r from "./customers.routes";

export const customersModule = createRouter()
  .openapi(r.listCustomers, h.listCustomers)
  .openapi(r.createCustomer, h.createCustomer)
  .openapi(r.getCustomer, h.getCustomer)
  .openapi(r.updateCustomer, h.updateCustomer)
  .openapi(r.deleteCustomer, h.deleteCustomer);
