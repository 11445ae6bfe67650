import { sql } from "drizzle-orm";
import type { SyncEntity } from "../../db/schema";
import type { UserContext } from "../../lib/context";
import { allReads, known, mapReads, rawReads, runReads, sqlStatement, type Reads } from "../../lib/d1";
import { base64url, nowIso } from "../../lib/ids";
import { AppError } from "../../lib/problem";
import { assetsForSync } from "../assets";
import { customersForSync } from "../customers";
import { equipmentForSync } from "../inventory";
import { notificationsForSync } from "../notifications";
import { appointmentsForSync } from "../scheduling";
import { assignedScopesSql, assignedTickets, ticketPartsForSync, ticketsForSync } from "../tickets";
import { templatesForSync } from "../templates";
import { deviceForSync, recordSyncedTo, type DeviceInput } from "./devices.service";
import { SYNC_LOG_FLOOR } from "./retention";

/** Tickets per snapshot page: each comes with its comments, work logs, attachments, appointments, customer and card. */
const SNAPSHOT_TICKETS = 25;
const DEFAULT_LIMIT = 200;

type Change = {
  entity: SyncEntity;
  id: string;
  op: "upsert" | "delete";
  reason?: "deleted" | "revoked";
  data?: Record<string, unknown>;
};
/** `s`: a snapshot taken at `seq`, continuing after ticket `after`; `d`: changes after `seq`. */
type Cursor = { p: "s"; seq: number; after: string | null } | { p: "d"; seq: number };

function encode(cursor: Cursor): string {
  return base64url(new TextEncoder().encode(JSON.stringify(cursor)));
}

function decode(text: string): Cursor {
  try {
    const value = JSON.parse(
      new TextDecoder().decode(
        Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0)),
      ),
    );
    if (
      (value?.p === "s" || value?.p === "d") &&
      Number.isInteger(value.seq) &&
      value.seq >= 0 &&
      (value.p === "d" || value.after === null || typeof value.after === "string")
    )
      return value;
  } catch {
    /* answered below */
  }
  throw new AppError("validation_failed", "This cursor was not made by this API; sync without one to start over.", {
    errors: [{ path: "cursor", message: "Invalid cursor" }],
  });
}

/**
 * One page of a technician's sync: a full snapshot of the tickets assigned to them (paged by
 * ticket), then the changes since — upserts with the current state, and deletions for what is
 * gone or no longer theirs. Everything answered is what the same user reads through the API.
 *
 * Two batches: the device and where the log stands (a snapshot's page of tickets, or a delta's
 * log rows with the tickets that decide what the caller may see), then what those rows name,
 * with the device's place in the log. A delta with nothing new needs only the first.
 */
export async function sync(ctx: UserContext, input: { cursor?: string; limit?: number; device: DeviceInput }) {
  const cursor = input.cursor ? decode(input.cursor) : null;
  const limit = input.limit ?? DEFAULT_LIMIT;
  const page =
    cursor?.p === "d"
      ? await deltaPage(ctx, input.device, cursor.seq, limit)
      : await snapshotPage(ctx, input.device, cursor);
  return {
    changes: page.changes,
    cursor: encode(page.next),
    has_more: page.hasMore,
    snapshot: page.snapshot,
    server_time: nowIso(),
  };
}

const LATEST_SEQ = "SELECT coalesce(max(seq), 0) AS seq FROM sync_changes";

async function snapshotPage(ctx: UserContext, input: DeviceInput, cursor: Extract<Cursor, { p: "s" }> | null) {
  // The log position is read with the tickets, in one batch: a change made after it is answered again by the delta.
  const first = await runReads(
    ctx.env.DB,
    allReads({
      device: deviceForSync(ctx, input),
      seq: cursor
        ? known(cursor.seq)
        : mapReads(rawReads<{ seq: number }>(ctx.env.DB.prepare(LATEST_SEQ)), (rows) => rows[0]?.seq ?? 0),
      rows: assignedTickets(ctx, ctx.actor.userId, {
        afterId: cursor?.after ?? undefined,
        limit: SNAPSHOT_TICKETS + 1,
      }),
      own: cursor ? known([]) : ownThings(ctx),
    }),
  );
  const { seq, rows } = first;
  const pageRows = rows.slice(0, SNAPSHOT_TICKETS);
  const more = rows.length > SNAPSHOT_TICKETS;
  const next: Cursor = more ? { p: "s", seq, after: pageRows[pageRows.length - 1].id } : { p: "d", seq };
  const second = await runReads(
    ctx.env.DB,
    allReads({
      changes: bundles(ctx, pageRows),
      // Changed since the log position was read: the phone goes on to the delta at once.
      changedSince: more ? known([]) : changeRows(ctx, seq, 1),
    }),
  );
  return {
    changes: [...second.changes, ...first.own],
    next,
    hasMore: more || second.changedSince.length > 0,
    snapshot: true,
  };
}

/** What belongs to the user rather than to a ticket: equipment still out with them, their newest notifications. */
function ownThings(ctx: UserContext): Reads<Change[]> {
  return mapReads(
    allReads({ equipment: equipmentForSync(ctx, {}), notifications: notificationsForSync(ctx, { latest: 50 }) }),
    ({ equipment, notifications }) => [
      ...equipment.map((data): Change => ({ entity: "equipment", id: data.id, op: "upsert", data })),
      ...notifications.map((data): Change => ({ entity: "notification", id: data.id, op: "upsert", data })),
    ],
  );
}

/** Tickets with everything a phone keeps of them. */
function bundles(
  ctx: UserContext,
  rows: { id: string; customerId: string | null; assetId: string | null; templateId: string | null }[],
): Reads<Change[]> {
  if (!rows.length) return known([]);
  const ids = rows.map((r) => r.id);
  const distinct = (pick: (r: (typeof rows)[number]) => string | null) => [
    ...new Set(rows.flatMap((r) => (pick(r) ? [pick(r)!] : []))),
  ];
  const upsert =
    (entity: SyncEntity) =>
    (data: { id: string }): Change => ({ entity, id: data.id, op: "upsert", data });
  return mapReads(
    allReads({
      tickets: ticketsForSync(ctx, ids),
      parts: ticketPartsForSync(ctx, { ticketIds: ids }),
      appointments: appointmentsForSync(ctx, { ticketIds: ids }),
      customers: customersForSync(
        ctx,
        distinct((r) => r.customerId),
      ),
      assets: assetsForSync(
        ctx,
        distinct((r) => r.assetId),
      ),
      templates: templatesForSync(
        ctx,
        distinct((r) => r.templateId),
      ),
    }),
    (read) => [
      ...read.tickets.map(upsert("ticket")),
      ...read.parts.comments.map(upsert("comment")),
      ...read.parts.work_logs.map(upsert("work_log")),
      ...read.parts.attachments.map(upsert("attachment")),
      ...read.parts.checklist_items.map(upsert("checklist_item")),
      ...read.appointments.map(upsert("appointment")),
      ...read.customers.map(upsert("customer")),
      ...read.assets.map(upsert("asset")),
      ...read.templates.map(upsert("job_template")),
    ],
  );
}

type LogRow = { seq: number; scope: string; entity: SyncEntity; entity_id: string; op: string };

/**
 * The log rows of the caller's scopes after `seq`: their tickets, those tickets' customers, cards
 * and templates, and what is addressed to them (grants, revocations, their own things). The scopes
 * are a subquery of the assignments, so the log is read in the same batch as everything else.
 */
function changeRows(ctx: UserContext, seq: number, limit: number): Reads<LogRow[] & { floor: number }> {
  // (scope, seq) is indexed, so each scope is a short range. The retention floor comes along (one
  // row even when nothing changed): below it, rows are gone.
  const scopes = assignedScopesSql(ctx.actor.userId);
  const query = sql`SELECT f.floor, c.seq, c.scope, c.entity, c.entity_id, c.op
       FROM (SELECT coalesce((SELECT value FROM counters WHERE name = ${SYNC_LOG_FLOOR}), 0) AS floor) f
       LEFT JOIN (SELECT seq, scope, entity, entity_id, op FROM sync_changes
                   WHERE scope IN (SELECT ${`u:${ctx.actor.userId}`} UNION ${scopes}) AND seq > ${seq}
                   ORDER BY seq LIMIT ${limit}) c
      ORDER BY c.seq`;
  return mapReads(
    rawReads<{ floor: number } & { [K in keyof LogRow]: LogRow[K] | null }>(sqlStatement(ctx.env.DB, query)),
    (rows) => {
      const floor = rows[0]?.floor ?? 0;
      const changed = rows.filter((r): r is typeof r & LogRow => r.seq !== null);
      return Object.assign(changed, { floor });
    },
  );
}

async function deltaPage(ctx: UserContext, input: DeviceInput, seq: number, limit: number) {
  const first = await runReads(
    ctx.env.DB,
    allReads({
      device: deviceForSync(ctx, input),
      rows: changeRows(ctx, seq, limit + 1),
      assigned: assignedTickets(ctx, ctx.actor.userId),
    }),
  );
  const { device, rows } = first;
  // The log before this cursor was deleted (retention): the phone starts over from a snapshot.
  if (seq < rows.floor) return snapshotPage(ctx, input, null);
  const hasMore = rows.length > limit;
  const page = rows.slice(0, limit);
  const nextSeq = page.length ? page[page.length - 1].seq : seq;
  const assigned = new Map(first.assigned.map((t) => [t.id, t]));

  const ids = (entity: SyncEntity) => [...new Set(page.filter((r) => r.entity === entity).map((r) => r.entity_id))];
  const ticketIds = ids("ticket");
  const granted = new Set(page.filter((r) => r.entity === "ticket" && r.op === "grant").map((r) => r.entity_id));
  const visibleTickets = ticketIds.filter((id) => assigned.has(id));
  const plain = visibleTickets.filter((id) => !granted.has(id));
  const read = await runReads(
    ctx.env.DB,
    allReads({
      tickets: ticketsForSync(ctx, plain),
      parts: ticketPartsForSync(ctx, {
        commentIds: ids("comment"),
        workLogIds: ids("work_log"),
        attachmentIds: ids("attachment"),
        checklistItemIds: ids("checklist_item"),
      }),
      appointments: appointmentsForSync(ctx, { ids: ids("appointment") }),
      customers: customersForSync(ctx, ids("customer")),
      assets: assetsForSync(ctx, ids("asset")),
      granted: bundles(
        ctx,
        visibleTickets.filter((id) => granted.has(id)).map((id) => assigned.get(id)!),
      ),
      equipment: equipmentForSync(ctx, { ids: ids("equipment") }),
      notifications: notificationsForSync(ctx, { ids: ids("notification") }),
      templates: templatesForSync(ctx, ids("job_template")),
    }),
    device.lastSeq !== nextSeq ? [recordSyncedTo(ctx, device, nextSeq)] : [],
  );

  const changes: Change[] = [...read.granted];
  const answer = (entity: SyncEntity, wanted: string[], found: { id: string }[]) => {
    const byId = new Map(found.map((f) => [f.id, f]));
    for (const id of wanted) {
      const data = byId.get(id);
      changes.push(data ? { entity, id, op: "upsert", data } : { entity, id, op: "delete", reason: "deleted" });
    }
  };
  answer("ticket", plain, read.tickets);
  for (const id of ticketIds.filter((id) => !assigned.has(id)))
    changes.push({ entity: "ticket", id, op: "delete", reason: "revoked" });
  answer("comment", ids("comment"), read.parts.comments);
  answer("work_log", ids("work_log"), read.parts.work_logs);
  answer("attachment", ids("attachment"), read.parts.attachments);
  answer("checklist_item", ids("checklist_item"), read.parts.checklist_items);
  answer("appointment", ids("appointment"), read.appointments);
  answer("customer", ids("customer"), read.customers);
  answer("asset", ids("asset"), read.assets);
  answer("equipment", ids("equipment"), read.equipment);
  answer("notification", ids("notification"), read.notifications);
  answer("job_template", ids("job_template"), read.templates);
  // Bundles and single upserts may name the same entity: the last word stands.
  const unique = [...new Map(changes.map((c) => [`${c.entity}:${c.id}`, c])).values()];
  return { changes: unique, next: { p: "d", seq: nextSeq } as Cursor, hasMore, snapshot: false };
}
