/**
 * Serves the bundled worker on workerd through Miniflare directly, without `wrangler dev` and its
 * proxy worker in front. Used by bench/run.ts for the one-off wrangler-dev-vs-Miniflare comparison.
 *
 *   tsx bench/miniflare-server.ts <bundle dir> <persist dir> <port> <env file>
 *
 * The bindings come from wrangler.toml (through wrangler's own converter), so this is the same
 * worker with the same D1 database, Durable Objects, queues and R2 bucket that `wrangler dev` runs.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { unstable_getMiniflareWorkerOptions } from "wrangler";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const [bundleDir, persist, port, envFile] = process.argv.slice(2);

// wrangler ships its own Miniflare (and workerd); use that one so only the proxy differs.
const requireFromWrangler = createRequire(join(root, "node_modules", "wrangler", "package.json"));
const { Miniflare, convertV4MiniflareOptions } = requireFromWrangler("miniflare") as typeof import("miniflare") & {
  convertV4MiniflareOptions: (
    options: Record<string, unknown>,
  ) => ConstructorParameters<typeof import("miniflare").Miniflare>[0];
};

function parseEnvFile(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) vars[m[1]] = m[2].replace(/^'(.*)'$/, "$1");
  }
  return vars;
}

// A single bundled ES module needs no module rules (and Miniflare 5 refuses to convert them).
const {
  workerOptions: { modulesRules: _rules, ...workerOptions },
} = unstable_getMiniflareWorkerOptions(join(root, "wrangler.toml"));
const bindings = {
  ...(workerOptions.bindings as Record<string, unknown>),
  ...parseEnvFile(readFileSync(envFile, "utf8")),
};

const mf = new Miniflare(
  convertV4MiniflareOptions({
    host: "127.0.0.1",
    port: Number(port),
    // Set to take CPU profiles through the DevTools protocol (see docs/benchmarks-findings.md).
    inspectorPort: process.env.INSPECTOR_PORT ? Number(process.env.INSPECTOR_PORT) : undefined,
    resourcePersistencePath: join(persist, "v3"),
    workers: [
      {
        ...workerOptions,
        name: "truckroll",
        rootPath: bundleDir,
        modules: true,
        scriptPath: join(bundleDir, "worker.js"),
        bindings,
      },
    ],
  }),
);
const url = await mf.ready;
console.log(`miniflare ready at ${url}`);
const shutdown = () => void mf.dispose().finally(() => process.exit(0));
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
