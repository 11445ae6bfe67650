import { describe, expect, it } from "vitest";

/** Names that grep: a route constant, its handler and its operationId are one name. */
const routes = import.meta.glob("../src/modules/*/*.routes.ts", {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;
const indexes = import.meta.glob("../src/modules/*/index.ts", {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;

describe("one name per endpoint", () => {
  it("every route constant is named as its operationId", () => {
    const differing: string[] = [];
    for (const [file, text] of Object.entries(routes)) {
      const starts = [...text.matchAll(/export const (\w+) = createRoute\(/g)];
      starts.forEach((m, i) => {
        const body = text.slice(m.index, starts[i + 1]?.index ?? text.length);
        const id = /operationId: "(\w+)"/.exec(body)?.[1];
        if (id && id !== m[1]) differing.push(`${file}: ${m[1]} (operationId ${id})`);
      });
    }
    expect(differing).toEqual([]);
  });

  it("every router mounts a route with the handler of the same name", () => {
    const differing: string[] = [];
    for (const [file, text] of Object.entries(indexes)) {
      for (const m of text.matchAll(/\.openapi\(r\.(\w+), h\.(\w+)\)/g))
        if (m[1] !== m[2]) differing.push(`${file}: ${m[1]} → ${m[2]}`);
    }
    expect(differing).toEqual([]);
  });
});
