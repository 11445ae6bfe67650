import { createRoute } from "@hono/zod-openapi";
import { requires } from "../../middleware/auth";
import { jsonBody, jsonResponse } from "../../lib/openapi";
import { errorResponses } from "../../lib/problem";
import {
  ChecklistItemParams,
  ChecklistItemSchema,
  ChecklistItemUpdateSchema,
  ChecklistSchema,
} from "./checklist.schemas";
import { TicketIdParam } from "./tickets.schemas";

const tags = ["tickets"];

export const getTicketChecklist = createRoute({
  method: "get",
  path: "/v1/tickets/{id}/checklist",
  tags,
  operationId: "getTicketChecklist",
  summary: "The ticket's checklist (from its job template) and which required items are still open",
  ...requires("tickets:read"),
  request: { params: TicketIdParam },
  responses: { 200: jsonResponse(ChecklistSchema, "The checklist"), ...errorResponses(400, 401, 403, 404) },
});

export const updateTicketChecklistItem = createRoute({
  method: "patch",
  path: "/v1/tickets/{id}/checklist/{item}",
  tags,
  operationId: "updateTicketChecklistItem",
  summary: "Tick (or open again) one checklist item, with its value or photo when the item asks for one",
  description:
    "The assigned technician or dispatch. An item with `value_required` needs `value`, one with `photo_required` needs `upload_id` (a photo the caller uploaded, or one already on the ticket). Resolving or completing the ticket is refused (409 `checklist_incomplete`, the open items named) while a required item is open.",
  ...requires("tickets:update"),
  request: { params: ChecklistItemParams, body: jsonBody(ChecklistItemUpdateSchema) },
  responses: {
    200: jsonResponse(ChecklistItemSchema, "The item"),
    ...errorResponses(400, 401, 403, 404, 409, 422),
  },
});
