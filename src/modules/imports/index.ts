// CSV imports: customers, tickets, service cards and catalogue items taken in as background jobs,
// with a per-row error report. Each kind's rows are checked and written by its own module.
import { createRouter } from "../../lib/create-router";
import * as h from "./imports.handlers";
import * as r from "./imports.routes";

export const importsModule = createRouter()
  .openapi(r.importCustomers, h.importCustomers)
  .openapi(r.importSubscribers, h.importSubscribers)
  .openapi(r.importTickets, h.importTickets)
  .openapi(r.importServiceCards, h.importServiceCards)
  .openapi(r.importInventoryItems, h.importInventoryItems)
  .openapi(r.getImportTemplate, h.getImportTemplate);

export { runImportStep } from "./importer";
