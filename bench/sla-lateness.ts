/**
 * How late SLA alerts fire, with real Durable Object alarms: against a running worker
 * (`npm run dev`, or BASE=…), sets 40 tickets' response targets 5–45 s ahead (`POST /sla`), waits,
 * and reads each breach's history row. Lateness = the row's time − the due time.
 * `npm run bench:sla-lateness` (needs the demo accounts).
 */
export {};

/** The API's answers, read loosely. */
type Json = any;

const BASE = process.env.BASE ?? "http://127.0.0.1:8787";
const N = Number(process.env.N ?? 40);

async function api(path: string, token?: string, body?: unknown): Promise<Json> {
  const res = await fetch(`${BASE}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => undefined);
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const login = await api("/v1/auth/login", undefined, { identifier: "admin", password: "truckroll-demo" });
const token = login.access_token as string;
const due: { id: string; at: number }[] = [];
const start = Date.now();
for (let i = 0; i < N; i++) {
  const t = await api("/v1/tickets", token, { kind: "repair", priority: "low", title: `Lateness ${i}` });
  const at = start + 8_000 + i * 1_000;
  await api(`/v1/tickets/${t.id}/sla`, token, { response_due_at: new Date(at).toISOString() });
  due.push({ id: t.id, at });
}
await new Promise((r) => setTimeout(r, Math.max(0, due[due.length - 1].at - Date.now()) + 8_000));
const late: number[] = [];
let missing = 0;
for (const d of due) {
  const history = await api(`/v1/tickets/${d.id}/history?limit=100`, token);
  const row = (history.data as { action: string; created_at: string }[]).find((h) => h.action === "sla_breached");
  if (!row) missing++;
  else late.push(Date.parse(row.created_at) - d.at);
}
late.sort((a, b) => a - b);
const pct = (p: number) => late[Math.min(late.length - 1, Math.floor((p / 100) * late.length))] ?? Number.NaN;
console.log(
  `SLA breach lateness over ${N} tickets: p50 ${(pct(50) / 1000).toFixed(2)} s, p99 ${(pct(99) / 1000).toFixed(2)} s, max ${(late[late.length - 1] / 1000).toFixed(2)} s, missing ${missing}`,
);
