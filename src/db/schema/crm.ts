import { sql } from "drizzle-orm";
import { index, integer, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** Channels a customer may be messaged on about their visits. */
export const CUSTOMER_CHANNELS = ["sms", "email", "whatsapp"] as const;
export type CustomerChannel = (typeof CUSTOMER_CHANNELS)[number];

/** Contractors whose technicians work for the operator (IAM-13). */
export const companies = sqliteTable(
  "companies",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    registrationNumber: text("registration_number"),
    contactEmail: text("contact_email"),
    contactPhone: text("contact_phone"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    deletedAt: text("deleted_at"),
  },
  (t) => [uniqueIndex("companies_name_unique").on(t.name)],
);

/** Languages the customer-facing words exist in (src/locales). */
export const CUSTOMER_LANGUAGES = ["en", "id"] as const;

/**
 * The operator's catalogue of offers (packages) a customer subscribes to: the telecom platform's
 * offer lookup. Retired offers stay for the customers who still hold them.
 */
export const OFFER_SERVICES = ["internet", "voice", "tv", "bundle", "other"] as const;
export const offers = sqliteTable(
  "offers",
  {
    id: text("id").primaryKey(),
    code: text("code").notNull(),
    name: text("name").notNull(),
    service: text("service", { enum: OFFER_SERVICES }).notNull(),
    description: text("description").notNull().default(""),
    downloadMbps: real("download_mbps"),
    uploadMbps: real("upload_mbps"),
    /** Monthly price in the currency's minor units (cents, thebe). */
    monthlyPriceMinor: integer("monthly_price_minor"),
    currency: text("currency"),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [uniqueIndex("offers_code_unique").on(t.code), index("offers_name_idx").on(t.name, t.id)],
);

/** Subscribers / customers (CRM-1); `userId` links the customer's own login when there is one. */
export const customers = sqliteTable(
  "customers",
  {
    id: text("id").primaryKey(),
    userId: text("user_id"),
    fullName: text("full_name").notNull(),
    /** The operator's own account (subscriber) number: unique when given; the import's natural key. */
    accountNumber: text("account_number"),
    phone: text("phone"),
    email: text("email"),
    whatsapp: text("whatsapp"),
    /** Channels the customer agreed to be messaged on (sms, email, whatsapp); SMS only unless they chose more. */
    messageChannels: text("message_channels", { mode: "json" })
      .$type<CustomerChannel[]>()
      .notNull()
      .default(sql`'["sms"]'`),
    nationalId: text("national_id"),
    address: text("address").notNull().default(""),
    lat: real("lat"),
    lng: real("lng"),
    serviceArea: text("service_area"),
    servicePackage: text("service_package"),
    /** The catalogue offer the customer subscribes to (offers table). */
    offerId: text("offer_id"),
    /** The language the customer reads their messages and visit page in; the deployment's when null. */
    language: text("language", { enum: CUSTOMER_LANGUAGES }),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    deletedAt: text("deleted_at"),
  },
  (t) => [
    uniqueIndex("customers_user_unique").on(t.userId),
    uniqueIndex("customers_account_number_unique").on(t.accountNumber),
    index("customers_created_idx").on(t.createdAt, t.id),
    index("customers_area_idx").on(t.serviceArea, t.createdAt),
    index("customers_phone_idx").on(t.phone),
    index("customers_offer_idx").on(t.offerId),
  ],
);

/** Installed equipment with its warranty: the appliance CRM's "service card" (CRM-2). */
export const assets = sqliteTable(
  "assets",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    model: text("model").notNull(),
    serialNumber: text("serial_number"),
    cardType: text("card_type").notNull().default("normal"),
    installedOn: text("installed_on"),
    warrantyStart: text("warranty_start"),
    warrantyEnd: text("warranty_end"),
    address: text("address").notNull().default(""),
    city: text("city"),
    postalCode: text("postal_code"),
    region: text("region"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    deletedAt: text("deleted_at"),
  },
  (t) => [
    index("assets_customer_idx").on(t.customerId, t.createdAt),
    index("assets_created_idx").on(t.createdAt, t.id),
    index("assets_warranty_end_idx").on(t.warrantyEnd, t.id),
    index("assets_serial_idx").on(t.serialNumber),
  ],
);

/** A technician's working profile (FW-1); keyed by user id, as technicians are addressed everywhere. */
export const TIME_OFF_KINDS = ["leave", "sick", "training", "other"] as const;
export const TIME_OFF_STATUSES = ["requested", "approved", "rejected", "cancelled"] as const;

/** A technician's time away: asked for by them (or entered by their supervisor or a manager), approved by one of those. */
export const timeOff = sqliteTable(
  "time_off",
  {
    id: text("id").primaryKey(),
    technicianId: text("technician_id").notNull(),
    kind: text("kind", { enum: TIME_OFF_KINDS }).notNull(),
    startsAt: text("starts_at").notNull(),
    endsAt: text("ends_at").notNull(),
    reason: text("reason"),
    status: text("status", { enum: TIME_OFF_STATUSES }).notNull(),
    requestedBy: text("requested_by").notNull(),
    decidedBy: text("decided_by"),
    decidedAt: text("decided_at"),
    decisionNote: text("decision_note"),
    /** When the technician's schedule object took the hold (approved) or let it go (null again); the cron settles the rest. */
    heldAt: text("held_at"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    index("time_off_technician_idx").on(t.technicianId, t.startsAt, t.id),
    index("time_off_starts_idx").on(t.startsAt, t.id),
    // Holds still to take (approved, not held) or to let go (no longer approved, still held).
    index("time_off_unsettled_idx")
      .on(t.updatedAt)
      .where(sql`(status = 'approved' AND held_at IS NULL) OR (status <> 'approved' AND held_at IS NOT NULL)`),
  ],
);

export const technicianProfiles = sqliteTable(
  "technician_profiles",
  {
    userId: text("user_id").primaryKey(),
    employeeId: text("employee_id"),
    skills: text("skills", { mode: "json" }).$type<string[]>().notNull().default([]),
    serviceAreas: text("service_areas", { mode: "json" }).$type<string[]>().notNull().default([]),
    supervisorId: text("supervisor_id"),
    externalUsernames: text("external_usernames", { mode: "json" })
      .$type<Record<string, string>>()
      .notNull()
      .default({}),
    isAvailable: integer("is_available", { mode: "boolean" }).notNull().default(true),
    /** The calendar the technician works by (their team's, say); null: the deployment's default calendar. */
    calendarId: text("calendar_id"),
    /** Their own weekly frames instead of the calendar's week (the calendar's zone, exceptions and holidays still apply). */
    workingWeek: text("working_week", { mode: "json" }).$type<Record<string, { start: string; end: string }[]>>(),
    unavailableReason: text("unavailable_reason"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("technician_profiles_employee_unique").on(t.employeeId),
    index("technician_profiles_supervisor_idx").on(t.supervisorId),
  ],
);
