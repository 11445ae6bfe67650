import type { z } from "@hono/zod-openapi";
import { and, eq, isNotNull, ne, sql } from "drizzle-orm";
import { type CalendarFrame, type CalendarHoliday, calendars } from "../../db/schema";
import { commitAudited, commitAuditedAndRead, statementOf } from "../../lib/change-batch";
import { bumpSlaRevision } from "../../lib/counters";
import { armSlaTimer } from "../../lib/sla-timer";
import type { ServiceContext, UserContext } from "../../lib/context";
import { isLocal } from "../../lib/env";
import { newId, nowIso } from "../../lib/ids";
import { outboundTargetProblem } from "../../lib/outbound-targets";
import { addDays } from "../../lib/time";
import { keyset } from "../../lib/pagination";
import { AppError } from "../../lib/problem";
import { ALWAYS_OPEN, addWorkingMinutes, type WorkingCalendar } from "../../lib/working-time";
import type { CalendarCreateSchema, CalendarUpdateSchema } from "./calendars.schemas";
import { FEED_MAX_BYTES, holidaysFromFeed } from "./feeds";

type CalendarRow = typeof calendars.$inferSelect;

export function toCalendarResponse(r: CalendarRow) {
  return {
    id: r.id,
    name: r.name,
    time_zone: r.timeZone,
    week: r.week,
    exceptions: r.exceptions,
    holidays: r.holidays,
    is_default: r.isDefault,
    ical_url: r.icalUrl,
    ical_holidays: r.icalHolidays,
    ical_refreshed_at: r.icalRefreshedAt,
    ical_error: r.icalError,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}

/** The calendar as the working-time functions read it. */
export function workingCalendarOf(r: CalendarRow): WorkingCalendar {
  return { timeZone: r.timeZone, week: r.week, exceptions: r.exceptions, holidays: [...r.holidays, ...r.icalHolidays] };
}

async function findCalendar(ctx: ServiceContext, id: string) {
  const row = await ctx.db.query.calendars.findFirst({ where: eq(calendars.id, id) });
  if (!row) throw new AppError("not_found", "No such calendar.");
  return row;
}

/** The deployment's default calendar, or every hour of every day when none is set. */
export async function defaultWorkingCalendar(ctx: ServiceContext): Promise<WorkingCalendar> {
  const row = await ctx.db.query.calendars.findFirst({ where: eq(calendars.isDefault, true) });
  return row ? workingCalendarOf(row) : ALWAYS_OPEN;
}

export async function listCalendars(ctx: UserContext, query: { limit: number; cursor?: string }) {
  const page = keyset({ order: "name", column: calendars.name, idColumn: calendars.id, cursor: query.cursor });
  const rows = await ctx.db
    .select()
    .from(calendars)
    .where(page.where)
    .orderBy(...page.orderBy)
    .limit(query.limit + 1);
  const result = page.page(rows, query.limit, (r) => r.name);
  return {
    data: result.data.map(toCalendarResponse),
    next_cursor: result.next_cursor,
    has_more: result.next_cursor !== null,
  };
}

export async function getCalendar(ctx: UserContext, id: string) {
  return toCalendarResponse(await findCalendar(ctx, id));
}

const weekOf = (week: Partial<Record<string, CalendarFrame[] | undefined>>) =>
  Object.fromEntries(Object.entries(week).filter((e): e is [string, CalendarFrame[]] => Array.isArray(e[1])));

/** Becoming the default takes it from the one before, in the same batch (one default at a time, held by a unique index). */
const takeDefault = (ctx: UserContext, id: string) =>
  ctx.db.update(calendars).set({ isDefault: false, updatedAt: nowIso() }).where(ne(calendars.id, id));

/** A feed must be https and public, like a webhook's target. */
function assertFeedUrl(ctx: UserContext, url: string | null | undefined) {
  if (!url) return;
  const problem = outboundTargetProblem(url, { allowLocalDevelopment: isLocal(ctx.settings) });
  if (problem)
    throw new AppError("validation_failed", "The iCal URL is not an allowed address.", {
      errors: [{ path: "ical_url", message: problem }],
    });
}

/** Open tickets whose SLA clock runs on a changed calendar are recomputed by the SLA timer, woken now. */
function recomputeSoon(ctx: ServiceContext) {
  ctx.waitUntil(armSlaTimer(ctx.env, Date.now()).catch(() => undefined));
}

/** A new or changed feed is read after the answer (off the request's path); the daily job keeps it fresh. */
function refreshSoon(ctx: UserContext, id: string, url: string | null | undefined) {
  if (url) ctx.waitUntil(refreshCalendarFeed(ctx, id).catch(() => undefined));
}

export async function createCalendar(ctx: UserContext, input: z.output<typeof CalendarCreateSchema>) {
  assertFeedUrl(ctx, input.ical_url);
  const now = nowIso();
  const row: CalendarRow = {
    id: newId("cal"),
    name: input.name,
    timeZone: input.time_zone,
    week: weekOf(input.week),
    exceptions: input.exceptions,
    holidays: input.holidays,
    isDefault: input.is_default,
    icalUrl: input.ical_url ?? null,
    icalHolidays: [],
    icalRefreshedAt: null,
    icalError: null,
    createdAt: now,
    updatedAt: now,
  };
  await commitAudited(
    ctx,
    [
      ...(row.isDefault ? [takeDefault(ctx, row.id)] : []),
      ctx.db.insert(calendars).values(row),
      bumpSlaRevision(ctx.env.DB),
    ],
    { action: "calendar.created", targetType: "calendar", targetId: row.id, after: toCalendarResponse(row) },
  );
  refreshSoon(ctx, row.id, row.icalUrl);
  recomputeSoon(ctx);
  return toCalendarResponse(row);
}

export async function updateCalendar(ctx: UserContext, id: string, input: z.output<typeof CalendarUpdateSchema>) {
  const before = await findCalendar(ctx, id);
  assertFeedUrl(ctx, input.ical_url);
  const set: Partial<CalendarRow> = { updatedAt: nowIso() };
  if (input.name !== undefined) set.name = input.name;
  if (input.time_zone !== undefined) set.timeZone = input.time_zone;
  if (input.week !== undefined) set.week = weekOf(input.week);
  if (input.exceptions !== undefined) set.exceptions = input.exceptions;
  if (input.holidays !== undefined) set.holidays = input.holidays;
  if (input.is_default) set.isDefault = true;
  if (input.ical_url !== undefined && input.ical_url !== before.icalUrl) {
    // A new feed starts empty; removing one drops what it named.
    Object.assign(set, { icalUrl: input.ical_url, icalHolidays: [], icalRefreshedAt: null, icalError: null });
  }
  const [row] = await commitAuditedAndRead(
    ctx,
    [
      ...(input.is_default ? [takeDefault(ctx, id)] : []),
      ctx.db.update(calendars).set(set).where(eq(calendars.id, id)),
      bumpSlaRevision(ctx.env.DB),
    ],
    [
      {
        action: "calendar.updated",
        targetType: "calendar",
        targetId: id,
        before: toCalendarResponse(before),
        after: set,
      },
    ],
    ctx.db.select().from(calendars).where(eq(calendars.id, id)).limit(1),
  );
  recomputeSoon(ctx);
  return row ? toCalendarResponse(row) : getCalendar(ctx, id);
}

export async function deleteCalendar(ctx: UserContext, id: string) {
  // The calendar and what uses it, in one round trip (SLA policies name calendars).
  const [rows, uses] = await ctx.db.batch([
    ctx.db.select().from(calendars).where(eq(calendars.id, id)),
    ctx.db
      .select({
        policies: sql<number>`(SELECT count(*) FROM sla_policies WHERE calendar_id = ${id})`,
      })
      .from(calendars)
      .limit(1),
  ]);
  const before = rows[0];
  if (!before) throw new AppError("not_found", "No such calendar.");
  if (before.isDefault)
    throw new AppError("conflict", "This is the default calendar: make another one the default first.");
  const inUse = uses[0];
  if (inUse?.policies)
    throw new AppError(
      "conflict",
      `The calendar is in use by ${inUse.policies} SLA policies: move them to another calendar first.`,
    );
  await commitAudited(ctx, [ctx.db.delete(calendars).where(eq(calendars.id, id)), bumpSlaRevision(ctx.env.DB)], {
    action: "calendar.deleted",
    targetType: "calendar",
    targetId: id,
    before: toCalendarResponse(before),
  });
}

/** When `minutes` working minutes after `from` fall on this calendar: what an SLA target on it would be. */
export async function calendarWorkingTime(ctx: UserContext, id: string, query: { from: string; minutes: number }) {
  const due = addWorkingMinutes(workingCalendarOf(await findCalendar(ctx, id)), Date.parse(query.from), query.minutes);
  return {
    from: new Date(query.from).toISOString(),
    minutes: query.minutes,
    due_at: due === null ? null : new Date(due).toISOString(),
  };
}

/** Reads one calendar's feed: its closed days from a year back to two years ahead replace the last ones; a failure keeps them and says why. */
export async function refreshCalendarFeed(ctx: ServiceContext, id: string, now = Date.now()) {
  const row = await ctx.db.query.calendars.findFirst({ where: eq(calendars.id, id) });
  if (!row?.icalUrl) return { refreshed: false };
  const url = row.icalUrl;
  const today = new Date(now).toISOString().slice(0, 10);
  let holidays: CalendarHoliday[] | null = null;
  let error: string | null = null;
  try {
    const res = await fetch(url, {
      headers: { accept: "text/calendar" },
      redirect: "manual",
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`The feed answered ${res.status}`);
    const text = await res.text();
    if (text.length > FEED_MAX_BYTES) throw new Error("The feed is larger than 1 MB");
    holidays = holidaysFromFeed(text, addDays(today, -366), addDays(today, 731));
  } catch (err) {
    error = (err instanceof Error ? err.message : String(err)).slice(0, 300);
  }
  // Only while the calendar still has this feed: a URL changed meanwhile is not overwritten.
  const stillSame = and(eq(calendars.id, id), eq(calendars.icalUrl, url));
  const update = ctx.db
    .update(calendars)
    .set(
      holidays
        ? { icalHolidays: holidays, icalRefreshedAt: new Date(now).toISOString(), icalError: null }
        : { icalError: error },
    )
    .where(stillSame);
  // New closed days move the due times of tickets on this calendar, like an edit does.
  const moved = holidays !== null && JSON.stringify(holidays) !== JSON.stringify(row.icalHolidays);
  await ctx.env.DB.batch([statementOf(ctx.env.DB, update), ...(moved ? [bumpSlaRevision(ctx.env.DB)] : [])]);
  if (moved) await armSlaTimer(ctx.env, Date.now()).catch(() => undefined);
  return { refreshed: holidays !== null, error };
}

/** The daily job: every calendar with a feed, one after another (a handful per deployment). */
export async function refreshCalendarFeeds(ctx: ServiceContext, scheduledTime: number) {
  const rows = await ctx.db.select({ id: calendars.id }).from(calendars).where(isNotNull(calendars.icalUrl));
  let refreshed = 0;
  for (const { id } of rows) if ((await refreshCalendarFeed(ctx, id, scheduledTime)).refreshed) refreshed++;
  return { feeds: rows.length, refreshed };
}
