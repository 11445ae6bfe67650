import { CUSTOMER_TICKETS, type ErasureSubject, redactValues } from "../../lib/erasure";
import { eventDataProblem } from "../../contracts/events";
import type { DerivedOwner, OwnerContext, RecordedEvent } from "../../lib/change-batch";
import { numbered, type Guard } from "../../lib/d1";
import type { Env } from "../../lib/env";
import { sendToQueue } from "../../lib/events";
import { gatherBriefly } from "../../lib/gather";
import { nowIso } from "../../lib/ids";
import { writeLog } from "../../lib/log";
import type { DomainEventMessage } from "../../lib/messages";

/**
 * The domain event outbox (`domain_events`). Every change's events are written in the change's
 * batch (RETURNING their ids, so only events that were really written are published), then
 * published to the notifications queue, where fan-out, webhooks and realtime start. A worker that
 * dies before publishing leaves them unpublished, and the relay (`relayUnpublishedEvents`, every
 * 5 minutes) sends them. A crash between the send and the mark sends an event twice: every
 * consumer keys its work by the event id, so the second copy changes nothing.
 */

const COLUMNS = "id, type, subject_id, actor_id, data, created_at";
const FROM_JSON = `value->>'id', value->>'type', value->>'subject_id', value->>'actor_id', value->>'data', value->>'occurred_at'`;

/** An event whose data does not fit the catalogue is a bug: refused outside production, logged in it. */
function checkAgainstCatalogue(ctx: OwnerContext, events: RecordedEvent[]) {
  for (const { event } of events) {
    const problem = eventDataProblem(event.type, event.data);
    if (!problem) continue;
    if (ctx.settings.environment !== "production") throw new Error(`Event outside the catalogue: ${problem}`);
    writeLog(ctx.settings.logLevel, "error", { msg: "event.catalogue_mismatch", event_id: event.id, problem });
  }
}

function insertEvents(db: D1Database, events: DomainEventMessage[], guard: Guard | undefined) {
  const json = JSON.stringify(events.map((e) => ({ ...e, data: JSON.stringify(e.data) })));
  const where = guard ? ` WHERE ${numbered(guard.sql, 2)}` : "";
  return db
    .prepare(
      `INSERT OR IGNORE INTO domain_events (${COLUMNS}) SELECT ${FROM_JSON} FROM json_each(?1)${where} ORDER BY key
       RETURNING id AS outbox_event_id`,
    )
    .bind(json, ...(guard?.params ?? []));
}

const both = (a: Guard | undefined, b: Guard | undefined): Guard | undefined =>
  a && b ? { sql: `(${a.sql}) AND (${b.sql})`, params: [...a.params, ...b.params] } : (a ?? b);

export const eventOutboxOwner: DerivedOwner = {
  module: "notifications",
  tables: ["domain_events"],
  statements(db, ctx, change) {
    const recorded = change.events ?? [];
    if (!recorded.length) return [];
    checkAgainstCatalogue(ctx, recorded);
    const guard = change.guard && {
      ...change.guard,
      sql: change.guard.sql.replaceAll(":subject", "value->>'subject_id'"),
    };
    const plain = recorded.filter((r) => !r.when).map((r) => r.event);
    return [
      ...(plain.length ? [insertEvents(db, plain, guard)] : []),
      ...recorded.filter((r) => r.when).map((r) => insertEvents(db, [r.event], both(guard, r.when))),
    ];
  },
  async afterCommit(ctx, change, rows) {
    const written = new Set(rows.map((r) => r.outbox_event_id).filter((id) => typeof id === "string"));
    const events = (change.events ?? []).map((r) => r.event).filter((e) => written.has(e.id));
    await publishEvents(ctx.env, events, ctx.waitUntil);
  },
};

/** Publishes committed events, then marks them published (off the request's path when it can). */
export async function publishEvents(
  env: Pick<Env, "NOTIFICATIONS" | "DB">,
  events: DomainEventMessage[],
  waitUntil?: (p: Promise<unknown>) => void,
) {
  if (!events.length) return;
  await sendToQueue(
    env,
    events.map((body) => ({ body })),
  );
  const ids = events.map((e) => e.id);
  if (!waitUntil) return markPublished(env, ids);
  markPublishedSoon({ env, ids }, waitUntil);
}

export const GATHER_MARKS_MS = 25;
const MAX_GATHERED = 900;

/**
 * Off the request's path: the first request of a burst writes the marks of every event the
 * isolate publishes in the next moment, in one batch under its own waitUntil (a burst of creates
 * made one UPDATE each, a D1 write apiece). Should the isolate stop first, the relay republishes
 * and consumers ignore the copy — as when each request marked its own.
 */
const markPublishedSoon = gatherBriefly<{ env: Pick<Env, "DB">; ids: string[] }>(
  GATHER_MARKS_MS,
  (open, offer) => {
    if (open.ids.length + offer.ids.length > MAX_GATHERED) return false;
    open.ids.push(...offer.ids);
    return true;
  },
  ({ env, ids }) => markPublished(env, ids),
);

async function markPublished(env: Pick<Env, "DB">, ids: string[]) {
  const now = nowIso();
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < ids.length; i += 90) {
    const chunk = ids.slice(i, i + 90);
    statements.push(
      env.DB.prepare(
        `UPDATE domain_events SET published_at = ?1 WHERE published_at IS NULL AND id IN (${chunk.map((_, j) => `?${j + 2}`).join(", ")})`,
      ).bind(now, ...chunk),
    );
  }
  if (statements.length === 1) await statements[0].run();
  else if (statements.length) await env.DB.batch(statements);
}

/** Events committed at least this long ago and still unpublished were left by a worker that died. */
export const RELAY_GRACE_MS = 60_000;

/** The outbox relay: publishes committed, unpublished events, oldest first, in bounded chunks. */
export async function relayUnpublishedEvents(
  env: Pick<Env, "NOTIFICATIONS" | "DB">,
  scheduledTime: number,
  limit = 500,
) {
  const before = new Date(scheduledTime - RELAY_GRACE_MS).toISOString();
  const { results } = await env.DB.prepare(
    `SELECT ${COLUMNS} FROM domain_events WHERE published_at IS NULL AND created_at < ?1 ORDER BY created_at LIMIT ?2`,
  )
    .bind(before, limit)
    .all<{ id: string; type: string; subject_id: string; actor_id: string | null; data: string; created_at: string }>();
  const events: DomainEventMessage[] = results.map((r) => ({
    kind: "event",
    id: r.id,
    type: r.type,
    subject_id: r.subject_id,
    actor_id: r.actor_id,
    data: JSON.parse(r.data),
    occurred_at: r.created_at,
  }));
  await publishEvents(env, events);
  return { published: events.length };
}

/** Erasure (the privacy module): events lose the phone a link went to and the customer's strings. */
export function eventErasure(db: D1Database, s: ErasureSubject): D1PreparedStatement[] {
  return [
    db
      .prepare(
        `UPDATE domain_events SET data = json_set(data, '$.sent_to', NULL)
          WHERE type = 'appointment.link_sent' AND subject_id IN (${CUSTOMER_TICKETS})`,
      )
      .bind(s.customerId),
    ...redactValues(db, s, "domain_events", ["data"], "created_at >= ?", [s.since]),
  ];
}
