import { sql } from "drizzle-orm";
import type { z } from "@hono/zod-openapi";
import type { ServiceContext, UserContext } from "../../lib/context";
import { csvLines, csvStream, type CsvCell } from "../../lib/csv";
import { nowIso } from "../../lib/ids";
import { AppError, fieldErrors } from "../../lib/problem";
import { addDays, zonedTimeToUtc } from "../../lib/time";
import { jobRequester, startJob, type JobRow, type StepResult } from "../jobs";
import { buildTicketListQuery } from "../tickets";
import { ServicesReportQuery, TicketReportFiltersQuery } from "./reports.schemas";
import { PDF_MAX_ROWS, renderReportPdf } from "./pdf";
import { periodOf } from "./reports.service";

/** Ticket, CSV and PDF reports answered inside one request stop here; larger ones run as an export job. */
export const MAX_REPORT_ROWS = 10_000;
const PAGE_ROWS = 500;

type TicketFilters = z.infer<typeof TicketReportFiltersQuery>;

interface ListedTicket {
  number: string;
  title: string;
  kind: string;
  priority: string;
  status: string;
  customerId: string | null;
  createdAt: string;
  respondedAt: string | null;
  resolvedAt: string | null;
  closedAt: string | null;
  resolutionDueAt: string | null;
  resolutionBreachedAt: string | null;
  slaPausedSeconds: number;
  preferredAt: string | null;
  scheduledAt: string | null;
  serviceType: string | null;
  assigneesJson: string | null;
}

const technicianNames = (t: ListedTicket) =>
  (JSON.parse(t.assigneesJson || "[]") as { displayName: string; assignedAt: string }[])
    .sort((a, b) => a.assignedAt.localeCompare(b.assignedAt))
    .map((a) => a.displayName)
    .join("; ");

/** The two exports: their columns and how a listed ticket fills them. */
const LAYOUTS = {
  tickets: {
    filename: "tickets",
    columns: [
      "number",
      "title",
      "kind",
      "priority",
      "status",
      "customer_id",
      "technicians",
      "created_at",
      "responded_at",
      "resolved_at",
      "closed_at",
      "resolution_due_at",
      "resolution_breached",
      "paused_seconds",
    ],
    cells: (t: ListedTicket): CsvCell[] => [
      t.number,
      t.title,
      t.kind,
      t.priority,
      t.status,
      t.customerId,
      technicianNames(t),
      t.createdAt,
      t.respondedAt,
      t.resolvedAt,
      t.closedAt,
      t.resolutionDueAt,
      Boolean(t.resolutionBreachedAt),
      t.slaPausedSeconds,
    ],
  },
  services: {
    filename: "services",
    columns: [
      "number",
      "title",
      "status",
      "customer_id",
      "service_type",
      "preferred_at",
      "scheduled_at",
      "technicians",
      "created_at",
      "resolved_at",
    ],
    cells: (t: ListedTicket): CsvCell[] => [
      t.number,
      t.title,
      t.status,
      t.customerId,
      t.serviceType,
      t.preferredAt,
      t.scheduledAt,
      technicianNames(t),
      t.createdAt,
      t.resolvedAt,
    ],
  },
} as const;
export type ReportKind = keyof typeof LAYOUTS;

/** Pages of the caller's tickets matching the filters, newest first, each one keyset query. */
async function* ticketPages(
  ctx: UserContext,
  filters: TicketFilters,
  after?: string,
  pageRows = PAGE_ROWS,
): AsyncGenerator<{ rows: ListedTicket[]; next: string | null }> {
  let cursor = after;
  for (;;) {
    const { statement, page, valueOf } = await buildTicketListQuery(ctx, {
      ...filters,
      limit: pageRows,
      order: "-created_at",
      cursor,
    });
    const result = page.page(await statement, pageRows, valueOf);
    yield { rows: result.data as unknown as ListedTicket[], next: result.next_cursor };
    if (!result.next_cursor) return;
    cursor = result.next_cursor;
  }
}

/** 422 when more than MAX_REPORT_ROWS tickets match: counted on at most that many index entries. */
async function assertFitsOneRequest(ctx: UserContext, filters: TicketFilters) {
  const { statement } = await buildTicketListQuery(ctx, { ...filters, limit: MAX_REPORT_ROWS, order: "-created_at" });
  const [probe] = await ctx.db.select({ n: sql<number>`count(*)` }).from(statement.as("probe"));
  if (probe.n > MAX_REPORT_ROWS) {
    throw new AppError(
      "unprocessable",
      `More than ${MAX_REPORT_ROWS} tickets match: narrow the filters or start an export job (POST /v1/reports/exports).`,
    );
  }
}

/** The services report's filters: service bookings created in the period's days. */
export function servicesFilters(ctx: UserContext, q: { from?: string; to?: string }): TicketFilters {
  const period = periodOf(ctx, q);
  return {
    kind: ["service_booking"],
    created_from: zonedTimeToUtc(period.from, "00:00", period.time_zone).toISOString(),
    created_to: new Date(zonedTimeToUtc(addDays(period.to, 1), "00:00", period.time_zone).getTime() - 1).toISOString(),
  } as TicketFilters;
}

/** JSON: the matching tickets with their counts by status and priority. */
export async function ticketReport(ctx: UserContext, filters: TicketFilters) {
  await assertFitsOneRequest(ctx, filters);
  const rows: ListedTicket[] = [];
  for await (const page of ticketPages(ctx, filters)) rows.push(...page.rows);
  const byStatus = new Map<string, number>();
  const byPriority = new Map<string, number>();
  for (const t of rows) {
    byStatus.set(t.status, (byStatus.get(t.status) ?? 0) + 1);
    byPriority.set(t.priority, (byPriority.get(t.priority) ?? 0) + 1);
  }
  const columns = LAYOUTS.tickets.columns;
  return {
    filters: Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined)),
    summary: {
      tickets: rows.length,
      by_status: [...byStatus]
        .map(([status, tickets]) => ({ status, tickets }))
        .sort((a, b) => b.tickets - a.tickets || a.status.localeCompare(b.status)),
      by_priority: [...byPriority]
        .map(([priority, tickets]) => ({ priority, tickets }))
        .sort((a, b) => b.tickets - a.tickets || a.priority.localeCompare(b.priority)),
      resolution_breached: rows.filter((t) => t.resolutionBreachedAt).length,
    },
    rows: rows.map((t) => Object.fromEntries(LAYOUTS.tickets.cells(t).map((v, i) => [columns[i], v]))) as never,
    generated_at: nowIso(),
  };
}

/** CSV streamed page by page (flat memory), up to MAX_REPORT_ROWS. */
export async function ticketReportCsv(ctx: UserContext, kind: ReportKind, filters: TicketFilters, bom: boolean) {
  await assertFitsOneRequest(ctx, filters);
  const layout = LAYOUTS[kind];
  async function* cells() {
    for await (const page of ticketPages(ctx, filters)) yield page.rows.map(layout.cells);
  }
  return {
    body: csvStream(layout.columns, cells(), { bom }),
    filename: `${layout.filename}-${nowIso().slice(0, 10)}.csv`,
  };
}

// ---- export jobs ----

/** Filters as an export request gives them, checked like the report's query string. */
export function exportFilters(ctx: UserContext, report: ReportKind, raw: Record<string, string>): TicketFilters {
  const parsed = (report === "tickets" ? TicketReportFiltersQuery : ServicesReportQuery).safeParse(raw);
  if (!parsed.success)
    throw new AppError("validation_failed", "The export's filters did not pass validation.", {
      errors: fieldErrors(parsed.error.issues, "filters"),
    });
  return report === "tickets"
    ? (parsed.data as TicketFilters)
    : servicesFilters(ctx, parsed.data as { from?: string; to?: string });
}

export async function startExport(
  ctx: UserContext,
  input: { report: ReportKind; format: "csv"; bom: boolean; filters: Record<string, string> },
) {
  const filters = exportFilters(ctx, input.report, input.filters);
  return startJob(ctx, "report_export", ctx.actor.userId, {
    report: input.report,
    format: input.format,
    bom: input.bom,
    filters,
  });
}

interface ExportState {
  cursor?: string | null;
  parts?: number;
  bytes?: number;
}

/**
 * One step of an export: the next `EXPORT_PART_BYTES` (4 MiB) of CSV (or the rest) stored as the next numbered part.
 * A redelivered step rewrites the same part from the same cursor, so it changes nothing. The
 * requester's scope is re-read each step: an export never shows more than they may see now.
 * (Parts are separate objects, not an R2 multipart upload: multipart needs every part but the
 * last to be the same size, which a page-by-page writer cannot promise without buffering.)
 */
export async function runExportStep(ctx: ServiceContext, job: JobRow): Promise<StepResult> {
  // About this much CSV per step, stored as one part; the download streams the parts in order.
  const partBytes = ctx.settings.exportPartBytes;
  const params = job.params as { report: ReportKind; bom: boolean; filters: TicketFilters };
  const state = job.state as ExportState;
  const requester = await jobRequester(ctx, job);
  if (!requester?.actor.permissions.has("reports:read")) throw new Error("the requester can no longer read reports");
  const layout = LAYOUTS[params.report];
  const prefix = `exports/${job.id}/`;
  const chunks: string[] = [];
  let size = 0;
  let rows = job.rowsProcessed;
  if (state.cursor === undefined) {
    chunks.push(`${params.bom ? "\uFEFF" : ""}${csvLines(layout.columns, [], { header: true })}`);
    size += chunks[0].length;
  }
  let next: string | null = null;
  // A page is at most about a part's worth of rows (~200 bytes a row), so parts stay near their size.
  const pageRows = Math.max(10, Math.min(PAGE_ROWS, Math.floor(partBytes / 200)));
  for await (const page of ticketPages(requester, params.filters, state.cursor ?? undefined, pageRows)) {
    const text = csvLines(layout.columns, page.rows.map(layout.cells));
    chunks.push(text);
    size += text.length;
    rows += page.rows.length;
    next = page.next;
    if (size >= partBytes) break;
  }
  const body = new TextEncoder().encode(chunks.join(""));
  const part = (state.parts ?? 0) + 1;
  await ctx.env.FILES.put(`${prefix}part-${String(part).padStart(6, "0")}.csv`, body, {
    httpMetadata: { contentType: "text/csv; charset=utf-8" },
  });
  const bytes = (state.bytes ?? 0) + body.byteLength;
  if (next) return { state: { cursor: next, parts: part, bytes }, rowsProcessed: rows };
  return {
    state: { parts: part, bytes },
    rowsProcessed: rows,
    rowsTotal: rows,
    done: {
      key: prefix,
      filename: `${layout.filename}-${job.createdAt.slice(0, 10)}.csv`,
      contentType: "text/csv; charset=utf-8",
      bytes,
    },
  };
}

/** The ticket report as a PDF: the filters, the counts, tickets by status as a chart, and the first rows. */
export async function ticketReportPdf(ctx: UserContext, filters: TicketFilters) {
  const report = await ticketReport(ctx, filters);
  const generated = new Intl.DateTimeFormat("en-GB", {
    timeZone: ctx.settings.timeZone,
    dateStyle: "medium",
    timeStyle: "short",
  }).format(new Date(report.generated_at));
  const rows = report.rows as unknown as Record<string, CsvCell>[];
  // Times in the deployment's zone, as the subtitle says.
  const local = new Intl.DateTimeFormat("sv-SE", {
    timeZone: ctx.settings.timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  });
  const pdf = await renderReportPdf({
    title: "Ticket report",
    subtitle: `Generated ${generated} (${ctx.settings.timeZone}) - ${report.summary.tickets} tickets`,
    filters: Object.entries(report.filters).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : String(v)]),
    summary: [
      ["Tickets", String(report.summary.tickets)],
      ["Past the resolution target", String(report.summary.resolution_breached)],
      ...report.summary.by_priority.map((p): [string, string] => [`Priority ${p.priority}`, String(p.tickets)]),
    ],
    chart: {
      title: "Tickets by status",
      bars: report.summary.by_status.map((s) => ({ label: s.status.replace(/_/g, " "), value: s.tickets })),
    },
    table: {
      columns: [
        { title: "Number", width: 70 },
        { title: "Title", width: 180 },
        { title: "Status", width: 80 },
        { title: "Priority", width: 60 },
        { title: "Created (local time)", width: 109 },
      ],
      rows: rows
        .slice(0, PDF_MAX_ROWS)
        .map((r) => [
          String(r.number),
          String(r.title),
          String(r.status).replace(/_/g, " "),
          String(r.priority),
          local.format(new Date(String(r.created_at))),
        ]),
      note:
        rows.length > PDF_MAX_ROWS
          ? `The first ${PDF_MAX_ROWS} of ${rows.length} tickets; the CSV export lists them all.`
          : undefined,
    },
  });
  return { body: pdf, filename: `tickets-${report.generated_at.slice(0, 10)}.pdf` };
}
