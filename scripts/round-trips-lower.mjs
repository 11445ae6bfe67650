// Lowers the round-trip budgets (test/reliability/round-trip-budget.ts) and the table of
// docs/round-trips.md to what the two round-trip tests measure now; never raises one (a count over
// its budget fails the tests instead). Run: node scripts/round-trips-lower.mjs
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";

const run = spawnSync(
  "npx",
  ["vitest", "run", "test/reliability/round-trip-sweep.test.ts", "test/reliability/round-trips.test.ts"],
  { encoding: "utf8", maxBuffer: 1 << 28, env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" } },
);
const text = run.stdout + run.stderr;
const measured = new Map();
const status = new Map();
const note = (op, trips) => measured.set(op, Math.max(measured.get(op) ?? 0, trips));
for (const line of text.split("\n")) {
  const sweep = line.match(/ROUND_TRIPS (\{.*\})\s*$/);
  if (sweep) {
    for (const [op, r] of Object.entries(JSON.parse(sweep[1]))) {
      note(op, r.trips);
      status.set(op, r.status);
    }
    continue;
  }
  const one = line.match(/ROUND_TRIPS ((?:GET|POST|PUT|PATCH|DELETE) \S+) (\d+)\s*$/);
  if (one) note(one[1], Number(one[2]));
}
if (!status.size) {
  console.error("The sweep printed no counts:\n", text.slice(-3000));
  process.exit(1);
}

const budgetFile = "test/reliability/round-trip-budget.ts";
const budgets = new Map();
let lowered = 0;
const whole = readFileSync(budgetFile, "utf8");
// Only the budgets object: the statuses the sweep pins follow it in the same form.
const end = whole.indexOf("\n};", whole.indexOf("export const ROUND_TRIP_BUDGET")) + 1;
const budgetText = whole
  .slice(0, end)
  .replace(/^(\s*"((?:GET|POST|PUT|PATCH|DELETE) [^"]+)":\s*)(\d+)(,.*)$/gm, (all, head, op, n, tail) => {
    const now = measured.get(op);
    const budget = now !== undefined && now < Number(n) ? now : Number(n);
    if (budget < Number(n)) {
      lowered++;
      console.log(`${op}: ${n} -> ${budget}`);
    }
    budgets.set(op, budget);
    return `${head}${budget}${tail}`;
  });
writeFileSync(budgetFile, budgetText + whole.slice(end));

const docFile = "docs/round-trips.md";
let within = 0;
let total = 0;
const docText = readFileSync(docFile, "utf8")
  .replace(/^\| `([^`]+)` \| (\d+) \| ([^|]+) \| (\d) \| ([^|]+) \|(.*)$/gm, (all, op, n, st, goal, over, rest) => {
    const budget = budgets.get(op) ?? Number(n);
    total++;
    if (budget <= Number(goal)) within++;
    const swept = status.get(op) ?? st.trim();
    const by = budget > Number(goal) ? String(budget - Number(goal)) : "—";
    // The last column says why an operation is over the goal; within it, there is nothing to say.
    return `| \`${op}\` | ${budget} | ${swept} | ${goal} | ${by} |${budget > Number(goal) ? rest : " |"}`;
  })
  .replace(/^\*\*Within the goal:\*\*.*$/m, `**Within the goal:** ${within} of ${total} operations.`);
writeFileSync(docFile, docText);
console.log(`${lowered} budgets lowered; ${within} of ${total} operations within the goal.`);
