import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderReportPdf } from "../../src/modules/reports/pdf";
import { ticketPdfContent } from "../../src/modules/reports/ticket-report";

const artifacts = join(__dirname, "..", "..", "test-artifacts");

describe("report PDF", () => {
  it("is a valid multi-page PDF that poppler renders (page 1 kept as test-artifacts/report-page-1.png)", async () => {
    const rows = Array.from({ length: 120 }, (_, i) => [
      `TR-${String(i + 1).padStart(6, "0")}`,
      `Fibre fault at site ${i} — Łódź ✂ with a long title that must be cut`,
      "in progress",
      "high",
      "2026-03-02 08:00",
    ]);
    const pdf = await renderReportPdf({
      company: "Kalahari Fibre",
      title: "Ticket report",
      subtitle: "Generated 2 Mar 2026, 10:00 (Africa/Gaborone) - 120 tickets",
      filters: [
        ["status", "in_progress"],
        ["priority", "high"],
      ],
      summary: [
        ["Tickets", "120"],
        ["Past the resolution target", "7"],
      ],
      chart: {
        title: "Tickets by status",
        bars: [
          { label: "new", value: 30 },
          { label: "in progress", value: 80 },
          { label: "closed", value: 10 },
        ],
      },
      table: {
        columns: [
          { title: "Number", width: 70 },
          { title: "Title", width: 180 },
          { title: "Status", width: 80 },
          { title: "Priority", width: 60 },
          { title: "Created", width: 109 },
        ],
        rows,
      },
    });
    mkdirSync(artifacts, { recursive: true });
    const file = join(artifacts, "report.pdf");
    writeFileSync(file, pdf);
    const info = execFileSync("pdfinfo", [file], { encoding: "utf8" });
    expect(info).toMatch(/Pages:\s+3/);
    expect(info).toMatch(/Title:\s+Ticket report/);
    execFileSync("pdftoppm", [
      "-png",
      "-r",
      "60",
      "-f",
      "1",
      "-l",
      "1",
      "-singlefile",
      file,
      join(artifacts, "report-page-1"),
    ]);
    const png = readFileSync(join(artifacts, "report-page-1.png"));
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    // Text of every page, as poppler reads it: page numbers, the chart's labels, the cut titles.
    const text = execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" });
    expect(text).toContain("Page 1 of 3");
    expect(text).toContain("Page 3 of 3");
    expect(text).toContain("in progress");
    expect(text).toContain("TR-000120");
    expect(text).toContain("Fibre fault at site 0 — ?ódz ?");
    expect(existsSync(file)).toBe(true);
    expect(text.match(/Kalahari Fibre - Ticket report/g)).toHaveLength(3);
  });

  it("the ticket report says its period and filters in words, orders priorities by severity, names customers and technicians", async () => {
    const listed = ["low", "emergency", "high", "high"].map((priority, i) => ({
      number: `TR-00000${i + 1}`,
      title: `Fault ${i + 1}`,
      kind: "repair",
      priority,
      status: i === 0 ? "in_progress" : "waiting_approval",
      customerId: "cus_kagiso",
      createdAt: "2026-11-03T06:30:00.000Z",
      respondedAt: null,
      resolvedAt: null,
      closedAt: null,
      resolutionDueAt: null,
      resolutionBreachedAt: null,
      slaPausedSeconds: 0,
      preferredAt: null,
      scheduledAt: null,
      serviceType: null,
      assigneesJson: JSON.stringify([{ displayName: "Thabo Tech", assignedAt: "2026-11-03T07:00:00.000Z" }]),
      customerJson: JSON.stringify({ id: "cus_kagiso", full_name: "Kagiso Molefe" }),
    }));
    const report = {
      filters: {
        status: ["in_progress", "waiting_approval"] as ("in_progress" | "waiting_approval")[],
        technician_id: "usr_thabo",
        created_from: "2026-10-31T22:00:00.000Z",
        created_to: "2026-11-30T21:59:59.999Z",
      },
      summary: {
        tickets: 4,
        by_status: [
          { status: "waiting_approval", tickets: 3 },
          { status: "in_progress", tickets: 1 },
        ],
        by_priority: [
          { priority: "high", tickets: 2 },
          { priority: "emergency", tickets: 1 },
          { priority: "low", tickets: 1 },
        ],
        resolution_breached: 0,
      },
      rows: [] as never,
      generated_at: "2026-12-01T08:00:00.000Z",
    };
    const content = ticketPdfContent({
      report,
      listed,
      names: new Map([["usr_thabo", "Thabo Tech"]]),
      settings: { timeZone: "Africa/Gaborone", companyName: "Kalahari Fibre", language: "en" },
    });
    expect(content.filters).toEqual([
      ["Period", "Created 1 Nov 2026 to 30 Nov 2026 (Africa/Gaborone)"],
      ["Status", "In progress, Waiting for approval"],
      ["Technician", "Thabo Tech"],
    ]);
    expect(content.summary.map(([k]) => k)).toEqual([
      "Tickets",
      "Past the resolution target",
      "Priority: Emergency",
      "Priority: High",
      "Priority: Low",
    ]);
    expect(content.table.columns.map((c) => c.title)).toEqual([
      "Number",
      "Title",
      "Customer",
      "Technicians",
      "Status",
      "Priority",
      "Created (local)",
    ]);
    expect(content.table.rows[0]).toEqual([
      "TR-000001",
      "Fault 1",
      "Kagiso Molefe",
      "Thabo Tech",
      "In progress",
      "Low",
      "2026-11-03 08:30",
    ]);
    const file = join(artifacts, "ticket-report.pdf");
    writeFileSync(file, await renderReportPdf(content));
    const text = execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" });
    for (const words of [
      "Kalahari Fibre",
      "Period",
      "Created 1 Nov 2026 to 30 Nov 2026",
      "Waiting for approval",
      "Kagiso Molefe",
      "Priority: Emergency",
    ])
      expect(text).toContain(words);
    expect(text.indexOf("Priority: Emergency")).toBeLessThan(text.indexOf("Priority: Low"));
  });
});
