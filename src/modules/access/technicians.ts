import { and, eq } from "drizzle-orm";
import { technicianProfiles } from "../../db/schema";
import type { UserContext } from "../../lib/context";
import { inList } from "../../lib/d1";
import { AppError } from "../../lib/problem";

/**
 * Every technician named in a request is scoped like the work it names them for: callers who
 * dispatch everything (`tickets:scope_all`) may name any technician, team leaders
 * (`tickets:scope_team`) themselves and their own team, anyone else only themselves. Ids that do
 * not name technicians are left to the caller's own existence check.
 */
export async function outsideReach(ctx: UserContext, ids: string[]): Promise<string[]> {
  if (ctx.actor.permissions.has("tickets:scope_all")) return [];
  const others = [...new Set(ids)].filter((id) => id !== ctx.actor.userId);
  if (!others.length || !ctx.actor.permissions.has("tickets:scope_team")) return others;
  const team = await ctx.db
    .select({ id: technicianProfiles.userId })
    .from(technicianProfiles)
    .where(and(inList(technicianProfiles.userId, others), eq(technicianProfiles.supervisorId, ctx.actor.userId)));
  return others.filter((id) => !team.some((t) => t.id === id));
}

/** 403 naming the field, when any technician id is outside the caller's reach. */
export async function assertTechniciansInReach(ctx: UserContext, ids: string[], path: string) {
  const outside = await outsideReach(ctx, ids);
  if (outside.length) {
    throw new AppError("forbidden", "You can only name technicians of your own team.", {
      errors: outside.map((id) => ({ path, message: `${id} is not in your team` })),
    });
  }
}
