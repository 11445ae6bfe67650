/// <reference types="vite/client" />
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
      output = execFileSync(
        process.execPath,
        [bin, "src", "--config", ".dependency-cruiser.cjs", "--output-type", "json"],
        { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
      );
    } catch (err) {
      // depcruise exits non-zero when it finds violations; its report is still on stdout.
      output = String((err as { stdout?: string }).stdout ?? "");
    }
    const report = JSON.parse(output);
    const violations = (
      report.summary.violations as { rule: { name: string }; from: string; to: string; cycle?: unknown[] }[]
    ).map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
    expect(report.summary.totalCruised).toBeGreaterThan(100);
    expect(violations).toEqual([]);
  });
});

describe("tags equal modules", () => {
  it("every OpenAPI tag is served by exactly one module, so a module's security suite tests only its own routes", async () => {
    const faces = import.meta.glob("../../src/modules/*/index.ts");
    const owners = new Map<string, Set<string>>();
    for (const [file, load] of Object.entries(faces)) {
      const module = file.split("/").at(-2)!;
      const face = (await load()) as Record<string, unknown>;
      for (const value of Object.values(face)) {
        const registry = (
          value as { openAPIRegistry?: { definitions: { type: string; route?: { tags?: string[] } }[] } }
        )?.openAPIRegistry;
        if (!registry) continue;
        for (const def of registry.definitions) {
          for (const tag of def.type === "route" ? (def.route?.tags ?? []) : [])
            owners.set(tag, new Set([...(owners.get(tag) ?? []), module]));
        }
      }
    }
    const shared = [...owners]
      .filter(([, mods]) => mods.size > 1)
      .map(([tag, mods]) => `${tag}: ${[...mods].sort().join(", ")}`);
    expect(owners.size).toBeGreaterThan(10);
    expect(shared).toEqual([]);
  });
});
