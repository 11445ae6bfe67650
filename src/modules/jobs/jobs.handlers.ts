import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context";
import { userContext } from "../../lib/create-router";
import * as jobs from "./jobs.service";
import * as routes from "./jobs.routes";

export const listJobs: RouteHandler<typeof routes.listJobs, AppEnv> = async (c) =>
  c.json(await jobs.listJobs(userContext(c), c.req.valid("query")), 200);
export const getJob: RouteHandler<typeof routes.getJob, AppEnv> = async (c) =>
  c.json(await jobs.getJob(userContext(c), c.req.valid("param").id), 200);
export const cancelJob: RouteHandler<typeof routes.cancelJob, AppEnv> = async (c) =>
  c.json(await jobs.cancelJob(userContext(c), c.req.valid("param").id), 200);
export const downloadJobFile: RouteHandler<typeof routes.downloadJobFile, AppEnv> = async (c) => {
  const file = await jobs.downloadJob(userContext(c), c.req.valid("param").id);
  return c.body(file.body, 200, {
    "content-type": file.contentType,
    "content-length": String(file.bytes),
    "content-disposition": `attachment; filename="${file.filename}"`,
    "cache-control": "private, no-store",
  });
};
