/**
 * The maintenance generator at scale (PM-1): N active plans (default 10,000; N=100000 for the full
 * figure) each with an occurrence inside its lead time, seeded straight into a fresh local D1, then
 * the generator run as the cron runs it (`/__bench/generate-maintenance`, one cron invocation per
 * call: at most 1,000 plans) until nothing is left. Reports plans raised per second beside bare
 * D1 inserts per second in the same worker and run (`/__bench/insert-customers`, batches of one),
 * and the wall time of one invocation. `npm run bench:maintenance`.
 */
import { execFileSync, spawn } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";

const N = Number(process.env.N ?? 10_000);
const root = join(import.meta.dirname, "..");
const wrangler = join(root, "node_modules", ".bin", "wrangler");
const port = 19500 + Math.floor(Math.random() * 400);
const base = `http://127.0.0.1:${port}`;
const dir = mkdtempSync(join(tmpdir(), "truckroll-pm-bench-"));
const persist = join(dir, "state");
const envFile = join(dir, ".env");
const key = { ...generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }), kid: "bench", alg: "EdDSA" };
writeFileSync(
  envFile,
  [
    "ENVIRONMENT=development",
    "D1_ROUND_TRIPS=off",
    "LOG_LEVEL=error",
    `PUBLIC_BASE_URL=${base}`,
    `JWT_PRIVATE_KEYS='${JSON.stringify([key])}'`,
    `HMAC_SECRET=${randomBytes(16).toString("hex")}`,
  ].join("\n"),
);
const quiet = { cwd: root, stdio: "pipe" as const, env: { ...process.env, CI: "1", WRANGLER_SEND_METRICS: "false" } };
execFileSync(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist], quiet);

const walk = (d: string): string[] =>
  readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
const file = walk(join(persist, "v3", "d1")).find((f) => f.endsWith(".sqlite") && !f.includes("metadata"));
if (!file) throw new Error("local D1 file not found");
const db = new DatabaseSync(file);
const now = new Date().toISOString();
const first = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
db.exec("BEGIN");
db.prepare(
  "INSERT INTO users (id, username, email, password_hash, role, status, created_at, updated_at) VALUES ('usr_pm_bench', 'pmbench', 'pm@example.test', 'x', 'dispatcher', 'active', ?1, ?1)",
).run(now);
db.prepare(
  `INSERT INTO job_templates (id, name, description, kind, service_category, estimated_minutes, required_skills, parts, checklist, active, created_at, updated_at)
   VALUES ('tpl_pm_bench', 'Bench service', '', 'maintenance', 'other', 45, '[]', '[]', ?1, 1, ?2, ?2)`,
).run(
  JSON.stringify([
    { id: "filter", label: "Replace the filter", required: true, photo_required: false, value_required: false },
  ]),
  now,
);
const customer = db.prepare(
  "INSERT INTO customers (id, full_name, phone, address, created_at, updated_at) VALUES (?1, ?2, ?3, '', ?4, ?4)",
);
const plan = db.prepare(
  `INSERT INTO maintenance_plans (id, name, customer_id, asset_id, template_id, rrule, time_zone, start_date, start_time, end_date, count, lead_days, holiday_rule, calendar_id, priority, status, next_date, next_raise_at, created_by, created_at, updated_at)
   VALUES (?1, ?2, ?3, NULL, 'tpl_pm_bench', 'FREQ=MONTHLY', 'Africa/Gaborone', ?4, '09:00', NULL, NULL, 14, 'keep', NULL, 'medium', 'active', ?4, ?5, 'usr_pm_bench', ?6, ?6)`,
);
const raiseAt = new Date(Date.parse(`${first}T07:00:00Z`) - 14 * 86_400_000).toISOString();
for (let i = 0; i < N; i++) {
  customer.run(`cus_pm_${i}`, `PM Customer ${i}`, `+2677${String(i).padStart(7, "0")}`, now);
  plan.run(`mpl_pm_${String(i).padStart(7, "0")}`, `Plan ${i}`, `cus_pm_${i}`, first, raiseAt, now);
}
db.exec("COMMIT");
db.close();

const server = spawn(
  wrangler,
  [
    "dev",
    "bench/worker.ts",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--persist-to",
    persist,
    "--env-file",
    envFile,
    "--show-interactive-dev-session=false",
  ],
  { ...quiet, stdio: "ignore" },
);
try {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/v1/health`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (i > 120) throw new Error("wrangler dev did not come up");
    await new Promise((r) => setTimeout(r, 500));
  }
  const post = async (path: string, body: unknown = {}) => {
    const res = await fetch(`${base}${path}`, {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "content-type": "application/json" },
    });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<Record<string, number>>;
  };
  // Baseline: bare single-row D1 inserts (one batch each), as many as a tenth of the plans.
  const baseRows = Math.max(500, Math.floor(N / 10));
  const baseline = await post("/__bench/insert-customers", { n: baseRows, batch: 1, prefix: "pmbase" });
  const insertsPerSecond = baseRows / (baseline.ms / 1000);
  const runs: number[] = [];
  let raised = 0;
  const t0 = Date.now();
  for (;;) {
    const r = await post("/__bench/generate-maintenance");
    if (!r.plans) break;
    raised += r.raised;
    runs.push(r.ms);
  }
  const seconds = (Date.now() - t0) / 1000;
  const perSecond = raised / seconds;
  runs.sort((a, b) => a - b);
  console.log(
    `maintenance generator, ${N} plans: ${raised} tickets raised in ${seconds.toFixed(1)} s = ${perSecond.toFixed(0)} plans/s; bare D1 inserts ${insertsPerSecond.toFixed(0)}/s → ${(perSecond / insertsPerSecond).toFixed(2)} × the insert rate; ${runs.length} cron invocations, each ≤ 1,000 plans, wall time p50 ${(runs[Math.floor(runs.length / 2)] / 1000).toFixed(1)} s, max ${(runs[runs.length - 1] / 1000).toFixed(1)} s`,
  );
  if (raised !== N) {
    console.error(`expected ${N} tickets, raised ${raised}`);
    process.exitCode = 1;
  }
} finally {
  server.kill("SIGTERM");
}
