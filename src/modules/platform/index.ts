// The API's own surface: root listing, health, and the local development outbox.
import { createRouter } from "../../lib/create-router";
import * as h from "./platform.handlers";
import * as r from "./platform.routes";

export const platformModule = createRouter()
  .openapi(r.apiRoot, h.apiRoot)
  .openapi(r.labels, h.labels)
  .openapi(r.health, h.health)
  .openapi(r.devOutbox, h.devOutbox);

export { deletePlatformLeftovers, runOnce } from "./housekeeping";
