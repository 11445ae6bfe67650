import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context";
import { userContext } from "../../lib/create-router";
import * as inventory from "./inventory.service";
import * as routes from "./inventory.routes";

export const listItems: RouteHandler<typeof routes.listItems, AppEnv> = async (c) =>
  c.json(await inventory.listItems(userContext(c), c.req.valid("query")), 200);
export const createItem: RouteHandler<typeof routes.createItem, AppEnv> = async (c) =>
  c.json(await inventory.createItem(userContext(c), c.req.valid("json")), 201);
export const getItem: RouteHandler<typeof routes.getItem, AppEnv> = async (c) =>
  c.json(await inventory.getItem(userContext(c), c.req.valid("param").id), 200);
export const updateItem: RouteHandler<typeof routes.updateItem, AppEnv> = async (c) =>
  c.json(await inventory.updateItem(userContext(c), c.req.valid("param").id, c.req.valid("json")), 200);
export const retireItem: RouteHandler<typeof routes.retireItem, AppEnv> = async (c) => {
  await inventory.retireItem(userContext(c), c.req.valid("param").id);
  return c.body(null, 204);
};
export const itemStock: RouteHandler<typeof routes.itemStock, AppEnv> = async (c) =>
  c.json(await inventory.itemStock(userContext(c), c.req.valid("param").id), 200);
export const receiveStock: RouteHandler<typeof routes.receiveStock, AppEnv> = async (c) =>
  c.json(await inventory.receiveStock(userContext(c), c.req.valid("json")), 201);
export const adjustStock: RouteHandler<typeof routes.adjustStock, AppEnv> = async (c) =>
  c.json(await inventory.adjustStock(userContext(c), c.req.valid("json")), 201);
export const transferStock: RouteHandler<typeof routes.transferStock, AppEnv> = async (c) =>
  c.json(await inventory.transferStock(userContext(c), c.req.valid("json")), 201);
export const listMovements: RouteHandler<typeof routes.listMovements, AppEnv> = async (c) =>
  c.json(await inventory.listMovements(userContext(c), c.req.valid("query")), 200);
export const issueEquipment: RouteHandler<typeof routes.issueEquipment, AppEnv> = async (c) =>
  c.json(await inventory.issueEquipment(userContext(c), c.req.valid("json")), 201);
export const listAssignments: RouteHandler<typeof routes.listAssignments, AppEnv> = async (c) =>
  c.json(await inventory.listAssignments(userContext(c), c.req.valid("query")), 200);
export const getAssignment: RouteHandler<typeof routes.getAssignment, AppEnv> = async (c) =>
  c.json(await inventory.getAssignment(userContext(c), c.req.valid("param").id), 200);
export const returnEquipment: RouteHandler<typeof routes.returnEquipment, AppEnv> = async (c) =>
  c.json(await inventory.returnEquipment(userContext(c), c.req.valid("param").id, c.req.valid("json")), 200);

export const vanStock: RouteHandler<typeof routes.vanStock, AppEnv> = async (c) =>
  c.json(await inventory.vanStock(userContext(c), c.req.valid("param").technician_id), 200);

export const inventoryReport: RouteHandler<typeof routes.inventoryReport, AppEnv> = async (c) => {
  const query = c.req.valid("query");
  const report = await inventory.inventoryReport(userContext(c), query);
  if (query.format === "csv") {
    return c.body(inventory.inventoryReportCsv(report), 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": 'attachment; filename="inventory.csv"',
    }) as never;
  }
  return c.json(report, 200);
};
