import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context";
import { userContext } from "../../lib/create-router";
import type * as routes from "./checklist.routes";
import * as checklist from "./checklist.service";

export const getTicketChecklist: RouteHandler<typeof routes.getTicketChecklist, AppEnv> = async (c) =>
  c.json(await checklist.getTicketChecklist(userContext(c), c.req.valid("param").id), 200);
export const updateTicketChecklistItem: RouteHandler<typeof routes.updateTicketChecklistItem, AppEnv> = async (c) => {
  const { id, item } = c.req.valid("param");
  return c.json(await checklist.updateTicketChecklistItem(userContext(c), id, item, c.req.valid("json")), 200);
};
