import { registerDerivedOwners } from "./lib/change-batch";
import { auditLogOwner } from "./modules/audit";
import { syncLogOwner } from "./modules/mobile";
import { eventOutboxOwner } from "./modules/notifications";
import { reportAggregatesOwner } from "./modules/reports";

/**
 * The owners of derived tables, registered once at the entry point (like the cron `JOBS` table):
 * every change committed through `commitChange` gets each owner's statements in its batch.
 */
export const DERIVED_OWNERS = [syncLogOwner, reportAggregatesOwner, eventOutboxOwner, auditLogOwner] as const;

registerDerivedOwners(DERIVED_OWNERS);
