import { sql } from "drizzle-orm";
import type { z } from "@hono/zod-openapi";
import type { ServiceContext, UserContext } from "../../lib/context";
import { csvLines, csvStream, type CsvCell } from "../../lib/csv";
import { nowIso } from "../../lib/ids";
import { AppError, fieldErrors } from "../../lib/problem";
import { addDays, localIso, zonedTimeToUtc } from "../../lib/time";
import { jobRequester, startJob, type JobRow, type StepResult } from "../jobs";
import { buildTicketListQuery } from "../tickets";
import { ServicesReportQuery, TicketReportFiltersQuery } from "./reports.schemas";
import { PDF_MAX_ROWS, type PdfReport, renderReportPdf } from "./pdf";
import { catalogue, type Catalogue, type Language } from "../../locales/catalogue";
import { customers, users } from "../../db/schema";
import { inList } from "../../lib/d1";
import { displayName } from "../../lib/names";
import { periodOf } from "./reports.service";

/** Ticket, CSV and PDF reports answered inside one request stop here; larger ones run as an export job. */
export const MAX_REPORT_ROWS = 10_000;
const PAGE_ROWS = 500;

type TicketFilters = z.infer<typeof TicketReportFiltersQuery>;

export interface ListedTicket {
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
  /** The customer in brief, as the ticket list reads it with the page. */
  customerJson?: string | null;
}

const customerName = (t: ListedTicket): string | null =>
  t.customerJson ? ((JSON.parse(t.customerJson) as { full_name?: string }).full_name ?? null) : null;

const technicianNames = (t: ListedTicket) =>
  (JSON.parse(t.assigneesJson || "[]") as { displayName: string; assignedAt: string }[])
    .sort((a, b) => a.assignedAt.localeCompare(b.assignedAt))
    .map((a) => a.displayName)
    .join("; ");

/** What the cells read besides the ticket: the zone times are shown in. */
interface CellContext {
  timeZone: string;
}

/**
 * The two exports: their columns and how a listed ticket fills them. Times are the deployment's
 * wall-clock time with its offset (`2026-11-03T08:30:00+02:00`), like the PDF; customers are named.
 */
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
      "customer_name",
      "technicians",
      "created_at",
      "responded_at",
      "resolved_at",
      "closed_at",
      "resolution_due_at",
      "resolution_breached",
      "paused_seconds",
    ],
    cells: (t: ListedTicket, c: CellContext): CsvCell[] => [
      t.number,
      t.title,
      t.kind,
      t.priority,
      t.status,
      t.customerId,
      customerName(t),
      technicianNames(t),
      localIso(t.createdAt, c.timeZone),
      localIso(t.respondedAt, c.timeZone),
      localIso(t.resolvedAt, c.timeZone),
      localIso(t.closedAt, c.timeZone),
      localIso(t.resolutionDueAt, c.timeZone),
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
      "customer_name",
      "service_type",
      "preferred_at",
      "scheduled_at",
      "technicians",
      "created_at",
      "resolved_at",
    ],
    cells: (t: ListedTicket, c: CellContext): CsvCell[] => [
      t.number,
      t.title,
      t.status,
      t.customerId,
      customerName(t),
      t.serviceType,
      localIso(t.preferredAt, c.timeZone),
      localIso(t.scheduledAt, c.timeZone),
      technicianNames(t),
      localIso(t.createdAt, c.timeZone),
      localIso(t.resolvedAt, c.timeZone),
    ],
  },
} as const;
export type ReportKind = keyof typeof LAYOUTS;

/** Pages of the caller's tickets matching the filters, newest first, each one keyset query. */
/** A page of the list query's rows as the report's tickets (the same columns, typed by the list). */
const listed = (rows: unknown[]) => rows as unknown as ListedTicket[];

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
    yield { rows: listed(result.data), next: result.next_cursor };
    if (!result.next_cursor) return;
    cursor = result.next_cursor;
  }
}

/** 422 when more than MAX_REPORT_ROWS tickets match: counted on at most that many index entries. */
async function assertFitsOneRequest(ctx: UserContext, filters: TicketFilters) {
  refuseOverMax(await (await countProbe(ctx, filters)).query);
}

async function countProbe(ctx: UserContext, filters: TicketFilters) {
  const { statement } = await buildTicketListQuery(ctx, { ...filters, limit: MAX_REPORT_ROWS, order: "-created_at" });
  // Wrapped: a query returned from an async function would be run by the await (drizzle queries are thenables).
  return { query: ctx.db.select({ n: sql<number>`count(*)` }).from(statement.as("probe")) };
}

function refuseOverMax([probe]: { n: number }[]) {
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
  // The count and the first page in one batch; the rest (when there is more) page by page.
  const first = await buildTicketListQuery(ctx, { ...filters, limit: PAGE_ROWS, order: "-created_at" });
  const [probe, found] = await ctx.db.batch([(await countProbe(ctx, filters)).query, first.statement]);
  refuseOverMax(probe);
  const page = first.page.page(found, PAGE_ROWS, first.valueOf);
  const rows = listed(page.data);
  if (page.next_cursor) for await (const more of ticketPages(ctx, filters, page.next_cursor)) rows.push(...more.rows);
  return summarise(rows, filters, { timeZone: ctx.settings.timeZone });
}

function summarise(rows: ListedTicket[], filters: TicketFilters, cells: CellContext) {
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
    rows: rows.map((t) => Object.fromEntries(LAYOUTS.tickets.cells(t, cells).map((v, i) => [columns[i], v]))) as never,
    generated_at: nowIso(),
  };
}

/** CSV streamed page by page (flat memory), up to MAX_REPORT_ROWS. */
export async function ticketReportCsv(ctx: UserContext, kind: ReportKind, filters: TicketFilters, bom: boolean) {
  await assertFitsOneRequest(ctx, filters);
  const layout = LAYOUTS[kind];
  async function* cells() {
    for await (const page of ticketPages(ctx, filters))
      yield page.rows.map((t) => layout.cells(t, { timeZone: ctx.settings.timeZone }));
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
      errors: fieldErrors(parsed.error.issues, { prefix: "filters", in: "body" }),
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
    const text = csvLines(
      layout.columns,
      page.rows.map((t) => layout.cells(t, { timeZone: ctx.settings.timeZone })),
    );
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

/** Priorities from the most to the least severe: the PDF lists them in this order. */
const SEVERITY = ["emergency", "critical", "high", "medium", "low"];

const FILTER_NAMES: Record<string, string> = {
  status: "Status",
  priority: "Priority",
  kind: "Kind",
  technician_id: "Technician",
  customer_id: "Customer",
  asset_id: "Service card",
  number: "Number",
  service_category: "Service",
  sla: "SLA",
  external_ref: "External reference",
  project_name: "Project",
  q: "Search",
  created_from: "Created from",
  created_to: "Created to",
  scheduled_from: "Scheduled from",
  scheduled_to: "Scheduled to",
  region_id: "Region",
  locality_id: "Locality",
  bucket: "Saved view",
};

/** Which display names (GET /v1/labels) a filter's values take. */
const FILTER_LABELS: Record<string, keyof Catalogue["labels"]> = {
  status: "ticket_status",
  priority: "ticket_priority",
  kind: "ticket_kind",
  service_category: "service_category",
};

/**
 * What the ticket PDF says, before it is drawn: the company on every page, the period (the creation
 * dates asked for, or "all dates"), each filter by its name with display names for values (and
 * people's names for ids), priorities by severity, and the rows with their customer and
 * technicians. Pure, so a test can read it without a PDF reader.
 */
export function ticketPdfContent(input: {
  report: Awaited<ReturnType<typeof ticketReport>>;
  listed: ListedTicket[];
  names: Map<string, string>;
  settings: { timeZone: string; companyName: string; language: Language };
}): PdfReport {
  const { report, listed, names, settings } = input;
  const labels = catalogue(settings.language).labels as unknown as Record<string, Record<string, string>>;
  const label = (set: string, value: string) => labels[set]?.[value] ?? value.replace(/_/g, " ");
  const day = new Intl.DateTimeFormat("en-GB", { timeZone: settings.timeZone, dateStyle: "medium" });
  const generated = new Intl.DateTimeFormat("en-GB", {
    timeZone: settings.timeZone,
    dateStyle: "medium",
    timeStyle: "short",
  }).format(new Date(report.generated_at));
  const local = new Intl.DateTimeFormat("sv-SE", {
    timeZone: settings.timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  });
  const filters = report.filters as Record<string, unknown>;
  const from = filters.created_from as string | undefined;
  const to = filters.created_to as string | undefined;
  const period =
    from || to
      ? `Created ${from ? day.format(new Date(from)) : "any time"} to ${to ? day.format(new Date(to)) : "today"} (${settings.timeZone})`
      : "All dates (no creation dates given)";
  const shown = Object.entries(filters)
    .filter(([k]) => k !== "created_from" && k !== "created_to")
    .map(([k, v]): [string, string] => {
      const values = (Array.isArray(v) ? v : [v]).map(String);
      const set = FILTER_LABELS[k];
      const text = values.map((value) => (set ? label(set, value) : (names.get(value) ?? value))).join(", ");
      return [FILTER_NAMES[k] ?? k, text];
    });
  const byPriority = [...report.summary.by_priority].sort(
    (a, b) => SEVERITY.indexOf(a.priority) - SEVERITY.indexOf(b.priority),
  );
  return {
    company: settings.companyName,
    title: "Ticket report",
    subtitle: `Generated ${generated} (${settings.timeZone}) - ${report.summary.tickets} tickets`,
    filters: [["Period", period], ...shown],
    summary: [
      ["Tickets", String(report.summary.tickets)],
      ["Past the resolution target", String(report.summary.resolution_breached)],
      ...byPriority.map((p): [string, string] => [
        `Priority: ${label("ticket_priority", p.priority)}`,
        String(p.tickets),
      ]),
    ],
    chart: {
      title: "Tickets by status",
      bars: report.summary.by_status.map((s) => ({ label: label("ticket_status", s.status), value: s.tickets })),
    },
    table: {
      columns: [
        { title: "Number", width: 56 },
        { title: "Title", width: 106 },
        { title: "Customer", width: 80 },
        { title: "Technicians", width: 78 },
        { title: "Status", width: 56 },
        { title: "Priority", width: 52 },
        { title: "Created (local)", width: 71 },
      ],
      rows: listed
        .slice(0, PDF_MAX_ROWS)
        .map((t) => [
          t.number,
          t.title,
          customerName(t) ?? "",
          technicianNames(t),
          label("ticket_status", t.status),
          label("ticket_priority", t.priority),
          local.format(new Date(t.createdAt)),
        ]),
      note:
        listed.length > PDF_MAX_ROWS
          ? `The first ${PDF_MAX_ROWS} of ${listed.length} tickets; the CSV export lists them all.`
          : undefined,
    },
  };
}

/** The names of the technician and the customer a filter names (no round trip when it names none). */
async function namesFor(ctx: UserContext, filters: Record<string, unknown>) {
  const customer = filters.customer_id as string | undefined;
  const technician = filters.technician_id as string | undefined;
  if (!customer && !technician) return new Map<string, string>();
  const [named, people] = await ctx.db.batch([
    ctx.db
      .select({ id: customers.id, name: customers.fullName })
      .from(customers)
      .where(inList(customers.id, [customer ?? ""])),
    ctx.db
      .select({ id: users.id, first: users.firstName, last: users.lastName, username: users.username })
      .from(users)
      .where(inList(users.id, [technician ?? ""])),
  ]);
  return new Map<string, string>([
    ...named.map((c): [string, string] => [c.id, c.name]),
    ...people.map((u): [string, string] => [u.id, displayName(u.first, u.last, u.username)]),
  ]);
}

/** The ticket report as a PDF: the period and filters, the counts, tickets by status as a chart, and the first rows. */
export async function ticketReportPdf(ctx: UserContext, filters: TicketFilters) {
  await assertFitsOneRequest(ctx, filters);
  const listed: ListedTicket[] = [];
  for await (const page of ticketPages(ctx, filters)) listed.push(...page.rows);
  const names = await namesFor(ctx, filters);
  const report = summarise(listed, filters, { timeZone: ctx.settings.timeZone });
  const pdf = await renderReportPdf(ticketPdfContent({ report, listed, names, settings: ctx.settings }));
  return { body: pdf, filename: `tickets-${report.generated_at.slice(0, 10)}.pdf` };
}
