// Inventory (INV-1…3, RPT-4): the catalogue, a ledger whose balances never go below zero, serial
// numbers, equipment issued to technicians and taken back, and the inventory report.
import { createRouter } from "../../lib/create-router";
import * as h from "./inventory.handlers";
import * as r from "./inventory.routes";

export const inventoryModule = createRouter()
  .openapi(r.listItems, h.listItems)
  .openapi(r.createItem, h.createItem)
  .openapi(r.getItem, h.getItem)
  .openapi(r.updateItem, h.updateItem)
  .openapi(r.retireItem, h.retireItem)
  .openapi(r.itemStock, h.itemStock)
  .openapi(r.receiveStock, h.receiveStock)
  .openapi(r.adjustStock, h.adjustStock)
  .openapi(r.transferStock, h.transferStock)
  .openapi(r.listMovements, h.listMovements)
  .openapi(r.issueEquipment, h.issueEquipment)
  .openapi(r.listAssignments, h.listAssignments)
  .openapi(r.getAssignment, h.getAssignment)
  .openapi(r.returnEquipment, h.returnEquipment)
  .openapi(r.vanStock, h.vanStock)
  .openapi(r.inventoryReport, h.inventoryReport);

export { fittedPartsStatements, planFittedParts, publishFittedPartsEvents, type FittedPart } from "./parts";
export { stockProblem } from "./stock";
export { itemImport } from "./inventory.import";
export { equipmentForSync } from "./inventory.service";
