import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderReportPdf } from "../../src/modules/reports/pdf";

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
  });
});
