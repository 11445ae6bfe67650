import { systemContext, type ServiceContext } from "../lib/context";
import type { Env } from "../lib/env";
import { writeLog } from "../lib/log";
import { deleteEndedCredentials } from "../modules/auth";
import { refreshCalendarFeeds } from "../modules/calendars";
import { deleteExpiredJobFiles, resumeStalledJobs } from "../modules/jobs";
import { deletePlatformLeftovers, runOnce } from "../modules/platform";
import { settleAbandonedActions } from "../modules/provisioning";
import { revokeExpiredLinks, sendAppointmentReminders } from "../modules/scheduling";
import { settleTimeOffHolds } from "../modules/technicians";
import { slaClockTick } from "../modules/tickets";
import { generateMaintenance } from "../modules/maintenance";
import { renewServiceContracts } from "../modules/service-contracts";
import { armSlaTimer } from "../lib/sla-timer";
import { pruneNotificationLogs, redeliverOverdue, relayUnpublishedEvents } from "../modules/notifications";
import { pruneSyncLog } from "../modules/mobile";
import { pruneLocationTrail } from "../modules/technicians";
import { pruneProvisioningLog } from "../modules/provisioning";
import { archiveClosedWork } from "../modules/archive";

/** The SLA timer's safety net: the same check its alarm runs, then the alarm set at the next deadline. */
const slaClock: Job = async (ctx, scheduledTime) => {
  const outcome = await slaClockTick(ctx, scheduledTime);
  await armSlaTimer(ctx.env, outcome.next);
  return outcome;
};

/** The outbox relay: events committed but never published (the worker died after its batch). */
const relayEvents: Job = (ctx, scheduledTime) => relayUnpublishedEvents(ctx.env, scheduledTime);
import { deleteUnattachedUploads } from "../modules/uploads";

export const CRON_FREQUENT = "*/5 * * * *";
export const CRON_DAILY = "0 3 * * *";

type Job = (ctx: ServiceContext, scheduledTime: number) => Promise<unknown>;

/** Expired rows of every module: deleting what is already deleted changes nothing, so a rerun is a no-op. */
export async function cleanupExpired(ctx: ServiceContext, scheduledTime: number) {
  const counts = [
    await deletePlatformLeftovers(ctx, scheduledTime),
    await revokeExpiredLinks(ctx, scheduledTime),
    await deleteEndedCredentials(ctx, scheduledTime),
    await deleteExpiredJobFiles(ctx, scheduledTime),
    await deleteUnattachedUploads(ctx, scheduledTime),
  ];
  return { deleted: counts.reduce((a, b) => a + b, 0) };
}

/**
 * Retention (daily): every log that grows with time, each by its owning module's rule and its own
 * RETENTION_*_DAYS, deleted in chunks of RETENTION_CHUNK_ROWS. Tables kept forever (tickets, their
 * history, the audit log, stock movements) are named in docs/decisions.md.
 */
export async function applyRetention(ctx: ServiceContext, scheduledTime: number) {
  return {
    sync: await pruneSyncLog(ctx, scheduledTime),
    notifications: await pruneNotificationLogs(ctx, scheduledTime),
    locations: await pruneLocationTrail(ctx, scheduledTime),
    provisioning: await pruneProvisioningLog(ctx, scheduledTime),
  };
}

/** One entry per schedule in wrangler.toml. Each job is idempotent on its own and catches up after missed runs. */
const JOBS: Record<string, Record<string, Job>> = {
  [CRON_FREQUENT]: {
    slaClock,
    settleTimeOffHolds,
    generateMaintenance,
    sendAppointmentReminders,
    settleAbandonedActions,
    resumeStalledJobs,
    relayEvents,
    redeliverOverdue,
  },
  [CRON_DAILY]: { cleanupExpired, refreshCalendarFeeds, renewServiceContracts, applyRetention, archiveClosedWork },
};

/** Runs the jobs of a schedule, each once per scheduled time, as the system. */
export async function runScheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext) {
  for (const [name, job] of Object.entries(JOBS[controller.cron] ?? {})) {
    const system = systemContext(env, name, (p) => ctx.waitUntil(p));
    const outcome = await runOnce(system, name, controller.scheduledTime, () => job(system, controller.scheduledTime));
    if (!outcome.skipped)
      writeLog(system.settings.logLevel, "info", {
        msg: "cron job done",
        cron: controller.cron,
        job: name,
        result: outcome.result,
      });
  }
}
