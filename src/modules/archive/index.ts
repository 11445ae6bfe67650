// Archive (DATA-1): closed work older than the archive age moves from D1 to compressed NDJSON in R2,
// by month, with a manifest; it is still read by ticket id and in a customer's history, and a month
// can be restored.
import { createRouter } from "../../lib/create-router";
import * as h from "./archive.handlers";
import * as r from "./archive.routes";

export const archiveModule = createRouter()
  .openapi(r.listArchiveMonths, h.listArchiveMonths)
  .openapi(r.archiveMonth, h.archiveMonth)
  .openapi(r.restoreArchivedMonth, h.restoreArchivedMonth);

export { archiveClosedWork, archiveErasure, runArchiveStep, runRestoreStep } from "./archive.service";
