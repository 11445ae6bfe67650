import { z } from "@hono/zod-openapi";
import { TICKET_KINDS, TICKET_PRIORITIES, TICKET_STATUSES } from "../../db/schema";
import { cursorParam, limitParam } from "../../lib/pagination";
import { TicketListQuery } from "../tickets";

const day = (name: string, description: string) =>
  z
    .union([
      z
        .string()
        .regex(/^\d{4}-\d{2}-\d{2}$/, "A date as YYYY-MM-DD")
        .refine(
          (v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v),
          "Not a calendar date",
        ),
      z.iso.datetime({ offset: true }),
    ])
    .optional()
    .openapi({
      param: { name, in: "query" },
      description: `${description}: a date (YYYY-MM-DD) or a date-time with offset (its day in the deployment's time zone)`,
      example: name === "from" ? "2026-10-01" : "2026-10-31",
    });

/** At most ten years in one report. */
export const MAX_PERIOD_DAYS = 3660;

const periodFields = {
  from: day(
    "from",
    "First day of the period, in the deployment's time zone (default: 29 days before `to`, 30 days in all)",
  ),
  to: day("to", "Last day of the period, inclusive (default: today)"),
};

const periodOrder = (v: { from?: string; to?: string }) => !v.from || !v.to || v.from <= v.to;
const periodRule = { message: "`from` must not be after `to`", path: ["from"] };

const teamId = z
  .string()
  .min(1)
  .max(64)
  .optional()
  .openapi({
    param: { name: "team_id", in: "query" },
    description: "Only this team (its supervisor's user id); supervisors see their own team only",
  });

export const PeriodQuery = z.strictObject({ ...periodFields, team_id: teamId }).refine(periodOrder, periodRule);

export const TeamReportQuery = z
  .strictObject({
    ...periodFields,
    team_id: teamId,
    technician_id: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .openapi({
        param: { name: "technician_id", in: "query" },
        description: "The summary and trends for one technician",
      }),
    min_tickets: z.coerce
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(5)
      .openapi({
        param: { name: "min_tickets", in: "query" },
        description: "Tickets a technician needs in the period to be ranked as the lowest performer (default 5)",
      }),
  })
  .refine(periodOrder, periodRule);

export const PerformanceQuery = z.strictObject(periodFields).refine(periodOrder, periodRule);

export const PeriodReportQuery = z
  .strictObject({
    ...periodFields,
    team_id: teamId,
    granularity: z
      .enum(["day", "week", "month", "year"])
      .default("month")
      .openapi({ param: { name: "granularity", in: "query" }, description: "Weeks start on Monday" }),
    technician_id: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .openapi({
        param: { name: "technician_id", in: "query" },
        description: "Only this technician's figures (user id)",
      }),
    by: z
      .enum(["period", "technician"])
      .default("period")
      .openapi({
        param: { name: "by", in: "query" },
        description:
          "`technician`: one row per period and technician (with `granularity=month`, the monthly task report)",
      }),
  })
  .refine(periodOrder, periodRule);

export const TechnicianParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({
      param: { name: "id", in: "path" },
      description: "The technician's user id",
      example: "usr_0a1b2c3d4e5f6g7h8i9j",
    }),
});

const rate = z.number().nullable();
export const FiguresSchema = z
  .object({
    total: z.number().int().openapi({ description: "Tickets created in the period" }),
    completed: z.number().int().openapi({ description: "Of those, finished now" }),
    cancelled: z.number().int(),
    completion_rate: rate.openapi({ description: "completed ÷ (total − cancelled), 0–1" }),
    resolved: z.number().int().openapi({ description: "Tickets resolved in the period, whenever created" }),
    average_completion_seconds: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "Mean time from creation to resolution, without time on hold" }),
    on_time_rate: rate.openapi({ description: "Resolved by the resolution target, 0–1" }),
    first_time_fix_rate: rate.openapi({ description: "Resolved without a rejection, a reopen or a second visit, 0–1" }),
    average_rating: rate.openapi({ description: "Mean customer rating, 1–5" }),
    ratings: z.number().int(),
    nps: z.number().int().nullable().openapi({ description: "Net promoter score, −100…100" }),
    nps_responses: z.number().int(),
  })
  .openapi("ReportFigures");

const PeriodSchema = z.object({ from: z.string(), to: z.string(), time_zone: z.string() }).openapi("ReportPeriod");

const TrendSchema = z.object({
  current: z.number().nullable(),
  previous: z.number().nullable(),
  change: z.number().nullable(),
  direction: z.enum(["up", "down", "flat"]).nullable(),
});
export const TrendsSchema = z
  .record(z.string(), TrendSchema)
  .openapi("ReportTrends", { description: "Each figure this period against the previous period of the same length" });

export const TechnicianFiguresSchema = z
  .object({
    technician_id: z.string(),
    display_name: z.string(),
    team_id: z.string().nullable(),
    figures: FiguresSchema,
    pending: z.number().int().openapi({ description: "Assigned tickets not finished now" }),
    overdue: z.number().int().openapi({ description: "Of those, past their resolution target" }),
  })
  .openapi("TechnicianFigures");

export const DashboardSchema = z
  .object({
    period: PeriodSchema,
    summary: z.object({
      figures: FiguresSchema,
      pending: z.number().int().openapi({ description: "Tickets not finished now" }),
      overdue: z.number().int().openapi({ description: "Of those, past their resolution target" }),
      completed_today: z.number().int().openapi({ description: "Resolved today" }),
      active_technicians: z
        .number()
        .int()
        .openapi({ description: "Available, marked present today, with an unfinished assignment" }),
    }),
    charts: z.object({
      by_status: z
        .array(z.object({ status: z.enum(TICKET_STATUSES), tickets: z.number().int() }))
        .openapi({ description: "All tickets now, by status" }),
      by_priority: z
        .array(z.object({ priority: z.enum(TICKET_PRIORITIES), tickets: z.number().int() }))
        .openapi({ description: "Unfinished tickets now, by priority" }),
      completion_trend: z
        .array(z.object({ day: z.string(), created: z.number().int(), resolved: z.number().int() }))
        .openapi({ description: "Every day of the period" }),
      technicians: z
        .array(TechnicianFiguresSchema)
        .openapi({ description: "The ten technicians who resolved most in the period" }),
    }),
    generated_at: z.string(),
  })
  .openapi("Dashboard");

export const TeamReportSchema = z
  .object({
    period: PeriodSchema,
    previous_period: PeriodSchema,
    summary: z.object({
      technician_id: z.string().nullable(),
      figures: FiguresSchema,
      previous: FiguresSchema,
      trends: TrendsSchema,
    }),
    technicians: z.array(TechnicianFiguresSchema),
    lowest_performer: TechnicianFiguresSchema.nullable().openapi({
      description: "See min_tickets; null when nobody has enough tickets",
    }),
    lowest_performer_rule: z.string(),
    generated_at: z.string(),
  })
  .openapi("TeamReport");

export const PerformanceSchema = z
  .object({
    period: PeriodSchema,
    technician: TechnicianFiguresSchema,
    previous: FiguresSchema,
    trends: TrendsSchema,
    monthly: z
      .array(z.object({ month: z.string(), figures: FiguresSchema }))
      .openapi({ description: "Each calendar month the period touches (the first and last may be partial)" }),
    generated_at: z.string(),
  })
  .openapi("TechnicianPerformance");

export const PeriodReportSchema = z
  .object({
    period: PeriodSchema,
    granularity: z.enum(["day", "week", "month", "year"]),
    rows: z.array(
      z.object({
        period: z.string().openapi({ description: "The day, the week's Monday, YYYY-MM or YYYY" }),
        technician_id: z.string().nullable(),
        display_name: z.string().nullable(),
        figures: FiguresSchema,
      }),
    ),
    totals: FiguresSchema,
    generated_at: z.string(),
  })
  .openapi("PeriodReport");

const TicketReportFilters = TicketListQuery.omit({ limit: true, cursor: true, bucket: true });

export const TicketReportQuery = TicketReportFilters.extend({
  format: z
    .enum(["json", "csv", "pdf"])
    .default("json")
    .openapi({
      param: { name: "format", in: "query" },
      description: "`json` (default), `csv` (a download) or `pdf` (a printable report)",
    }),
  bom: z
    .enum(["true", "false"])
    .transform((v) => v === "true")
    .optional()
    .openapi({
      param: { name: "bom", in: "query" },
      description: "CSV: start with a byte-order mark (for spreadsheet programs)",
    }),
});

export const TicketReportRowSchema = z
  .object({
    number: z.string(),
    title: z.string(),
    kind: z.enum(TICKET_KINDS),
    priority: z.enum(TICKET_PRIORITIES),
    status: z.enum(TICKET_STATUSES),
    customer_id: z.string().nullable(),
    customer_name: z.string().nullable().openapi({ example: "Kagiso Molefe" }),
    technicians: z.string().openapi({ description: "Assigned technicians' names, `; `-separated" }),
    created_at: z.string().openapi({
      description: "Times are the deployment's wall-clock time with its offset",
      example: "2026-11-03T08:30:00+02:00",
    }),
    responded_at: z.string().nullable(),
    resolved_at: z.string().nullable(),
    closed_at: z.string().nullable(),
    resolution_due_at: z.string().nullable(),
    resolution_breached: z.boolean(),
    paused_seconds: z.number().int(),
  })
  .openapi("TicketReportRow");

export const TicketReportSchema = z
  .object({
    filters: z.record(z.string(), z.unknown()),
    summary: z.object({
      tickets: z.number().int(),
      by_status: z.array(z.object({ status: z.string(), tickets: z.number().int() })),
      by_priority: z.array(z.object({ priority: z.string(), tickets: z.number().int() })),
      resolution_breached: z.number().int(),
    }),
    rows: z.array(TicketReportRowSchema),
    generated_at: z.string(),
  })
  .openapi("TicketReport");

export const ServicesReportQuery = z
  .strictObject({
    ...periodFields,
    format: z
      .enum(["json", "csv"])
      .default("csv")
      .openapi({ param: { name: "format", in: "query" }, description: "The file's format" }),
    bom: TicketReportQuery.shape.bom,
  })
  .refine(periodOrder, periodRule);

export const ExportRequestSchema = z
  .strictObject({
    report: z.enum(["tickets", "services"]).openapi({
      description:
        "`tickets`: the ticket report with `filters`; `services`: service bookings created in `filters.from`…`filters.to`",
    }),
    format: z.literal("csv").default("csv"),
    bom: z.boolean().default(false),
    filters: z
      .record(z.string().max(40), z.string().max(500))
      .default({})
      .openapi({
        description:
          'The same filters as the report\'s query string, as written there (`status: "resolved,closed"`); `services` takes `from` and `to`',
        example: { status: "resolved,closed", created_from: "2026-10-01T00:00:00Z" },
      }),
  })
  .openapi("ReportExportRequest", {
    example: {
      report: "tickets",
      format: "csv",
      bom: false,
      filters: { status: "resolved,closed", created_from: "2026-10-01T00:00:00Z" },
    },
  });

/** The ticket report's filters alone, as an export job stores them. */
export const TicketReportFiltersQuery = TicketReportFilters;

export const WarrantyQuery = z.strictObject({
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, "A month as YYYY-MM")
    .optional()
    .openapi({ param: { name: "month", in: "query" }, description: "Default: this month", example: "2026-12" }),
  limit: limitParam,
  cursor: cursorParam,
});

export const WarrantyCardSchema = z
  .object({
    asset_id: z.string(),
    customer_id: z.string(),
    customer_name: z.string(),
    phone: z.string().nullable(),
    model: z.string(),
    serial_number: z.string().nullable(),
    warranty_start: z.string(),
    warranty_end: z.string(),
    last_free_service: z.string().nullable().openapi({ description: "Day of the latest free service booked, if any" }),
    eligible_from: z.string().openapi({ description: "First day of the month on which a free service may be booked" }),
  })
  .openapi("WarrantyEligibleCard");
export const WarrantyPageSchema = z
  .object({
    month: z.string(),
    interval_months: z.number().int(),
    data: z.array(WarrantyCardSchema),
    next_cursor: z.string().nullable(),
    has_more: z.boolean().openapi({ description: "Whether another page follows (then `next_cursor` fetches it)" }),
  })
  .openapi("WarrantyEligiblePage");

export const UpcomingQuery = z
  .strictObject({ ...periodFields, limit: limitParam, cursor: cursorParam })
  .refine(periodOrder, periodRule);

export const UpcomingServiceSchema = z
  .object({
    source: z.enum(["booking", "plan"]).openapi({
      description:
        "`booking`: a service booking; `plan`: a visit of a maintenance plan (raised as a ticket, or not yet)",
    }),
    ticket_id: z
      .string()
      .nullable()
      .openapi({ description: "null: a plan's occurrence whose ticket is not raised yet" }),
    plan_id: z.string().nullable(),
    number: z.string().nullable(),
    title: z.string().openapi({ description: "The ticket's title, or the plan's name" }),
    status: z.enum(TICKET_STATUSES).nullable(),
    customer_id: z.string().nullable(),
    asset_id: z.string().nullable(),
    service_type: z.enum(["free", "paid"]).nullable(),
    due_at: z.string().openapi({
      description:
        "The scheduled time, else the customer's preferred time; for a plan's occurrence not raised yet, its time by the rule",
    }),
    basis: z.enum(["scheduled", "preferred", "planned"]),
  })
  .openapi("UpcomingService");
export const UpcomingPageSchema = z
  .object({
    period: PeriodSchema,
    data: z.array(UpcomingServiceSchema),
    next_cursor: z.string().nullable(),
    has_more: z.boolean().openapi({ description: "Whether another page follows (then `next_cursor` fetches it)" }),
  })
  .openapi("UpcomingServicePage");
