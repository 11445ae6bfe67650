import type { ServiceContext } from "../../lib/context";
import { daysBefore, deleteInChunks } from "../../lib/retention";

/** Finished provisioning actions past their retention (one still running is settled first, never deleted). */
export async function pruneProvisioningLog(ctx: ServiceContext, scheduledTime: number) {
  return deleteInChunks(ctx.env.DB, {
    table: "provisioning_actions",
    where: "started_at < ? AND outcome <> 'running'",
    params: [daysBefore(scheduledTime, ctx.settings.retention.provisioningDays)],
    chunk: ctx.settings.retention.chunkRows,
  });
}
