import { describe, expect, it } from "vitest";
import { DERIVED_OWNERS } from "../../src/owners";

/**
 * Who writes which table. Derived tables (the mobile change log, the event outbox, the report
 * aggregates, the audit log) are written only by their registered owner, which fills them from
 * every change committed through `commitChange`; every other table is written only by the module
 * that owns it, and other modules hand their writes to its verbs.
 */
const sources = import.meta.glob("../../src/**/*.ts", { query: "?raw", import: "default", eager: true }) as Record<
  string,
  string
>;
const schemaSources = import.meta.glob("../../src/db/schema/*.ts", {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;
const production = Object.entries(sources)
  .filter(([file]) => !file.endsWith(".test.ts"))
  .map(([file, text]) => [file.replace(/^(\.\.\/)+/, ""), text] as const);

/** drizzle variable → SQL name, from the schema files. */
const TABLES = new Map<string, string>();
for (const text of Object.values(schemaSources))
  for (const m of text.matchAll(/export const (\w+) = sqliteTable\(\s*"(\w+)"/g)) TABLES.set(m[1], m[2]);
const SQL_NAMES = new Set(TABLES.values());

/** Every table a file writes: raw SQL, drizzle insert/update/delete, the guarded-insert helpers, and change rows. */
function writtenTables(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(/(?:INSERT (?:OR \w+ )?INTO|UPDATE|DELETE FROM)\s+(\w+)/g))
    if (SQL_NAMES.has(m[1])) out.add(m[1]);
  for (const m of text.matchAll(/\.(?:insert|update|delete)\((\w+)\)/g)) {
    const name = TABLES.get(m[1]);
    if (name) out.add(name);
  }
  for (const m of text.matchAll(/(?:guardedInsert|guardedUpdate|plainInsert|insertIfGuarded)\([^,]+,\s*"(\w+)"/g))
    out.add(m[1]);
  return out;
}

const DERIVED: Record<string, string> = {
  sync_changes: "src/modules/mobile/sync-log.ts",
  domain_events: "src/modules/notifications/outbox.ts",
  report_ticket_facts: "src/modules/reports/aggregates.ts",
  report_daily: "src/modules/reports/aggregates.ts",
  report_current: "src/modules/reports/aggregates.ts",
  audit_log: "src/modules/audit/audit-log.ts",
};

/** Each table's owning module (the one whose verbs write it); a table not named is owned by the module of the same name. */
const OWNER: Record<string, string> = {
  api_key_usage: "api-keys",
  application_grants: "applications",
  application_roles: "applications",
  appointment_links: "scheduling",
  appointments: "scheduling",
  slot_holds: "scheduling",
  feedback: "scheduling",
  attendance: "attendance",
  cable_prices: "network",
  copper_incidents: "network",
  incident_customers: "network",
  localities: "network",
  regions: "network",
  completion_codes: "tickets",
  ticket_assignees: "tickets",
  ticket_attachments: "tickets",
  ticket_comments: "tickets",
  ticket_history: "tickets",
  ticket_sla_periods: "tickets",
  sla_policies: "tickets",
  ticket_checklist_items: "tickets",
  job_templates: "templates",
  maintenance_plans: "maintenance",
  maintenance_occurrences: "maintenance",
  service_contracts: "service-contracts",
  archive_parts: "archive",
  offers: "offers",
  archive_months: "archive",
  archived_tickets: "archive",
  time_off: "technicians",
  work_logs: "tickets",
  counters: "platform",
  cron_runs: "platform",
  idempotency_keys: "platform",
  rate_limits: "platform",
  contact_changes: "users",
  users: "users",
  dead_letters: "notifications",
  deliveries: "notifications",
  dev_outbox: "notifications",
  notification_preferences: "notifications",
  webhooks: "notifications",
  equipment_assignments: "inventory",
  inventory_items: "inventory",
  stock_balances: "inventory",
  stock_movements: "inventory",
  stock_serials: "inventory",
  mobile_actions: "mobile",
  mobile_devices: "mobile",
  object_comments: "comments",
  otp_codes: "auth",
  password_reset_tokens: "auth",
  refresh_tokens: "auth",
  sessions: "auth",
  sign_in_failures: "auth",
  provisioning_actions: "provisioning",
  technician_locations: "technicians",
  technician_profiles: "technicians",
  uploads: "uploads",
  api_keys: "api-keys",
};

/** Writes into another module's table that remain (none: a new one fails here until it goes through the owner's verb). */
const KNOWN_CROSSINGS: string[] = [];

const ownerOf = (table: string) => OWNER[table] ?? table;

describe("write ownership", () => {
  it("the registered owners are exactly the derived tables' owners", () => {
    const registered = DERIVED_OWNERS.flatMap((o) => o.tables.map((t) => `${t}:${o.module}`)).sort();
    expect(registered).toEqual(
      Object.entries(DERIVED)
        .map(([t, file]) => `${t}:${file.split("/")[2]}`)
        .sort(),
    );
  });

  for (const [table, file] of Object.entries(DERIVED)) {
    it(`${table} is written by its owner only`, () => {
      const writers = production.filter(([, text]) => writtenTables(text).has(table)).map(([f]) => f);
      expect(writers).toEqual([file]);
    });
  }

  it("no module writes another module's table beyond the known crossings", () => {
    const crossings = new Set<string>();
    for (const [file, text] of production) {
      const module = file.match(/^src\/modules\/([^/]+)\//)?.[1];
      if (!module) continue;
      for (const table of writtenTables(text)) {
        if (DERIVED[table]) continue;
        if (ownerOf(table) !== module) crossings.add(`${module} → ${table}`);
      }
    }
    expect([...crossings].sort()).toEqual(KNOWN_CROSSINGS);
  });

  it("every table has an owning module", () => {
    const modules = new Set(production.map(([f]) => f.match(/^src\/modules\/([^/]+)\//)?.[1]).filter(Boolean));
    const orphans = [...SQL_NAMES].filter((t) => !DERIVED[t] && !modules.has(ownerOf(t)));
    expect(orphans).toEqual([]);
  });
});
