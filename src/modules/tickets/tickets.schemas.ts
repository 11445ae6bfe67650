import { z } from "@hono/zod-openapi";
import { dateOrInstant } from "../../lib/query-dialect";
import {
  SERVICE_CATEGORIES,
  SLA_PAUSE_REASONS,
  TICKET_KINDS,
  TICKET_PRIORITIES,
  TICKET_STATUSES,
  VISIT_TYPES,
} from "../../db/schema";
import { cursorParam, limitParam, pageSchema } from "../../lib/pagination";

export const TicketIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({
      param: { name: "id", in: "path" },
      description: "The ticket's id",
      example: "tkt_0a1b2c3d4e5f6g7h8i9j",
    }),
});
export const AttachmentParams = TicketIdParam.extend({
  attachment_id: z
    .string()
    .min(1)
    .max(64)
    .openapi({
      param: { name: "attachment_id", in: "path" },
      description: "The attachment's id",
      example: "att_0a1b2c3d4e5f6g7h8i9j",
    }),
});

/** `normal` is the ISP desk's word for medium. */
export const PriorityInput = z
  .preprocess((v) => (v === "normal" ? "medium" : v), z.enum(TICKET_PRIORITIES))
  .openapi({ type: "string", enum: [...TICKET_PRIORITIES, "normal"] });

const instant = z.iso.datetime({ offset: true }).openapi({ example: "2026-12-01T09:00:00Z" });
const day = z.iso.date().openapi({ example: "2026-12-01" });

export const LocationSchema = z
  .object({
    lat: z.number().min(-90).max(90).nullable(),
    lng: z.number().min(-180).max(180).nullable(),
    address: z.string().nullable(),
  })
  .openapi("Location");

export const AssigneeSchema = z
  .object({
    technician_id: z.string(),
    display_name: z.string(),
    phone: z.string().nullable(),
    assigned_at: z.string(),
    due_at: z.string().nullable(),
    reason: z.string().nullable(),
  })
  .openapi("Assignee");

export const SlaStateSchema = z
  .object({
    response_due_at: z.string().nullable(),
    resolution_due_at: z.string().nullable(),
    responded_at: z.string().nullable(),
    response_breached: z.boolean(),
    resolution_breached: z.boolean(),
    paused: z.boolean(),
    pause_reason: z
      .enum(SLA_PAUSE_REASONS)
      .nullable()
      .openapi({ description: "Why the clock stands still (while paused)" }),
    paused_seconds: z.number().int(),
    estimated_resolution_at: z.string().nullable(),
    response_minutes: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "The response target in working minutes on the clock's calendar" }),
    resolution_minutes: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "The resolution target in working minutes on the clock's calendar" }),
    policy_id: z.string().nullable().openapi({ description: "The SLA policy the targets came from (null: defaults)" }),
    calendar_id: z.string().nullable().openapi({ description: "The calendar the clock runs on (null: 24×7)" }),
  })
  .openapi("SlaState");

export const TicketSchema = z
  .object({
    id: z.string(),
    number: z.string(),
    external_ref: z
      .string()
      .nullable()
      .openapi({ description: "The case or task number in the system the ticket came from" }),
    kind: z.enum(TICKET_KINDS),
    priority: z.enum(TICKET_PRIORITIES),
    status: z.enum(TICKET_STATUSES),
    title: z.string(),
    description: z.string(),
    project_name: z.string().nullable().openapi({ description: "The project or contract the work belongs to" }),
    customer_id: z.string().nullable(),
    asset_id: z.string().nullable(),
    created_by: z.string(),
    created_by_name: z
      .string()
      .nullable()
      .openapi({ description: "The name of the person who raised the ticket (null when truckroll raised it)" }),
    team_supervisor_id: z.string().nullable(),
    team_name: z
      .string()
      .nullable()
      .openapi({ description: "The team the ticket is assigned to, known by its supervisor's name" }),
    service_area: z.string().nullable(),
    required_skills: z.array(z.string()),
    location: LocationSchema.nullable(),
    preferred_at: z.string().nullable(),
    preferred_time: z
      .string()
      .nullable()
      .openapi({ description: "Service bookings: the local time of day the customer asked for (HH:MM), when given" }),
    visit_type: z.enum(VISIT_TYPES).nullable().openapi({
      description:
        "Service bookings: at the customer's (`onsite`), carried in to the workshop (`carry_in`) or `remote`",
    }),
    scheduled_at: z.string().nullable(),
    estimated_minutes: z.number().int().nullable(),
    service_type: z.enum(["free", "paid"]).nullable().openapi({
      description:
        "Service bookings: `free` or `paid`, as the covering service contract says (while its period has included visits left), else by the warranty rule",
    }),
    contract_id: z
      .string()
      .nullable()
      .openapi({ description: "The service contract whose included visit this booking uses, if any" }),
    template_id: z
      .string()
      .nullable()
      .openapi({ description: "The job template the ticket was raised from (its checklist came from it), if any" }),
    service_category: z.enum(SERVICE_CATEGORIES).nullable().openapi({
      description:
        "The service the ticket is about: voice, internet or other. When not given, the customer's visit page guesses it from the title and description",
    }),
    assignees: z.array(AssigneeSchema),
    sla: SlaStateSchema,
    milestones: z.object({
      opened_at: z.string().nullable(),
      assigned_at: z.string().nullable(),
      started_at: z.string().nullable(),
      on_hold_at: z.string().nullable(),
      resolved_at: z.string().nullable(),
      signed_off_at: z.string().nullable(),
      closed_at: z.string().nullable(),
      cancelled_at: z.string().nullable(),
    }),
    allowed_actions: z.array(z.string()).openapi({ description: "Workflow actions the caller may take now" }),
    version: z.number().int().openapi({
      description:
        "Goes up with every change; also the `ETag` of GET /v1/tickets/{id}. Send it back as `If-Match` on an edit or a workflow action to have it refused (412) if the ticket changed meanwhile",
    }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Ticket");

export const TicketCreatedSchema = TicketSchema.extend({
  next_steps: z.string().openapi({
    description: "What happens next, in words for the person who raised the ticket",
    example: "We will assign a technician and confirm the time of your visit on Fri 18 Dec.",
  }),
}).openapi("TicketCreated");

export const CommentSchema = z
  .object({
    id: z.string(),
    author_id: z.string(),
    author_name: z.string(),
    body: z.string(),
    visibility: z.enum(["public", "internal"]),
    created_at: z.string(),
  })
  .openapi("Comment");

export const AttachmentSchema = z
  .object({
    id: z.string(),
    filename: z.string(),
    content_type: z.string(),
    size_bytes: z.number().int(),
    uploaded_by: z.string(),
    created_at: z.string(),
    download_url: z.string(),
  })
  .openapi("Attachment");

export const HistoryEntrySchema = z
  .object({
    id: z.string(),
    actor_id: z.string().nullable(),
    actor_name: z
      .string()
      .nullable()
      .openapi({ description: "Who made the change; null for truckroll itself or a customer on a link" }),
    action: z.string(),
    from: z.string().nullable(),
    to: z.string().nullable(),
    comment: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi("HistoryEntry");

export const PartSchema = z
  .strictObject({
    source: z.enum(["stock", "unstocked", "customer_supplied"]).default("stock").openapi({
      description:
        "`stock` (default): a stocked item, drawn from the technician's van, else the warehouse; `unstocked`: a part that is not a stocked item (bought locally, made on site) — recorded, no stock moves; `customer_supplied`: the customer provided it — recorded, no stock moves",
      example: "stock",
    }),
    code: z.string().trim().min(1).max(40).optional().openapi({
      description: "The stocked item's SKU (required for `stock`); for other sources the part's own number, if any",
      example: "CON-SC-APC",
    }),
    name: z.string().trim().max(120).optional().openapi({
      description: "What the part is (required for `unstocked`)",
      example: "SC/APC connector",
    }),
    quantity: z.number().int().min(1).max(10_000),
    unit_price: z.number().int().min(0).max(100_000_000).openapi({ description: "Minor units" }),
  })
  .superRefine((part, ctx) => {
    if (part.source === "stock" && !part.code)
      ctx.addIssue({ code: "custom", path: ["code"], message: "code (the SKU) is required for a stocked part" });
    if (part.source === "unstocked" && !part.name)
      ctx.addIssue({ code: "custom", path: ["name"], message: "name is required for a part that is not stocked" });
  })
  .openapi("Part");

export const WorkLogSchema = z
  .object({
    id: z.string(),
    technician_id: z.string(),
    work_detail: z.string(),
    parts: z.array(PartSchema),
    parts_cost: z.number().int().openapi({ description: "Σ quantity × unit_price of the parts, minor units" }),
    amount_charged: z.number().int(),
    next_service_date: z.string().nullable(),
    verified_by_code: z.boolean(),
    created_at: z.string(),
  })
  .openapi("WorkLog");

export const TicketDetailSchema = TicketSchema.extend({
  archived_at: z.string().nullable().openapi({
    description:
      "When the ticket was moved to the archive (closed work past the archive age): it is read from there, read-only, with no actions; null for a ticket in the database",
    example: null,
  }),
  comments: z.array(CommentSchema),
  attachments: z.array(AttachmentSchema),
  history: z.array(HistoryEntrySchema),
  work_logs: z.array(WorkLogSchema),
}).openapi("TicketDetail");

export const TicketListItemSchema = TicketSchema.extend({
  customer: z
    .object({ id: z.string(), full_name: z.string(), phone: z.string().nullable(), address: z.string() })
    .nullable()
    .openapi({ description: "The customer in brief, so a list needs no second call" }),
}).openapi("TicketListItem");

export const TicketPageSchema = pageSchema(TicketListItemSchema, "TicketPage");

const externalRef = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._:\/#-]+$/, "Letters, digits and . _ : / # - only")
  .openapi({
    description: "The case or task number in the system the ticket came from; unique",
    example: "INC-2026-000871",
  });

export const TicketCreateSchema = z
  .strictObject({
    kind: z.enum(TICKET_KINDS).openapi({ example: "repair" }),
    priority: PriorityInput.default("medium"),
    title: z.string().trim().min(1).max(200).openapi({ example: "No internet since the storm" }),
    description: z
      .string()
      .trim()
      .max(10_000)
      .default("")
      .openapi({ example: "The ONT shows a red LOS light; the customer works from home." }),
    project_name: z
      .string()
      .trim()
      .min(1)
      .max(120)
      .optional()
      .openapi({ description: "The project or contract the work belongs to", example: "Fibre rollout Phase 2" }),
    external_ref: externalRef.optional(),
    template_id: z.string().min(1).max(64).optional().openapi({
      description:
        "A job template in use: its estimate, skills and service category fill what this request leaves out, and the ticket gets a copy of its checklist",
      example: "tpl_0a1b2c3d4e5f6g7h8i9j",
    }),
    service_category: z
      .enum(SERVICE_CATEGORIES)
      .optional()
      .openapi({ description: "The service the ticket is about: voice, internet or other" }),
    customer_id: z.string().max(64).optional().openapi({
      description: "Staff: the customer; customers: omitted (their own record)",
      example: "cus_0a1b2c3d4e5f6g7h8i9j",
    }),
    asset_id: z
      .string()
      .max(64)
      .optional()
      .openapi({ description: "The service card (equipment) the work is on", example: "ast_0a1b2c3d4e5f6g7h8i9j" }),
    location: z
      .strictObject({
        lat: z.number().min(-90).max(90).openapi({ example: -24.6282 }),
        lng: z.number().min(-180).max(180).openapi({ example: 25.9231 }),
        address: z.string().trim().max(300).optional().openapi({ example: "Plot 1234, Broadhurst, Gaborone" }),
      })
      .optional(),
    address: z.string().trim().max(300).optional().openapi({ example: "Plot 1234, Broadhurst, Gaborone" }),
    service_area: z.string().trim().toLowerCase().max(40).optional().openapi({ example: "gaborone" }),
    required_skills: z
      .array(z.string().trim().toLowerCase().min(1).max(40))
      .max(20)
      .default([])
      .openapi({ example: ["fibre"] }),
    preferred_at: instant.optional(),
    preferred_date: day.optional().openapi({ description: "Service bookings: the day the customer wants" }),
    preferred_time: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "A time as HH:MM (24-hour)")
      .optional()
      .openapi({
        description:
          "Service bookings: the time of day the customer wants (HH:MM, the deployment's zone), with `preferred_date`",
        example: "10:00",
      }),
    visit_type: z
      .enum(VISIT_TYPES)
      .optional()
      .openapi({ description: "Service bookings: where the work happens; `onsite` when not given" }),
    scheduled_at: instant.optional(),
    estimated_minutes: z
      .number()
      .int()
      .min(5)
      .max(24 * 60)
      .optional()
      .openapi({ example: 90 }),
  })
  .openapi("TicketCreate");

export const TicketUpdateSchema = z
  .strictObject({
    title: z.string().trim().min(1).max(200).optional(),
    description: z.string().trim().max(10_000).optional(),
    project_name: z.string().trim().min(1).max(120).nullable().optional(),
    priority: PriorityInput.optional(),
    kind: z.enum(TICKET_KINDS).optional(),
    service_category: z.enum(SERVICE_CATEGORIES).nullable().optional(),
    service_area: z.string().trim().toLowerCase().max(40).nullable().optional(),
    required_skills: z.array(z.string().trim().toLowerCase().min(1).max(40)).max(20).optional(),
    scheduled_at: instant.nullable().optional(),
    estimated_minutes: z
      .number()
      .int()
      .min(5)
      .max(24 * 60)
      .nullable()
      .optional(),
    location: z
      .strictObject({
        lat: z.number().min(-90).max(90),
        lng: z.number().min(-180).max(180),
        address: z.string().trim().max(300).optional(),
      })
      .nullable()
      .optional(),
  })
  .openapi("TicketUpdate");

export const ActionSchema = z.strictObject({ comment: z.string().trim().max(2000).optional() }).openapi("TicketAction");

export const HoldSchema = z
  .strictObject({
    comment: z.string().trim().max(2000).optional(),
    reason: z
      .enum(SLA_PAUSE_REASONS)
      .optional()
      .openapi({ description: "Why the work waits (default on_hold); the SLA clock stands still either way" }),
  })
  .openapi("TicketHold");

export const RescheduleSchema = z
  .strictObject({ preferred_date: day, comment: z.string().trim().max(2000).optional() })
  .openapi("BookingReschedule");

export const AssignSchema = z
  .strictObject({
    technician_ids: z.array(z.string().min(1).max(64)).min(1).max(20).optional(),
    team_supervisor_id: z.string().min(1).max(64).optional(),
    strategy: z
      .enum(["round_robin", "least_loaded"])
      .optional()
      .openapi({ description: "Automatic choice among available technicians with the skills and area" }),
    due_at: instant.optional(),
    scheduled_at: instant.optional(),
    estimated_resolution_at: instant.optional(),
    comment: z.string().trim().max(2000).optional(),
  })
  .refine(
    (v) =>
      Boolean(v.technician_ids?.length) !== Boolean(v.strategy) ||
      (!v.technician_ids && !v.strategy && v.team_supervisor_id),
    {
      message: "Give technician_ids or a strategy (or only team_supervisor_id)",
      path: ["technician_ids"],
    },
  )
  .openapi("AssignRequest", {
    example: {
      technician_ids: ["usr_0a1b2c3d4e5f6g7h8i9j"],
      scheduled_at: "2026-12-01T09:00:00Z",
      comment: "Customer prefers mornings",
    },
  });

export const BulkAssignSchema = z
  .strictObject({
    ticket_ids: z.array(z.string().min(1).max(64)).min(1).max(100),
    technician_ids: z.array(z.string().min(1).max(64)).min(1).max(20).optional(),
    strategy: z.enum(["round_robin", "least_loaded"]).optional(),
    team_supervisor_id: z.string().min(1).max(64).optional(),
  })
  .refine((v) => Boolean(v.technician_ids?.length) !== Boolean(v.strategy), {
    message: "Give technician_ids or a strategy",
    path: ["technician_ids"],
  })
  .openapi("BulkAssignRequest", {
    example: { ticket_ids: ["tkt_0a1b2c3d4e5f6g7h8i9j", "tkt_1b2c3d4e5f6g7h8i9j0a"], strategy: "least_loaded" },
  });

export const BulkAssignResultSchema = z
  .object({
    results: z.array(
      z.object({
        ticket_id: z.string(),
        status: z.number().int(),
        ticket: TicketSchema.optional(),
        error: z.string().optional(),
      }),
    ),
  })
  .openapi("BulkAssignResult");

export const AutoAssignRunSchema = z
  .strictObject({
    strategy: z.enum(["round_robin", "least_loaded"]).optional().openapi({
      description: "How technicians are chosen; by default the deployment's rule for new bookings, else least_loaded",
    }),
    kind: z
      .array(z.enum(TICKET_KINDS))
      .min(1)
      .max(TICKET_KINDS.length)
      .default(["service_booking"])
      .openapi({ description: "Which kinds of unassigned tickets to place; service bookings by default" }),
  })
  .openapi("AutoAssignRun");

export const AutoAssignResultSchema = z
  .object({
    strategy: z.enum(["round_robin", "least_loaded"]),
    assigned: z.number().int().openapi({ description: "Tickets placed with a technician" }),
    left_unassigned: z.number().int().openapi({
      description: "Tickets no available technician fits (skills, area, team); they stay for a dispatcher",
    }),
    results: z.array(z.object({ ticket_id: z.string(), number: z.string(), technician_id: z.string().nullable() })),
  })
  .openapi("AutoAssignResult");

export const UnassignSchema = z
  .strictObject({
    technician_ids: z.array(z.string().min(1).max(64)).min(1).max(20),
    comment: z.string().trim().max(2000).optional(),
  })
  .openapi("UnassignRequest");

export const SlaUpdateSchema = z
  .strictObject({
    response_due_at: instant.optional(),
    resolution_due_at: instant.optional(),
    estimated_resolution_at: instant.optional(),
  })
  .refine((v) => v.response_due_at || v.resolution_due_at || v.estimated_resolution_at, {
    message: "Give at least one target",
    path: ["resolution_due_at"],
  })
  .openapi("SlaUpdate", {
    example: { response_due_at: "2026-12-01T10:00:00Z", resolution_due_at: "2026-12-02T17:00:00Z" },
  });

export const CommentCreateSchema = z
  .strictObject({
    body: z.string().trim().min(1).max(10_000),
    visibility: z.enum(["public", "internal"]).default("public"),
  })
  .openapi("CommentCreate");

export const AttachmentJsonSchema = z
  .strictObject({
    filename: z.string().trim().min(1).max(200),
    content_type: z.string().trim().toLowerCase().max(100),
    data_base64: z.string().min(1),
  })
  .openapi("AttachmentUpload");

const workLogFields = {
  work_detail: z.string().trim().min(1).max(10_000),
  parts: z.array(PartSchema).max(100).default([]),
  amount_charged: z.number().int().min(0).max(1_000_000_000).default(0).openapi({ description: "Minor units" }),
  next_service_date: day.optional(),
};

export const WorkLogCreateSchema = z.strictObject(workLogFields).openapi("WorkLogCreate");

// One flat object, not an extension: the document would otherwise say allOf of two closed objects, which no body satisfies.
export const CompleteSchema = z
  .strictObject({
    ...workLogFields,
    code: z
      .string()
      .regex(/^\d{6}$/, "Six digits")
      .openapi({ example: "123456" }),
  })
  .openapi("CompleteWithCode");

export const MessageSchema = z.object({ message: z.string() }).openapi("TicketMessage");

const csv = <T extends readonly [string, ...string[]]>(values: T, name: string) =>
  z
    .string()
    .max(500)
    .optional()
    .transform((v, ctx) => {
      if (!v) return undefined;
      const parts = v.split(",").map((s) => (name === "priority" && s.trim() === "normal" ? "medium" : s.trim()));
      const bad = parts.filter((p) => !(values as readonly string[]).includes(p));
      if (bad.length) ctx.addIssue({ code: "custom", message: `Unknown ${name}: ${bad.join(", ")}` });
      return parts as T[number][];
    })
    .openapi({ param: { name, in: "query" }, description: `One or more (comma-separated) of ${values.join(", ")}` });

/** A ticket's comments, history or work logs, oldest first, a page at a time. */
export const TicketSubListQuery = z.strictObject({ limit: limitParam, cursor: cursorParam });
const subPage = <T extends z.ZodTypeAny>(item: T, name: string) =>
  z
    .object({
      data: z.array(item),
      next_cursor: z.string().nullable(),
      has_more: z.boolean().openapi({ description: "Whether another page follows (then `next_cursor` fetches it)" }),
    })
    .openapi(name);
export const CommentPageSchema = subPage(CommentSchema, "CommentList");
export const HistoryPageSchema = subPage(HistoryEntrySchema, "HistoryList");
export const WorkLogPageSchema = subPage(WorkLogSchema, "WorkLogList");

export const CustomerHistoryItemSchema = z
  .object({
    id: z.string().openapi({ example: "tkt_01JD6Q8Z1X2Y3Z4A5B6C7D8E9F" }),
    number: z.string().openapi({ example: "TR-2024-000812" }),
    kind: z.string().openapi({ example: "repair" }),
    status: z.string().openapi({ example: "closed" }),
    title: z.string().openapi({ example: "No dial tone since the storm" }),
    created_at: z.string().openapi({ example: "2024-03-02T07:41:09.000Z" }),
    finished_at: z
      .string()
      .nullable()
      .openapi({ description: "When it was closed or cancelled", example: "2024-03-04T15:10:00.000Z" }),
    archived: z.boolean().openapi({ description: "Read from the archive (`GET /v1/tickets/{id}` still shows it)" }),
    archived_at: z.string().nullable().openapi({ example: "2026-04-02T03:00:12.000Z" }),
  })
  .openapi("CustomerHistoryItem");
export const CustomerHistoryPageSchema = subPage(CustomerHistoryItemSchema, "CustomerHistory");

export const TicketListQuery = z.strictObject({
  limit: limitParam,
  cursor: cursorParam,
  status: csv(TICKET_STATUSES, "status"),
  priority: csv(TICKET_PRIORITIES, "priority"),
  kind: csv(TICKET_KINDS, "kind"),
  technician_id: z
    .string()
    .max(64)
    .optional()
    .openapi({
      param: { name: "technician_id", in: "query" },
      description: "Only tickets assigned to this technician (user id)",
    }),
  customer_id: z
    .string()
    .max(64)
    .optional()
    .openapi({ param: { name: "customer_id", in: "query" }, description: "Only this customer's tickets" }),
  asset_id: z
    .string()
    .max(64)
    .optional()
    .openapi({
      param: { name: "asset_id", in: "query" },
      description: "Only tickets about this service card (installed appliance)",
    }),
  number: z
    .string()
    .trim()
    .toUpperCase()
    .max(32)
    .optional()
    .openapi({
      param: { name: "number", in: "query" },
      description: "Find a case by its number (exact, e.g. TR-000123); still limited to the tickets the caller may see",
    }),
  service_category: z
    .enum(SERVICE_CATEGORIES)
    .optional()
    .openapi({ param: { name: "service_category", in: "query" }, description: "Only tickets about this service" }),
  sla: z
    .enum(["at_risk", "breached"])
    .optional()
    .openapi({
      param: { name: "sla", in: "query" },
      description:
        "at_risk: open tickets past the warning share of a target not yet met or breached; breached: tickets that missed a target",
    }),
  external_ref: z
    .string()
    .trim()
    .max(64)
    .optional()
    .openapi({
      param: { name: "external_ref", in: "query" },
      description: "Find a ticket by the case or task number of the system it came from (exact)",
    }),
  project_name: z
    .string()
    .trim()
    .max(120)
    .optional()
    .openapi({ param: { name: "project_name", in: "query" }, description: "Only tickets of this project (exact)" }),
  region_id: z
    .string()
    .max(64)
    .optional()
    .openapi({
      param: { name: "region_id", in: "query" },
      description: "Only tickets in a service area of this region's localities (`GET /v1/regions`)",
    }),
  locality_id: z
    .string()
    .max(64)
    .optional()
    .openapi({
      param: { name: "locality_id", in: "query" },
      description: "Only tickets in this locality's service area",
    }),
  q: z
    .string()
    .trim()
    .max(100)
    .optional()
    .openapi({
      param: { name: "q", in: "query" },
      description:
        'Search the number, title, description and address: every word must appear (any case, accents ignored); the last word may be the start of a word (`fibre cab` finds "Fibre cable cut")',
    }),
  created_from: dateOrInstant("created_from", "Created at or after"),
  created_to: dateOrInstant("created_to", "Created at or before"),
  scheduled_from: dateOrInstant("scheduled_from", "Scheduled at or after"),
  scheduled_to: dateOrInstant("scheduled_to", "Scheduled at or before"),
  bucket: z
    .string()
    .max(64)
    .optional()
    .openapi({ param: { name: "bucket", in: "query" }, description: "Apply a saved bucket's filters" }),
  order: z
    .enum(["created_at", "-created_at", "updated_at", "-updated_at", "scheduled_at", "-scheduled_at"])
    .optional()
    .openapi({
      param: { name: "order", in: "query" },
      description:
        "Sort order; `-` for descending. `scheduled_at` keeps unscheduled tickets: after the scheduled ones (before them with `-scheduled_at`), each group by creation time. Default: `scheduled_at` when listing service bookings only (`kind=service_booking`), else `-created_at` (newest first)",
    }),
});

export type TicketListFilters = Partial<Omit<z.infer<typeof TicketListQuery>, "limit" | "cursor" | "order" | "bucket">>;

export const WorkloadSchema = z
  .object({
    data: z.array(
      z.object({
        technician_id: z.string(),
        display_name: z.string(),
        open: z.number().int(),
        in_progress: z.number().int(),
        overdue: z.number().int(),
        scheduled_today: z.number().int(),
      }),
    ),
  })
  .openapi("Workload");
