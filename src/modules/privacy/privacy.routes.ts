import { idempotencyHeader, idempotent } from "../../middleware/idempotency";
import { createRoute } from "@hono/zod-openapi";
import { requires } from "../../middleware/auth";
import { jsonBody, jsonResponse } from "../../lib/openapi";
import { errorResponses } from "../../lib/problem";
import { CustomerIdParam } from "../customers";
import { ErasedSchema, EraseSchema } from "./privacy.schemas";

export const eraseCustomer = createRoute({
  method: "post",
  path: "/v1/customers/{id}/erase",
  tags: ["privacy"],
  operationId: "eraseCustomer",
  summary: "Erase a customer's personal data (a data-protection erasure request)",
  description:
    "Refused (409) while any of the customer's tickets is open. Personal fields are emptied in every table (the customer record, their account — closed for good —, service cards, tickets' addresses, visits, links, deliveries, events), what they wrote is replaced, their name, phone, email and address are cut out of staff's text, their notifications and uploads are deleted, earlier data exports' files too; tickets, visits and report figures stay, each ticket's history saying when it was erased. One batch; recorded in the audit log. Cannot be undone.",
  ...requires("customers:erase", idempotent()),
  request: { headers: idempotencyHeader, params: CustomerIdParam, body: jsonBody(EraseSchema) },
  responses: { 200: jsonResponse(ErasedSchema, "Erased"), ...errorResponses(400, 401, 403, 404, 409) },
});
