import { and, asc, eq, isNull, or, sql, type AnyColumn, type SQL } from "drizzle-orm";
import { commitChange, statementOf } from "../../lib/change-batch";
import { displayName } from "../../lib/names";
import { allReads, inList, mapReads, reads, runReads, type Reads } from "../../lib/d1";
import { calendars, companies, technicianLocations, technicianProfiles, users } from "../../db/schema";
import type { UserContext, ServiceContext } from "../../lib/context";
import { newId, nowIso } from "../../lib/ids";
import { keyset } from "../../lib/pagination";
import { addDays, todayIn } from "../../lib/time";
import { AppError } from "../../lib/problem";
import { PROFILE_FIELDS } from "./technicians.schemas";
import { eventsHub } from "../../lib/events-hub";
import { assertMayChangeUser, setCompanyStatement } from "../users";

type ProfileRow = typeof technicianProfiles.$inferSelect;
type UserRow = typeof users.$inferSelect;

const EMPTY_PROFILE = {
  employeeId: null,
  skills: [] as string[],
  serviceAreas: [] as string[],
  supervisorId: null,
  externalUsernames: {} as Record<string, string>,
  isAvailable: true,
  unavailableReason: null,
  calendarId: null,
  workingWeek: null,
};

export function toTechnicianResponse(user: UserRow, profile: ProfileRow | null) {
  const p = profile ?? EMPTY_PROFILE;
  const missing: string[] = [];
  if (!p.employeeId) missing.push("employee_id");
  if (!p.skills.length) missing.push("skills");
  if (!p.serviceAreas.length) missing.push("service_areas");
  if (!user.companyId) missing.push("company");
  if (!p.supervisorId) missing.push("supervisor");
  if (!Object.keys(p.externalUsernames).length) missing.push("external_usernames");
  return {
    user_id: user.id,
    username: user.username,
    display_name: displayName(user.firstName, user.lastName, user.username),
    phone: user.phone,
    email: user.email,
    is_active: user.status === "active" && !user.deletedAt,
    employee_id: p.employeeId,
    skills: p.skills,
    service_areas: p.serviceAreas,
    company_id: user.companyId,
    supervisor_id: p.supervisorId,
    external_usernames: p.externalUsernames,
    is_available: p.isAvailable,
    unavailable_reason: p.unavailableReason,
    calendar_id: p.calendarId,
    working_week: p.workingWeek,
    missing_fields: missing,
  };
}

const technicianUsers = and(eq(users.role, "technician"), isNull(users.deletedAt));

function jsonArrayContains(column: AnyColumn, value: string) {
  return sql`EXISTS (SELECT 1 FROM json_each(${column}) WHERE json_each.value = ${value.toLowerCase()})`;
}

const MISSING_CONDITIONS: Record<(typeof PROFILE_FIELDS)[number], SQL> = {
  employee_id: sql`${technicianProfiles.employeeId} IS NULL`,
  skills: sql`coalesce(json_array_length(${technicianProfiles.skills}), 0) = 0`,
  service_areas: sql`coalesce(json_array_length(${technicianProfiles.serviceAreas}), 0) = 0`,
  company: sql`${users.companyId} IS NULL`,
  supervisor: sql`${technicianProfiles.supervisorId} IS NULL`,
  external_usernames: sql`coalesce(${technicianProfiles.externalUsernames}, '{}') = '{}'`,
  bucket: sql`NOT EXISTS (SELECT 1 FROM buckets b WHERE b.owner_id = ${users.id})`,
};

export async function listTechnicians(
  ctx: UserContext,
  query: {
    limit: number;
    cursor?: string;
    supervisor_id?: string;
    unassigned?: boolean;
    missing?: ((typeof PROFILE_FIELDS)[number] | "any")[];
    missing_fields?: boolean;
    order?: "username" | "-username" | "created_at" | "-created_at";
    area?: string;
    region_id?: string;
    locality_id?: string;
    skill?: string[];
    available?: boolean;
  },
) {
  const ordering = query.order ?? "username";
  const byCreation = ordering.endsWith("created_at");
  const page = keyset({
    order: ordering,
    column: byCreation ? users.createdAt : users.username,
    idColumn: users.id,
    cursor: query.cursor,
  });
  const filters: (SQL | undefined)[] = [technicianUsers, page.where];
  if (query.supervisor_id) filters.push(eq(technicianProfiles.supervisorId, query.supervisor_id));
  if (query.unassigned) filters.push(MISSING_CONDITIONS.supervisor);
  for (const field of query.missing ?? []) if (field !== "any") filters.push(MISSING_CONDITIONS[field]);
  // "Any" is any field the profile's own `missing_fields` reports (the bucket is asked for by name).
  if (query.missing_fields || query.missing?.includes("any"))
    filters.push(or(...PROFILE_FIELDS.filter((f) => f !== "bucket").map((f) => MISSING_CONDITIONS[f])));
  if (query.area) filters.push(jsonArrayContains(technicianProfiles.serviceAreas, query.area));
  // Regions and localities stand for the free-text areas technicians serve.
  if (query.region_id || query.locality_id) {
    const place = query.locality_id ? sql`id = ${query.locality_id}` : sql`region_id = ${query.region_id}`;
    filters.push(
      sql`EXISTS (SELECT 1 FROM json_each(${technicianProfiles.serviceAreas}) WHERE json_each.value IN (SELECT service_area FROM localities WHERE ${place} AND deleted_at IS NULL))`,
    );
  }
  for (const skill of query.skill ?? []) filters.push(jsonArrayContains(technicianProfiles.skills, skill));
  if (query.available !== undefined) {
    filters.push(
      query.available
        ? and(
            eq(users.status, "active"),
            or(isNull(technicianProfiles.isAvailable), eq(technicianProfiles.isAvailable, true)),
          )
        : or(eq(technicianProfiles.isAvailable, false), sql`${users.status} <> 'active'`),
    );
  }
  const rows = await ctx.db
    .select({ user: users, profile: technicianProfiles, summary: summaryOf(ctx) })
    .from(users)
    .leftJoin(technicianProfiles, eq(technicianProfiles.userId, users.id))
    .where(and(...filters))
    .orderBy(...page.orderBy)
    .limit(query.limit + 1);
  const result = page.page(
    rows.map((r) => ({ ...r, id: r.user.id })),
    query.limit,
    (r) => (byCreation ? r.user.createdAt : r.user.username),
  );
  return {
    data: result.data.map((r) => withSummary(ctx, r)),
    next_cursor: result.next_cursor,
    has_more: result.next_cursor !== null,
  };
}

/**
 * A technician's work summary and last position, read with the technician (from the reports
 * module's published views over its aggregates: a few rows per technician whatever the number of
 * tickets), not in further round trips.
 */
function summaryOf(ctx: ServiceContext) {
  const today = todayIn(ctx.settings.timeZone);
  return sql<string>`json_object(
      'open', (SELECT coalesce(sum(c.tickets), 0) FROM technician_open_work c WHERE c.technician_id = "users"."id"),
      'resolved', (SELECT coalesce(sum(d.completed), 0) FROM technician_daily_results d WHERE d.technician_id = "users"."id" AND d.day >= ${addDays(today, -29)}),
      'satisfaction', (SELECT CASE WHEN sum(d.rated) > 0 THEN 1.0 * sum(d.rating_sum) / sum(d.rated) END FROM technician_daily_results d WHERE d.technician_id = "users"."id" AND d.day >= ${addDays(today, -89)}),
      'location', (SELECT json_object('lat', l.lat, 'lng', l.lng, 'accuracy_m', l.accuracy_m, 'reported_at', l.reported_at)
                     FROM technician_locations l WHERE l.technician_id = "users"."id" ORDER BY l.reported_at DESC LIMIT 1))`.as(
    "summary_json",
  );
}

/** The profile with its summary; the position only for those who may follow the technician (all-scope staff, their supervisor, themselves). */
function withSummary(
  ctx: UserContext,
  r: { user: typeof users.$inferSelect; profile: ProfileRow | null; summary: string },
) {
  const s = JSON.parse(r.summary) as {
    open: number;
    resolved: number;
    satisfaction: number | null;
    location: string | { lat: number; lng: number; accuracy_m: number | null; reported_at: string } | null;
  };
  const location = typeof s.location === "string" ? JSON.parse(s.location) : s.location;
  const mayLocate =
    ctx.actor.permissions.has("tickets:scope_all") ||
    r.profile?.supervisorId === ctx.actor.userId ||
    r.user.id === ctx.actor.userId;
  return {
    ...toTechnicianResponse(r.user, r.profile),
    current_location: mayLocate ? location : null,
    performance: {
      open_tickets: s.open,
      resolved_last_30_days: s.resolved,
      average_rating_90_days: s.satisfaction === null ? null : Math.round(s.satisfaction * 100) / 100,
    },
  };
}

export async function findTechnician(ctx: ServiceContext, userId: string) {
  const row = await ctx.db
    .select({ user: users, profile: technicianProfiles })
    .from(users)
    .leftJoin(technicianProfiles, eq(technicianProfiles.userId, users.id))
    .where(and(eq(users.id, userId), technicianUsers))
    .get();
  if (!row) throw new AppError("not_found", "No such technician.");
  return row;
}

/** A technician's profile row (undefined when they have none), for a caller's batch that reads the user itself. */
export function technicianProfileReads(ctx: ServiceContext, userId: string): Reads<ProfileRow | undefined> {
  return mapReads(
    reads(ctx.db.select().from(technicianProfiles).where(eq(technicianProfiles.userId, userId)).limit(1)),
    ([row]) => row,
  );
}

/**
 * A technician as the API shows them (work summary, position for those who may follow them), as
 * reads for one batch — a read's own, or the end of a change's: the user with the summary and the
 * profile as two selects (in a batch, a join's same-named columns would overwrite each other).
 */
function technicianAnswerReads(ctx: UserContext, userId: string) {
  return mapReads(
    allReads({
      user: reads(
        ctx.db
          .select({ user: users, summary: summaryOf(ctx) })
          .from(users)
          .where(and(eq(users.id, userId), technicianUsers))
          .limit(1),
      ),
      profile: technicianProfileReads(ctx, userId),
    }),
    ({ user: [row], profile }) => {
      if (!row) throw new AppError("not_found", "No such technician.");
      return withSummary(ctx, { user: row.user, profile: profile ?? null, summary: row.summary });
    },
  );
}

/** The profile with the same work summary and position as the list's, in one round trip. */
export async function getTechnician(ctx: UserContext, userId: string) {
  return runReads(ctx.env.DB, technicianAnswerReads(ctx, userId));
}

/**
 * A technician's team is part of the caller's reach: a supervisor who could pull a technician of
 * no team (or another team) into their own would then assign and book them. Only callers who see
 * every technician (`tickets:scope_all` with `users:update`) move a technician into a team they are
 * not already in; a supervisor may still take their own team's technicians out.
 */
function assertMayMoveBetweenTeams(ctx: UserContext, technicianId: string, path = "technician_ids") {
  if (ctx.actor.permissions.has("tickets:scope_all") && ctx.actor.permissions.has("users:update")) return;
  throw new AppError("forbidden", "Only staff who see every technician move technicians between teams.", {
    errors: [{ path, message: `${technicianId} is not in your team` }],
  });
}

/** Admins and managers edit anyone; a supervisor edits their own team and unassigned technicians. */
function assertMayManage(ctx: UserContext, profile: ProfileRow | null) {
  if (ctx.actor.permissions.has("users:update")) return;
  const supervisor = profile?.supervisorId ?? null;
  if (supervisor !== null && supervisor !== ctx.actor.userId)
    throw new AppError("forbidden", "This technician is in another team.");
}

function upsertProfileStatement(ctx: ServiceContext, userId: string, patch: Partial<ProfileRow>) {
  const now = nowIso();
  return ctx.db
    .insert(technicianProfiles)
    .values({ userId, createdAt: now, updatedAt: now, ...patch })
    .onConflictDoUpdate({ target: technicianProfiles.userId, set: { ...patch, updatedAt: now } });
}

async function assertSupervisor(ctx: ServiceContext, supervisorId: string, path = "supervisor_id") {
  const sup = await ctx.db.query.users.findFirst({
    where: and(eq(users.id, supervisorId), isNull(users.deletedAt)),
    columns: { role: true },
  });
  refuseUnlessSupervisor(sup, path);
}

function refuseUnlessSupervisor(sup: { role: string } | undefined, path: string) {
  if (!sup || !["supervisor", "manager", "admin"].includes(sup.role)) {
    throw new AppError("validation_failed", "The supervisor must be a supervisor, manager or admin.", {
      errors: [{ path, message: "Not a supervisor" }],
    });
  }
}

export async function updateTechnician(
  ctx: UserContext,
  userId: string,
  input: {
    employee_id?: string | null;
    skills?: string[];
    service_areas?: string[];
    external_usernames?: Record<string, string>;
    supervisor_id?: string | null;
    company_id?: string | null;
    calendar_id?: string | null;
    working_week?: Record<string, { start: string; end: string }[] | undefined> | null;
  },
) {
  const { user, profile } = await findTechnician(ctx, userId);
  assertMayManage(ctx, profile);
  await assertMayChangeUser(ctx, user);
  if (input.supervisor_id) {
    await assertSupervisor(ctx, input.supervisor_id);
    if (!ctx.actor.permissions.has("users:update") && input.supervisor_id !== ctx.actor.userId) {
      throw new AppError("forbidden", "You can only put technicians into your own team.");
    }
    if (input.supervisor_id !== (profile?.supervisorId ?? null))
      assertMayMoveBetweenTeams(ctx, userId, "supervisor_id");
  }
  if (input.company_id) {
    const company = await ctx.db.query.companies.findFirst({
      where: and(eq(companies.id, input.company_id), isNull(companies.deletedAt)),
      columns: { id: true },
    });
    if (!company)
      throw new AppError("validation_failed", "Unknown company.", {
        errors: [{ path: "company_id", message: "No such company" }],
      });
  }
  if (input.calendar_id) {
    const calendar = await ctx.db.query.calendars.findFirst({
      where: eq(calendars.id, input.calendar_id),
      columns: { id: true },
    });
    if (!calendar)
      throw new AppError("validation_failed", "Unknown calendar.", {
        errors: [{ path: "calendar_id", message: "No such calendar" }],
      });
  }
  if (input.employee_id) {
    const clash = await ctx.db.query.technicianProfiles.findFirst({
      where: eq(technicianProfiles.employeeId, input.employee_id),
      columns: { userId: true },
    });
    if (clash && clash.userId !== userId)
      throw new AppError("conflict", "Employee id in use.", {
        errors: [{ path: "employee_id", message: "Already used" }],
      });
  }
  const patch: Partial<ProfileRow> = {};
  if (input.employee_id !== undefined) patch.employeeId = input.employee_id;
  if (input.skills !== undefined) patch.skills = [...new Set(input.skills)];
  if (input.service_areas !== undefined) patch.serviceAreas = [...new Set(input.service_areas)];
  if (input.external_usernames !== undefined) patch.externalUsernames = input.external_usernames;
  if (input.supervisor_id !== undefined) patch.supervisorId = input.supervisor_id;
  if (input.calendar_id !== undefined) patch.calendarId = input.calendar_id;
  if (input.working_week !== undefined)
    patch.workingWeek = input.working_week
      ? Object.fromEntries(
          Object.entries(input.working_week).filter((e): e is [string, { start: string; end: string }[]] =>
            Array.isArray(e[1]),
          ),
        )
      : null;
  const before = profile?.supervisorId ?? null;
  const moved = input.supervisor_id !== undefined && input.supervisor_id !== before;
  // The answer is read at the end of the change's batch.
  const answer = technicianAnswerReads(ctx, userId);
  const { reads: answered } = await commitChange(
    ctx,
    {
      statements: [
        statementOf(ctx.env.DB, upsertProfileStatement(ctx, userId, patch)),
        ...(input.company_id !== undefined
          ? [statementOf(ctx.env.DB, setCompanyStatement(ctx, userId, input.company_id))]
          : []),
      ],
      // A move between teams is a team change; the rest of a profile is not administration.
      audit: moved
        ? [
            {
              action: input.supervisor_id ? "team.member_added" : "team.member_removed",
              targetType: "team" as const,
              targetId: input.supervisor_id ?? before ?? "",
              before: { technician_id: userId, supervisor_id: before },
              after: { technician_id: userId, supervisor_id: input.supervisor_id ?? null },
            },
          ]
        : [],
    },
    undefined,
    answer.statements,
  );
  return answer.finish(answered);
}

/** FW-3: a technician switches themself; staff with technicians:write switch anyone they manage. */
export async function setAvailability(
  ctx: UserContext,
  userId: string,
  input: { is_available: boolean; reason?: string },
) {
  const { user, profile } = await findTechnician(ctx, userId);
  if (userId !== ctx.actor.userId) {
    if (!ctx.actor.permissions.has("technicians:write")) throw new AppError("not_found", "No such technician.");
    assertMayManage(ctx, profile);
    await assertMayChangeUser(ctx, user);
  }
  // The switch and the answer in one batch.
  const answer = technicianAnswerReads(ctx, userId);
  const [, ...answered] = await ctx.env.DB.batch([
    statementOf(
      ctx.env.DB,
      upsertProfileStatement(ctx, userId, {
        isAvailable: input.is_available,
        unavailableReason: input.is_available ? null : (input.reason ?? null),
      }),
    ),
    ...answer.statements,
  ]);
  await eventsHub(ctx.env).publish(
    {
      type: "technician.availability_changed",
      id: newId("evt"),
      data: { technician_id: userId, is_available: input.is_available, reason: input.reason ?? null },
    },
    { userIds: [userId, ...(profile?.supervisorId ? [profile.supervisorId] : [])], scopeAll: true },
  );
  return answer.finish(answered);
}

// ---- teams (IAM-14) ----

export async function listTeams(ctx: UserContext) {
  const rows = await ctx.db
    .select({
      supervisorId: technicianProfiles.supervisorId,
      n: sql<number>`count(*)`,
      first: users.firstName,
      last: users.lastName,
      username: users.username,
    })
    .from(technicianProfiles)
    .innerJoin(users, eq(users.id, technicianProfiles.supervisorId))
    .groupBy(technicianProfiles.supervisorId)
    .orderBy(asc(users.username));
  return {
    data: rows.map((r) => ({
      supervisor_id: r.supervisorId!,
      supervisor_name: displayName(r.first, r.last, r.username),
      technician_count: r.n,
    })),
  };
}

export async function getTeam(ctx: UserContext, supervisorId: string) {
  return runReads(ctx.env.DB, teamReads(ctx, supervisorId));
}

/** A team as the API shows it: three selects for one batch (users and profiles share column names, so no join in a batch). */
function teamReads(ctx: UserContext, supervisorId: string) {
  const members = ctx.db
    .select({ id: technicianProfiles.userId })
    .from(technicianProfiles)
    .where(eq(technicianProfiles.supervisorId, supervisorId));
  return mapReads(
    allReads({
      sup: reads(
        ctx.db
          .select()
          .from(users)
          .where(and(eq(users.id, supervisorId), isNull(users.deletedAt)))
          .limit(1),
      ),
      people: reads(
        ctx.db
          .select()
          .from(users)
          .where(and(inList(users.id, members), technicianUsers))
          .orderBy(asc(users.username)),
      ),
      profiles: reads(
        ctx.db.select().from(technicianProfiles).where(eq(technicianProfiles.supervisorId, supervisorId)),
      ),
    }),
    ({ sup: [sup], people, profiles }) => {
      if (!sup) throw new AppError("not_found", "No such supervisor.");
      const profileOf = new Map(profiles.map((p) => [p.userId, p]));
      return {
        supervisor_id: supervisorId,
        supervisor_name: displayName(sup.firstName, sup.lastName, sup.username),
        technicians: people.map((u) => toTechnicianResponse(u, profileOf.get(u.id) ?? null)),
      };
    },
  );
}

export async function changeTeam(ctx: UserContext, supervisorId: string, technicianIds: string[], join: boolean) {
  // The supervisor, the technicians and their profiles in one batch (separate selects: same-named columns).
  const [[sup], people, profiles] = await ctx.db.batch([
    ctx.db
      .select({ role: users.role })
      .from(users)
      .where(and(eq(users.id, supervisorId), isNull(users.deletedAt)))
      .limit(1),
    ctx.db
      .select()
      .from(users)
      .where(and(inList(users.id, technicianIds), technicianUsers)),
    ctx.db.select().from(technicianProfiles).where(inList(technicianProfiles.userId, technicianIds)),
  ]);
  refuseUnlessSupervisor(sup, "supervisor_id");
  if (!ctx.actor.permissions.has("users:update") && supervisorId !== ctx.actor.userId) {
    throw new AppError("forbidden", "You can only manage your own team.");
  }
  const profileOf = new Map(profiles.map((p) => [p.userId, p]));
  const found = people.map((user) => ({ user, profile: profileOf.get(user.id) ?? null }));
  const missing = technicianIds.filter((id) => !found.some((r) => r.user.id === id));
  if (missing.length) {
    throw new AppError("validation_failed", "Some ids are not technicians.", {
      errors: missing.map((id) => ({ path: "technician_ids", message: `${id} is not a technician` })),
    });
  }
  for (const row of found) {
    await assertMayChangeUser(ctx, row.user);
    const current = row.profile?.supervisorId ?? null;
    if (join && current !== supervisorId) assertMayMoveBetweenTeams(ctx, row.user.id);
    if (!join && current !== supervisorId) throw new AppError("conflict", `${row.user.username} is not in this team.`);
  }
  // The moves, their audit entries and the team as they leave it, in one batch.
  const answer = teamReads(ctx, supervisorId);
  const { reads: answered } = await commitChange(
    ctx,
    {
      statements: technicianIds.map((id) =>
        statementOf(ctx.env.DB, upsertProfileStatement(ctx, id, { supervisorId: join ? supervisorId : null })),
      ),
      audit: found.map((row) => ({
        action: join ? "team.member_added" : "team.member_removed",
        targetType: "team" as const,
        targetId: supervisorId,
        before: { technician_id: row.user.id, supervisor_id: row.profile?.supervisorId ?? null },
        after: { technician_id: row.user.id, supervisor_id: join ? supervisorId : null },
      })),
    },
    undefined,
    answer.statements,
  );
  return answer.finish(answered);
}

// ---- locations (FW-2) ----

export async function reportLocation(
  ctx: UserContext,
  technicianId: string,
  input: { lat: number; lng: number; accuracy_m?: number },
) {
  if (technicianId !== ctx.actor.userId) throw new AppError("forbidden", "Technicians report their own location.");
  const report = locationReport(ctx, await runReads(ctx.env.DB, locationReads(ctx)), input);
  await ctx.env.DB.batch(report.statements);
  await report.publish();
  return report.result;
}

/** What the caller's reported position needs, for a caller's batch: that they are a technician, and their supervisor (who hears of it). */
export function locationReads(ctx: UserContext): Reads<{ supervisorId: string | null } | undefined> {
  const me = ctx.actor.userId;
  return mapReads(
    allReads({
      user: reads(
        ctx.db
          .select({ id: users.id })
          .from(users)
          .where(and(eq(users.id, me), technicianUsers))
          .limit(1),
      ),
      profile: technicianProfileReads(ctx, me),
    }),
    ({ user, profile }) => (user.length ? { supervisorId: profile?.supervisorId ?? null } : undefined),
  );
}

/** The caller's position as a statement for a caller's batch, and the live event to send once it committed. */
export function locationReport(
  ctx: UserContext,
  technician: { supervisorId: string | null } | undefined,
  input: { lat: number; lng: number; accuracy_m?: number },
) {
  if (!technician) throw new AppError("not_found", "No such technician.");
  const technicianId = ctx.actor.userId;
  const now = nowIso();
  const result = {
    technician_id: technicianId,
    lat: input.lat,
    lng: input.lng,
    accuracy_m: input.accuracy_m ?? null,
    reported_at: now,
  };
  return {
    statements: [
      statementOf(
        ctx.env.DB,
        ctx.db.insert(technicianLocations).values({
          id: newId("loc"),
          technicianId,
          lat: input.lat,
          lng: input.lng,
          accuracyM: input.accuracy_m ?? null,
          reportedAt: now,
        }),
      ),
    ],
    result,
    publish: () =>
      eventsHub(ctx.env).publish(
        { type: "technician.location_updated", id: newId("evt"), data: result },
        {
          userIds: [technicianId, ...(technician.supervisorId ? [technician.supervisorId] : [])],
          scopeAll: true,
        },
      ),
  };
}

/** The newest report per technician, in the caller's scope (all, or a supervisor's team). */
export async function latestLocations(ctx: UserContext) {
  const teamOnly = !ctx.actor.permissions.has("tickets:scope_all");
  const rows = await ctx.db
    .select({
      technicianId: technicianLocations.technicianId,
      lat: technicianLocations.lat,
      lng: technicianLocations.lng,
      accuracy: technicianLocations.accuracyM,
      at: technicianLocations.reportedAt,
      first: users.firstName,
      last: users.lastName,
      username: users.username,
      available: technicianProfiles.isAvailable,
    })
    .from(technicianLocations)
    .innerJoin(users, eq(users.id, technicianLocations.technicianId))
    .leftJoin(technicianProfiles, eq(technicianProfiles.userId, technicianLocations.technicianId))
    .where(
      and(
        sql`${technicianLocations.reportedAt} = (SELECT max(l2.reported_at) FROM technician_locations l2 WHERE l2.technician_id = ${technicianLocations.technicianId})`,
        teamOnly ? eq(technicianProfiles.supervisorId, ctx.actor.userId) : undefined,
      ),
    );
  return {
    data: rows.map((r) => ({
      technician_id: r.technicianId,
      display_name: displayName(r.first, r.last, r.username),
      lat: r.lat,
      lng: r.lng,
      accuracy_m: r.accuracy,
      reported_at: r.at,
      is_available: r.available ?? true,
    })),
  };
}
