// Buckets: named, saved ticket queues private to each user (WO-13).
import { createRouter } from "../../lib/create-router";
import * as h from "./buckets.handlers";
import * as r from "./buckets.routes";

export const bucketsModule = createRouter()
  .openapi(r.listBuckets, h.listBuckets)
  .openapi(r.createBucket, h.createBucket)
  .openapi(r.updateBucket, h.updateBucket)
  .openapi(r.deleteBucket, h.deleteBucket)
  .openapi(r.refreshBucket, h.refreshBucket);
