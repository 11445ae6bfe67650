import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context";
import { userContext } from "../../lib/create-router";
import * as routes from "./buckets.routes";
import * as buckets from "./buckets.service";

export const listBuckets: RouteHandler<typeof routes.listBuckets, AppEnv> = async (c) =>
  c.json(await buckets.listBuckets(userContext(c)), 200);

export const createBucket: RouteHandler<typeof routes.createBucket, AppEnv> = async (c) =>
  c.json(await buckets.createBucket(userContext(c), c.req.valid("json")), 201);

export const updateBucket: RouteHandler<typeof routes.updateBucket, AppEnv> = async (c) =>
  c.json(await buckets.updateBucket(userContext(c), c.req.valid("param").id, c.req.valid("json")), 200);

export const deleteBucket: RouteHandler<typeof routes.deleteBucket, AppEnv> = async (c) => {
  await buckets.deleteBucket(userContext(c), c.req.valid("param").id);
  return c.body(null, 204);
};

export const refreshBucket: RouteHandler<typeof routes.refreshBucket, AppEnv> = async (c) =>
  c.json(await buckets.refreshBucket(userContext(c), c.req.valid("param").id, c.req.valid("query")), 200);
