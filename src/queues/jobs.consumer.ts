import { systemContext } from "../lib/context";
import type { Env } from "../lib/env";
import { writeLog } from "../lib/log";
import type { JobMessage } from "../lib/messages";
import { JobFailure, advanceJob, failJob, type JobRow, type StepResult } from "../modules/jobs";
import { runExportStep, runRebuildStep } from "../modules/reports";
import { runImportStep } from "../modules/imports";
import { runAutoAssignStep } from "../modules/tickets";
import { runCustomerExportStep } from "../modules/customers";
import { runArchiveStep, runRestoreStep } from "../modules/archive";

export const JOBS_QUEUE = "truckroll-jobs";
/** Matches max_retries in wrangler.toml: the attempt after which a failing step fails its job. */
export const MAX_STEP_ATTEMPTS = 6;

const STEPS: Record<string, (ctx: ReturnType<typeof systemContext>, job: JobRow) => Promise<StepResult>> = {
  report_export: runExportStep,
  report_rebuild: runRebuildStep,
  import: runImportStep,
  auto_assign: runAutoAssignStep,
  customer_export: runCustomerExportStep,
  archive_month: runArchiveStep,
  archive_restore: runRestoreStep,
};

/** Imports commit a chunk per step: several chunks run in one message, while a few seconds last. */
const STEPS_PER_MESSAGE: Record<string, { maxSteps: number; budgetMs: number }> = {
  import: { maxSteps: 50, budgetMs: 10_000 },
  archive_month: { maxSteps: 10, budgetMs: 10_000 },
  archive_restore: { maxSteps: 10, budgetMs: 10_000 },
};

/** One step per message; a failing step is retried with back-off, and after the last attempt its job is marked failed (kept with the reason). */
export async function handleJobBatch(batch: MessageBatch<JobMessage>, env: Env, ctx: ExecutionContext) {
  const system = systemContext(env, `queue:${batch.queue}`, (p) => ctx.waitUntil(p));
  for (const msg of batch.messages) {
    try {
      await advanceJob(
        system,
        msg.body,
        (job) => {
          const step = STEPS[job.kind];
          if (!step) throw new Error(`unknown job kind ${job.kind}`);
          return step(system, job);
        },
        (job) => STEPS_PER_MESSAGE[job.kind],
      );
      msg.ack();
    } catch (err) {
      writeLog(system.settings.logLevel, "warn", {
        msg: "job step failed",
        job_id: msg.body.job_id,
        step: msg.body.step,
        attempts: msg.attempts,
        error: String(err),
      });
      if (err instanceof JobFailure) {
        await failJob(system, msg.body, err.message);
        msg.ack();
      } else if (msg.attempts >= MAX_STEP_ATTEMPTS) {
        await failJob(system, msg.body, String(err));
        msg.ack();
      } else {
        msg.retry({ delaySeconds: Math.min(300, 5 * 2 ** (msg.attempts - 1)) });
      }
    }
  }
}
