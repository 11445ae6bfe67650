import type { UserContext } from "../../lib/context";
import { findCompany } from "../companies";
import { findTechnician, toTechnicianResponse } from "../technicians";
import { findUser, toUserResponse, usersByIds, usersOfCompany } from "../users";

export async function lookupUser(ctx: UserContext, id: string) {
  return toUserResponse(await findUser(ctx, id));
}

export async function lookupUsers(ctx: UserContext, ids: string[]) {
  const { found, unknown } = await usersByIds(ctx, ids);
  return { data: found.map(toUserResponse), unknown };
}

export async function companyUsers(ctx: UserContext, companyId: string, query: { limit: number; cursor?: string }) {
  await findCompany(ctx, companyId);
  return usersOfCompany(ctx, companyId, query);
}

export async function lookupEmployee(ctx: UserContext, id: string) {
  const user = await findUser(ctx, id);
  const company = user.companyId ? await findCompany(ctx, user.companyId).catch(() => null) : null;
  const technician = await findTechnician(ctx, id).catch(() => null);
  return {
    user: toUserResponse(user),
    company: company ? { id: company.id, name: company.name } : null,
    technician: technician ? toTechnicianResponse(technician.user, technician.profile) : null,
  };
}
