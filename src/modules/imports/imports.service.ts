import type { UserContext } from "../../lib/context";
import { csvLines } from "../../lib/csv";
import { newId } from "../../lib/ids";
import type { ImportKind } from "../../lib/imports";
import { AppError, type FieldError } from "../../lib/problem";
import { startJob } from "../jobs";
import { assertCsvText, isBlank, readHeader, sniffDelimiter, type Delimiter } from "./csv-file";
import { importKind, REPORT_COLUMNS, type ImportKindName } from "./kinds";

export interface ImportOptions {
  dry_run: boolean;
  on_existing: "skip" | "update" | "fail";
  mapping?: Record<string, string | null>;
  delimiter?: Delimiter;
}

/** What the job carries from the upload to every step. */
export type ImportParams = {
  kind: ImportKindName;
  filename: string;
  bytes: number;
  dry_run: boolean;
  on_existing: ImportOptions["on_existing"];
  delimiter: Delimiter;
  /** Per file column: the field it fills, or null when ignored. */
  columns: (string | null)[];
  header: string[];
  source_key: string;
};

/** Where the next step starts and what the steps so far did. */
export type ImportState = {
  offset: number;
  line: number;
  counts: { created: number; updated: number; skipped: number; failed: number };
  error_bytes: number;
  header_bytes: number;
};

export const normalisedHeader = (h: string) =>
  h
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, "_");

const invalidFile = (message: string, errors: FieldError[]): never => {
  throw new AppError("invalid_file", message, { errors });
};

/** Each file column's field (null: ignored), or a 422 naming unknown, repeated and missing columns. */
export function resolveColumns(
  kind: ImportKind,
  header: string[],
  mapping: Record<string, string | null> = {},
): (string | null)[] {
  const known = new Set(kind.columns.map((c) => c.name));
  const trimmed = header.map((h) => h.trim());
  const mappingErrors: FieldError[] = [];
  for (const [from, to] of Object.entries(mapping)) {
    if (!trimmed.includes(from.trim()) && !trimmed.some((h) => normalisedHeader(h) === normalisedHeader(from)))
      mappingErrors.push({ path: `mapping.${from}`, message: "The file has no such column" });
    if (to !== null && !known.has(to))
      mappingErrors.push({ path: `mapping.${from}`, message: `Not a ${kind.noun} column` });
  }
  if (mappingErrors.length)
    throw new AppError("validation_failed", "The column mapping does not fit the file.", { errors: mappingErrors });
  const byNormalised = new Map(Object.entries(mapping).map(([from, to]) => [normalisedHeader(from), to]));
  const unknown: FieldError[] = [];
  const seen = new Map<string, string>();
  const columns = trimmed.map((h) => {
    const exact = Object.hasOwn(mapping, h) ? mapping[h] : byNormalised.get(normalisedHeader(h));
    const target =
      exact !== undefined
        ? exact
        : (REPORT_COLUMNS as readonly string[]).includes(normalisedHeader(h))
          ? null
          : known.has(normalisedHeader(h))
            ? normalisedHeader(h)
            : undefined;
    if (target === undefined) {
      unknown.push({
        path: `columns.${h || "(blank)"}`,
        message: "Unknown column: map it to a field, or to null to ignore it",
      });
      return null;
    }
    if (target !== null && seen.has(target))
      unknown.push({ path: `columns.${h}`, message: `Fills ${target}, as column "${seen.get(target)}" does` });
    if (target !== null) seen.set(target, h);
    return target;
  });
  const missing = kind.columns.filter((c) => c.required && !seen.has(c.name)).map((c) => c.name);
  if (missing.length) {
    invalidFile(`Required columns are missing: ${missing.join(", ")}. Is this a ${kind.noun} file?`, [
      ...missing.map((m) => ({ path: `columns.${m}`, message: "Required column missing" })),
      ...unknown,
    ]);
  }
  if (unknown.length)
    invalidFile(
      `The file has columns a ${kind.noun} import does not know: ${unknown.map((u) => u.path.slice(8)).join(", ")}.`,
      unknown,
    );
  return columns;
}

/**
 * Checks the file at once (size, encoding, header, row count), stores it, and starts the job that
 * takes it in; 422 for a file no job could use, so nothing is queued for it.
 */
export async function startImport(
  ctx: UserContext,
  kindName: ImportKindName,
  file: { filename: string; bytes: Uint8Array },
  options: ImportOptions,
) {
  const kind = importKind(kindName);
  if (!ctx.actor.permissions.has(kind.permission))
    throw new AppError("forbidden", `Importing ${kind.noun}s needs the ${kind.permission} permission.`);
  if (options.on_existing === "update" && !kind.updates) {
    throw new AppError("validation_failed", `Existing ${kind.noun}s cannot be updated by an import.`, {
      errors: [{ path: "on_existing", message: "skip or fail" }],
    });
  }
  const { bytes } = file;
  if (bytes.length > ctx.settings.importMaxBytes)
    throw new AppError("payload_too_large", `The file is larger than ${ctx.settings.importMaxBytes} bytes; split it.`);
  assertCsvText(bytes);
  const delimiter = options.delimiter ?? sniffDelimiter(bytes);
  const header = readHeader(bytes, delimiter);
  const columns = resolveColumns(kind, header.cells, options.mapping);
  const rest = bytes.subarray(header.endByte);
  if (isBlank(rest)) invalidFile("The file has a header but no rows.", [{ path: "file", message: "No rows" }]);
  let lines = 0;
  for (const b of rest) if (b === 0x0a) lines++;
  if (rest[rest.length - 1] !== 0x0a) lines++;
  if (lines > ctx.settings.importMaxRows)
    invalidFile(`The file has more than ${ctx.settings.importMaxRows} rows; split it.`, [
      { path: "file", message: "Too many rows" },
    ]);

  const id = newId("job");
  const sourceKey = `imports/${id}/source.csv`;
  await ctx.env.FILES.put(sourceKey, bytes, { httpMetadata: { contentType: "text/csv" } });
  // The error report's header: the file's own columns, then the line and the reasons.
  const reportHeader =
    "\uFEFF" + csvLines([...header.cells.filter((h) => !isReportColumn(h)), ...REPORT_COLUMNS], [], { header: true });
  await ctx.env.FILES.put(`imports/${id}/errors/part-000000.csv`, reportHeader, {
    httpMetadata: { contentType: "text/csv" },
  });
  const params: ImportParams = {
    kind: kindName,
    filename: file.filename,
    bytes: bytes.length,
    dry_run: options.dry_run,
    on_existing: options.on_existing,
    delimiter,
    columns,
    header: header.cells,
    source_key: sourceKey,
  };
  const state: ImportState = {
    offset: header.endByte,
    line: header.endLine,
    counts: { created: 0, updated: 0, skipped: 0, failed: 0 },
    error_bytes: 0,
    header_bytes: new TextEncoder().encode(reportHeader).length,
  };
  return startJob(ctx, "import", ctx.actor.userId, params, {
    id,
    state,
  });
}

export const isReportColumn = (h: string) => (REPORT_COLUMNS as readonly string[]).includes(normalisedHeader(h));

/** A template: the header and one example row. */
export function importTemplate(kindName: ImportKindName): string {
  const kind = importKind(kindName);
  // Numbers as numbers: a text cell starting with "-" would be written formula-safe ('-24.6).
  const examples = kind.columns.map((c) =>
    c.exampleInTemplate === false ? "" : /^-?(0|[1-9]\d*)(\.\d+)?$/.test(c.example) ? Number(c.example) : c.example,
  );
  return (
    "\uFEFF" +
    csvLines(
      kind.columns.map((c) => c.name),
      [examples],
      { header: true },
    )
  );
}
