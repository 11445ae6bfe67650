import type { ServiceContext, UserContext } from "../../lib/context";
import { startJob, type JobRow, type StepResult } from "../jobs";
import { CLEAR_SQL, ticketStatsStatements } from "./aggregates";

const TICKETS_PER_BATCH = 250;
const BATCHES_PER_STEP = 8;

/** Recompute every report aggregate from the tickets (after a time-zone change, or to check them). */
export async function startRebuild(ctx: UserContext) {
  return startJob(ctx, "report_rebuild", ctx.actor.userId, {});
}

/**
 * Step 0 empties the aggregates; each later step refreshes the next tickets in id order. Live
 * changes meanwhile are safe: a refresh moves the sums by the difference from the ticket's stored
 * facts, whether the rebuild has reached that ticket yet or not.
 */
export async function runRebuildStep(ctx: ServiceContext, job: JobRow): Promise<StepResult> {
  const db = ctx.env.DB;
  const state = job.state as { after?: string };
  if (state.after === undefined) {
    const [total] = await db.batch<{ n: number }>([
      db.prepare("SELECT count(*) AS n FROM tickets"),
      ...CLEAR_SQL.map((s) => db.prepare(s)),
    ]);
    return { state: { after: "" }, rowsProcessed: 0, rowsTotal: total.results[0]?.n ?? 0 };
  }
  let after = state.after;
  let processed = job.rowsProcessed;
  for (let i = 0; i < BATCHES_PER_STEP; i++) {
    const ids = (
      await db
        .prepare("SELECT id FROM tickets WHERE id > ?1 ORDER BY id LIMIT ?2")
        .bind(after, TICKETS_PER_BATCH)
        .all<{ id: string }>()
    ).results.map((r) => r.id);
    if (!ids.length) return { state: { after }, rowsProcessed: processed, done: { key: null } };
    await db.batch(ticketStatsStatements(db, ctx.settings.timeZone, ids));
    processed += ids.length;
    after = ids[ids.length - 1];
    if (ids.length < TICKETS_PER_BATCH) return { state: { after }, rowsProcessed: processed, done: { key: null } };
  }
  return { state: { after }, rowsProcessed: processed };
}
