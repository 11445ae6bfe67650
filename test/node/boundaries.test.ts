import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The module boundaries in `.dependency-cruiser.cjs`: a module is used only through its index.ts,
 * lib/db/middleware know no module, entry points use module faces, and there are no cycles.
 */
describe("module boundaries", () => {
  it("hold for every production file", () => {
    const bin = join(process.cwd(), "node_modules", "dependency-cruiser", "bin", "dependency-cruise.mjs");
    let output: string;
    try {
      output = execFileSync(process.execPath, [bin, "src", "--config", ".dependency-cruiser.cjs", "--output-type", "json"], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    } catch (err) {
      // depcruise exits non-zero when it finds violations; its report is still on stdout.
      output = String((err as { stdout?: string }).stdout ?? "");
    }
    const report = JSON.parse(output);
    const violations = (report.summary.violations as { rule: { name: string }; from: string; to: string; cycle?: unknown[] }[]).map(
      (v) => `${v.rule.name}: ${v.from} → ${v.to}`,
    );
    expect(report.summary.totalCruised).toBeGreaterThan(100);
    expect(violations).toEqual([]);
  });
});
