import type { ServiceContext } from "../../lib/context";
import { raiseCounter } from "../../lib/counters";
import { daysBefore, deleteInChunks } from "../../lib/retention";

/** The highest change-log position deleted: a cursor at or below it gets a fresh snapshot. */
export const SYNC_LOG_FLOOR = "sync_log_floor";

/**
 * The mobile change log past its retention, but never a row a live device (not revoked, synced
 * within the retention) has not read: rows are deleted below the oldest such device's position
 * and below the first row newer than the retention. The floor is raised before anything is
 * deleted, so a phone syncing meanwhile from a cursor below it is answered a snapshot instead of
 * a delta with a gap. Also the remembered offline actions past their own retention.
 */
export async function pruneSyncLog(ctx: ServiceContext, scheduledTime: number) {
  const db = ctx.env.DB;
  const { retention } = ctx.settings;
  const cutoff = daysBefore(scheduledTime, retention.syncLogDays);
  const [firstNew, live, last] = await db.batch<{ seq: number | null }>([
    // The log is in commit order: the scan stops at the first row inside the retention.
    db.prepare("SELECT seq FROM sync_changes WHERE created_at >= ?1 ORDER BY seq LIMIT 1").bind(cutoff),
    db
      .prepare(
        "SELECT min(last_seq) AS seq FROM mobile_devices WHERE revoked_at IS NULL AND last_sync_at >= ?1 AND last_seq IS NOT NULL",
      )
      .bind(cutoff),
    db.prepare("SELECT max(seq) AS seq FROM sync_changes"),
  ]);
  const below = Math.min(
    firstNew.results[0]?.seq ?? (last.results[0]?.seq ?? 0) + 1,
    (live.results[0]?.seq ?? Number.MAX_SAFE_INTEGER - 1) + 1,
  );
  let log = { deleted: 0, rounds: 0 };
  if (below > 1) {
    await raiseCounter(db, SYNC_LOG_FLOOR, below - 1);
    log = await deleteInChunks(db, {
      table: "sync_changes",
      key: "seq",
      where: "seq < ? ORDER BY seq",
      params: [below],
      chunk: retention.chunkRows,
    });
  }
  const actions = await deleteInChunks(db, {
    table: "mobile_actions",
    where: "created_at < ? AND outcome <> 'pending'",
    params: [daysBefore(scheduledTime, retention.mobileActionsDays)],
    chunk: retention.chunkRows,
  });
  return { log, actions };
}
