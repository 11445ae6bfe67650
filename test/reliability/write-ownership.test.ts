import { describe, expect, it } from "vitest";

/**
 * Derived tables and who writes them. The goal (one owner per derived table, filled from the
 * events of every change) is not reached yet: the writers below are the ones there are today,
 * each named, so the list can only shrink — a new file that writes the mobile change log, the
 * event outbox or the report aggregates fails here until it goes through the owner instead.
 */
const WRITERS: Record<string, { pattern: RegExp; files: string[] }> = {
  "sync_changes (the mobile change log)": {
    pattern: /INSERT (OR [A-Z]+ )?INTO sync_changes|insert\(syncChanges\)|changeLogStatement\(|changeLogRows\(/,
    files: [
      "src/lib/change-log.ts",
      "src/modules/assets/assets.import.ts",
      "src/modules/assets/assets.service.ts",
      "src/modules/customers/customers.import.ts",
      "src/modules/customers/customers.service.ts",
      "src/modules/inventory/inventory.service.ts",
      "src/modules/notifications/delivery.ts",
      "src/modules/notifications/notifications.service.ts",
      "src/modules/tickets/change.ts",
      "src/modules/tickets/sla-breaches.ts",
    ],
  },
  "domain_events (the event outbox)": {
    pattern: /INSERT (OR [A-Z]+ )?INTO domain_events|"domain_events"|insert\(domainEvents\)|UPDATE domain_events/,
    files: [
      "src/db/schema/platform.ts",
      "src/lib/events.ts",
      "src/modules/inventory/stock.ts",
      "src/modules/scheduling/reminders.ts",
      "src/modules/tickets/change.ts",
      "src/modules/tickets/sla-breaches.ts",
    ],
  },
  "report_* (the report aggregates)": {
    pattern: /(INSERT (OR [A-Z]+ )?INTO|UPDATE|DELETE FROM) report_/,
    files: ["src/modules/tickets/ticket-stats.ts"],
  },
};

const sources = import.meta.glob("../../src/**/*.ts", { query: "?raw", import: "default", eager: true }) as Record<
  string,
  string
>;
const production = Object.entries(sources)
  .filter(([file]) => !file.endsWith(".test.ts"))
  .map(([file, text]) => [file.replace(/^(\.\.\/)+/, ""), text] as const);

describe("derived tables are written only by their known writers", () => {
  for (const [table, { pattern, files }] of Object.entries(WRITERS)) {
    it(`${table}: no writer beyond the named ones, and each named one still writes it`, () => {
      const writing = production
        .filter(([, text]) => pattern.test(text))
        .map(([file]) => file)
        .sort();
      expect(writing).toEqual([...files].sort());
    });
  }
});
