import type { ServiceContext } from "../../lib/context";
import { csvLines } from "../../lib/csv";
import type { ParsedRow, RowOutcome } from "../../lib/imports";
import type { FieldError } from "../../lib/problem";
import { JobFailure, jobGuard, jobRequester, type JobRow, type StepResult } from "../jobs";
import { readRecords, type CsvRecord } from "./csv-file";
import { isReportColumn, type ImportParams, type ImportState } from "./imports.service";
import { importKind } from "./kinds";

/** The permission an import of a kind needs, besides the kind's own write permission. */
export const importPermission = (kind: string) => (kind === "tickets" ? "imports:tickets" : "imports:records");

/** The cell as typed: the `'` the error report puts before `= + - @` (formula safety) is taken off again. */
const cellText = (cell: string) => cell.replace(/^'(?=[=+\-@\t\r])/, "").trim();

interface Rejected {
  line: number;
  cells: string[];
  errors: FieldError[];
}

/** The window of the file from `offset` holding at least one whole record (or the file's end). */
async function nextRecords(ctx: ServiceContext, params: ImportParams, offset: number) {
  const cap = ctx.settings.importMaxRowBytes;
  for (let window = Math.min(ctx.settings.importWindowBytes, cap); ; window = Math.min(window * 4, cap)) {
    const object = await ctx.env.FILES.get(params.source_key, { range: { offset, length: window } });
    if (!object) throw new JobFailure("The uploaded file is missing.");
    const bytes = new Uint8Array(await object.arrayBuffer());
    const final = offset + bytes.length >= params.bytes;
    // One record more than a chunk: the chunk may end early at a repeated key, never late.
    const read = readRecords(bytes, params.delimiter, final, ctx.settings.importChunkRows + 1);
    if (read.records.length || final) return { ...read, final };
    // Deterministic: no retry reads a shorter row. The job fails now, saying where.
    if (window >= ctx.settings.importMaxRowBytes)
      throw new JobFailure(
        `A row is longer than ${ctx.settings.importMaxRowBytes} bytes (or a quote is never closed), after byte ${offset} of the file.`,
      );
  }
}

/**
 * One chunk of an import: up to IMPORT_CHUNK_ROWS rows read from where the last chunk ended,
 * checked with the API's own rules, decided against the database by the kind's module, and
 * answered as guarded statements that the job commits in the same batch as the step (so a
 * redelivered or crashed step writes nothing twice and never half a row). Rejected rows go to
 * the step's part of the error report. A row whose key already appeared in this chunk starts
 * the next chunk, so it meets the first one as an existing record.
 */
export async function runImportStep(ctx: ServiceContext, job: JobRow): Promise<StepResult> {
  const params = job.params as ImportParams;
  const state = job.state as ImportState;
  const kind = importKind(params.kind);
  const user = await jobRequester(ctx, job);
  if (
    !user ||
    !user.actor.permissions.has(kind.permission) ||
    !user.actor.permissions.has(importPermission(params.kind))
  ) {
    throw new JobFailure(`The user who started the import may no longer import ${kind.noun}s.`);
  }

  const { records, brokenTail, final } = await nextRecords(ctx, params, state.offset);
  const width = params.columns.length;
  const rejected: Rejected[] = [];
  const accepted: { line: number; cells: string[]; row: ParsedRow<unknown> }[] = [];
  const keys = new Set<string>();
  let taken = 0;
  let consumed: Pick<CsvRecord, "endByte" | "endLine"> = { endByte: 0, endLine: 0 };
  for (const record of records) {
    if (taken >= ctx.settings.importChunkRows) break;
    const line = state.line + consumed.endLine + 1;
    if (record.cells.length !== width) {
      rejected.push({
        line,
        cells: record.cells,
        errors: [{ path: "(row)", message: `${record.cells.length} fields where the header has ${width}` }],
      });
    } else {
      const cells: Record<string, string> = {};
      params.columns.forEach((field, i) => {
        const text = cellText(record.cells[i]);
        if (field && text !== "") cells[field] = text;
      });
      const parsed = kind.parse(user, cells);
      if ("errors" in parsed) rejected.push({ line, cells: record.cells, errors: parsed.errors });
      else if (keys.has(parsed.key)) break;
      else {
        keys.add(parsed.key);
        accepted.push({ line, cells: record.cells, row: parsed });
      }
    }
    taken++;
    consumed = record;
  }
  const finished = final && taken === records.length;
  if (finished && brokenTail)
    rejected.push({
      line: state.line + consumed.endLine + 1,
      cells: [],
      errors: [{ path: "(row)", message: brokenTail }],
    });

  const plan = accepted.length
    ? await kind.plan(
        user,
        accepted.map((a) => a.row),
        { onExisting: params.on_existing, guard: jobGuard(job), jobId: job.id, dryRun: params.dry_run },
      )
    : { outcomes: [] as RowOutcome[], statements: [] };
  const counts = { ...state.counts };
  plan.outcomes.forEach((o, i) => {
    counts[o.outcome]++;
    if (o.outcome === "failed") rejected.push({ line: accepted[i].line, cells: accepted[i].cells, errors: o.errors });
  });
  counts.failed += rejected.length - plan.outcomes.filter((o) => o.outcome === "failed").length;

  let errorBytes = state.error_bytes;
  if (rejected.length) {
    rejected.sort((a, b) => a.line - b.line);
    const kept = params.header.map((h, i) => (isReportColumn(h) ? -1 : i)).filter((i) => i >= 0);
    const part = csvLines(
      [...kept.map((i) => params.header[i]), "import_line", "import_errors"],
      rejected.map((r) => [
        ...kept.map((i) => r.cells[i] ?? ""),
        r.line,
        r.errors.map((e) => `${e.path}: ${e.message}`).join("; "),
      ]),
    );
    // Named by step: a step run again writes the same part again, never a second one.
    await ctx.env.FILES.put(`imports/${job.id}/errors/part-${String(job.step + 1).padStart(6, "0")}.csv`, part, {
      httpMetadata: { contentType: "text/csv" },
    });
    errorBytes += new TextEncoder().encode(part).length;
  }

  const rowsProcessed = job.rowsProcessed + taken + (finished && brokenTail ? 1 : 0);
  const next: ImportState = {
    ...state,
    offset: state.offset + consumed.endByte,
    line: state.line + consumed.endLine,
    counts,
    error_bytes: errorBytes,
  };
  return {
    state: next,
    rowsProcessed,
    rowsTotal: finished ? rowsProcessed : null,
    done: finished
      ? counts.failed
        ? {
            key: `imports/${job.id}/errors/`,
            filename: `${params.kind}-errors.csv`,
            contentType: "text/csv; charset=utf-8",
            bytes: state.header_bytes + errorBytes,
          }
        : { key: null }
      : undefined,
    statements: params.dry_run ? [] : plan.statements,
    afterCommit: params.dry_run ? undefined : plan.afterCommit,
  };
}
