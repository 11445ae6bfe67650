import { deprecatedQuery } from "../../lib/query-dialect";
import { idempotencyHeader, idempotent } from "../../middleware/idempotency";
import { createRoute, z } from "@hono/zod-openapi";
import { requires, requiresSignIn } from "../../middleware/auth";
import { jsonBody, jsonResponse } from "../../lib/openapi";
import { errorResponses } from "../../lib/problem";
import {
  AvailabilitySchema,
  SupervisorIdParam,
  TeamListSchema,
  TeamMembersSchema,
  TeamSchema,
  TechnicianIdParam,
  TechnicianListItemSchema,
  TechnicianListQuery,
  TechnicianPageSchema,
  TechnicianSchema,
  TechnicianUpdateSchema,
  LatestLocationsSchema,
  LocationReportSchema,
} from "./technicians.schemas";

const tags = ["technicians"];

export const listTechnicians = createRoute({
  method: "get",
  path: "/v1/technicians",
  tags,
  operationId: "listTechnicians",
  summary: "Technician profiles",
  description:
    "Filters: supervisor_id, unassigned, missing, area, skill, available. Ordered by username (`order`). `supervisor` and `ordering` are deprecated names of `supervisor_id` and `order`.",
  ...requires("technicians:read", deprecatedQuery({ supervisor: "supervisor_id", ordering: "order" })),
  request: { query: TechnicianListQuery },
  responses: { 200: jsonResponse(TechnicianPageSchema, "A page of technicians"), ...errorResponses(400, 401, 403) },
});

export const getTechnician = createRoute({
  method: "get",
  path: "/v1/technicians/{id}",
  tags,
  operationId: "getTechnician",
  summary: "A technician's profile, with their current position and work summary (as in the list)",
  ...requires("technicians:read"),
  request: { params: TechnicianIdParam },
  responses: {
    200: jsonResponse(TechnicianListItemSchema, "The technician"),
    ...errorResponses(400, 401, 403, 404),
  },
});

export const updateTechnician = createRoute({
  method: "patch",
  path: "/v1/technicians/{id}",
  tags,
  operationId: "updateTechnician",
  summary: "Update a technician's profile",
  description: "Supervisors may edit their own team and unassigned technicians.",
  ...requires("technicians:write"),
  request: { params: TechnicianIdParam, body: jsonBody(TechnicianUpdateSchema) },
  responses: { 200: jsonResponse(TechnicianSchema, "Updated"), ...errorResponses(400, 401, 403, 404, 409) },
});

export const setTechnicianAvailability = createRoute({
  method: "put",
  path: "/v1/technicians/{id}/availability",
  tags,
  operationId: "setTechnicianAvailability",
  summary: "Switch a technician available or unavailable, with a reason",
  description: "Technicians switch themselves; holders of technicians:write switch the technicians they manage.",
  ...requiresSignIn(),
  request: { params: TechnicianIdParam, body: jsonBody(AvailabilitySchema) },
  responses: { 200: jsonResponse(TechnicianSchema, "Updated"), ...errorResponses(400, 401, 403, 404) },
});

export const listTeams = createRoute({
  method: "get",
  path: "/v1/teams",
  tags,
  operationId: "listTeams",
  summary: "Supervisors and the size of their teams",
  ...requires("technicians:read"),
  responses: { 200: jsonResponse(TeamListSchema, "Teams"), ...errorResponses(401, 403) },
});

export const getTeam = createRoute({
  method: "get",
  path: "/v1/teams/{supervisor_id}",
  tags,
  operationId: "getTeam",
  summary: "A supervisor's technicians",
  ...requires("technicians:read"),
  request: { params: SupervisorIdParam },
  responses: { 200: jsonResponse(TeamSchema, "The team"), ...errorResponses(400, 401, 403, 404) },
});

export const assignToTeam = createRoute({
  method: "post",
  path: "/v1/teams/{supervisor_id}/assign",
  tags,
  operationId: "assignToTeam",
  summary: "Put technicians into a team",
  ...requires("technicians:write", idempotent()),
  request: { headers: idempotencyHeader, params: SupervisorIdParam, body: jsonBody(TeamMembersSchema) },
  responses: { 200: jsonResponse(TeamSchema, "The team"), ...errorResponses(400, 401, 403, 404, 409) },
});

export const unassignFromTeam = createRoute({
  method: "post",
  path: "/v1/teams/{supervisor_id}/unassign",
  tags,
  operationId: "unassignFromTeam",
  summary: "Take technicians out of a team",
  ...requires("technicians:write", idempotent()),
  request: { headers: idempotencyHeader, params: SupervisorIdParam, body: jsonBody(TeamMembersSchema) },
  responses: { 200: jsonResponse(TeamSchema, "The team"), ...errorResponses(400, 401, 403, 404, 409) },
});

export const reportTechnicianLocation = createRoute({
  method: "put",
  path: "/v1/technicians/{id}/location",
  tags,
  operationId: "reportTechnicianLocation",
  summary: "Report your location",
  ...requiresSignIn(),
  request: { params: TechnicianIdParam, body: jsonBody(LocationReportSchema) },
  responses: {
    200: jsonResponse(
      z
        .object({
          technician_id: z.string(),
          lat: z.number(),
          lng: z.number(),
          accuracy_m: z.number().nullable(),
          reported_at: z.string(),
        })
        .openapi("LocationReported"),
      "Stored",
    ),
    ...errorResponses(400, 401, 403, 404),
  },
});

export const getLatestLocations = createRoute({
  method: "get",
  path: "/v1/technicians/locations/latest",
  tags,
  operationId: "getLatestLocations",
  summary: "Latest location per technician, for a map",
  ...requires("technicians:read"),
  responses: { 200: jsonResponse(LatestLocationsSchema, "Latest reports"), ...errorResponses(401, 403) },
});
