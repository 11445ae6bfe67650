import type { UserContext } from "../../lib/context";
import type { Permission } from "../../contracts/permissions";
import { findAffectedEntry, findIncident } from "../network";

/**
 * The objects comments can be attached to: who may read and write them, who may edit or delete
 * anyone's, and how to find one (a 404 when it does not exist for the caller). Another module's
 * objects become commentable with one more entry here.
 */
export const CONTENT_TYPES = {
  copper_incident: {
    read: "network:read",
    write: "network:manage",
    moderate: "network:admin",
    find: (ctx: UserContext, id: string) => findIncident(ctx, id),
  },
  affected_customer: {
    read: "network:read",
    write: "network:manage",
    moderate: "network:admin",
    find: (ctx: UserContext, id: string) => findAffectedEntry(ctx, id),
  },
} satisfies Record<
  string,
  {
    read: Permission;
    write: Permission;
    moderate: Permission;
    find: (ctx: UserContext, id: string) => Promise<unknown>;
  }
>;

export type ContentType = keyof typeof CONTENT_TYPES;
