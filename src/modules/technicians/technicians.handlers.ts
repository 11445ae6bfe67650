import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context";
import { userContext } from "../../lib/create-router";
import * as routes from "./technicians.routes";
import * as technicians from "./technicians.service";

export const listTechnicians: RouteHandler<typeof routes.listTechnicians, AppEnv> = async (c) =>
  c.json(await technicians.listTechnicians(userContext(c), c.req.valid("query")), 200);

export const getTechnician: RouteHandler<typeof routes.getTechnician, AppEnv> = async (c) =>
  c.json(await technicians.getTechnician(userContext(c), c.req.valid("param").id), 200);

export const updateTechnician: RouteHandler<typeof routes.updateTechnician, AppEnv> = async (c) =>
  c.json(await technicians.updateTechnician(userContext(c), c.req.valid("param").id, c.req.valid("json")), 200);

export const setTechnicianAvailability: RouteHandler<typeof routes.setTechnicianAvailability, AppEnv> = async (c) =>
  c.json(await technicians.setAvailability(userContext(c), c.req.valid("param").id, c.req.valid("json")), 200);

export const listTeams: RouteHandler<typeof routes.listTeams, AppEnv> = async (c) =>
  c.json(await technicians.listTeams(userContext(c)), 200);

export const getTeam: RouteHandler<typeof routes.getTeam, AppEnv> = async (c) =>
  c.json(await technicians.getTeam(userContext(c), c.req.valid("param").supervisor_id), 200);

export const assignToTeam: RouteHandler<typeof routes.assignToTeam, AppEnv> = async (c) =>
  c.json(
    await technicians.changeTeam(
      userContext(c),
      c.req.valid("param").supervisor_id,
      c.req.valid("json").technician_ids,
      true,
    ),
    200,
  );

export const unassignFromTeam: RouteHandler<typeof routes.unassignFromTeam, AppEnv> = async (c) =>
  c.json(
    await technicians.changeTeam(
      userContext(c),
      c.req.valid("param").supervisor_id,
      c.req.valid("json").technician_ids,
      false,
    ),
    200,
  );

export const reportTechnicianLocation: RouteHandler<typeof routes.reportTechnicianLocation, AppEnv> = async (c) =>
  c.json(await technicians.reportLocation(userContext(c), c.req.valid("param").id, c.req.valid("json")), 200);
export const getLatestLocations: RouteHandler<typeof routes.getLatestLocations, AppEnv> = async (c) =>
  c.json(await technicians.latestLocations(userContext(c)), 200);
