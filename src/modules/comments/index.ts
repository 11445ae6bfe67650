// Comments on any object, known by kind and id (copper-theft incidents and their affected
// customers today; content-types.ts lists the kinds and their permissions).
import { createRouter } from "../../lib/create-router";
import * as h from "./comments.handlers";
import * as r from "./comments.routes";

export const commentsModule = createRouter()
  .openapi(r.listObjectComments, h.listObjectComments)
  .openapi(r.addObjectComment, h.addObjectComment)
  .openapi(r.getObjectComment, h.getObjectComment)
  .openapi(r.updateObjectComment, h.updateObjectComment)
  .openapi(r.deleteObjectComment, h.deleteObjectComment);
export { commentErasure } from "./erasure";
