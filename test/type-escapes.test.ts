import { describe, expect, it } from "vitest";

/**
 * Casts that switch the type checker off (`as never`, `as unknown as`) in production code. Those
 * left are at the platform's edges (D1 statement proxies, the D1 session, the docs page's
 * middleware, optional JSON bodies, the ticket report's row shapes); the count may only fall.
 */
const ALLOWED = 8;

const sources = import.meta.glob("../src/**/*.ts", { query: "?raw", import: "default", eager: true }) as Record<
  string,
  string
>;

describe("type escapes", () => {
  it(`at most ${ALLOWED} in production code`, () => {
    const found = Object.entries(sources)
      .filter(([file]) => !file.endsWith(".test.ts"))
      .flatMap(([file, text]) =>
        text
          .split("\n")
          .map((line, i) => [`${file.replace(/^(\.\.\/)+/, "")}:${i + 1}`, line] as const)
          .filter(([, line]) => /\bas (never|unknown as)\b/.test(line) && !/^(\/\/|\/?\*)/.test(line.trim())),
      )
      .map(([where]) => where);
    expect(found.length, found.join("\n")).toBeLessThanOrEqual(ALLOWED);
  });
});
