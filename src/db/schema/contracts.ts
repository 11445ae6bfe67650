import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const CONTRACT_STATUSES = ["active", "cancelled"] as const;
export const CONTRACT_CHARGES = ["free", "paid"] as const;
export const CONTRACT_RENEWALS = ["auto", "manual", "none"] as const;

/**
 * Service contracts (PM-2): a customer's cover for a period — all their service cards, or the
 * ones named — with visits included per period (charged free or paid; beyond them paid) and how
 * it renews. A booking covered by a contract takes its charge from it instead of the warranty rule.
 * `reminded_for` is the end date whose renewal reminder was sent (one per term).
 */
export const serviceContracts = sqliteTable(
  "service_contracts",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    customerId: text("customer_id").notNull(),
    /** Null: every service card of the customer. */
    assetIds: text("asset_ids", { mode: "json" }).$type<string[] | null>(),
    startsOn: text("starts_on").notNull(),
    endsOn: text("ends_on").notNull(),
    /** Null: unlimited visits. */
    visitsPerPeriod: integer("visits_per_period"),
    periodMonths: integer("period_months").notNull(),
    charge: text("charge", { enum: CONTRACT_CHARGES }).notNull(),
    renewal: text("renewal", { enum: CONTRACT_RENEWALS }).notNull(),
    termMonths: integer("term_months").notNull(),
    reminderDays: integer("reminder_days").notNull(),
    remindedFor: text("reminded_for"),
    renewals: integer("renewals").notNull().default(0),
    status: text("status", { enum: CONTRACT_STATUSES }).notNull(),
    notes: text("notes"),
    createdBy: text("created_by"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    index("service_contracts_customer_idx").on(t.customerId, t.endsOn),
    index("service_contracts_ends_idx").on(t.status, t.endsOn, t.id),
    index("service_contracts_created_idx").on(t.createdAt, t.id),
  ],
);
