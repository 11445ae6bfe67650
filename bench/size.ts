/**
 * The size budget (`npm run bench:size`, `N=100000` tickets by default; `N=1000000` for the large
 * figure): a fresh local D1 with this schema (migrations applied by wrangler, so every index and
 * the full-text index's triggers are the real ones) filled straight through SQLite with a ticket's
 * realistic company — history, comments, assignee, visit, work log, checklist, report facts, the
 * mobile change log, notifications, deliveries, domain events, a booking link — then SQLite's
 * `dbstat` for the bytes of every table with its indexes. Prints the table, bytes per ticket and
 * the tickets a 10 GB database holds, with and without the logs that retention bounds.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { gzipSync } from "node:zlib";

const N = Number(process.env.N ?? 100_000);
const root = join(import.meta.dirname, "..");
const wrangler = join(root, "node_modules", ".bin", "wrangler");
const persist = join(mkdtempSync(join(tmpdir(), "truckroll-size-")), "state");
execFileSync(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist], {
  cwd: root,
  stdio: "pipe",
  env: { ...process.env, CI: "1", WRANGLER_SEND_METRICS: "false" },
});
const walk = (d: string): string[] =>
  readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
const file = walk(join(persist, "v3", "d1")).find((f) => f.endsWith(".sqlite") && !f.includes("metadata"));
if (!file) throw new Error("local D1 file not found");
const db = new DatabaseSync(file);

/** Per ticket, how many rows of each related table (averages over a realistic mix). */
const PER_TICKET = {
  ticket_history: 6,
  ticket_comments: 2,
  ticket_assignees: 1,
  appointments: 0.8,
  appointment_links: 0.8,
  work_logs: 0.9,
  ticket_checklist_items: 3,
  report_ticket_facts: 1,
  sync_changes: 10,
  notifications: 4,
  deliveries: 5,
  domain_events: 7,
  feedback: 0.3,
};

const words =
  "fibre router cable pole splice signal outage customer gate dog ladder ONT light level speed test installation repair replaced connector".split(
    " ",
  );
let seed = 42;
const rand = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
};
const text = (n: number) => Array.from({ length: n }, () => words[Math.floor(rand() * words.length)]).join(" ");
const id = (prefix: string, i: number, k = 0) =>
  `${prefix}_${i.toString(36).padStart(8, "0")}${k.toString(36)}xq7k2m9p4`.slice(0, 24);
const at = (i: number) => new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString();

const insert = (sql: string) => db.prepare(sql);
const ins = {
  customer: insert(
    "INSERT INTO customers (id, full_name, phone, email, account_number, address, service_area, lat, lng, message_channels, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'gaborone', -24.65, 25.91, '[\"sms\"]', ?, ?)",
  ),
  ticket: insert(
    `INSERT INTO tickets (id, number, kind, priority, status, title, description, customer_id, created_by, service_area, required_skills, lat, lng, address, preferred_at, response_due_at, resolution_due_at, responded_at, opened_at, assigned_at, started_at, resolved_at, closed_at, write_token, version, created_at, updated_at)
     VALUES (?, ?, 'repair', 'high', 'closed', ?, ?, ?, 'usr_dispatcher0000000001', 'gaborone', '["fibre"]', -24.65, 25.91, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'a1b2c3d4e5f6', 9, ?, ?)`,
  ),
  history: insert(
    "INSERT INTO ticket_history (id, ticket_id, actor_id, action, from_value, to_value, comment, created_at) VALUES (?, ?, 'usr_dispatcher0000000001', 'status_changed', 'new', 'opened', ?, ?)",
  ),
  comment: insert(
    "INSERT INTO ticket_comments (id, ticket_id, author_id, body, visibility, created_at) VALUES (?, ?, 'usr_tech0000000000000001', ?, 'public', ?)",
  ),
  assignee: insert(
    "INSERT INTO ticket_assignees (ticket_id, technician_id, assigned_by, assigned_at) VALUES (?, 'usr_tech0000000000000001', 'usr_dispatcher0000000001', ?)",
  ),
  appointment: insert(
    `INSERT INTO appointments (id, ticket_id, technician_id, date, start_time, end_time, timezone, starts_at, ends_at, duration_minutes, status, confirmed, scheduled_by, scheduled_via, lat, lng, address, confirmed_at, departed_at, arrived_at, started_at, completed_at, created_at, updated_at)
     VALUES (?1, ?2, 'usr_tech0000000000000001', '2025-03-01', '09:00', '10:00', 'Africa/Gaborone', ?3, ?3, 60, 'completed', 1, 'usr_dispatcher0000000001', 'staff', -24.65, 25.91, 'Plot 12, Block 6, Gaborone', ?3, ?3, ?3, ?3, ?3, ?3, ?3)`,
  ),
  link: insert(
    "INSERT INTO appointment_links (id, ticket_id, token_hash, expires_at, created_by, sent_to, created_at) VALUES (?, ?, ?, ?, 'usr_dispatcher0000000001', '+26771234567', ?)",
  ),
  workLog: insert(
    'INSERT INTO work_logs (id, ticket_id, technician_id, work_detail, parts, amount_charged, verified_by_code, created_at) VALUES (?, ?, \'usr_tech0000000000000001\', ?, \'[{"sku":"ONT-HG8245","quantity":1}]\', 15000, 0, ?)',
  ),
  checklist: insert(
    "INSERT INTO ticket_checklist_items (id, ticket_id, item_key, position, label, required, photo_required, value_required, value, done_at, done_by, updated_at) VALUES (?, ?, ?, ?, ?, 1, 0, 1, '-19.4 dBm', ?, 'usr_tech0000000000000001', ?)",
  ),
  sync: insert(
    "INSERT INTO sync_changes (scope, entity, entity_id, op, created_at) VALUES (?, 'ticket', ?, 'upsert', ?)",
  ),
  notification: insert(
    "INSERT INTO notifications (id, user_id, type, title, body, ticket_id, data, read_at, created_at) VALUES (?, 'usr_dispatcher0000000001', 'ticket.status_changed', ?, ?, ?, ?, ?, ?)",
  ),
  delivery: insert(
    `INSERT INTO deliveries (id, event_id, event_type, channel, recipient, user_id, status, attempts, provider, provider_response, message, sent_at, created_at, updated_at)
     VALUES (?, ?, 'appointment.scheduled', 'sms', '+26771234567', NULL, 'sent', 1, 'twilio', '{"sid":"SM0123456789abcdef"}', ?, ?, ?, ?)`,
  ),
  event: insert(
    "INSERT INTO domain_events (id, type, subject_id, actor_id, data, created_at, published_at) VALUES (?, 'ticket.status_changed', ?, 'usr_dispatcher0000000001', ?, ?, ?)",
  ),
  feedback: insert(
    "INSERT INTO feedback (id, ticket_id, technician_id, kind, customer_satisfaction, service_rating, comment, created_at) VALUES (?, ?, 'usr_tech0000000000000001', 'technician', 5, 5, ?, ?)",
  ),
  facts: insert(
    `INSERT INTO report_ticket_facts (ticket_id, technician_id, team_id, priority, status, created_day, resolved_day, overdue, resolve_seconds, on_time, first_time_fix, rating)
     VALUES (?, 'usr_tech0000000000000001', 'usr_supervisor00000000001', 'high', 'closed', ?, ?, 0, 14400, 1, 1, 5)`,
  ),
};

const many = (per: number, i: number) => Math.floor(per) + (rand() < per - Math.floor(per) ? 1 : 0);
const t0 = Date.now();
db.exec("BEGIN");
for (let i = 0; i < N; i++) {
  const ticket = id("tkt", i);
  const when = at(i);
  if (i % 4 === 0) {
    const c = id("cus", i / 4);
    ins.customer.run(
      c,
      `Customer ${i}`,
      `+2677${String(i).padStart(7, "0")}`,
      `c${i}@example.bw`,
      `BW-${i}`,
      `Plot ${i}, Block 6, Gaborone`,
      when,
      when,
    );
  }
  const customer = id("cus", Math.floor(i / 4) * 1);
  ins.ticket.run(
    ticket,
    `TR-${String(i).padStart(7, "0")}`,
    text(6),
    text(30),
    customer,
    `Plot ${i}, Block 6, Gaborone`,
    when,
    when,
    when,
    when,
    when,
    when,
    when,
    when,
    when,
    when,
    when,
  );
  for (let k = 0; k < many(PER_TICKET.ticket_history, i); k++)
    ins.history.run(id("hst", i, k), ticket, k % 3 === 0 ? text(8) : null, when);
  for (let k = 0; k < many(PER_TICKET.ticket_comments, i); k++)
    ins.comment.run(id("cmt", i, k), ticket, text(25), when);
  ins.assignee.run(ticket, when);
  if (rand() < PER_TICKET.appointments) ins.appointment.run(id("apt", i), ticket, when);
  if (rand() < PER_TICKET.appointment_links)
    ins.link.run(id("lnk", i), ticket, `${i.toString(16).padStart(64, "0")}`, when, when);
  if (rand() < PER_TICKET.work_logs) ins.workLog.run(id("wlg", i), ticket, text(20), when);
  for (let k = 0; k < PER_TICKET.ticket_checklist_items; k++)
    ins.checklist.run(id("chk", i, k), ticket, `item-${k}`, k, text(5), when, when);
  ins.facts.run(ticket, when.slice(0, 10), when.slice(0, 10));
  for (let k = 0; k < PER_TICKET.sync_changes; k++) ins.sync.run(`t:${ticket}`, ticket, when);
  for (let k = 0; k < PER_TICKET.notifications; k++)
    ins.notification.run(
      id("ntf", i, k),
      `Ticket TR-${i} ${text(3)}`,
      text(10),
      ticket,
      JSON.stringify({ event_id: id("evt", i, k), number: `TR-${i}` }),
      k % 2 ? when : null,
      when,
    );
  for (let k = 0; k < PER_TICKET.deliveries; k++)
    ins.delivery.run(
      id("dlv", i, k),
      id("evt", i, k),
      JSON.stringify({ kind: "notification", channel: "sms", body: text(22) }),
      when,
      when,
      when,
    );
  for (let k = 0; k < PER_TICKET.domain_events; k++)
    ins.event.run(
      id("evt", i, k),
      ticket,
      JSON.stringify({ number: `TR-${i}`, action: "open", from: "new", to: "opened" }),
      when,
      when,
    );
  if (rand() < PER_TICKET.feedback) ins.feedback.run(id("fbk", i), ticket, text(12), when);
  if (i % 10_000 === 9_999) {
    db.exec("COMMIT");
    db.exec("BEGIN");
  }
}
db.exec("COMMIT");
const fillSeconds = (Date.now() - t0) / 1000;

// Every table with its indexes (and the full-text index with its shadow tables as one).
const owners = new Map<string, string>(
  (
    db.prepare("SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')").all() as {
      name: string;
      tbl_name: string;
    }[]
  ).map((r) => [r.name, r.tbl_name.startsWith("tickets_fts") ? "tickets_fts" : r.tbl_name]),
);
const bytes = new Map<string, number>();
for (const row of db.prepare("SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name").all() as {
  name: string;
  bytes: number;
}[]) {
  const table =
    owners.get(row.name) ??
    (row.name.startsWith("sqlite_autoindex_") ? row.name.replace(/^sqlite_autoindex_(.*)_\d+$/, "$1") : row.name);
  const key = table.startsWith("tickets_fts") ? "tickets_fts" : table;
  bytes.set(key, (bytes.get(key) ?? 0) + row.bytes);
}
const rowsOf = (table: string) => {
  try {
    return (db.prepare(`SELECT count(*) AS n FROM "${table}"`).get() as { n: number }).n;
  } catch {
    return 0;
  }
};
/** Logs that retention keeps to a window (their size follows the rate of work, not the total). */
const BOUNDED = new Set([
  "sync_changes",
  "notifications",
  "deliveries",
  "domain_events",
  "technician_locations",
  "mobile_actions",
]);
const total = [...bytes.values()].reduce((a, b) => a + b, 0);
const table = [...bytes.entries()].filter(([, b]) => b > 8192 * 4).sort((a, b) => b[1] - a[1]);
console.log(
  `size budget, ${N} tickets (filled in ${fillSeconds.toFixed(0)} s), file ${(statSync(file).size / 1e6).toFixed(0)} MB`,
);
console.log("| table (with its indexes) | rows | MB | bytes per ticket | kept |");
console.log("|---|---|---|---|---|");
for (const [name, b] of table)
  console.log(
    `| ${name} | ${rowsOf(name).toLocaleString("en")} | ${(b / 1e6).toFixed(1)} | ${(b / N).toFixed(0)} | ${BOUNDED.has(name) ? "retention" : "forever"} |`,
  );
const forever = table.filter(([n]) => !BOUNDED.has(n)).reduce((a, [, b]) => a + b, 0);
console.log(
  `total ${(total / 1e6).toFixed(0)} MB = ${(total / N).toFixed(0)} bytes per ticket → ${Math.floor(10e9 / (total / N)).toLocaleString("en")} tickets per 10 GB with every log kept; ${(forever / N).toFixed(0)} bytes per ticket kept forever → ${Math.floor(10e9 / (forever / N)).toLocaleString("en")} tickets per 10 GB once retention bounds the logs`,
);

// The archive (closed work moved to R2): what one part of 100 tickets compresses to, in the
// archive's own format (every row of the archived tables as SQLite stores it, one JSON line per
// ticket, gzip), and what stays in D1 per archived ticket (its index row and its report facts).
const ARCHIVED_TABLES: [string, string][] = [
  ["tickets", "id"],
  ["ticket_assignees", "ticket_id"],
  ["ticket_history", "ticket_id"],
  ["ticket_comments", "ticket_id"],
  ["ticket_attachments", "ticket_id"],
  ["work_logs", "ticket_id"],
  ["ticket_checklist_items", "ticket_id"],
  ["completion_codes", "ticket_id"],
  ["ticket_sla_periods", "ticket_id"],
  ["appointments", "ticket_id"],
  ["appointment_links", "ticket_id"],
  ["slot_holds", "ticket_id"],
  ["feedback", "ticket_id"],
];
const sampleIds = (db.prepare("SELECT id FROM tickets ORDER BY id LIMIT 2000").all() as { id: string }[]).map(
  (r) => r.id,
);
let gzBytes = 0;
let jsonBytes = 0;
for (let k = 0; k < sampleIds.length; k += 100) {
  const ids = sampleIds.slice(k, k + 100);
  const lines = new Map(ids.map((t) => [t, { ticket_id: t, sections: {} as Record<string, unknown[]> }]));
  for (const [t, column] of ARCHIVED_TABLES)
    for (const row of db
      .prepare(`SELECT * FROM ${t} WHERE ${column} IN (SELECT value FROM json_each(?)) ORDER BY rowid`)
      .all(JSON.stringify(ids)) as Record<string, unknown>[]) {
      const owner = lines.get(String(row[column]))!;
      (owner.sections[t] ??= []).push(row);
    }
  const text = [...lines.values()].map((l) => `${JSON.stringify(l)}\n`).join("");
  jsonBytes += Buffer.byteLength(text);
  gzBytes += gzipSync(text).byteLength;
}
const movedBytes = ARCHIVED_TABLES.reduce((a, [t]) => a + (bytes.get(t) ?? 0), 0) + (bytes.get("tickets_fts") ?? 0);
db.exec(
  `INSERT INTO archived_tickets (ticket_id, number, kind, status, title, customer_id, created_by, team_supervisor_id, technician_ids, created_at, finished_at, month, part_key, archived_at)
   SELECT id, number, kind, status, title, customer_id, created_by, team_supervisor_id, '["usr_tech0000000000000001"]', created_at, closed_at,
          substr(closed_at, 1, 7), 'archive/tickets/' || substr(closed_at, 1, 7) || '/job_0a1b2c3d4e5f6g7h8i9j-000001-0123456789ab.ndjson.gz', created_at FROM tickets`,
);
const indexBytes = (
  db
    .prepare(
      "SELECT sum(pgsize) AS b FROM dbstat WHERE name IN (SELECT name FROM sqlite_master WHERE tbl_name = 'archived_tickets')",
    )
    .get() as { b: number }
).b;
const factsBytes = bytes.get("report_ticket_facts") ?? 0;
const staysPerTicket = (indexBytes + factsBytes) / N;
console.log(
  `archive: a part of 100 tickets is ${(gzBytes / (sampleIds.length / 100) / 1024).toFixed(1)} KB gzip (${(jsonBytes / gzBytes).toFixed(1)}× smaller than its JSON); ${(gzBytes / sampleIds.length).toFixed(0)} bytes per ticket in R2 for the ${(movedBytes / N).toFixed(0)} bytes per ticket it takes out of D1 (rows, indexes, search index); ${staysPerTicket.toFixed(0)} bytes per archived ticket stay in D1 (index row ${(indexBytes / N).toFixed(0)} + report facts ${(factsBytes / N).toFixed(0)}) → ${Math.floor(10e9 / staysPerTicket).toLocaleString("en")} archived tickets per 10 GB`,
);
db.close();
