// Background jobs: the resource a long export (and later an import) answers 202 with — state,
// progress, cancel, and the finished file for the user who asked for it.
export { JobSchema } from "./jobs.schemas";

import { createRouter } from "../../lib/create-router";
import * as h from "./jobs.handlers";
import * as r from "./jobs.routes";

export const jobsModule = createRouter()
  .openapi(r.listJobs, h.listJobs)
  .openapi(r.getJob, h.getJob)
  .openapi(r.cancelJob, h.cancelJob)
  .openapi(r.downloadJobFile, h.downloadJobFile);

export {
  advanceJob,
  deleteExpiredJobFiles,
  jobGuard,
  failJob,
  JobFailure,
  resumeStalledJobs,
  jobRequester,
  JOB_FILE_DAYS,
  startJob,
  type JobRow,
  type StepResult,
} from "./jobs.service";
export { jobErasure } from "./erasure";
