import { createRoute, z } from "@hono/zod-openapi";
import { jsonBody, jsonResponse, noContent } from "../../lib/openapi";
import { errorResponses } from "../../lib/problem";
import { requires, requiresSignIn } from "../../middleware/auth";
import { idempotencyHeader, idempotent } from "../../middleware/idempotency";
import {
  AdjustmentSchema,
  AssignmentIdParam,
  AssignmentListQuery,
  AssignmentPageSchema,
  AssignmentSchema,
  InventoryReportSchema,
  IssueSchema,
  ItemCreateSchema,
  ItemIdParam,
  ItemListQuery,
  ItemPageSchema,
  ItemSchema,
  ItemStockSchema,
  ItemUpdateSchema,
  MovementListQuery,
  MovementPageSchema,
  MovementSchema,
  ReceiptSchema,
  ReportQuery,
  ReturnSchema,
  TransferSchema,
  VanParam,
  VanStockSchema,
} from "./inventory.schemas";

const tags = ["inventory"];

export const listInventoryItems = createRoute({
  method: "get",
  path: "/v1/inventory/items",
  tags,
  operationId: "listInventoryItems",
  summary: "The catalogue, with warehouse stock",
  ...requires("inventory:read"),
  request: { query: ItemListQuery },
  responses: { 200: jsonResponse(ItemPageSchema, "A page of items"), ...errorResponses(400, 401, 403) },
});

export const createInventoryItem = createRoute({
  method: "post",
  path: "/v1/inventory/items",
  tags,
  operationId: "createInventoryItem",
  summary: "Add an item (opening stock is received through the ledger)",
  ...requires("inventory:manage", idempotent()),
  request: { headers: idempotencyHeader, body: jsonBody(ItemCreateSchema) },
  responses: { 201: jsonResponse(ItemSchema, "Created"), ...errorResponses(400, 401, 403, 409) },
});

export const getInventoryItem = createRoute({
  method: "get",
  path: "/v1/inventory/items/{id}",
  tags,
  operationId: "getInventoryItem",
  summary: "An item",
  ...requires("inventory:read"),
  request: { params: ItemIdParam },
  responses: { 200: jsonResponse(ItemSchema, "The item"), ...errorResponses(400, 401, 403, 404) },
});

export const updateInventoryItem = createRoute({
  method: "patch",
  path: "/v1/inventory/items/{id}",
  tags,
  operationId: "updateInventoryItem",
  summary: "Edit an item (stock changes only through movements)",
  ...requires("inventory:manage"),
  request: { params: ItemIdParam, body: jsonBody(ItemUpdateSchema) },
  responses: { 200: jsonResponse(ItemSchema, "Updated"), ...errorResponses(400, 401, 403, 404, 409) },
});

export const retireInventoryItem = createRoute({
  method: "delete",
  path: "/v1/inventory/items/{id}",
  tags,
  operationId: "retireInventoryItem",
  summary: "Retire an item (its history and stock stay)",
  ...requires("inventory:manage"),
  request: { params: ItemIdParam },
  responses: { 204: noContent, ...errorResponses(400, 401, 403, 404) },
});

export const getInventoryItemStock = createRoute({
  method: "get",
  path: "/v1/inventory/items/{id}/stock",
  tags,
  operationId: "getInventoryItemStock",
  summary: "Where an item is: quantity and serials per location",
  ...requires("inventory:read"),
  request: { params: ItemIdParam },
  responses: { 200: jsonResponse(ItemStockSchema, "Stock by location"), ...errorResponses(400, 401, 403, 404) },
});

const movementErrors = errorResponses(400, 401, 403, 404, 409);

export const receiveStock = createRoute({
  method: "post",
  path: "/v1/inventory/receipts",
  tags,
  operationId: "receiveStock",
  summary: "Receive stock into the warehouse",
  ...requires("inventory:manage", idempotent()),
  request: { headers: idempotencyHeader, body: jsonBody(ReceiptSchema) },
  responses: { 201: jsonResponse(MovementSchema, "Received"), ...movementErrors },
});

export const adjustStock = createRoute({
  method: "post",
  path: "/v1/inventory/adjustments",
  tags,
  operationId: "adjustStock",
  summary: "Correct a location's count, with a reason",
  ...requires("inventory:manage", idempotent()),
  request: { headers: idempotencyHeader, body: jsonBody(AdjustmentSchema) },
  responses: { 201: jsonResponse(MovementSchema, "Adjusted"), ...movementErrors },
});

export const transferStock = createRoute({
  method: "post",
  path: "/v1/inventory/transfers",
  tags,
  operationId: "transferStock",
  summary: "Move stock between locations (409 insufficient_stock when the source lacks it)",
  ...requires("inventory:manage", idempotent()),
  request: { headers: idempotencyHeader, body: jsonBody(TransferSchema) },
  responses: { 201: jsonResponse(MovementSchema, "Moved"), ...movementErrors },
});

export const listStockMovements = createRoute({
  method: "get",
  path: "/v1/inventory/movements",
  tags,
  operationId: "listStockMovements",
  summary: "The ledger, newest first",
  ...requires("inventory:read"),
  request: { query: MovementListQuery },
  responses: { 200: jsonResponse(MovementPageSchema, "A page of movements"), ...errorResponses(400, 401, 403) },
});

export const issueEquipment = createRoute({
  method: "post",
  path: "/v1/inventory/assignments",
  tags,
  operationId: "issueEquipment",
  summary: "Issue equipment from the warehouse to a technician for a ticket",
  ...requires("inventory:manage", idempotent()),
  request: { headers: idempotencyHeader, body: jsonBody(IssueSchema) },
  responses: { 201: jsonResponse(AssignmentSchema, "Issued"), ...movementErrors },
});

export const listEquipmentAssignments = createRoute({
  method: "get",
  path: "/v1/inventory/assignments",
  tags,
  operationId: "listEquipmentAssignments",
  summary: "Equipment issued (technicians: what was issued to them)",
  ...requiresSignIn(),
  request: { query: AssignmentListQuery },
  responses: { 200: jsonResponse(AssignmentPageSchema, "A page of assignments"), ...errorResponses(400, 401) },
});

export const getEquipmentAssignment = createRoute({
  method: "get",
  path: "/v1/inventory/assignments/{id}",
  tags,
  operationId: "getEquipmentAssignment",
  summary: "An equipment assignment",
  ...requiresSignIn(),
  request: { params: AssignmentIdParam },
  responses: { 200: jsonResponse(AssignmentSchema, "The assignment"), ...errorResponses(400, 401, 404) },
});

export const returnEquipment = createRoute({
  method: "post",
  path: "/v1/inventory/assignments/{id}/return",
  tags,
  operationId: "returnEquipment",
  summary: "Take equipment back: good to the warehouse, damaged to quarantine, lost written off",
  ...requiresSignIn(),
  middleware: [...requiresSignIn().middleware, idempotent()],
  request: { params: AssignmentIdParam, headers: idempotencyHeader, body: jsonBody(ReturnSchema) },
  responses: { 200: jsonResponse(AssignmentSchema, "Returned"), ...errorResponses(400, 401, 403, 404, 409) },
});

export const getVanStock = createRoute({
  method: "get",
  path: "/v1/inventory/vans/{technician_id}",
  tags,
  operationId: "getVanStock",
  summary: "What a technician's van holds (technicians: their own)",
  ...requiresSignIn(),
  request: { params: VanParam },
  responses: { 200: jsonResponse(VanStockSchema, "The van's stock"), ...errorResponses(400, 401, 404) },
});

export const getInventoryReport = createRoute({
  method: "get",
  path: "/v1/inventory/report",
  tags,
  operationId: "getInventoryReport",
  summary: "Stock by item and location, its value, and movements in a period (JSON or CSV)",
  ...requires("inventory:read"),
  request: { query: ReportQuery },
  responses: {
    200: {
      description: "The report",
      content: { "application/json": { schema: InventoryReportSchema }, "text/csv": { schema: z.string() } },
    },
    ...errorResponses(400, 401, 403),
  },
});
