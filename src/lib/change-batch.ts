import type { Table } from "drizzle-orm";
import type { CatalogueEvent } from "../contracts/events";
import type { AuditTarget } from "../db/schema";
import type { ServiceContext } from "./context";
import { type Guard, readInBatch } from "./d1";
import { newId, nowIso } from "./ids";
import type { DomainEventMessage } from "./messages";

/**
 * The one write path. A writer states what it changes — its own statements, the guard that says
 * whether they won, the rows it changed (drizzle tables, not names), the typed events that
 * happened and, for administration, what the audit log should say — and `commitChange` adds the
 * statements of every derived table's owner (the mobile change log, the report aggregates, the
 * event outbox, the audit log) to the same D1 batch, commits, and lets each owner finish after
 * the commit (the outbox publishes). Owners are registered once, at the entry point
 * (src/owners.ts); nobody else writes their tables (test/reliability/write-ownership.test.ts).
 */

/** A row a change wrote. `of` is the row it is read through: a comment's, visit's or assignee's ticket; a notification's or an equipment loan's user. */
export interface ChangedRow {
  table: Table;
  id: string;
  of?: string;
  op?: "upsert" | "delete";
}

/** An event that happened, with the row it is about; `when` makes it conditional on the batch (written only if it holds). */
export interface RecordedEvent {
  event: DomainEventMessage;
  when?: Guard;
}

/** An administrative change for the audit log: what was changed, and how it looked before and after. */
export interface AuditEntry {
  /** `<target>.<verb>`, e.g. `user.updated`, `api_key.revoked`. */
  action: string;
  targetType: AuditTarget;
  targetId: string;
  before?: unknown;
  after?: unknown;
}

export interface Change {
  /** The writer's own statements, in order. */
  statements: D1PreparedStatement[];
  /**
   * Derived rows are written only while this holds (the writer's guarded statement won). It may
   * name `:subject`, replaced by each owner with the id of the row an entry is about — for set-based
   * writes where each row won or lost on its own (see `subjectGuard`).
   */
  guard?: Guard;
  changed?: ChangedRow[];
  /** Rows a set-based statement changed, named by a condition on their table (the rows that now meet it). */
  changedWhere?: { table: Table; where: Guard }[];
  events?: RecordedEvent[];
  audit?: AuditEntry[];
}

/** What an owner may know of the writer: storage, settings, who acted, and from where. */
export type OwnerContext = Pick<ServiceContext, "env" | "actor" | "settings"> &
  Partial<Pick<ServiceContext, "requestId" | "clientIp" | "waitUntil">>;

export interface DerivedOwner {
  /** The module that owns the tables. */
  module: string;
  /** The derived tables it alone writes. */
  tables: readonly string[];
  statements(db: D1Database, ctx: OwnerContext, change: Change): D1PreparedStatement[];
  /** After the batch committed: `rows` are every row any statement of the batch returned. */
  afterCommit?(ctx: OwnerContext, change: Change, rows: Record<string, unknown>[]): Promise<void>;
}

let owners: readonly DerivedOwner[] | null = null;

/** Called once by the entry point (src/owners.ts) with the table of owners. */
export function registerDerivedOwners(list: readonly DerivedOwner[]) {
  owners = list;
}

export function derivedOwners(): readonly DerivedOwner[] {
  if (!owners) throw new Error("No derived-table owners registered: import src/owners.ts at the entry point.");
  return owners;
}

/** A change's statements (the writer's, then every owner's), and what to run once the batch committed. */
export interface PreparedChange {
  statements: D1PreparedStatement[];
  afterCommit(results: D1Result[]): Promise<void>;
}

/** For a batch someone else commits (an import step's): the statements, and what to run after. */
export function prepareChange(ctx: OwnerContext, change: Change): PreparedChange {
  const list = derivedOwners();
  const db = ctx.env.DB;
  return {
    statements: [...change.statements, ...list.flatMap((o) => o.statements(db, ctx, change))],
    async afterCommit(results) {
      const rows = results.flatMap((r) => (r.results ?? []) as Record<string, unknown>[]);
      for (const o of list) await o.afterCommit?.(ctx, change, rows);
    },
  };
}

/**
 * Commits a change in one D1 batch. `won` reads the writer's results (by default every change
 * wins); when it says no, nothing of the change was written (its guard failed), and nothing is
 * published.
 */
export async function commitChange(
  ctx: OwnerContext,
  change: Change,
  won: (results: D1Result[]) => boolean = () => true,
  /** Reads sent at the end of the same batch, after every write: the answer comes from them, no trip of its own. */
  reads: D1PreparedStatement[] = [],
): Promise<{ results: D1Result[]; won: boolean; reads: D1Result[] }> {
  const prepared = prepareChange(ctx, change);
  const [first, ...rest] = prepared.statements;
  if (!first) return { results: [], won: true, reads: [] };
  const all = await ctx.env.DB.batch([first, ...rest, ...reads]);
  const results = all.slice(0, all.length - reads.length);
  const ok = won(results);
  if (ok) await prepared.afterCommit(results);
  return { results, won: ok, reads: all.slice(all.length - reads.length) };
}

/** An event of the catalogue, as the change records it: type-checked data, its subject, who did it. */
export function domainEvent(event: CatalogueEvent, subjectId: string, actorId: string | null, id = newId("evt")) {
  return {
    kind: "event",
    id,
    type: event.type,
    subject_id: subjectId,
    actor_id: actorId,
    data: event.data as Record<string, unknown>,
    occurred_at: nowIso(),
  } satisfies DomainEventMessage;
}

/** `guard` with `:subject` replaced by an owner's SQL expression for the row an entry is about. */
export function subjectGuard(guard: Guard, subject: string): Guard {
  return { sql: guard.sql.replaceAll(":subject", subject), params: guard.params };
}

/** A drizzle query as a D1 statement, for a change's statements. */
export function statementOf(
  db: D1Database,
  query: { toSQL(): { sql: string; params: unknown[] } },
): D1PreparedStatement {
  const { sql, params } = query.toSQL();
  return db.prepare(sql).bind(...params);
}

type Query = { toSQL(): { sql: string; params: unknown[] } };

/** An administrative write: its statements (drizzle queries or D1 statements) and what the audit log says of it, in one batch. */
export async function commitAudited(
  ctx: OwnerContext,
  writes: (Query | D1PreparedStatement)[],
  ...audit: AuditEntry[]
): Promise<D1Result[]> {
  const db = ctx.env.DB;
  const statements = writes.map((w) => ("toSQL" in w ? statementOf(db, w) : w));
  return (await commitChange(ctx, { statements, audit })).results;
}

/** `commitChange`, with a drizzle read at the end of the same batch: the answer, as the change left it. */
export async function commitAndRead<T>(ctx: OwnerContext, change: Change, answer: PromiseLike<T>): Promise<T> {
  const read = readInBatch(answer);
  const { reads } = await commitChange(ctx, change, undefined, [read.statement]);
  return read.map(reads[0]);
}

/** `commitAudited`, with a drizzle read at the end of the same batch (the answer). */
export function commitAuditedAndRead<T>(
  ctx: OwnerContext,
  writes: (Query | D1PreparedStatement)[],
  audit: AuditEntry[],
  answer: PromiseLike<T>,
): Promise<T> {
  const db = ctx.env.DB;
  const statements = writes.map((w) => ("toSQL" in w ? statementOf(db, w) : w));
  return commitAndRead(ctx, { statements, audit }, answer);
}
