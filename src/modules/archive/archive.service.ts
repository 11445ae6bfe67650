import {
  ARCHIVE_FORMAT,
  ARCHIVE_PREFIX,
  type ArchivedRow,
  type ArchivedTable,
  type ArchivedTicket,
  encodePart,
  manifestKey,
  partKey,
  readPart,
  sha256Hex,
} from "../../lib/archive";
import type { ServiceContext, UserContext } from "../../lib/context";
import { numbered } from "../../lib/d1";
import { type ErasureSubject, redactValues } from "../../lib/erasure";
import { newId, nowIso } from "../../lib/ids";
import { AppError } from "../../lib/problem";
import { type JobRow, type StepResult, jobGuard, startJob } from "../jobs";
import { schedulingArchive } from "../scheduling";
import { ticketArchive } from "../tickets";

/** Every table that moves with a ticket; the ticket's own row first (restored first, deleted last). */
const TABLES: ArchivedTable[] = [...ticketArchive, ...schedulingArchive];
const FINISHED = "coalesce(closed_at, cancelled_at)";
/** A bound JSON parameter stays well under D1's 2 MB per value. */
const MAX_JSON_BYTES = 900_000;

export const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

const monthStart = (month: string) => `${month}-01T00:00:00.000Z`;
function nextMonth(month: string): string {
  const [y, m] = month.split("-").map(Number);
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, "0")}`;
}
/** The instant `months` calendar months before `at` (UTC). */
export function monthsBefore(at: Date, months: number): string {
  const d = new Date(at);
  d.setUTCMonth(d.getUTCMonth() - months);
  return d.toISOString();
}

/** Tickets that ended before this instant may be archived. */
const cutoffOf = (ctx: ServiceContext, at: Date) => monthsBefore(at, ctx.settings.archiveAfterMonths);

/** A queued or running archive or restore job (of the month, when given). */
function busyStatement(ctx: ServiceContext, month?: string) {
  return ctx.env.DB.prepare(
    `SELECT id, kind FROM jobs WHERE kind IN ('archive_month', 'archive_restore') AND status IN ('queued', 'running')
       AND (?1 IS NULL OR json_extract(params, '$.month') = ?1) LIMIT 1`,
  ).bind(month ?? null);
}

const busyMonth = (ctx: ServiceContext, month?: string) =>
  busyStatement(ctx, month).first<{ id: string; kind: string }>();

// ---- reading the archive's index ----

export async function listArchiveMonths(ctx: UserContext, q: { limit: number; cursor?: string }) {
  const after = q.cursor && MONTH.test(q.cursor) ? q.cursor : q.cursor ? invalidCursor() : "9999-99";
  const db = ctx.env.DB;
  const { results } = await db
    .prepare(
      `SELECT m.month, m.status, m.updated_at, count(p.key) AS parts, coalesce(sum(p.tickets), 0) AS tickets,
              coalesce(sum(p.rows), 0) AS rows, coalesce(sum(p.bytes), 0) AS bytes
         FROM archive_months m LEFT JOIN archive_parts p ON p.month = m.month
        WHERE m.month < ?1 GROUP BY m.month ORDER BY m.month DESC LIMIT ?2`,
    )
    .bind(after, q.limit + 1)
    .all<{
      month: string;
      status: "archived" | "restored";
      updated_at: string;
      parts: number;
      tickets: number;
      rows: number;
      bytes: number;
    }>();
  const data = results.slice(0, q.limit);
  return {
    data: data.map((m) => ({ ...m, manifest_key: m.status === "archived" ? manifestKey(m.month) : null })),
    next_cursor: results.length > q.limit ? data[data.length - 1].month : null,
    has_more: results.length > q.limit,
  };
}

function invalidCursor(): never {
  throw new AppError("validation_failed", "The cursor is not valid for this list.", {
    errors: [{ path: "cursor", in: "query", message: "Invalid cursor" }],
  });
}

// ---- starting jobs ----

/** Moves the month's closed and cancelled tickets (those past the archive age) to the archive, now. */
export async function archiveMonth(ctx: UserContext, month: string) {
  const cutoff = cutoffOf(ctx, new Date());
  if (monthStart(month) >= cutoff)
    throw new AppError(
      "conflict",
      `Tickets closed in ${month} are too recent: work is archived ${ctx.settings.archiveAfterMonths} months after it ended (before ${cutoff.slice(0, 10)}).`,
    );
  return startArchive(ctx, month, cutoff, ctx.actor.userId);
}

async function startArchive(ctx: ServiceContext, month: string, cutoff: string, requestedBy: string | null) {
  const running = await busyMonth(ctx, month);
  if (running) throw new AppError("conflict", `Job ${running.id} is already working on ${month}.`);
  const end = monthStart(nextMonth(month));
  const id = newId("job");
  return startJob(
    ctx,
    "archive_month",
    requestedBy,
    { month, before: end < cutoff ? end : cutoff },
    {
      id,
      audit: { action: "archive.month_started", targetType: "archive_month", targetId: month, after: { job_id: id } },
    },
  );
}

/** Brings an archived month's tickets back into the database (they stay until archived again by hand). */
export async function restoreArchivedMonth(ctx: UserContext, month: string) {
  const db = ctx.env.DB;
  const [any, busy] = await db.batch<{ id: string }>([
    db.prepare("SELECT key AS id FROM archive_parts WHERE month = ? LIMIT 1").bind(month),
    busyStatement(ctx, month),
  ]);
  if (!any.results.length) throw new AppError("not_found", `Nothing of ${month} is archived.`);
  const running = busy.results[0];
  if (running) throw new AppError("conflict", `Job ${running.id} is already working on ${month}.`);
  const id = newId("job");
  return startJob(
    ctx,
    "archive_restore",
    ctx.actor.userId,
    { month },
    {
      id,
      audit: { action: "archive.restore_started", targetType: "archive_month", targetId: month, after: { job_id: id } },
    },
  );
}

/**
 * Daily: starts archiving the oldest month that has work past the archive age (one month at a time;
 * the next run takes the next). A month restored by hand is left in the database until an
 * administrator archives it again.
 */
export async function archiveClosedWork(ctx: ServiceContext, scheduledTime: number) {
  if (!ctx.settings.archiveAfterMonths) return { started: null, reason: "off" };
  if (await busyMonth(ctx)) return { started: null, reason: "busy" };
  const cutoff = cutoffOf(ctx, new Date(scheduledTime));
  const db = ctx.env.DB;
  let from = "";
  for (let i = 0; i < 24; i++) {
    const oldest = await db
      .prepare(
        `SELECT t.month, m.status FROM (
           SELECT substr(${FINISHED}, 1, 7) AS month FROM tickets
            WHERE status IN ('closed', 'cancelled') AND ${FINISHED} >= ?1 AND ${FINISHED} < ?2 ORDER BY ${FINISHED}, id LIMIT 1
         ) t LEFT JOIN archive_months m ON m.month = t.month`,
      )
      .bind(from, cutoff)
      .first<{ month: string; status: string | null }>();
    if (!oldest) return { started: null, reason: "nothing_due" };
    if (oldest.status !== "restored") {
      const job = await startArchive(ctx, oldest.month, cutoff, null);
      return { started: job.id, month: oldest.month };
    }
    from = monthStart(nextMonth(oldest.month));
  }
  return { started: null, reason: "restored_months" };
}

// ---- the archive job ----

type ArchiveState = { after_at?: string; after_id?: string; parts?: number; tickets?: number };

/**
 * One step: the next tickets of the month (in order of ending), with every row of theirs, written
 * to R2 as one part and read back and checked (hash, tickets, row counts) before anything in D1
 * changes; then, in the step's batch, the index rows (only for tickets unchanged since they were
 * read, and only while the job is at this step), the part's row, and the deletion of exactly the
 * rows written. A crash before the batch leaves the tickets in D1 and an unreferenced object (the
 * last step deletes it); a crash after it leaves nothing to redo. The last step writes the month's
 * manifest.
 */
export async function runArchiveStep(ctx: ServiceContext, job: JobRow): Promise<StepResult> {
  const { month, before } = job.params as { month: string; before: string };
  const state = job.state as ArchiveState;
  const db = ctx.env.DB;
  const picked = await db
    .prepare(
      `SELECT id, version, ${FINISHED} AS finished FROM tickets
        WHERE status IN ('closed', 'cancelled') AND ${FINISHED} >= ?1 AND ${FINISHED} < ?2
          AND (${FINISHED}, id) > (?3, ?4) ORDER BY ${FINISHED}, id LIMIT ?5`,
    )
    .bind(monthStart(month), before, state.after_at ?? "", state.after_id ?? "", ctx.settings.archivePartTickets)
    .all<{ id: string; version: number; finished: string }>();
  if (!picked.results.length) return finishArchive(ctx, job, month, state);

  const ids = picked.results.map((t) => t.id);
  const read = await db.batch<ArchivedRow>(TABLES.map((t) => t.select(db, JSON.stringify(ids))));
  const byTicket = new Map<string, ArchivedTicket>(ids.map((id) => [id, { ticket_id: id, sections: {} }]));
  const rowids = new Map<string, number[]>();
  let rows = 0;
  TABLES.forEach((t, i) => {
    const list: number[] = [];
    for (const raw of read[i].results) {
      const { _rowid, ...row } = raw;
      list.push(Number(_rowid));
      const owner = byTicket.get(String(row[t.column]))!;
      (owner.sections[t.table] ??= []).push(row);
      rows++;
    }
    rowids.set(t.table, list);
  });
  const lines = [...byTicket.values()];
  const bytes = await encodePart(lines);
  const sha = await sha256Hex(bytes);
  const key = partKey(month, job.id, job.step, sha);
  await ctx.env.FILES.put(key, bytes, {
    httpMetadata: { contentType: "application/x-ndjson", contentEncoding: "gzip" },
    customMetadata: { format: ARCHIVE_FORMAT, sha256: sha, tickets: String(lines.length), rows: String(rows) },
  });
  await verifyPart(ctx, key, sha, lines);

  const technicians = Object.fromEntries(
    lines.map((l) => [l.ticket_id, (l.sections.ticket_assignees ?? []).map((a) => a.technician_id)]),
  );
  const versions = Object.fromEntries(picked.results.map((t) => [t.id, t.version]));
  const guard = jobGuard(job);
  const now = nowIso();
  const statements = [
    db
      .prepare(
        `INSERT INTO archived_tickets (ticket_id, number, kind, status, title, customer_id, created_by, team_supervisor_id,
                                       technician_ids, created_at, finished_at, month, part_key, archived_at)
         SELECT t.id, t.number, t.kind, t.status, t.title, t.customer_id, t.created_by, t.team_supervisor_id,
                coalesce(json_extract(?1, '$."' || t.id || '"'), '[]'), t.created_at, ${FINISHED}, ?3, ?4, ?5
           FROM tickets t JOIN json_each(?2) v ON v.key = t.id
          WHERE t.version = v.value AND t.status IN ('closed', 'cancelled') AND ${numbered(guard.sql, 6)}`,
      )
      .bind(JSON.stringify(technicians), JSON.stringify(versions), month, key, now, ...guard.params),
    db
      .prepare(
        `INSERT INTO archive_parts (key, month, tickets, rows, bytes, sha256, job_id, created_at)
         SELECT ?1, ?2, n, ?3, ?4, ?5, ?6, ?7 FROM (SELECT count(*) AS n FROM archived_tickets WHERE part_key = ?1) WHERE n > 0`,
      )
      .bind(key, month, rows, bytes.byteLength, sha, job.id, now),
    // Children first, the tickets last (no foreign keys; the order only reads well).
    ...[...TABLES].reverse().map((t) => t.remove(db, JSON.stringify(rowids.get(t.table)), key)),
  ];
  const last = picked.results[picked.results.length - 1];
  return {
    state: {
      after_at: last.finished,
      after_id: last.id,
      parts: (state.parts ?? 0) + 1,
      tickets: (state.tickets ?? 0) + lines.length,
    },
    rowsProcessed: job.rowsProcessed + lines.length,
    statements,
    afterCommit: async (results) => {
      // Every ticket changed since it was read: nothing refers to the part (the next run takes them).
      if (!results[0].meta.changes) await ctx.env.FILES.delete(key);
    },
  };
}

/** Reads the part back and checks it holds exactly what was read from D1. */
async function verifyPart(ctx: ServiceContext, key: string, sha: string, lines: ArchivedTicket[]) {
  const stored = await readPart(ctx.env.FILES, key, sha);
  const count = (t: ArchivedTicket) =>
    `${t.ticket_id}:${Object.entries(t.sections)
      .map(([name, list]) => `${name}=${list.length}`)
      .sort()
      .join(",")}`;
  const expected = lines.map(count).join("|");
  if (stored.map(count).join("|") !== expected) throw new Error(`archive part ${key} does not read back as written`);
}

async function finishArchive(
  ctx: ServiceContext,
  job: JobRow,
  month: string,
  state: ArchiveState,
): Promise<StepResult> {
  const parts = await writeManifest(ctx, month);
  await deleteUnreferenced(ctx, month, new Set(parts.map((p) => p.key)));
  const now = nowIso();
  return {
    state,
    rowsProcessed: job.rowsProcessed,
    rowsTotal: job.rowsProcessed,
    statements: [
      ctx.env.DB.prepare(
        `INSERT INTO archive_months (month, status, job_id, updated_at) VALUES (?1, 'archived', ?2, ?3)
         ON CONFLICT (month) DO UPDATE SET status = 'archived', job_id = ?2, updated_at = ?3`,
      ).bind(month, job.id, now),
    ],
    done: { key: null },
  };
}

type PartRow = { key: string; tickets: number; rows: number; bytes: number; sha256: string; created_at: string };

/** The month's manifest in R2: what a reader without the database needs to find and check every part. */
async function writeManifest(ctx: ServiceContext, month: string): Promise<PartRow[]> {
  const { results } = await ctx.env.DB.prepare(
    "SELECT key, tickets, rows, bytes, sha256, created_at FROM archive_parts WHERE month = ? ORDER BY key",
  )
    .bind(month)
    .all<PartRow>();
  const manifest = {
    format: ARCHIVE_FORMAT,
    month,
    written_at: nowIso(),
    tickets: results.reduce((n, p) => n + p.tickets, 0),
    tables: TABLES.map((t) => t.table),
    parts: results,
  };
  await ctx.env.FILES.put(manifestKey(month), JSON.stringify(manifest, null, 2), {
    httpMetadata: { contentType: "application/json" },
  });
  return results;
}

/** Objects under the month that no part row names (left by a step that died before its batch, or by a restore). */
async function deleteUnreferenced(ctx: ServiceContext, month: string, keep: Set<string>) {
  let cursor: string | undefined;
  do {
    const listed = await ctx.env.FILES.list({ prefix: `${ARCHIVE_PREFIX}${month}/`, cursor });
    const stale = listed.objects.map((o) => o.key).filter((k) => !keep.has(k) && k !== manifestKey(month));
    if (stale.length) await ctx.env.FILES.delete(stale);
    cursor = listed.truncated ? listed.cursor : undefined;
  } while (cursor);
}

// ---- the restore job ----

/** JSON arrays of rows, each under MAX_JSON_BYTES. */
function jsonChunks(rows: ArchivedRow[]): ArchivedRow[][] {
  const out: ArchivedRow[][] = [];
  let current: ArchivedRow[] = [];
  let size = 0;
  for (const row of rows) {
    const length = JSON.stringify(row).length;
    if (current.length && size + length > MAX_JSON_BYTES) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(row);
    size += length;
  }
  if (current.length) out.push(current);
  return out;
}

/**
 * One step: one part, read and checked against its hash, its tickets written back with every row
 * (plain inserts: a row that would collide fails the step rather than being skipped), and its
 * index rows removed, in one batch; the object is deleted after the batch (a crash in between
 * leaves it unreferenced for the last step to delete). The last step removes the manifest and
 * marks the month restored.
 */
export async function runRestoreStep(ctx: ServiceContext, job: JobRow): Promise<StepResult> {
  const { month } = job.params as { month: string };
  const db = ctx.env.DB;
  const part = await db
    .prepare("SELECT key, sha256 FROM archive_parts WHERE month = ? ORDER BY key LIMIT 1")
    .bind(month)
    .first<{ key: string; sha256: string }>();
  if (!part) {
    await deleteUnreferenced(ctx, month, new Set());
    await ctx.env.FILES.delete(manifestKey(month));
    return {
      state: job.state,
      rowsProcessed: job.rowsProcessed,
      rowsTotal: job.rowsProcessed,
      statements: [
        db
          .prepare(
            `INSERT INTO archive_months (month, status, job_id, updated_at) VALUES (?1, 'restored', ?2, ?3)
             ON CONFLICT (month) DO UPDATE SET status = 'restored', job_id = ?2, updated_at = ?3`,
          )
          .bind(month, job.id, nowIso()),
      ],
      done: { key: null },
    };
  }
  const indexed = new Set(
    (
      await db
        .prepare("SELECT ticket_id FROM archived_tickets WHERE part_key = ?")
        .bind(part.key)
        .all<{ ticket_id: string }>()
    ).results.map((r) => r.ticket_id),
  );
  const lines = (await readPart(ctx.env.FILES, part.key, part.sha256)).filter((l) => indexed.has(l.ticket_id));
  const statements: D1PreparedStatement[] = [];
  for (const t of TABLES) {
    const rows = lines.flatMap((l) => l.sections[t.table] ?? []);
    for (const chunk of jsonChunks(rows)) {
      const statement = t.restore(db, chunk);
      if (statement) statements.push(statement);
    }
  }
  statements.push(
    db.prepare("DELETE FROM archived_tickets WHERE part_key = ?").bind(part.key),
    db.prepare("DELETE FROM archive_parts WHERE key = ?").bind(part.key),
  );
  return {
    state: { parts: ((job.state as { parts?: number }).parts ?? 0) + 1 },
    rowsProcessed: job.rowsProcessed + lines.length,
    statements,
    afterCommit: async () => {
      await ctx.env.FILES.delete(part.key);
    },
  };
}

// ---- erasure ----

/** Every string in `value` with each of `values` cut out. */
function redactDeep(value: unknown, values: string[]): unknown {
  if (typeof value === "string") return values.reduce((text, v) => text.split(v).join("[erased]"), value);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, values));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, values)]));
  return value;
}

/**
 * The customer's archived tickets, erased like live ones: each part holding one is rewritten (the
 * ticket's address and position gone, what the customer wrote replaced, their personal strings
 * cut out of every row, JSON columns included), written as a new object and checked; the
 * statements repoint the index to it in the erasure's batch, and `finish` (after it committed)
 * deletes the old objects and rewrites the months' manifests.
 */
export async function archiveErasure(
  ctx: ServiceContext,
  s: ErasureSubject,
): Promise<{ statements: D1PreparedStatement[]; finish: () => Promise<void> }> {
  const db = ctx.env.DB;
  const { results: parts } = await db
    .prepare(
      `SELECT DISTINCT p.key, p.month, p.sha256 FROM archived_tickets a JOIN archive_parts p ON p.key = a.part_key
        WHERE a.customer_id = ?`,
    )
    .bind(s.customerId)
    .all<{ key: string; month: string; sha256: string }>();
  const statements: D1PreparedStatement[] = [];
  const marker = s.marker;
  const mine = (author: unknown) => s.userId !== null && author === s.userId;
  for (const part of parts) {
    const lines = await readPart(ctx.env.FILES, part.key, part.sha256);
    const rewritten = lines.map((line) => {
      const ticket = line.sections.tickets?.[0];
      if (!ticket || ticket.customer_id !== s.customerId) return line;
      const sections: Record<string, ArchivedRow[]> = {};
      for (const [table, rows] of Object.entries(line.sections))
        sections[table] = rows.map((row) => {
          const out = { ...row };
          if (table === "tickets") {
            Object.assign(out, { address: null, lat: null, lng: null });
            if (mine(row.created_by)) Object.assign(out, { title: "Erased", description: marker });
          }
          if (table === "ticket_comments" && mine(row.author_id)) out.body = marker;
          if (table === "ticket_history" && mine(row.actor_id) && row.comment !== null) out.comment = marker;
          if (table === "appointments") Object.assign(out, { address: null, lat: null, lng: null });
          return redactDeep(out, s.values) as ArchivedRow;
        });
      return { ticket_id: line.ticket_id, sections };
    });
    const bytes = await encodePart(rewritten);
    const sha = await sha256Hex(bytes);
    const key = partKey(part.month, `erased-${s.now.replace(/\D/g, "").slice(0, 14)}`, 0, sha);
    await ctx.env.FILES.put(key, bytes, {
      httpMetadata: { contentType: "application/x-ndjson", contentEncoding: "gzip" },
      customMetadata: { format: ARCHIVE_FORMAT, sha256: sha, tickets: String(rewritten.length) },
    });
    await readPart(ctx.env.FILES, key, sha);
    statements.push(
      db
        .prepare("UPDATE archive_parts SET key = ?2, sha256 = ?3, bytes = ?4 WHERE key = ?1")
        .bind(part.key, key, sha, bytes.byteLength),
      db.prepare("UPDATE archived_tickets SET part_key = ?2 WHERE part_key = ?1").bind(part.key, key),
    );
  }
  statements.push(
    db
      .prepare("UPDATE archived_tickets SET title = 'Erased' WHERE customer_id = ?1 AND created_by = ?2")
      .bind(s.customerId, s.userId ?? ""),
    ...redactValues(db, s, "archived_tickets", ["title"], "customer_id = ?", [s.customerId]),
  );
  return {
    statements,
    finish: async () => {
      if (parts.length) await ctx.env.FILES.delete(parts.map((p) => p.key));
      for (const month of new Set(parts.map((p) => p.month))) await writeManifest(ctx, month);
    },
  };
}
