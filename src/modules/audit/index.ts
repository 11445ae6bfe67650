// The audit log of administration (ADM-1): filled by its owner from every administrative change's
// batch, read by admins.
import { createRouter } from "../../lib/create-router";
import * as h from "./audit.handlers";
import * as r from "./audit.routes";

export const auditModule = createRouter().openapi(r.listAuditLog, h.listAuditLog);

export { auditLogOwner } from "./audit-log";
export { auditErasure } from "./audit-log";
