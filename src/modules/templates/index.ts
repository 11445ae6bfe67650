// Job templates (PM-3): what a kind of job takes, and its checklist, for tickets raised from it.
import { createRouter } from "../../lib/create-router";
import * as h from "./templates.handlers";
import * as r from "./templates.routes";

export const templatesModule = createRouter()
  .openapi(r.listJobTemplates, h.listJobTemplates)
  .openapi(r.createJobTemplate, h.createJobTemplate)
  .openapi(r.getJobTemplate, h.getJobTemplate)
  .openapi(r.updateJobTemplate, h.updateJobTemplate);

export { templateForTicket, templatesForSync } from "./templates.service";
