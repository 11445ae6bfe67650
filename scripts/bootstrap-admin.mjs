#!/usr/bin/env node
// The first administrator of a new deployment (whose registrations wait for an administrator's
// approval, and which gets no demo accounts). Creates one admin in the D1 database — only while the
// database has no administrator at all, so it cannot be used to add a second one later.
//
//   npm run bootstrap:admin -- --username ada --email ada@example.com [--phone +267…] [--remote]
//
// The password is generated and printed once (or taken from BOOTSTRAP_ADMIN_PASSWORD); change it
// after the first sign-in. Without --remote it writes to the local development database
// (`--persist-to <dir>` for another local state directory).
import { execFileSync } from "node:child_process";
import { randomBytes, scryptSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const wrangler = join(root, "node_modules", ".bin", "wrangler");

function arg(name) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}
function fail(message) {
  console.error(`bootstrap-admin: ${message}`);
  process.exit(1);
}

const username = (arg("username") ?? "").trim().toLowerCase();
const email = (arg("email") ?? "").trim().toLowerCase();
const phone = arg("phone") ?? null;
const remote = process.argv.includes("--remote");
const persistTo = arg("persist-to");
if (!/^[a-z0-9._-]{3,40}$/.test(username)) fail("--username: 3–40 letters, digits, dots, dashes or underscores");
if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) fail("--email: an email address");
if (phone !== null && !/^\+[1-9]\d{6,14}$/.test(phone)) fail("--phone: E.164, e.g. +26771234567");

const generated = !process.env.BOOTSTRAP_ADMIN_PASSWORD;
const password = process.env.BOOTSTRAP_ADMIN_PASSWORD ?? randomBytes(18).toString("base64url");
if (password.length < 8) fail("BOOTSTRAP_ADMIN_PASSWORD: at least 8 characters");

/** The PHC string src/lib/passwords.ts verifies (scrypt, N=2^14, r=8, p=5). */
function passwordHash(value) {
  const salt = randomBytes(16);
  const key = scryptSync(value.normalize("NFKC"), salt, 32, { N: 2 ** 14, r: 8, p: 5, maxmem: 64 * 1024 * 1024 });
  const b64 = (b) => b.toString("base64").replace(/=+$/, "");
  return `$scrypt$ln=14,r=8,p=5$${b64(salt)}$${b64(key)}`;
}
function newId(prefix) {
  const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
  let out = "";
  for (const b of randomBytes(40)) if (b < 252 && out.length < 20) out += alphabet[b % 36];
  return `${prefix}_${out}`;
}
const q = (v) => (v === null ? "NULL" : `'${String(v).replace(/'/g, "''")}'`);

const now = new Date().toISOString();
const id = newId("usr");
// One statement: it inserts only while no administrator exists (D1 runs it atomically).
const sql = `INSERT INTO users (id, username, email, phone, password_hash, first_name, last_name, role, status, two_factor_enabled, created_at, updated_at, password_changed_at)
SELECT ${q(id)}, ${q(username)}, ${q(email)}, ${q(phone)}, ${q(passwordHash(password))}, 'First', 'Administrator', 'admin', 'active', 0, ${q(now)}, ${q(now)}, ${q(now)}
WHERE NOT EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND deleted_at IS NULL);
SELECT count(*) AS created FROM users WHERE id = ${q(id)};`;

const dir = mkdtempSync(join(tmpdir(), "truckroll-bootstrap-"));
const file = join(dir, "bootstrap.sql");
writeFileSync(file, sql, { mode: 0o600 });
let out;
try {
  const where = remote ? ["--remote"] : ["--local", ...(persistTo ? ["--persist-to", persistTo] : [])];
  out = execFileSync(wrangler, ["d1", "execute", "DB", ...where, "--file", file, "--json"], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, CI: "1" },
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const results = JSON.parse(out);
const created = results.flatMap((r) => r.results ?? []).some((row) => row.created === 1);
if (!created) fail("an administrator exists already: nothing was created (sign in as them, or use the password reset)");
console.log(`bootstrap-admin: created administrator ${username} (${id})`);
if (generated) console.log(`bootstrap-admin: password (shown once; change it after signing in): ${password}`);
