import { getTableName, type Table } from "drizzle-orm";
import {
  appointments,
  assets,
  customers,
  equipmentAssignments,
  jobTemplates,
  notifications,
  type SyncEntity,
  type SyncOp,
  ticketAssignees,
  ticketAttachments,
  ticketChecklistItems,
  ticketComments,
  tickets,
  workLogs,
} from "../../db/schema";
import { type Change, type ChangedRow, type DerivedOwner, subjectGuard } from "../../lib/change-batch";
import { numbered } from "../../lib/d1";
import { nowIso } from "../../lib/ids";

/** One entry of the mobile change log: whose sync it is for (`t:` ticket, `c:` customer, `a:` asset, `u:` user, `p:` job template), and what changed. */
interface SyncEntry {
  scope: `${"t" | "c" | "a" | "u" | "p"}:${string}`;
  entity: SyncEntity;
  id: string;
  op: SyncOp;
  /** The ticket (or other row) whose guard decides whether the entry is written. */
  subject: string;
}

const upsertOr = (row: ChangedRow, other: SyncOp): SyncOp => (row.op === "delete" ? other : "upsert");

/** A row read through its ticket (`of`): everyone syncing that ticket hears of it. */
const underTicket =
  (entity: SyncEntity) =>
  (r: ChangedRow): SyncEntry | null =>
    r.of ? { scope: `t:${r.of}`, entity, id: r.id, op: "upsert", subject: r.of } : null;

/** A row that belongs to one user (`of`): only that user's phone hears of it. */
const forUser =
  (entity: SyncEntity) =>
  (r: ChangedRow): SyncEntry | null =>
    r.of ? { scope: `u:${r.of}`, entity, id: r.id, op: upsertOr(r, "delete"), subject: r.id } : null;

/** What a phone needs to hear about each changed row: which sync it belongs to, and as what. */
const SYNCED = new Map<Table, (row: ChangedRow) => SyncEntry | null>([
  [tickets, (r) => ({ scope: `t:${r.id}`, entity: "ticket", id: r.id, op: "upsert", subject: r.id })],
  [ticketComments, underTicket("comment")],
  [workLogs, underTicket("work_log")],
  [appointments, underTicket("appointment")],
  [ticketAttachments, underTicket("attachment")],
  [ticketChecklistItems, underTicket("checklist_item")],
  // An assignee row is the technician (`id`) on a ticket (`of`): their phone gains or loses the ticket.
  [
    ticketAssignees,
    (r) =>
      r.of
        ? { scope: `u:${r.id}`, entity: "ticket", id: r.of, op: r.op === "delete" ? "revoke" : "grant", subject: r.of }
        : null,
  ],
  [customers, (r) => ({ scope: `c:${r.id}`, entity: "customer", id: r.id, op: upsertOr(r, "delete"), subject: r.id })],
  [assets, (r) => ({ scope: `a:${r.id}`, entity: "asset", id: r.id, op: upsertOr(r, "delete"), subject: r.id })],
  [equipmentAssignments, forUser("equipment")],
  [jobTemplates, (r) => ({ scope: `p:${r.id}`, entity: "job_template", id: r.id, op: "upsert", subject: r.id })],
  [notifications, forUser("notification")],
]);

/** The same for rows named by a condition: the SELECT of their entries' columns, for the tables that are changed that way. */
const SYNCED_WHERE = new Map<Table, string>([
  [notifications, "SELECT 'u:' || user_id, 'notification', id, 'upsert' FROM notifications WHERE "],
]);

function entriesOf(change: Change): SyncEntry[] {
  const out: SyncEntry[] = [];
  const seen = new Set<string>();
  for (const row of change.changed ?? []) {
    const entry = SYNCED.get(row.table)?.(row);
    if (!entry) continue;
    const key = `${entry.scope}|${entry.entity}|${entry.id}|${entry.op}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(entry);
  }
  return out;
}

/**
 * The mobile change log (`sync_changes`), filled from every change's rows: one statement and one
 * JSON parameter for any number of entries, in the order given (their sequence numbers follow
 * it), written only if the change's guard holds.
 */
export const syncLogOwner: DerivedOwner = {
  module: "mobile",
  tables: ["sync_changes"],
  statements(db, _ctx, change) {
    const entries = entriesOf(change);
    const selected = (change.changedWhere ?? []).map(({ table, where }) => {
      const select = SYNCED_WHERE.get(table);
      if (!select) throw new Error(`The change log cannot follow a set-based change of ${getTableName(table)}.`);
      return db
        .prepare(
          `INSERT INTO sync_changes (scope, entity, entity_id, op, created_at) SELECT *, ?1 FROM (${select}${numbered(where.sql, 2)})`,
        )
        .bind(nowIso(), ...where.params);
    });
    if (!entries.length) return selected;
    const rows = JSON.stringify(entries.map((e) => [e.scope, e.entity, e.id, e.op, e.subject]));
    const guard = change.guard && subjectGuard(change.guard, "value->>4");
    const where = guard ? ` WHERE ${numbered(guard.sql, 3)}` : "";
    return [
      db
        .prepare(
          `INSERT INTO sync_changes (scope, entity, entity_id, op, created_at)
           SELECT value->>0, value->>1, value->>2, value->>3, ?2 FROM json_each(?1)${where} ORDER BY key`,
        )
        .bind(rows, nowIso(), ...(guard?.params ?? [])),
      ...selected,
    ];
  },
};
