// Mobile: offline sync for technicians' phones (a change log read by cursor), offline actions
// applied once each with conflict handling, and the devices that sync (MOB-1).
import { createRouter } from "../../lib/create-router";
import * as h from "./mobile.handlers";
import * as r from "./mobile.routes";

export const mobileModule = createRouter()
  .openapi(r.sync, h.sync)
  .openapi(r.actions, h.applyActions)
  .openapi(r.listDevices, h.listDevices)
  .openapi(r.revokeDevice, h.revokeDevice);
