#!/usr/bin/env node
// A full backup of the D1 database that works with this schema, and the drill that proves it
// restores. `wrangler d1 export` refuses a whole database that holds an FTS5 table
// (workers-sdk#6305), so the backup exports every real table by name and leaves out the full-text
// index (`tickets_fts` and its shadow tables), which is derived: the restore applies the
// migrations to an empty database (creating the index), loads the rows (the index's triggers fill
// it as tickets arrive) and rebuilds it. A manifest records each table's row count and a hash of
// its first rows, and the drill compares the restored database with it.
//
//   node scripts/d1-backup.mjs backup --out backups/2027-01-01 [--remote | --persist-to DIR]
//   node scripts/d1-backup.mjs restore-drill --from backups/2027-01-01 [--persist-to DIR]
//
// For point-in-time recovery in production use D1 Time Travel (`wrangler d1 time-travel restore`);
// this backup is the copy kept outside Cloudflare and the path to a fresh database.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const wrangler = join(root, "node_modules", ".bin", "wrangler");
const DATABASE = "DB";
/** Tables that are derived or managed by D1 or the migrations: never exported. */
const SKIPPED = /^(sqlite_|_cf_|d1_migrations$|tickets_fts)/;
const SAMPLE_ROWS = 20;

function run(args) {
  return execFileSync(wrangler, args, {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, CI: "1", WRANGLER_SEND_METRICS: "false" },
  });
}

function where(target) {
  if (target.remote) return ["--remote"];
  return ["--local", ...(target.persistTo ? ["--persist-to", target.persistTo] : [])];
}

/** Runs statements and answers each one's rows. */
function query(target, statements) {
  const out = run(["d1", "execute", DATABASE, ...where(target), "--json", "--command", statements.join(";\n")]);
  return JSON.parse(out.slice(out.indexOf("["))).map((r) => r.results);
}

function tablesOf(target) {
  const [rows] = query(target, ["SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"]);
  return rows.map((r) => r.name).filter((name) => !SKIPPED.test(name));
}

/** Row count and a hash of the first rows (by rowid) of each table: what the drill compares. */
function fingerprint(target, tables) {
  const statements = tables.flatMap((t) => [
    `SELECT count(*) AS n FROM "${t}"`,
    `SELECT * FROM "${t}" ORDER BY rowid LIMIT ${SAMPLE_ROWS}`,
  ]);
  const results = [];
  // A few tables per call: one call's answer stays small.
  for (let i = 0; i < statements.length; i += 40) results.push(...query(target, statements.slice(i, i + 40)));
  const out = {};
  tables.forEach((t, i) => {
    out[t] = {
      rows: results[2 * i][0].n,
      sample: createHash("sha256")
        .update(JSON.stringify(results[2 * i + 1]))
        .digest("hex"),
    };
  });
  return out;
}

/**
 * `d1 export` has no --persist-to: it reads the local state next to its configuration file. For a
 * local database kept elsewhere (the drill's), a copy of the configuration sits beside a link to it.
 */
function exportConfig(target) {
  if (target.remote || !target.persistTo) return [];
  const dir = mkdtempSync(join(tmpdir(), "truckroll-export-"));
  mkdirSync(join(dir, ".wrangler"));
  symlinkSync(target.persistTo, join(dir, ".wrangler", "state"));
  const config = readFileSync(join(root, "wrangler.toml"), "utf8")
    .replace(/^main = "(.*)"$/m, (_, p) => `main = "${join(root, p)}"`)
    .replace(/^migrations_dir = "(.*)"$/m, (_, p) => `migrations_dir = "${join(root, p)}"`);
  writeFileSync(join(dir, "wrangler.toml"), config);
  return ["--config", join(dir, "wrangler.toml")];
}

function backup({ out, ...target }) {
  mkdirSync(out, { recursive: true });
  const tables = tablesOf(target);
  const manifest = { created_at: new Date().toISOString(), tables: fingerprint(target, tables) };
  const [migrations] = query(target, ["SELECT name FROM d1_migrations ORDER BY id"]);
  manifest.migrations = migrations.map((m) => m.name);
  run([
    "d1",
    "export",
    DATABASE,
    ...(target.remote ? ["--remote"] : ["--local", ...exportConfig(target)]),
    "--no-schema",
    "--output",
    join(out, "data.sql"),
    ...tables.flatMap((t) => ["--table", t]),
  ]);
  writeFileSync(join(out, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  const rows = Object.values(manifest.tables).reduce((n, t) => n + t.rows, 0);
  console.log(`backup: ${tables.length} tables, ${rows} rows → ${out}`);
  return manifest;
}

function restoreDrill({ from, persistTo }) {
  const manifest = JSON.parse(readFileSync(join(from, "manifest.json"), "utf8"));
  const target = { persistTo: persistTo ?? mkdtempSync(join(tmpdir(), "truckroll-restore-")) };
  run(["d1", "migrations", "apply", DATABASE, ...where(target)]);
  const [applied] = query(target, ["SELECT name FROM d1_migrations ORDER BY id"]);
  const missing = manifest.migrations.filter((m) => !applied.some((a) => a.name === m));
  if (missing.length) throw new Error(`the backup was taken at migrations this checkout lacks: ${missing.join(", ")}`);
  run(["d1", "execute", DATABASE, ...where(target), "--file", join(from, "data.sql")]);
  // The derived full-text index, rebuilt from the restored tickets.
  query(target, ["INSERT INTO tickets_fts(tickets_fts) VALUES ('rebuild')"]);
  const restored = fingerprint(target, Object.keys(manifest.tables));
  const problems = Object.entries(manifest.tables).flatMap(([table, want]) => {
    const got = restored[table];
    if (got.rows !== want.rows) return [`${table}: ${got.rows} rows, the backup has ${want.rows}`];
    if (got.sample !== want.sample) return [`${table}: its first ${SAMPLE_ROWS} rows differ from the backup's`];
    return [];
  });
  const [[fts]] = query(target, ["SELECT count(*) AS n FROM tickets_fts"]);
  const tickets = manifest.tables.tickets?.rows ?? 0;
  if (fts.n !== tickets) problems.push(`tickets_fts: ${fts.n} entries for ${tickets} tickets`);
  if (problems.length) throw new Error(`restore drill failed:\n  ${problems.join("\n  ")}`);
  const rows = Object.values(manifest.tables).reduce((n, t) => n + t.rows, 0);
  console.log(
    `restore drill: ${Object.keys(manifest.tables).length} tables, ${rows} rows and the search index match the backup (${target.persistTo})`,
  );
  return { persistTo: target.persistTo, tables: restored };
}

function parse(argv) {
  const [command, ...rest] = argv;
  const options = {};
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    if (flag === "--remote") options.remote = true;
    else if (flag === "--out") options.out = resolve(rest[++i]);
    else if (flag === "--from") options.from = resolve(rest[++i]);
    else if (flag === "--persist-to") options.persistTo = resolve(rest[++i]);
    else throw new Error(`unknown option ${flag}`);
  }
  return { command, options };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { command, options } = parse(process.argv.slice(2));
  try {
    if (command === "backup" && options.out) backup(options);
    else if (command === "restore-drill" && options.from) restoreDrill(options);
    else {
      console.error("usage: d1-backup.mjs backup --out DIR [--remote | --persist-to DIR]");
      console.error("       d1-backup.mjs restore-drill --from DIR [--persist-to DIR]");
      process.exit(2);
    }
  } catch (err) {
    console.error(err.stderr?.toString() || err.message);
    process.exit(1);
  }
}

export { backup, restoreDrill };
