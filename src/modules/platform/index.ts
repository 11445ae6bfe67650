// The API's own surface: root listing, health, and the local development outbox.
import { createRouter } from "../../lib/create-router";
import * as h from "./platform.handlers";
import * as r from "./platform.routes";

export const platformModule = createRouter()
  .openapi(r.getApiRoot, h.getApiRoot)
  .openapi(r.getLabels, h.getLabels)
  .openapi(r.getHealth, h.getHealth)
  .openapi(r.listDevOutbox, h.listDevOutbox);

export { deletePlatformLeftovers, runOnce } from "./housekeeping";
export { platformErasure } from "./erasure";
