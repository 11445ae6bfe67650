import { createRoute } from "@hono/zod-openapi";
import { requires } from "../../middleware/auth";
import { jsonResponse } from "../../lib/openapi";
import { errorResponses } from "../../lib/problem";
import { AuditListQuery, AuditPageSchema } from "./audit.schemas";

export const listAuditLog = createRoute({
  method: "get",
  path: "/v1/audit-log",
  tags: ["audit"],
  operationId: "listAuditLog",
  summary: "Administrative changes: who changed users, roles, grants, API keys, applications, webhooks and teams",
  description:
    "Every change to an account, a role, an application (its roles and grants), an API key, a webhook or a team's members is recorded in the same transaction as the change: who made it, from which address, in which request, and the object before and after (secrets and password hashes left out). Entries are never changed or deleted through the API.",
  ...requires("audit:read"),
  request: { query: AuditListQuery },
  responses: { 200: jsonResponse(AuditPageSchema, "A page of audit entries"), ...errorResponses(400, 401, 403) },
});
