#!/usr/bin/env node
// Writes an entry point for zod that is zod's own, minus `z.locales`: wrangler.toml's [alias] points
// "zod" at it, so the Worker bundle carries English messages only. zod's `z` namespace is used as a
// value (zod-to-openapi extends it), which keeps every export — and so all 40+ languages, ~260 KiB —
// in the bundle however well it is tree-shaken. Regenerated from the installed zod after every
// npm install / npm ci, so it follows upgrades; test/node/bundle.test.ts checks the result.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const zod = join(root, "node_modules", "zod");
const target = join(root, "node_modules", ".truckroll-zod");

/** An entry module of zod (`dir` inside zod/v4) without its `export * as locales` line, its imports made to point into zod. */
export function withoutLocales(source, dir) {
  const kept = source.split("\n").filter((line) => !/^export \* as locales from /.test(line));
  if (kept.length === source.split("\n").length)
    throw new Error(
      `zod's ${dir} entry no longer exports \`locales\` as expected; review scripts/zod-without-locales.mjs`,
    );
  return kept
    .join("\n")
    .replace(/from "(\.\.?)\/([^"]+)"/g, (_, up, path) => `from "../zod/v4/${up === "." ? `${dir}/` : ""}${path}"`)
    .replace('export * as core from "../zod/v4/core/index.js"', 'export * as core from "./core.js"');
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  mkdirSync(target, { recursive: true });
  writeFileSync(
    join(target, "external.js"),
    withoutLocales(readFileSync(join(zod, "v4", "classic", "external.js"), "utf8"), "classic"),
  );
  writeFileSync(
    join(target, "core.js"),
    withoutLocales(readFileSync(join(zod, "v4", "core", "index.js"), "utf8"), "core"),
  );
  writeFileSync(
    join(target, "index.js"),
    'import * as z from "./external.js";\nexport * from "./external.js";\nexport { z, z as default };\n',
  );
}
