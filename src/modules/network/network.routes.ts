import { createRoute } from "@hono/zod-openapi";
import { jsonBody, jsonResponse, noContent } from "../../lib/openapi";
import { errorResponses } from "../../lib/problem";
import { requires, requiresSignIn } from "../../middleware/auth";
import { idempotencyHeader, idempotent } from "../../middleware/idempotency";
import {
  AffectedAddSchema,
  AffectedAddedSchema,
  AffectedIdParam,
  AffectedListQuery,
  AffectedPageSchema,
  AffectedSchema,
  AffectedUpdateSchema,
  CablePriceListSchema,
  CablePriceSchema,
  CablePriceUpdateSchema,
  CableTypeParam,
  DeletedCountSchema,
  IncidentCreateSchema,
  IncidentIdParam,
  IncidentListQuery,
  IncidentPageSchema,
  IncidentReportQuery,
  IncidentReportSchema,
  IncidentSchema,
  IncidentUpdateSchema,
  LocalityCreateSchema,
  LocalityIdParam,
  LocalityListQuery,
  LocalityListSchema,
  LocalitySchema,
  LocalityUpdateSchema,
  RegionCreateSchema,
  RegionIdParam,
  RegionListSchema,
  RegionUpdateSchema,
  RegionWithLocalitiesSchema,
  RestorationResultSchema,
} from "./network.schemas";

const tags = ["network"];

// ---- regions and localities ----

export const listRegions = createRoute({
  method: "get",
  path: "/v1/regions",
  tags,
  operationId: "listRegions",
  summary: "Regions with their localities",
  description:
    "All of them in one answer (a deployment has tens, not thousands), for forms and filters. A locality's `service_area` is the free-text area customers, tickets and technicians' areas already use: filtering by a region or locality matches those.",
  ...requiresSignIn(),
  responses: {
    200: jsonResponse(RegionListSchema, "Regions by name, each with its localities"),
    ...errorResponses(401),
  },
});
export const createRegion = createRoute({
  method: "post",
  path: "/v1/regions",
  tags,
  operationId: "createRegion",
  summary: "Add a region",
  ...requires("network:admin", idempotent()),
  request: { headers: idempotencyHeader, body: jsonBody(RegionCreateSchema) },
  responses: { 201: jsonResponse(RegionWithLocalitiesSchema, "Created"), ...errorResponses(400, 401, 403, 409) },
});
export const updateRegion = createRoute({
  method: "patch",
  path: "/v1/regions/{id}",
  tags,
  operationId: "updateRegion",
  summary: "Rename a region or change its code",
  ...requires("network:admin"),
  request: { params: RegionIdParam, body: jsonBody(RegionUpdateSchema) },
  responses: { 200: jsonResponse(RegionWithLocalitiesSchema, "Updated"), ...errorResponses(400, 401, 403, 404, 409) },
});
export const deleteRegion = createRoute({
  method: "delete",
  path: "/v1/regions/{id}",
  tags,
  operationId: "deleteRegion",
  summary: "Delete an empty region (its history stays)",
  ...requires("network:admin"),
  request: { params: RegionIdParam },
  responses: { 204: noContent, ...errorResponses(400, 401, 403, 404, 409) },
});
export const listLocalities = createRoute({
  method: "get",
  path: "/v1/localities",
  tags,
  operationId: "listLocalities",
  summary: "Localities, of one region or all",
  ...requiresSignIn(),
  request: { query: LocalityListQuery },
  responses: { 200: jsonResponse(LocalityListSchema, "By name"), ...errorResponses(400, 401) },
});
export const createLocality = createRoute({
  method: "post",
  path: "/v1/localities",
  tags,
  operationId: "createLocality",
  summary: "Add a locality to a region",
  ...requires("network:admin", idempotent()),
  request: { headers: idempotencyHeader, body: jsonBody(LocalityCreateSchema) },
  responses: { 201: jsonResponse(LocalitySchema, "Created"), ...errorResponses(400, 401, 403, 409) },
});
export const updateLocality = createRoute({
  method: "patch",
  path: "/v1/localities/{id}",
  tags,
  operationId: "updateLocality",
  summary: "Rename a locality or move it to another region",
  ...requires("network:admin"),
  request: { params: LocalityIdParam, body: jsonBody(LocalityUpdateSchema) },
  responses: { 200: jsonResponse(LocalitySchema, "Updated"), ...errorResponses(400, 401, 403, 404) },
});
export const deleteLocality = createRoute({
  method: "delete",
  path: "/v1/localities/{id}",
  tags,
  operationId: "deleteLocality",
  summary: "Delete a locality (its history stays)",
  ...requires("network:admin"),
  request: { params: LocalityIdParam },
  responses: { 204: noContent, ...errorResponses(400, 401, 403, 404) },
});

// ---- the cable price list ----

export const listCablePrices = createRoute({
  method: "get",
  path: "/v1/network/cable-prices",
  tags,
  operationId: "listCablePrices",
  summary: "The cable price list, with each type's earlier prices",
  ...requires("network:read"),
  responses: { 200: jsonResponse(CablePriceListSchema, "Prices by cable type"), ...errorResponses(401, 403) },
});
export const getCablePrice = createRoute({
  method: "get",
  path: "/v1/network/cable-prices/{cable_type}",
  tags,
  operationId: "getCablePrice",
  summary: "A cable type's price",
  ...requires("network:read"),
  request: { params: CableTypeParam },
  responses: { 200: jsonResponse(CablePriceSchema, "The price"), ...errorResponses(400, 401, 403, 404) },
});
export const setCablePrice = createRoute({
  method: "put",
  path: "/v1/network/cable-prices/{cable_type}",
  tags,
  operationId: "setCablePrice",
  summary: "Set a cable type's price from a date",
  description:
    "Adds the price to the type's history (a new type is added to the list). Incidents already reported keep the price in force when they were reported.",
  ...requires("network:admin"),
  request: { params: CableTypeParam, body: jsonBody(CablePriceUpdateSchema) },
  responses: { 200: jsonResponse(CablePriceSchema, "The price list entry"), ...errorResponses(400, 401, 403) },
});

// ---- incidents ----

export const listCopperTheftIncidents = createRoute({
  method: "get",
  path: "/v1/network/incidents",
  tags,
  operationId: "listCopperTheftIncidents",
  summary: "Copper-theft incidents, newest reported first",
  ...requires("network:read"),
  request: { query: IncidentListQuery },
  responses: { 200: jsonResponse(IncidentPageSchema, "A page of incidents"), ...errorResponses(400, 401, 403) },
});
export const createCopperTheftIncident = createRoute({
  method: "post",
  path: "/v1/network/incidents",
  tags,
  operationId: "createCopperTheftIncident",
  summary: "Report a copper-theft incident",
  description:
    "Its estimated cost is the metres stolen at the cable type's price in force now; the price stays with the incident when the price list changes.",
  ...requires("network:manage", idempotent()),
  request: { headers: idempotencyHeader, body: jsonBody(IncidentCreateSchema) },
  responses: { 201: jsonResponse(IncidentSchema, "Reported"), ...errorResponses(400, 401, 403) },
});
export const getCopperTheftIncident = createRoute({
  method: "get",
  path: "/v1/network/incidents/{id}",
  tags,
  operationId: "getCopperTheftIncident",
  summary: "An incident",
  ...requires("network:read"),
  request: { params: IncidentIdParam },
  responses: { 200: jsonResponse(IncidentSchema, "The incident"), ...errorResponses(400, 401, 403, 404) },
});
export const updateCopperTheftIncident = createRoute({
  method: "patch",
  path: "/v1/network/incidents/{id}",
  tags,
  operationId: "updateCopperTheftIncident",
  summary: "Update an incident or move it on (reported → under investigation → repaired → closed)",
  ...requires("network:manage"),
  request: { params: IncidentIdParam, body: jsonBody(IncidentUpdateSchema) },
  responses: { 200: jsonResponse(IncidentSchema, "Updated"), ...errorResponses(400, 401, 403, 404, 409) },
});
export const deleteCopperTheftIncident = createRoute({
  method: "delete",
  path: "/v1/network/incidents/{id}",
  tags,
  operationId: "deleteCopperTheftIncident",
  summary: "Delete an incident (soft)",
  ...requires("network:manage"),
  request: { params: IncidentIdParam },
  responses: { 204: noContent, ...errorResponses(400, 401, 403, 404) },
});

// ---- affected customers ----

export const listAffectedCustomers = createRoute({
  method: "get",
  path: "/v1/network/incidents/{id}/affected-customers",
  tags,
  operationId: "listAffectedCustomers",
  summary: "Customers an incident cut off",
  ...requires("network:read"),
  request: { params: IncidentIdParam, query: AffectedListQuery },
  responses: { 200: jsonResponse(AffectedPageSchema, "A page, oldest first"), ...errorResponses(400, 401, 403, 404) },
});
export const addAffectedCustomers = createRoute({
  method: "post",
  path: "/v1/network/incidents/{id}/affected-customers",
  tags,
  operationId: "addAffectedCustomers",
  summary: "Add one or many affected customers",
  ...requires("network:manage", idempotent()),
  request: { headers: idempotencyHeader, params: IncidentIdParam, body: jsonBody(AffectedAddSchema) },
  responses: {
    200: jsonResponse(AffectedAddedSchema, "How many were added, and how many were listed already"),
    ...errorResponses(400, 401, 403, 404),
  },
});
export const deleteAllAffectedCustomers = createRoute({
  method: "delete",
  path: "/v1/network/incidents/{id}/affected-customers",
  tags,
  operationId: "deleteAllAffectedCustomers",
  summary: "Remove every affected customer of an incident",
  ...requires("network:manage"),
  request: { params: IncidentIdParam },
  responses: { 200: jsonResponse(DeletedCountSchema, "How many were removed"), ...errorResponses(400, 401, 403, 404) },
});
export const getAffectedCustomer = createRoute({
  method: "get",
  path: "/v1/network/affected-customers/{id}",
  tags,
  operationId: "getAffectedCustomer",
  summary: "An affected customer entry",
  ...requires("network:read"),
  request: { params: AffectedIdParam },
  responses: { 200: jsonResponse(AffectedSchema, "The entry"), ...errorResponses(400, 401, 403, 404) },
});
export const updateAffectedCustomer = createRoute({
  method: "patch",
  path: "/v1/network/affected-customers/{id}",
  tags,
  operationId: "updateAffectedCustomer",
  summary: "Change an entry's service or notes",
  ...requires("network:manage"),
  request: { params: AffectedIdParam, body: jsonBody(AffectedUpdateSchema) },
  responses: { 200: jsonResponse(AffectedSchema, "Updated"), ...errorResponses(400, 401, 403, 404) },
});
export const deleteAffectedCustomer = createRoute({
  method: "delete",
  path: "/v1/network/affected-customers/{id}",
  tags,
  operationId: "deleteAffectedCustomer",
  summary: "Remove one affected customer",
  ...requires("network:manage"),
  request: { params: AffectedIdParam },
  responses: { 204: noContent, ...errorResponses(400, 401, 403, 404) },
});
export const raiseRestorationTickets = createRoute({
  method: "post",
  path: "/v1/network/incidents/{id}/restoration-tickets",
  tags,
  operationId: "raiseRestorationTickets",
  summary: "Raise a restoration ticket for every affected customer",
  description:
    "One repair ticket per affected customer who has none yet, up to 100 per request (`remaining` says to ask again), linked both ways: the entry carries `restoration_ticket_id`, the ticket's `external_ref` is `<incident number>/<customer id>`. Asking again creates no duplicates. Needs `tickets:create` too.",
  ...requires("network:manage", idempotent()),
  request: { headers: idempotencyHeader, params: IncidentIdParam },
  responses: { 200: jsonResponse(RestorationResultSchema, "What was raised"), ...errorResponses(400, 401, 403, 404) },
});

export const getCopperTheftReport = createRoute({
  method: "get",
  path: "/v1/network/reports/copper-theft",
  tags,
  operationId: "getCopperTheftReport",
  summary: "Copper theft by month and region: incidents, metres lost, cost, customers affected",
  description:
    "Over incidents reported in the period (default: the last 12 months), grouped by the month of the report (the deployment's time zone), region and currency. `format=csv` answers a spreadsheet (costs in major units).",
  ...requires("network:read"),
  request: { query: IncidentReportQuery },
  responses: {
    200: {
      description: "The report",
      content: { "application/json": { schema: IncidentReportSchema }, "text/csv": { schema: { type: "string" } } },
    },
    ...errorResponses(400, 401, 403),
  },
});
