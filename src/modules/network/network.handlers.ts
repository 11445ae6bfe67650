import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context";
import { userContext } from "../../lib/create-router";
import { AppError } from "../../lib/problem";
import * as incidents from "./incidents.service";
import * as routes from "./network.routes";
import * as places from "./regions.service";

export const listRegions: RouteHandler<typeof routes.listRegions, AppEnv> = async (c) =>
  c.json(await places.listRegions(userContext(c)), 200);
export const createRegion: RouteHandler<typeof routes.createRegion, AppEnv> = async (c) =>
  c.json(await places.createRegion(userContext(c), c.req.valid("json")), 201);
export const updateRegion: RouteHandler<typeof routes.updateRegion, AppEnv> = async (c) =>
  c.json(await places.updateRegion(userContext(c), c.req.valid("param").id, c.req.valid("json")), 200);
export const deleteRegion: RouteHandler<typeof routes.deleteRegion, AppEnv> = async (c) => {
  await places.deleteRegion(userContext(c), c.req.valid("param").id);
  return c.body(null, 204);
};
export const listLocalities: RouteHandler<typeof routes.listLocalities, AppEnv> = async (c) =>
  c.json(await places.listLocalities(userContext(c), c.req.valid("query")), 200);
export const createLocality: RouteHandler<typeof routes.createLocality, AppEnv> = async (c) =>
  c.json(await places.createLocality(userContext(c), c.req.valid("json")), 201);
export const updateLocality: RouteHandler<typeof routes.updateLocality, AppEnv> = async (c) =>
  c.json(await places.updateLocality(userContext(c), c.req.valid("param").id, c.req.valid("json")), 200);
export const deleteLocality: RouteHandler<typeof routes.deleteLocality, AppEnv> = async (c) => {
  await places.deleteLocality(userContext(c), c.req.valid("param").id);
  return c.body(null, 204);
};

export const listCablePrices: RouteHandler<typeof routes.listCablePrices, AppEnv> = async (c) =>
  c.json(await incidents.listPrices(userContext(c)), 200);
export const getCablePrice: RouteHandler<typeof routes.getCablePrice, AppEnv> = async (c) =>
  c.json(await incidents.getPrice(userContext(c), c.req.valid("param").cable_type), 200);
export const setCablePrice: RouteHandler<typeof routes.setCablePrice, AppEnv> = async (c) =>
  c.json(await incidents.setPrice(userContext(c), c.req.valid("param").cable_type, c.req.valid("json")), 200);

export const listCopperTheftIncidents: RouteHandler<typeof routes.listCopperTheftIncidents, AppEnv> = async (c) =>
  c.json(await incidents.listIncidents(userContext(c), c.req.valid("query")), 200);
export const createCopperTheftIncident: RouteHandler<typeof routes.createCopperTheftIncident, AppEnv> = async (c) =>
  c.json(await incidents.createIncident(userContext(c), c.req.valid("json")), 201);
export const getCopperTheftIncident: RouteHandler<typeof routes.getCopperTheftIncident, AppEnv> = async (c) =>
  c.json(await incidents.getIncident(userContext(c), c.req.valid("param").id), 200);
export const updateCopperTheftIncident: RouteHandler<typeof routes.updateCopperTheftIncident, AppEnv> = async (c) =>
  c.json(await incidents.updateIncident(userContext(c), c.req.valid("param").id, c.req.valid("json")), 200);
export const deleteCopperTheftIncident: RouteHandler<typeof routes.deleteCopperTheftIncident, AppEnv> = async (c) => {
  await incidents.deleteIncident(userContext(c), c.req.valid("param").id);
  return c.body(null, 204);
};

export const listAffectedCustomers: RouteHandler<typeof routes.listAffectedCustomers, AppEnv> = async (c) =>
  c.json(await incidents.listAffected(userContext(c), c.req.valid("param").id, c.req.valid("query")), 200);
export const addAffectedCustomers: RouteHandler<typeof routes.addAffectedCustomers, AppEnv> = async (c) =>
  c.json(await incidents.addAffected(userContext(c), c.req.valid("param").id, c.req.valid("json").customers), 200);
export const deleteAllAffectedCustomers: RouteHandler<typeof routes.deleteAllAffectedCustomers, AppEnv> = async (c) =>
  c.json(await incidents.deleteAllAffected(userContext(c), c.req.valid("param").id), 200);
export const getAffectedCustomer: RouteHandler<typeof routes.getAffectedCustomer, AppEnv> = async (c) =>
  c.json(await incidents.getAffected(userContext(c), c.req.valid("param").id), 200);
export const updateAffectedCustomer: RouteHandler<typeof routes.updateAffectedCustomer, AppEnv> = async (c) =>
  c.json(await incidents.updateAffected(userContext(c), c.req.valid("param").id, c.req.valid("json")), 200);
export const deleteAffectedCustomer: RouteHandler<typeof routes.deleteAffectedCustomer, AppEnv> = async (c) => {
  await incidents.deleteAffected(userContext(c), c.req.valid("param").id);
  return c.body(null, 204);
};
export const raiseRestorationTickets: RouteHandler<typeof routes.raiseRestorationTickets, AppEnv> = async (c) => {
  const ctx = userContext(c);
  // Every id in the request is scoped: raising tickets needs the right to raise them.
  if (!ctx.actor.permissions.has("tickets:create"))
    throw new AppError("forbidden", "Raising restoration tickets needs tickets:create too.");
  return c.json(await incidents.raiseRestorationTickets(ctx, c.req.valid("param").id), 200);
};

export const getCopperTheftReport: RouteHandler<typeof routes.getCopperTheftReport, AppEnv> = async (c) => {
  const query = c.req.valid("query");
  const report = await incidents.incidentReport(userContext(c), query);
  if (query.format === "csv") {
    return c.body(incidents.incidentReportCsv(report), 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": 'attachment; filename="copper-theft.csv"',
    });
  }
  return c.json(report, 200);
};
