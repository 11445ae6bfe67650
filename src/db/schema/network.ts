import { sql } from "drizzle-orm";
import { index, integer, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const INCIDENT_STATUSES = ["reported", "under_investigation", "repaired", "closed"] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** The deployment's regions (districts), each with its localities (towns and villages). */
export const regions = sqliteTable(
  "regions",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    code: text("code").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    deletedAt: text("deleted_at"),
  },
  (t) => [uniqueIndex("regions_code_unique").on(t.code), index("regions_name_idx").on(t.name, t.id)],
);

export const localities = sqliteTable(
  "localities",
  {
    id: text("id").primaryKey(),
    regionId: text("region_id").notNull(),
    name: text("name").notNull(),
    /** The free-text service area this locality stands for (lowercase), as customers, tickets and technicians' areas spell it. */
    serviceArea: text("service_area").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    deletedAt: text("deleted_at"),
  },
  (t) => [
    uniqueIndex("localities_area_unique").on(t.serviceArea),
    index("localities_region_idx").on(t.regionId, t.name, t.id),
  ],
);

/** Price per metre of each cable type; a change adds a row, so the price in force at any time stays known. */
export const cablePrices = sqliteTable(
  "cable_prices",
  {
    id: text("id").primaryKey(),
    cableType: text("cable_type").notNull(),
    pricePerMetre: integer("price_per_metre").notNull(),
    currency: text("currency").notNull(),
    effectiveFrom: text("effective_from").notNull(),
    createdBy: text("created_by"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [uniqueIndex("cable_prices_type_from_unique").on(t.cableType, t.effectiveFrom)],
);

/** A copper-theft incident: where, when, what cable and how much, its police case, and its cost at the price of the day it was reported. */
export const copperIncidents = sqliteTable(
  "copper_incidents",
  {
    id: text("id").primaryKey(),
    number: text("number").notNull(),
    regionId: text("region_id").notNull(),
    localityId: text("locality_id"),
    lat: real("lat"),
    lng: real("lng"),
    description: text("description").notNull().default(""),
    discoveredAt: text("discovered_at").notNull(),
    reportedAt: text("reported_at").notNull(),
    cableType: text("cable_type").notNull(),
    metresStolen: real("metres_stolen").notNull(),
    policeCaseNumber: text("police_case_number"),
    status: text("status", { enum: INCIDENT_STATUSES }).notNull(),
    pricePerMetre: integer("price_per_metre").notNull(),
    currency: text("currency").notNull(),
    estimatedCost: integer("estimated_cost").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    deletedAt: text("deleted_at"),
  },
  (t) => [
    uniqueIndex("copper_incidents_number_unique").on(t.number),
    index("copper_incidents_reported_idx").on(t.reportedAt, t.id),
    index("copper_incidents_region_idx").on(t.regionId, t.reportedAt, t.id),
    index("copper_incidents_locality_idx").on(t.localityId, t.reportedAt, t.id),
    index("copper_incidents_status_idx").on(t.status, t.reportedAt, t.id),
  ],
);

/** Customers an incident cut off; `restoration_ticket_id` once a restoration ticket was raised for them. */
export const incidentCustomers = sqliteTable(
  "incident_customers",
  {
    id: text("id").primaryKey(),
    incidentId: text("incident_id").notNull(),
    customerId: text("customer_id").notNull(),
    service: text("service"),
    notes: text("notes"),
    restorationTicketId: text("restoration_ticket_id"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("incident_customers_unique").on(t.incidentId, t.customerId),
    index("incident_customers_incident_idx").on(t.incidentId, t.createdAt, t.id),
  ],
);

/** Comments on any object, known by its kind and id (`content_type` + `object_id`); soft-deleted. */
export const objectComments = sqliteTable(
  "object_comments",
  {
    id: text("id").primaryKey(),
    contentType: text("content_type").notNull(),
    objectId: text("object_id").notNull(),
    authorId: text("author_id").notNull(),
    body: text("body").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    deletedAt: text("deleted_at"),
  },
  (t) => [index("object_comments_object_idx").on(t.contentType, t.objectId, t.createdAt, t.id)],
);

/** The services the fibre network carries for a subscriber, and an ONT's link states (the element manager's vocabulary). */
export const NETWORK_SERVICE_TYPES = ["internet", "voice", "iptv", "business"] as const;
export const ONT_LINK_STATES = ["up", "down", "los", "dying_gasp"] as const;

export const PROVISIONING_ACTIONS = [
  "link_check",
  "subscriber_health",
  "provision_service",
  "change_cpe",
  "delete_ont",
  "create_vlans",
  "delete_unused_vlans",
] as const;
export const PROVISIONING_OUTCOMES = ["running", "succeeded", "failed", "outcome_unknown"] as const;

/**
 * Every provisioning action against the element manager (NET-3): who, what, for which
 * subscriber and ticket, the request, the result and how long it took. Written as `running`
 * before a change is sent, so a change whose request died is still on record.
 */
export const provisioningActions = sqliteTable(
  "provisioning_actions",
  {
    id: text("id").primaryKey(),
    action: text("action", { enum: PROVISIONING_ACTIONS }).notNull(),
    actorUserId: text("actor_user_id").notNull(),
    subscriberId: text("subscriber_id"),
    customerId: text("customer_id"),
    ticketId: text("ticket_id"),
    node: text("node"),
    ontSerial: text("ont_serial"),
    request: text("request", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    result: text("result", { mode: "json" }).$type<unknown>(),
    outcome: text("outcome", { enum: PROVISIONING_OUTCOMES }).notNull(),
    errorCode: text("error_code"),
    errorDetail: text("error_detail"),
    /** The element manager's own answer on failure (status and an excerpt). */
    upstream: text("upstream"),
    durationMs: integer("duration_ms"),
    startedAt: text("started_at").notNull(),
    finishedAt: text("finished_at"),
  },
  (t) => [
    index("provisioning_actions_started_idx").on(t.startedAt, t.id),
    index("provisioning_actions_subscriber_idx").on(t.subscriberId, t.startedAt, t.id),
    index("provisioning_actions_ticket_idx").on(t.ticketId, t.startedAt, t.id),
    index("provisioning_actions_actor_idx").on(t.actorUserId, t.startedAt, t.id),
    // The few still running, for the sweep that settles those whose request died.
    index("provisioning_actions_running_idx").on(t.startedAt).where(sql`outcome = 'running'`),
  ],
);
