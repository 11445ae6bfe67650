import { and, eq } from "drizzle-orm";
import { jobs, type JobKind, type JobStatus } from "../../db/schema";
import { type AuditEntry, commitAudited } from "../../lib/change-batch";
import type { ServiceContext, UserContext } from "../../lib/context";
import { newId, nowIso } from "../../lib/ids";
import type { JobMessage } from "../../lib/messages";
import { keyset } from "../../lib/pagination";
import { permissionsOf } from "../../contracts/permissions";
import { AppError } from "../../lib/problem";

export type JobRow = typeof jobs.$inferSelect;

/** What one step of a job did: where the next one starts, or the file it finished. */
export interface StepResult {
  state: Record<string, unknown>;
  rowsProcessed: number;
  rowsTotal?: number | null;
  done?: { key: string; filename: string; contentType: string; bytes: number } | { key: null };
  /** Writes of the step, committed in the same batch as the step itself (each guarded with `jobGuard`). */
  statements?: D1PreparedStatement[];
  /** Runs once the step committed (publishing events). */
  afterCommit?: (results: D1Result[]) => Promise<void>;
}

/** `AND`ed into a step's writes: true only while the job is still at this step, so a step's writes and its commit are one. */
export function jobGuard(job: JobRow): { sql: string; params: [string, number] } {
  return {
    sql: "EXISTS (SELECT 1 FROM jobs WHERE id = ? AND step = ? AND status IN ('queued', 'running'))",
    params: [job.id, job.step],
  };
}

const counted = (state: Record<string, unknown>) =>
  state.counts && typeof state.counts === "object" ? (state.counts as Record<string, number>) : null;

/** What a job was asked to do, without where its files are stored (`…_key`). */
const publicParams = (params: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(params).filter(([name]) => !name.endsWith("_key")));

export function presentJob(row: JobRow) {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    rows_total: row.rowsTotal,
    rows_processed: row.rowsProcessed,
    counts: counted(row.state),
    options: Object.keys(row.params).length ? publicParams(row.params) : null,
    error: row.error,
    file:
      row.status === "done" && row.resultKey
        ? {
            filename: row.resultFilename ?? "download",
            content_type: row.resultContentType ?? "application/octet-stream",
            bytes: row.resultBytes ?? 0,
            download_url: `/v1/jobs/${row.id}/download`,
          }
        : null,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
    finished_at: row.finishedAt,
  };
}

/** A queued job and its first step's message; answer 202 with what this returns. */
export async function startJob(
  ctx: ServiceContext,
  kind: JobKind,
  requestedBy: string | null,
  params: Record<string, unknown>,
  start: { id?: string; state?: Record<string, unknown>; audit?: AuditEntry } = {},
) {
  const now = nowIso();
  const row: JobRow = {
    id: start.id ?? newId("job"),
    kind,
    status: "queued",
    requestedBy,
    params,
    state: start.state ?? {},
    step: 0,
    rowsTotal: null,
    rowsProcessed: 0,
    resultKey: null,
    resultFilename: null,
    resultContentType: null,
    resultBytes: null,
    error: null,
    recoveries: 0,
    createdAt: now,
    updatedAt: now,
    finishedAt: null,
  };
  // An audited job (a customer's data export) is recorded with its audit entry in one batch.
  if (start.audit) await commitAudited(ctx, [ctx.db.insert(jobs).values(row)], start.audit);
  else await ctx.db.insert(jobs).values(row);
  try {
    await ctx.env.JOBS.send({ kind: "job", job_id: row.id, step: 0 } satisfies JobMessage);
  } catch (err) {
    // The job is stored: the watchdog (resumeStalledJobs) sends its first step once the lease runs out.
    console.error(
      JSON.stringify({
        level: "error",
        msg: "job enqueue failed; the watchdog resumes it",
        job_id: row.id,
        error: String(err),
      }),
    );
  }
  return presentJob(row);
}

/** The caller's own job (any job, for those who may read all); anyone else's is a 404 so its existence does not leak. */
async function ownJob(ctx: UserContext, id: string): Promise<JobRow> {
  const mine = ctx.actor.permissions.has("jobs:read_all") ? undefined : eq(jobs.requestedBy, ctx.actor.userId);
  const row = await ctx.db.query.jobs.findFirst({ where: and(eq(jobs.id, id), mine) });
  if (!row) throw new AppError("not_found", "No such job.");
  return row;
}

export async function getJob(ctx: UserContext, id: string) {
  return presentJob(await ownJob(ctx, id));
}

export async function listJobs(ctx: UserContext, query: { limit: number; cursor?: string }) {
  const page = keyset({ order: "-created_at", column: jobs.createdAt, idColumn: jobs.id, cursor: query.cursor });
  const rows = await ctx.db
    .select()
    .from(jobs)
    .where(and(eq(jobs.requestedBy, ctx.actor.userId), page.where))
    .orderBy(...page.orderBy)
    .limit(query.limit + 1);
  const result = page.page(rows, query.limit, (r) => r.createdAt);
  return { data: result.data.map(presentJob), next_cursor: result.next_cursor, has_more: result.next_cursor !== null };
}

/** Stops a queued or running job; its next step sees the status and ends. */
export async function cancelJob(ctx: UserContext, id: string) {
  const row = await ownJob(ctx, id);
  if (row.status !== "queued" && row.status !== "running")
    throw new AppError("invalid_transition", `A ${row.status} job cannot be cancelled.`);
  const now = nowIso();
  const result = await ctx.env.DB.prepare(
    "UPDATE jobs SET status = 'cancelled', updated_at = ?2, finished_at = ?2 WHERE id = ?1 AND status IN ('queued', 'running')",
  )
    .bind(id, now)
    .run();
  if (!result.meta.changes) throw new AppError("conflict", "The job finished meanwhile.");
  return presentJob({ ...row, status: "cancelled", updatedAt: now, finishedAt: now });
}

/**
 * The finished file, streamed from storage, for the user who started the job only: exports and
 * error reports hold personal data, so `jobs:read_all` shows the job's status but not its file.
 */
export async function downloadJob(ctx: UserContext, id: string) {
  const row = await ctx.db.query.jobs.findFirst({
    where: and(eq(jobs.id, id), eq(jobs.requestedBy, ctx.actor.userId)),
  });
  if (!row) throw new AppError("not_found", "No such job.");
  if (row.status !== "done" || !row.resultKey) throw new AppError("invalid_transition", "The job has no file (yet).");
  const file = {
    filename: row.resultFilename ?? "download",
    contentType: row.resultContentType ?? "application/octet-stream",
  };
  if (!row.resultKey.endsWith("/")) {
    const object = await ctx.env.FILES.get(row.resultKey);
    if (!object) throw new AppError("not_found", "The file has expired.");
    return { ...file, body: object.body, bytes: object.size };
  }
  // A file written in parts (`<prefix>part-000001…`): their concatenation, one part in memory at a time.
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const listed = await ctx.env.FILES.list({ prefix: row.resultKey, cursor });
    keys.push(...listed.objects.map((o) => o.key));
    cursor = listed.truncated ? listed.cursor : undefined;
  } while (cursor);
  if (!keys.length) throw new AppError("not_found", "The file has expired.");
  keys.sort();
  const files = ctx.env.FILES;
  let index = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (index >= keys.length) return controller.close();
      const object = await files.get(keys[index++]);
      if (!object) return controller.error(new Error("a part of the file is missing"));
      controller.enqueue(new Uint8Array(await object.arrayBuffer()));
    },
  });
  return { ...file, body, bytes: row.resultBytes ?? 0 };
}

/**
 * Runs steps of a job: nothing when the job has ended or the step was already committed (a
 * redelivered message); otherwise `run`, then the step's writes and the step itself are committed
 * in one batch, only if the job is still at this step. Up to `maxSteps` steps run in one message
 * (while `budgetMs` lasts); then the next step's message is sent.
 */
export async function advanceJob(
  ctx: ServiceContext,
  message: JobMessage,
  run: (job: JobRow) => Promise<StepResult>,
  limits: (job: JobRow) => { maxSteps: number; budgetMs: number } | undefined = () => undefined,
): Promise<void> {
  const started = Date.now();
  let step = message.step;
  for (let round = 0; ; round++) {
    const job = await ctx.db.query.jobs.findFirst({ where: eq(jobs.id, message.job_id) });
    if (!job || job.step !== step || !(["queued", "running"] as JobStatus[]).includes(job.status)) return;
    const result = await run(job);
    const now = nowIso();
    const finished = result.done !== undefined;
    const file = result.done && result.done.key !== null ? result.done : null;
    const commit = ctx.env.DB.prepare(
      `UPDATE jobs SET step = step + 1, status = ?3, state = ?4, rows_processed = ?5, rows_total = coalesce(?6, rows_total),
              result_key = ?7, result_filename = ?8, result_content_type = ?9, result_bytes = ?10, updated_at = ?11, finished_at = ?12
        WHERE id = ?1 AND step = ?2 AND status IN ('queued', 'running')`,
    ).bind(
      job.id,
      job.step,
      finished ? "done" : "running",
      JSON.stringify(result.state),
      result.rowsProcessed,
      result.rowsTotal ?? null,
      file?.key ?? null,
      file?.filename ?? null,
      file?.contentType ?? null,
      file?.bytes ?? null,
      now,
      finished ? now : null,
    );
    const results = await ctx.env.DB.batch([...(result.statements ?? []), commit]);
    if (!results[results.length - 1].meta.changes) return;
    await result.afterCommit?.(results);
    if (finished) return;
    step = job.step + 1;
    const limit = limits(job);
    if (round + 1 >= (limit?.maxSteps ?? 1) || Date.now() - started > (limit?.budgetMs ?? 0)) {
      await ctx.env.JOBS.send({ kind: "job", job_id: job.id, step } satisfies JobMessage);
      return;
    }
  }
}

/**
 * A failure no retry can fix (a row the importer can never take, a file that is gone, a requester
 * who lost the permission): the job fails at once with this message, instead of after every retry.
 */
export class JobFailure extends Error {}

/**
 * A queued or running job holds a lease: each committed step renews it (`updated_at`). A step is
 * bounded (seconds) and the queue's longest retry back-off is 5 minutes, so a job with no commit
 * for JOB_LEASE_MS has lost its message (a crash, a lost local queue, a failed enqueue after the job
 * was created). The 5-minute cron sends its current step again — the step's guard makes a second
 * message harmless — and after JOB_MAX_RECOVERIES such rescues fails it, kept with the reason.
 */
export const JOB_LEASE_MS = 10 * 60_000;
export const JOB_MAX_RECOVERIES = 5;

export async function resumeStalledJobs(ctx: ServiceContext, scheduledTime: number) {
  const staleBefore = new Date(scheduledTime - JOB_LEASE_MS).toISOString();
  const now = new Date(scheduledTime).toISOString();
  const stalled = await ctx.env.DB.prepare(
    "SELECT id, step, status, recoveries, updated_at FROM jobs WHERE status IN ('queued', 'running') AND updated_at < ?1 ORDER BY updated_at LIMIT 100",
  )
    .bind(staleBefore)
    .all<{ id: string; step: number; status: string; recoveries: number; updated_at: string }>();
  let resumed = 0;
  let failed = 0;
  for (const job of stalled.results) {
    if (job.recoveries >= JOB_MAX_RECOVERIES) {
      const gave = await ctx.env.DB.prepare(
        "UPDATE jobs SET status = 'failed', error = ?3, updated_at = ?2, finished_at = ?2 WHERE id = ?1 AND status IN ('queued', 'running') AND updated_at = ?4",
      )
        .bind(
          job.id,
          now,
          `Stopped advancing: no step finished in ${JOB_MAX_RECOVERIES + 1} leases of ${JOB_LEASE_MS / 60_000} minutes.`,
          job.updated_at,
        )
        .run();
      failed += gave.meta.changes ? 1 : 0;
      continue;
    }
    // Renew the lease first (only one of two overlapping runs wins), then send the step again.
    const claimed = await ctx.env.DB.prepare(
      "UPDATE jobs SET recoveries = recoveries + 1, updated_at = ?2 WHERE id = ?1 AND step = ?3 AND updated_at = ?4 AND status IN ('queued', 'running')",
    )
      .bind(job.id, now, job.step, job.updated_at)
      .run();
    if (!claimed.meta.changes) continue;
    await ctx.env.JOBS.send({ kind: "job", job_id: job.id, step: job.step } satisfies JobMessage);
    resumed += 1;
  }
  return { resumed, failed };
}

/** A step that kept failing: the job is kept as failed with the reason, never dropped. */
export async function failJob(ctx: ServiceContext, message: JobMessage, error: string): Promise<void> {
  const now = nowIso();
  await ctx.env.DB.prepare(
    "UPDATE jobs SET status = 'failed', error = ?2, updated_at = ?3, finished_at = ?3 WHERE id = ?1 AND status IN ('queued', 'running')",
  )
    .bind(message.job_id, error.slice(0, 500), now)
    .run();
}

/** The user a job acts for, with their current permissions; null when they can no longer act. */
export async function jobRequester(ctx: ServiceContext, job: JobRow): Promise<UserContext | null> {
  if (!job.requestedBy) return null;
  const row = await ctx.env.DB.prepare(
    `SELECT u.id, u.role, u.status, u.deleted_at, r.permissions AS custom FROM users u LEFT JOIN roles r ON r.key = u.role WHERE u.id = ?1`,
  )
    .bind(job.requestedBy)
    .first<{ id: string; role: string; status: string; deleted_at: string | null; custom: string | null }>();
  if (!row || row.status !== "active" || row.deleted_at) return null;
  return {
    ...ctx,
    actor: {
      kind: "user",
      userId: row.id,
      sessionId: `job:${job.id}`,
      role: row.role,
      permissions: permissionsOf(row.role, row.custom ? (JSON.parse(row.custom) as string[]) : null),
      via: "bearer",
      tokenExpiresAt: 0,
    },
  };
}

/** Finished jobs keep their file this long. */
export const JOB_FILE_DAYS = 7;

/**
 * Deletes the files of jobs that finished more than JOB_FILE_DAYS ago (and the parts a cancelled
 * or failed export left), then marks each job's file expired. Storage first, row second: a run cut
 * short in between deletes nothing twice that matters and is finished by the next run.
 */
export async function deleteExpiredJobFiles(ctx: ServiceContext, scheduledTime: number): Promise<number> {
  const before = new Date(scheduledTime - JOB_FILE_DAYS * 86_400_000).toISOString();
  const expired = await ctx.env.DB.prepare(
    `SELECT id, kind FROM jobs WHERE status IN ('done', 'cancelled', 'failed') AND finished_at < ?1 AND kind IN ('report_export', 'import')
        AND json_extract(state, '$.expired') IS NULL
      ORDER BY finished_at LIMIT 50`,
  )
    .bind(before)
    .all<{ id: string; kind: string }>();
  for (const { id, kind } of expired.results) {
    let cursor: string | undefined;
    do {
      const listed = await ctx.env.FILES.list({
        prefix: `${kind === "import" ? "imports" : "exports"}/${id}/`,
        cursor,
      });
      if (listed.objects.length) await ctx.env.FILES.delete(listed.objects.map((o) => o.key));
      cursor = listed.truncated ? listed.cursor : undefined;
    } while (cursor);
    await ctx.env.DB.prepare(
      `UPDATE jobs SET result_key = NULL, state = json_set(state, '$.expired', 1), updated_at = ?3,
              error = CASE WHEN status = 'done' THEN ?2 ELSE error END WHERE id = ?1`,
    )
      .bind(id, `The file expired ${JOB_FILE_DAYS} days after the job finished.`, nowIso())
      .run();
  }
  return expired.results.length;
}
