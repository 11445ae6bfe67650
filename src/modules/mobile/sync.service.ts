import type { SyncEntity } from "../../db/schema";
import type { UserContext } from "../../lib/context";
import { base64url, nowIso } from "../../lib/ids";
import { AppError } from "../../lib/problem";
import { assetsForSync } from "../assets";
import { customersForSync } from "../customers";
import { equipmentForSync } from "../inventory";
import { notificationsForSync } from "../notifications";
import { appointmentsForSync } from "../scheduling";
import { assignedTickets, ticketPartsForSync, ticketsForSync } from "../tickets";
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
 */
export async function sync(ctx: UserContext, input: { cursor?: string; limit?: number; device: DeviceInput }) {
  const cursor = input.cursor ? decode(input.cursor) : null;
  const device = await deviceForSync(ctx, input.device);
  const limit = input.limit ?? DEFAULT_LIMIT;
  const page = !cursor || cursor.p === "s" ? await snapshotPage(ctx, cursor) : await deltaPage(ctx, cursor.seq, limit);
  if (!page.snapshot && device.lastSeq !== page.seq) await recordSyncedTo(ctx, device.id, page.seq);
  return {
    changes: page.changes,
    cursor: encode(page.next),
    has_more: page.hasMore,
    snapshot: page.snapshot,
    server_time: nowIso(),
  };
}

async function latestSeq(ctx: UserContext): Promise<number> {
  const row = await ctx.env.DB.prepare("SELECT coalesce(max(seq), 0) AS seq FROM sync_changes").first<{
    seq: number;
  }>();
  return row?.seq ?? 0;
}

async function snapshotPage(ctx: UserContext, cursor: Extract<Cursor, { p: "s" }> | null) {
  // The log position is read before the tickets: a change made while the snapshot is read is answered again by the delta.
  const seq = cursor?.seq ?? (await latestSeq(ctx));
  const rows = await assignedTickets(ctx, ctx.actor.userId, {
    afterId: cursor?.after ?? undefined,
    limit: SNAPSHOT_TICKETS + 1,
  });
  const pageRows = rows.slice(0, SNAPSHOT_TICKETS);
  const changes = await bundles(ctx, pageRows);
  if (!cursor) changes.push(...(await ownThings(ctx)));
  const more = rows.length > SNAPSHOT_TICKETS;
  const next: Cursor = more ? { p: "s", seq, after: pageRows[pageRows.length - 1].id } : { p: "d", seq };
  // A snapshot that fits one page has read every assigned ticket already: the log check reuses them.
  const everyAssigned = !cursor && !more ? rows : undefined;
  return {
    changes,
    next,
    hasMore: more || (await changeRows(ctx, seq, 1, everyAssigned)).length > 0,
    snapshot: true,
    seq,
  };
}

/** What belongs to the user rather than to a ticket: equipment still out with them, their newest notifications. */
async function ownThings(ctx: UserContext): Promise<Change[]> {
  const [equipment, notifications] = await Promise.all([
    equipmentForSync(ctx, {}),
    notificationsForSync(ctx, { latest: 50 }),
  ]);
  return [
    ...equipment.map((data): Change => ({ entity: "equipment", id: data.id, op: "upsert", data })),
    ...notifications.map((data): Change => ({ entity: "notification", id: data.id, op: "upsert", data })),
  ];
}

/** Tickets with everything a phone keeps of them. */
async function bundles(
  ctx: UserContext,
  rows: { id: string; customerId: string | null; assetId: string | null; templateId: string | null }[],
): Promise<Change[]> {
  if (!rows.length) return [];
  const ids = rows.map((r) => r.id);
  const [ticketData, parts, appointments, customers, assets, templates] = await Promise.all([
    ticketsForSync(ctx, ids),
    ticketPartsForSync(ctx, { ticketIds: ids }),
    appointmentsForSync(ctx, { ticketIds: ids }),
    customersForSync(ctx, [...new Set(rows.flatMap((r) => (r.customerId ? [r.customerId] : [])))]),
    assetsForSync(ctx, [...new Set(rows.flatMap((r) => (r.assetId ? [r.assetId] : [])))]),
    templatesForSync(ctx, [...new Set(rows.flatMap((r) => (r.templateId ? [r.templateId] : [])))]),
  ]);
  const upsert =
    (entity: SyncEntity) =>
    (data: { id: string }): Change => ({ entity, id: data.id, op: "upsert", data });
  return [
    ...ticketData.map(upsert("ticket")),
    ...parts.comments.map(upsert("comment")),
    ...parts.work_logs.map(upsert("work_log")),
    ...parts.attachments.map(upsert("attachment")),
    ...parts.checklist_items.map(upsert("checklist_item")),
    ...appointments.map(upsert("appointment")),
    ...customers.map(upsert("customer")),
    ...assets.map(upsert("asset")),
    ...templates.map(upsert("job_template")),
  ];
}

/** The log rows of the caller's scopes after `seq`: their tickets, those tickets' customers and cards, and grants or revocations addressed to them. */
async function changeRows(
  ctx: UserContext,
  seq: number,
  limit: number,
  known?: Awaited<ReturnType<typeof assignedTickets>>,
) {
  const assigned = known ?? (await assignedTickets(ctx, ctx.actor.userId));
  const scopes = [
    `u:${ctx.actor.userId}`,
    ...assigned.map((t) => `t:${t.id}`),
    ...new Set(
      assigned.flatMap((t) => [
        ...(t.customerId ? [`c:${t.customerId}`] : []),
        ...(t.assetId ? [`a:${t.assetId}`] : []),
        ...(t.templateId ? [`p:${t.templateId}`] : []),
      ]),
    ),
  ];
  // One JSON parameter however many scopes; (scope, seq) is indexed, so each scope is a short range.
  // The retention floor comes along (one row even when nothing changed): below it, rows are gone.
  const rows = await ctx.env.DB.prepare(
    `SELECT f.floor, c.seq, c.scope, c.entity, c.entity_id, c.op
       FROM (SELECT coalesce((SELECT value FROM counters WHERE name = ?4), 0) AS floor) f
       LEFT JOIN (SELECT seq, scope, entity, entity_id, op FROM sync_changes
                   WHERE scope IN (SELECT value FROM json_each(?1)) AND seq > ?2 ORDER BY seq LIMIT ?3) c
      ORDER BY c.seq`,
  )
    .bind(JSON.stringify(scopes), seq, limit, SYNC_LOG_FLOOR)
    .all<{ floor: number; seq: number | null; scope: string; entity: SyncEntity; entity_id: string; op: string }>();
  const floor = rows.results[0]?.floor ?? 0;
  const changed = rows.results.filter((r): r is typeof r & { seq: number } => r.seq !== null);
  return Object.assign(changed, { assigned, floor });
}

async function deltaPage(ctx: UserContext, seq: number, limit: number) {
  const rows = await changeRows(ctx, seq, limit + 1);
  // The log before this cursor was deleted (retention): the phone starts over from a snapshot.
  if (seq < rows.floor) return snapshotPage(ctx, null);
  const hasMore = rows.length > limit;
  const page = rows.slice(0, limit);
  const nextSeq = page.length ? page[page.length - 1].seq : seq;
  const assigned = new Map(rows.assigned.map((t) => [t.id, t]));

  const ids = (entity: SyncEntity) => [...new Set(page.filter((r) => r.entity === entity).map((r) => r.entity_id))];
  const ticketIds = ids("ticket");
  const granted = new Set(page.filter((r) => r.entity === "ticket" && r.op === "grant").map((r) => r.entity_id));
  const visibleTickets = ticketIds.filter((id) => assigned.has(id));
  const [ticketData, parts, appointments, customers, assets, grantedBundles, equipment, notifications, templates] =
    await Promise.all([
      ticketsForSync(
        ctx,
        visibleTickets.filter((id) => !granted.has(id)),
      ),
      ids("comment").length || ids("work_log").length || ids("attachment").length || ids("checklist_item").length
        ? ticketPartsForSync(ctx, {
            commentIds: ids("comment"),
            workLogIds: ids("work_log"),
            attachmentIds: ids("attachment"),
            checklistItemIds: ids("checklist_item"),
          })
        : { comments: [], work_logs: [], attachments: [], checklist_items: [] },
      ids("appointment").length ? appointmentsForSync(ctx, { ids: ids("appointment") }) : [],
      customersForSync(ctx, ids("customer")),
      assetsForSync(ctx, ids("asset")),
      bundles(
        ctx,
        visibleTickets.filter((id) => granted.has(id)).map((id) => assigned.get(id)!),
      ),
      ids("equipment").length ? equipmentForSync(ctx, { ids: ids("equipment") }) : [],
      ids("notification").length ? notificationsForSync(ctx, { ids: ids("notification") }) : [],
      templatesForSync(ctx, ids("job_template")),
    ]);

  const changes: Change[] = [...grantedBundles];
  const answer = (entity: SyncEntity, wanted: string[], found: { id: string }[]) => {
    const byId = new Map(found.map((f) => [f.id, f]));
    for (const id of wanted) {
      const data = byId.get(id);
      changes.push(data ? { entity, id, op: "upsert", data } : { entity, id, op: "delete", reason: "deleted" });
    }
  };
  answer(
    "ticket",
    visibleTickets.filter((id) => !granted.has(id)),
    ticketData,
  );
  for (const id of ticketIds.filter((id) => !assigned.has(id)))
    changes.push({ entity: "ticket", id, op: "delete", reason: "revoked" });
  answer("comment", ids("comment"), parts.comments);
  answer("work_log", ids("work_log"), parts.work_logs);
  answer("attachment", ids("attachment"), parts.attachments);
  answer("checklist_item", ids("checklist_item"), parts.checklist_items);
  answer("appointment", ids("appointment"), appointments);
  answer("customer", ids("customer"), customers);
  answer("asset", ids("asset"), assets);
  answer("equipment", ids("equipment"), equipment);
  answer("notification", ids("notification"), notifications);
  answer("job_template", ids("job_template"), templates);
  // Bundles and single upserts may name the same entity: the last word stands.
  const unique = [...new Map(changes.map((c) => [`${c.entity}:${c.id}`, c])).values()];
  return { changes: unique, next: { p: "d", seq: nextSeq } as Cursor, hasMore, snapshot: false, seq: nextSeq };
}
