import { z } from "@hono/zod-openapi";
import { cursorParam, limitParam, pageSchema } from "../../lib/pagination";
import { CONTENT_TYPES } from "./content-types";

const contentType = z
  .enum(Object.keys(CONTENT_TYPES) as [keyof typeof CONTENT_TYPES])
  .openapi({ description: "What kind of object: `copper_incident` or `affected_customer`" });
const objectId = z.string().min(1).max(64).openapi({ example: "cti_0a1b2c3d4e5f6g7h8i9j" });

export const CommentIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({
      param: { name: "id", in: "path" },
      description: "The comment's id",
      example: "ocm_0a1b2c3d4e5f6g7h8i9j",
    }),
});

export const ObjectCommentSchema = z
  .object({
    id: z.string(),
    content_type: z.string(),
    object_id: z.string(),
    author_id: z.string(),
    author_name: z.string(),
    body: z.string(),
    edited: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("ObjectComment");
export const ObjectCommentPageSchema = pageSchema(ObjectCommentSchema, "ObjectCommentPage");

export const CommentListQuery = z.strictObject({
  limit: limitParam,
  cursor: cursorParam,
  content_type: contentType.openapi({ param: { name: "content_type", in: "query" } }),
  object_id: objectId.openapi({ param: { name: "object_id", in: "query" }, description: "The object's id" }),
});

export const CommentCreateSchema = z
  .strictObject({
    content_type: contentType,
    object_id: objectId,
    body: z
      .string()
      .trim()
      .min(1)
      .max(5000)
      .openapi({ example: "Police attended; suspects seen near the substation." }),
  })
  .openapi("ObjectCommentCreate");
export const CommentUpdateSchema = z
  .strictObject({ body: z.string().trim().min(1).max(5000) })
  .openapi("ObjectCommentUpdate");
