import type { z } from "zod";
import type { UserContext } from "./context";
import type { Permission } from "../contracts/permissions";
import type { Guard } from "./d1";
import { fieldErrors, type FieldError } from "./problem";

export { guardedInsert, guardedUpdate, type Guard } from "./d1";

/**
 * What a module offers the CSV importer for one kind of record: its columns, how a row becomes
 * the API's own input (validated by the API's own schema, so a bad value gets the same message as
 * online), its natural key, and the guarded statements that write a chunk of rows. The importer
 * owns files, chunks, counts and the error report; the module owns its table.
 */
export interface ImportKind<T = unknown> {
  kind: string;
  /** What one row is, for messages: "customer", "ticket" … */
  noun: string;
  /** Which column (or columns) identify a record, for the reference and the errors. */
  keyDescription: string;
  columns: ImportColumn[];
  /** The permission writing this kind needs, besides the import permission. */
  permission: Permission;
  /** `update` supported for rows whose key exists. */
  updates: boolean;
  /** The row's cells (by field name, blanks omitted) to the API's input, or the per-field errors. */
  parse(ctx: UserContext, cells: Record<string, string>): ParsedRow<T> | { errors: FieldError[] };
  /**
   * Decides every row of a chunk against the database (existing keys, referenced records) and
   * answers the guarded statements that apply it. Statements must be guarded with `guard`, so
   * that nothing is written unless the chunk's job step is committed in the same batch.
   */
  plan(ctx: UserContext, rows: ParsedRow<T>[], options: PlanOptions): Promise<ChunkPlan>;
}

export interface ImportColumn {
  name: string;
  description: string;
  example: string;
  required?: boolean;
  /** false: the template leaves the cell blank (another column gives the same thing). */
  exampleInTemplate?: false;
}

export interface ParsedRow<T> {
  value: T;
  /** The natural key, normalised (the same key twice in a file is the same record). */
  key: string;
}

export interface PlanOptions {
  onExisting: "skip" | "update" | "fail";
  guard: Guard;
  /** The job, for history entries and events. */
  jobId: string;
  /** Validate and count only: the statements will not run, and nothing else may be written. */
  dryRun: boolean;
}

export type RowOutcome = { outcome: "created" | "updated" | "skipped" } | { outcome: "failed"; errors: FieldError[] };

export interface ChunkPlan {
  /** One per row, in order. */
  outcomes: RowOutcome[];
  statements: D1PreparedStatement[];
  /** Runs only once the batch committed (publishing events). */
  afterCommit?: (results: D1Result[]) => Promise<void>;
}

/**
 * A zod result as the import's per-field errors, named by column: `nested` is the input object
 * the `lat`/`lng` columns were put in (`coordinates.lat` is reported as `lat`).
 */
export function validated<S extends z.ZodType>(
  schema: S,
  input: Record<string, unknown>,
  nested?: string,
): { value: z.infer<S> } | { errors: FieldError[] } {
  const result = schema.safeParse(input);
  if (result.success) return { value: result.data };
  return {
    errors: fieldErrors(result.error.issues).map((e) => ({
      path: nested && e.path.startsWith(`${nested}.`) ? e.path.slice(nested.length + 1) : e.path,
      message: e.message,
    })),
  };
}

/** The `lat` and `lng` cells as one point, nothing when both are blank, or the error when only one is given. */
export function pointCells(
  cells: Record<string, string>,
): { point?: { lat: number | string; lng: number | string } } | { errors: FieldError[] } {
  if (cells.lat === undefined && cells.lng === undefined) return {};
  if (cells.lat === undefined || cells.lng === undefined)
    return { errors: [{ path: cells.lat === undefined ? "lat" : "lng", message: "lat and lng go together" }] };
  return { point: { lat: numberCell(cells.lat)!, lng: numberCell(cells.lng)! } };
}

/** A cell as a number when it reads as one (else left as text, so the schema names the problem). */
export function numberCell(value: string | undefined): number | string | undefined {
  if (value === undefined) return undefined;
  const n = Number(value.replace(",", "."));
  return value.trim() !== "" && Number.isFinite(n) ? n : value;
}

/** true/false, yes/no, 1/0 (else left as text). */
export function booleanCell(value: string | undefined): boolean | string | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (["true", "yes", "y", "1"].includes(v)) return true;
  if (["false", "no", "n", "0"].includes(v)) return false;
  return value;
}

/** A list in one cell, separated by `;` or `|`. */
export function listCell(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value
    .split(/[;|]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A kind with its row type erased, so kinds of different rows sit in one table: its own parse feeds its own plan. */
export function anyImportKind<T>(kind: ImportKind<T>): ImportKind {
  return {
    ...kind,
    parse: (ctx, cells) => kind.parse(ctx, cells),
    plan: (ctx, rows, options) => kind.plan(ctx, rows as ParsedRow<T>[], options),
  };
}
