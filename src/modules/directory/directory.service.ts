import type { UserContext } from "../../lib/context";
import { sql } from "drizzle-orm";
import { allReads, runReads } from "../../lib/d1";
import { AppError } from "../../lib/problem";
import { companyReads } from "../companies";
import { technicianProfileReads, toTechnicianResponse } from "../technicians";
import { findUser, toUserResponse, userReads, usersByIds, usersOfCompanyReads } from "../users";

export async function lookupUser(ctx: UserContext, id: string) {
  return toUserResponse(await findUser(ctx, id));
}

export async function lookupUsers(ctx: UserContext, ids: string[]) {
  const { found, unknown } = await usersByIds(ctx, ids);
  return { data: found.map(toUserResponse), unknown };
}

export async function companyUsers(ctx: UserContext, companyId: string, query: { limit: number; cursor?: string }) {
  const { company, page } = await runReads(
    ctx.env.DB,
    allReads({ company: companyReads(ctx, companyId), page: usersOfCompanyReads(ctx, companyId, query) }),
  );
  if (!company) throw new AppError("not_found", "No such company.");
  return page;
}

/** The user, their company and their technician profile, in one batch. */
export async function lookupEmployee(ctx: UserContext, id: string) {
  const { user, company, profile } = await runReads(
    ctx.env.DB,
    allReads({
      user: userReads(ctx, id),
      company: companyReads(ctx, sql`(SELECT u.company_id FROM users u WHERE u.id = ${id})`),
      profile: technicianProfileReads(ctx, id),
    }),
  );
  if (!user) throw new AppError("not_found", "No such user.");
  return {
    user: toUserResponse(user),
    company: company ? { id: company.id, name: company.name } : null,
    technician: user.role === "technician" ? toTechnicianResponse(user, profile ?? null) : null,
  };
}
