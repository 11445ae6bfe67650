import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context";
import { userContext } from "../../lib/create-router";
import * as inventory from "./inventory.service";
import * as routes from "./inventory.routes";

export const listInventoryItems: RouteHandler<typeof routes.listInventoryItems, AppEnv> = async (c) =>
  c.json(await inventory.listItems(userContext(c), c.req.valid("query")), 200);
export const createInventoryItem: RouteHandler<typeof routes.createInventoryItem, AppEnv> = async (c) =>
  c.json(await inventory.createItem(userContext(c), c.req.valid("json")), 201);
export const getInventoryItem: RouteHandler<typeof routes.getInventoryItem, AppEnv> = async (c) =>
  c.json(await inventory.getItem(userContext(c), c.req.valid("param").id), 200);
export const updateInventoryItem: RouteHandler<typeof routes.updateInventoryItem, AppEnv> = async (c) =>
  c.json(await inventory.updateItem(userContext(c), c.req.valid("param").id, c.req.valid("json")), 200);
export const retireInventoryItem: RouteHandler<typeof routes.retireInventoryItem, AppEnv> = async (c) => {
  await inventory.retireItem(userContext(c), c.req.valid("param").id);
  return c.body(null, 204);
};
export const getInventoryItemStock: RouteHandler<typeof routes.getInventoryItemStock, AppEnv> = async (c) =>
  c.json(await inventory.itemStock(userContext(c), c.req.valid("param").id), 200);
export const receiveStock: RouteHandler<typeof routes.receiveStock, AppEnv> = async (c) =>
  c.json(await inventory.receiveStock(userContext(c), c.req.valid("json")), 201);
export const adjustStock: RouteHandler<typeof routes.adjustStock, AppEnv> = async (c) =>
  c.json(await inventory.adjustStock(userContext(c), c.req.valid("json")), 201);
export const transferStock: RouteHandler<typeof routes.transferStock, AppEnv> = async (c) =>
  c.json(await inventory.transferStock(userContext(c), c.req.valid("json")), 201);
export const listStockMovements: RouteHandler<typeof routes.listStockMovements, AppEnv> = async (c) =>
  c.json(await inventory.listMovements(userContext(c), c.req.valid("query")), 200);
export const issueEquipment: RouteHandler<typeof routes.issueEquipment, AppEnv> = async (c) =>
  c.json(await inventory.issueEquipment(userContext(c), c.req.valid("json")), 201);
export const listEquipmentAssignments: RouteHandler<typeof routes.listEquipmentAssignments, AppEnv> = async (c) =>
  c.json(await inventory.listAssignments(userContext(c), c.req.valid("query")), 200);
export const getEquipmentAssignment: RouteHandler<typeof routes.getEquipmentAssignment, AppEnv> = async (c) =>
  c.json(await inventory.getAssignment(userContext(c), c.req.valid("param").id), 200);
export const returnEquipment: RouteHandler<typeof routes.returnEquipment, AppEnv> = async (c) =>
  c.json(await inventory.returnEquipment(userContext(c), c.req.valid("param").id, c.req.valid("json")), 200);

export const getVanStock: RouteHandler<typeof routes.getVanStock, AppEnv> = async (c) =>
  c.json(await inventory.vanStock(userContext(c), c.req.valid("param").technician_id), 200);

export const getInventoryReport: RouteHandler<typeof routes.getInventoryReport, AppEnv> = async (c) => {
  const query = c.req.valid("query");
  const report = await inventory.inventoryReport(userContext(c), query);
  if (query.format === "csv") {
    return c.body(inventory.inventoryReportCsv(report), 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": 'attachment; filename="inventory.csv"',
    });
  }
  return c.json(report, 200);
};
