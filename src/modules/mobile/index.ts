// Mobile: offline sync for technicians' phones (a change log read by cursor), offline actions
// applied once each with conflict handling, and the devices that sync (MOB-1).
import { createRouter } from "../../lib/create-router";
import * as h from "./mobile.handlers";
import * as r from "./mobile.routes";

export const mobileModule = createRouter()
  .openapi(r.syncMobile, h.syncMobile)
  .openapi(r.applyMobileActions, h.applyMobileActions)
  .openapi(r.listMobileDevices, h.listMobileDevices)
  .openapi(r.revokeMobileDevice, h.revokeMobileDevice);
export { syncLogOwner } from "./sync-log";
export { pruneSyncLog } from "./retention";
