#!/usr/bin/env node
// Copies the Scalar API reference bundle into public/ so /docs works offline: wrangler serves it
// as a static asset (see [assets] in wrangler.toml). Runs after every npm install / npm ci.
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(root, "node_modules", "@scalar", "api-reference", "dist", "browser", "standalone.js");
const target = join(root, "public", "docs", "scalar.js");
mkdirSync(dirname(target), { recursive: true });
if (existsSync(source)) copyFileSync(source, target);
else console.warn("copy-docs-assets: @scalar/api-reference is not installed; /docs will have no script");
