import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const TICKET_KINDS = [
  "bug",
  "problem",
  "service_down",
  "new_feature",
  "installation",
  "repair",
  "maintenance",
  "upgrade",
  "disconnection",
  "service_booking",
] as const;
export type TicketKind = (typeof TICKET_KINDS)[number];

export const TICKET_PRIORITIES = ["low", "medium", "high", "critical", "emergency"] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];

/** The service a ticket is about (voice line, internet, anything else). */
export const SERVICE_CATEGORIES = ["voice", "internet", "other"] as const;
/** Where a service booking's work happens: at the customer's, at the workshop (carried in), or remotely. */
export const VISIT_TYPES = ["onsite", "carry_in", "remote"] as const;
export const TICKET_STATUSES = [
  "new",
  "opened",
  "assigned",
  "in_progress",
  "on_hold",
  "resolved",
  "waiting_approval",
  "closed",
  "cancelled",
] as const;
/** Work is done (or abandoned): no assignment, booking or SLA clock applies. */
export const FINISHED_STATUSES = ["resolved", "waiting_approval", "closed", "cancelled"] as const;
/** Work is still to do. */
export const UNFINISHED_STATUSES = ["new", "opened", "assigned", "in_progress", "on_hold"] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export const tickets = sqliteTable(
  "tickets",
  {
    id: text("id").primaryKey(),
    number: text("number").notNull(),
    /** The case or task number in the system the ticket came from (imports); unique when given. */
    externalRef: text("external_ref"),
    kind: text("kind", { enum: TICKET_KINDS }).notNull(),
    priority: text("priority", { enum: TICKET_PRIORITIES }).notNull(),
    status: text("status", { enum: TICKET_STATUSES }).notNull(),
    title: text("title").notNull(),
    /** The project or contract the work belongs to (the incident desk's project), free text. */
    projectName: text("project_name"),
    description: text("description").notNull().default(""),
    customerId: text("customer_id"),
    assetId: text("asset_id"),
    createdBy: text("created_by").notNull(),
    /** The supervisor whose team owns the ticket, when assigned to a team (WO-5). */
    teamSupervisorId: text("team_supervisor_id"),
    serviceArea: text("service_area"),
    requiredSkills: text("required_skills", { mode: "json" }).$type<string[]>().notNull().default([]),
    lat: real("lat"),
    lng: real("lng"),
    address: text("address"),
    preferredAt: text("preferred_at"),
    /** The local time of day the customer asked for ("HH:MM"), when they gave one; `preferred_at` carries it as an instant. */
    preferredTime: text("preferred_time"),
    visitType: text("visit_type", { enum: VISIT_TYPES }),
    scheduledAt: text("scheduled_at"),
    estimatedMinutes: integer("estimated_minutes"),
    /** The job template the ticket was raised from (PM-3), if any. */
    templateId: text("template_id"),
    /** Service bookings: free or paid, by the covering service contract or else the warranty rule (WO-9, PM-2). */
    serviceType: text("service_type", { enum: ["free", "paid"] }),
    /** The service contract whose included visits this booking uses (PM-2), if any. */
    contractId: text("contract_id"),
    /** What the ticket is about for a telecom operator: voice, internet or other (the technician platform's "service type"). */
    serviceCategory: text("service_category", { enum: SERVICE_CATEGORIES }),
    responseDueAt: text("response_due_at"),
    resolutionDueAt: text("resolution_due_at"),
    estimatedResolutionAt: text("estimated_resolution_at"),
    respondedAt: text("responded_at"),
    responseBreachedAt: text("response_breached_at"),
    resolutionBreachedAt: text("resolution_breached_at"),
    slaPausedAt: text("sla_paused_at"),
    slaPausedSeconds: integer("sla_paused_seconds").notNull().default(0),
    /** Why the clock is paused: on_hold, waiting_for_customer or waiting_for_parts. */
    slaPauseReason: text("sla_pause_reason"),
    /** The SLA policy the targets came from; null: the deployment's default targets. */
    slaPolicyId: text("sla_policy_id"),
    /** The calendar the clock runs on; null: every hour (24×7). */
    slaCalendarId: text("sla_calendar_id"),
    /** Targets in working minutes on the clock's calendar. */
    slaResponseMinutes: integer("sla_response_minutes"),
    slaResolutionMinutes: integer("sla_resolution_minutes"),
    slaWarningPercent: integer("sla_warning_percent").notNull().default(80),
    /** Targets were set by hand (POST /sla): a policy change keeps them, a calendar change still moves them. */
    slaManual: integer("sla_manual", { mode: "boolean" }).notNull().default(false),
    /** Working minutes the clock used before `sla_clock_from`. */
    slaUsedMinutes: real("sla_used_minutes").notNull().default(0),
    /** Start of the running stretch; null while paused or finished. */
    slaClockFrom: text("sla_clock_from"),
    /** The SLA configuration revision (counter `sla_revision`) the due times were computed under. */
    slaRevision: integer("sla_revision").notNull().default(0),
    responseWarningAt: text("response_warning_at"),
    resolutionWarningAt: text("resolution_warning_at"),
    responseWarnedAt: text("response_warned_at"),
    resolutionWarnedAt: text("resolution_warned_at"),
    openedAt: text("opened_at"),
    assignedAt: text("assigned_at"),
    startedAt: text("started_at"),
    onHoldAt: text("on_hold_at"),
    resolvedAt: text("resolved_at"),
    signedOffAt: text("signed_off_at"),
    closedAt: text("closed_at"),
    cancelledAt: text("cancelled_at"),
    /** Random per write: rows written in the same batch (history, events) are guarded on it. */
    writeToken: text("write_token").notNull().default(""),
    /** Goes up by one with every change: the ticket's ETag, and the base of offline actions. */
    version: integer("version").notNull().default(1),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    index("tickets_number_idx").on(t.number),
    index("tickets_contract_idx").on(t.contractId, t.preferredAt),
    uniqueIndex("tickets_external_ref_unique").on(t.externalRef),
    index("tickets_created_idx").on(t.createdAt, t.id),
    index("tickets_updated_idx").on(t.updatedAt, t.id),
    index("tickets_priority_created_idx").on(t.priority, t.createdAt, t.id),
    index("tickets_status_created_idx").on(t.status, t.createdAt, t.id),
    index("tickets_kind_created_idx").on(t.kind, t.createdAt, t.id),
    index("tickets_customer_created_idx").on(t.customerId, t.createdAt, t.id),
    index("tickets_creator_created_idx").on(t.createdBy, t.createdAt, t.id),
    index("tickets_team_created_idx").on(t.teamSupervisorId, t.createdAt, t.id),
    index("tickets_scheduled_idx").on(t.scheduledAt, t.id),
    // The list's `order=scheduled_at`: scheduled time first, unscheduled last, then creation time (SCHEDULE_ORDER_KEY).
    index("tickets_schedule_order_idx").on(sql`(coalesce(scheduled_at, '~') || ' ' || created_at)`, t.id),
    index("tickets_asset_idx").on(t.assetId, t.createdAt),
    // Region and locality filters name service areas (localities.service_area).
    index("tickets_area_created_idx").on(t.serviceArea, t.createdAt, t.id),
    // Upcoming service bookings: scheduled, else preferred, time.
    index("tickets_booking_due_idx").on(t.kind, sql`coalesce(scheduled_at, preferred_at)`, t.id),
    // Only tickets still waiting for a response or resolution: the breach scan stays small.
    index("tickets_response_due_idx")
      .on(t.responseDueAt)
      .where(sql`response_breached_at IS NULL AND responded_at IS NULL`),
    index("tickets_resolution_due_idx")
      .on(t.resolutionDueAt)
      .where(sql`resolution_breached_at IS NULL AND resolved_at IS NULL`),
    index("tickets_response_warning_idx")
      .on(t.responseWarningAt)
      .where(sql`response_warned_at IS NULL AND responded_at IS NULL`),
    index("tickets_resolution_warning_idx")
      .on(t.resolutionWarningAt)
      .where(sql`resolution_warned_at IS NULL AND resolved_at IS NULL`),
    // Closed and cancelled work by when it ended: the archive's monthly scan.
    index("tickets_finished_idx")
      .on(sql`coalesce(closed_at, cancelled_at)`, t.id)
      .where(sql`status IN ('closed', 'cancelled')`),
    // Open tickets whose clock was computed under an older SLA configuration (the recompute job).
    index("tickets_sla_revision_idx")
      .on(t.slaRevision)
      .where(sql`status IN ('new', 'opened', 'assigned', 'in_progress', 'on_hold')`),
  ],
);

export const SLA_PAUSE_REASONS = ["on_hold", "waiting_for_customer", "waiting_for_parts"] as const;
export type SlaPauseReason = (typeof SLA_PAUSE_REASONS)[number];

/** The SLA clock's ledger: each stretch it ran or stood still, with the working minutes it used. */
export const ticketSlaPeriods = sqliteTable(
  "ticket_sla_periods",
  {
    id: text("id").primaryKey(),
    ticketId: text("ticket_id").notNull(),
    state: text("state", { enum: ["running", "paused"] }).notNull(),
    /** Paused: why; running: what ended the stretch (paused, finished, recomputed). */
    reason: text("reason").notNull(),
    calendarId: text("calendar_id"),
    startedAt: text("started_at").notNull(),
    endedAt: text("ended_at").notNull(),
    workingMinutes: real("working_minutes").notNull(),
  },
  (t) => [index("ticket_sla_periods_ticket_idx").on(t.ticketId, t.startedAt)],
);

/** Per priority: working minutes to respond and to resolve. */
export type SlaTargets = Partial<Record<TicketPriority, { response_minutes: number; resolution_minutes: number }>>;

/** SLA policies: which tickets they cover, their targets per priority, and the calendar the clock runs on. */
export const slaPolicies = sqliteTable(
  "sla_policies",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    kinds: text("kinds", { mode: "json" }).$type<TicketKind[]>(),
    serviceCategory: text("service_category", { enum: SERVICE_CATEGORIES }),
    customerId: text("customer_id"),
    calendarId: text("calendar_id"),
    targets: text("targets", { mode: "json" }).$type<SlaTargets>().notNull(),
    warningPercent: integer("warning_percent").notNull().default(80),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [index("sla_policies_name_idx").on(t.name, t.id), index("sla_policies_calendar_idx").on(t.calendarId)],
);

export const ticketAssignees = sqliteTable(
  "ticket_assignees",
  {
    ticketId: text("ticket_id").notNull(),
    technicianId: text("technician_id").notNull(),
    assignedBy: text("assigned_by").notNull(),
    dueAt: text("due_at"),
    reason: text("reason"),
    assignedAt: text("assigned_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.ticketId, t.technicianId] }),
    index("ticket_assignees_technician_idx").on(t.technicianId, t.ticketId),
  ],
);

export const ticketComments = sqliteTable(
  "ticket_comments",
  {
    id: text("id").primaryKey(),
    ticketId: text("ticket_id").notNull(),
    authorId: text("author_id").notNull(),
    body: text("body").notNull(),
    visibility: text("visibility", { enum: ["public", "internal"] }).notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("ticket_comments_ticket_idx").on(t.ticketId, t.createdAt)],
);

export const ticketAttachments = sqliteTable(
  "ticket_attachments",
  {
    id: text("id").primaryKey(),
    ticketId: text("ticket_id").notNull(),
    uploadedBy: text("uploaded_by").notNull(),
    filename: text("filename").notNull(),
    contentType: text("content_type").notNull(),
    sizeBytes: integer("size_bytes").notNull(),
    objectKey: text("object_key").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("ticket_attachments_ticket_idx").on(t.ticketId, t.createdAt)],
);

/** One row per change (WO-8), written in the same batch as the change. */
export const ticketHistory = sqliteTable(
  "ticket_history",
  {
    id: text("id").primaryKey(),
    ticketId: text("ticket_id").notNull(),
    actorId: text("actor_id"),
    action: text("action").notNull(),
    fromValue: text("from_value"),
    toValue: text("to_value"),
    comment: text("comment"),
    /** Internal rows (internal notes) are hidden from customers. */
    internal: integer("internal", { mode: "boolean" }).notNull().default(false),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("ticket_history_ticket_idx").on(t.ticketId, t.createdAt, t.id)],
);

export interface WorkLogPart {
  /** The item's SKU (a stocked part), or the part's own number when it is not stocked. */
  code?: string;
  name?: string;
  quantity: number;
  unit_price: number;
  /** `stock` (default): drawn from the van or warehouse; `unstocked`: bought or made for the job; `customer_supplied`. */
  source?: "stock" | "unstocked" | "customer_supplied";
}

export const workLogs = sqliteTable(
  "work_logs",
  {
    id: text("id").primaryKey(),
    ticketId: text("ticket_id").notNull(),
    technicianId: text("technician_id").notNull(),
    workDetail: text("work_detail").notNull(),
    parts: text("parts", { mode: "json" }).$type<WorkLogPart[]>().notNull().default([]),
    /** Integer minor units. */
    amountCharged: integer("amount_charged").notNull().default(0),
    nextServiceDate: text("next_service_date"),
    verifiedByCode: integer("verified_by_code", { mode: "boolean" }).notNull().default(false),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("work_logs_ticket_idx").on(t.ticketId, t.createdAt)],
);

/**
 * A ticket's checklist (PM-3), copied from its job template when it was raised: each item ticked
 * (with its value or photo when the template asks) or open; a required open item refuses completion.
 */
export const ticketChecklistItems = sqliteTable(
  "ticket_checklist_items",
  {
    id: text("id").primaryKey(),
    ticketId: text("ticket_id").notNull(),
    /** The item's id in the template (stable across the ticket's copy). */
    itemKey: text("item_key").notNull(),
    position: integer("position").notNull(),
    label: text("label").notNull(),
    required: integer("required", { mode: "boolean" }).notNull(),
    photoRequired: integer("photo_required", { mode: "boolean" }).notNull(),
    valueRequired: integer("value_required", { mode: "boolean" }).notNull(),
    value: text("value"),
    uploadId: text("upload_id"),
    doneBy: text("done_by"),
    doneAt: text("done_at"),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("ticket_checklist_items_key_unique").on(t.ticketId, t.itemKey),
    index("ticket_checklist_items_ticket_idx").on(t.ticketId, t.position),
  ],
);

/** Customer completion codes (WO-10): hashed, expiring, five tries. */
export const completionCodes = sqliteTable(
  "completion_codes",
  {
    id: text("id").primaryKey(),
    ticketId: text("ticket_id").notNull(),
    codeHash: text("code_hash").notNull(),
    attempts: integer("attempts").notNull().default(0),
    expiresAt: text("expires_at").notNull(),
    consumedAt: text("consumed_at"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("completion_codes_ticket_idx").on(t.ticketId, t.createdAt)],
);

/** Saved, named ticket queues per user (WO-13). */
export const buckets = sqliteTable(
  "buckets",
  {
    id: text("id").primaryKey(),
    ownerId: text("owner_id").notNull(),
    name: text("name").notNull(),
    filters: text("filters", { mode: "json" }).$type<Record<string, unknown>>().notNull().default({}),
    refreshedAt: text("refreshed_at"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [index("buckets_owner_idx").on(t.ownerId, t.name)],
);

/** Monotonic counters for human numbers (ticket TR-000123) and round-robin positions. */
export const counters = sqliteTable("counters", {
  name: text("name").primaryKey(),
  value: integer("value").notNull(),
});
