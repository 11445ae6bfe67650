// Inventory (INV-1…3, RPT-4): the catalogue, a ledger whose balances never go below zero, serial
// numbers, equipment issued to technicians and taken back, and the inventory report.
import { createRouter } from "../../lib/create-router";
import * as h from "./inventory.handlers";
import * as r from "./inventory.routes";

export const inventoryModule = createRouter()
  .openapi(r.listInventoryItems, h.listInventoryItems)
  .openapi(r.createInventoryItem, h.createInventoryItem)
  .openapi(r.getInventoryItem, h.getInventoryItem)
  .openapi(r.updateInventoryItem, h.updateInventoryItem)
  .openapi(r.retireInventoryItem, h.retireInventoryItem)
  .openapi(r.getInventoryItemStock, h.getInventoryItemStock)
  .openapi(r.receiveStock, h.receiveStock)
  .openapi(r.adjustStock, h.adjustStock)
  .openapi(r.transferStock, h.transferStock)
  .openapi(r.listStockMovements, h.listStockMovements)
  .openapi(r.issueEquipment, h.issueEquipment)
  .openapi(r.listEquipmentAssignments, h.listEquipmentAssignments)
  .openapi(r.getEquipmentAssignment, h.getEquipmentAssignment)
  .openapi(r.returnEquipment, h.returnEquipment)
  .openapi(r.getVanStock, h.getVanStock)
  .openapi(r.getInventoryReport, h.getInventoryReport);

export {
  fittedPartsEvents,
  fittedPartsReads,
  fittedPartsStatements,
  planFittedParts,
  type FittedPart,
  type FittedParts,
} from "./parts";
export { stockProblem } from "./stock";
export { itemImport } from "./inventory.import";
export { equipmentForSync } from "./inventory.service";
