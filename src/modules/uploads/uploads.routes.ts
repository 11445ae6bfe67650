import { createRoute } from "@hono/zod-openapi";
import { jsonBody, jsonResponse } from "../../lib/openapi";
import { errorResponses } from "../../lib/problem";
import { requires } from "../../middleware/auth";
import { idempotencyHeader, idempotent } from "../../middleware/idempotency";
import { AttachUploadSchema, UploadFormSchema, UploadIdParam, UploadSchema } from "./uploads.schemas";

const tags = ["uploads"];

export const createUpload = createRoute({
  method: "post",
  path: "/v1/uploads",
  tags,
  operationId: "createUpload",
  summary: "Upload a photo, document or signature from the field",
  description:
    "multipart/form-data: `file`, `kind` and, to attach it at once, `ticket_id` (and `work_log_id`). The type is recognised from the content, never from the name; each kind has its size cap (UPLOAD_MAX_*_BYTES). An upload not attached to a ticket within UPLOAD_UNATTACHED_DAYS is deleted by the daily clean-up. Attached, it is also one of the ticket's attachments.",
  ...requires("tickets:comment", idempotent()),
  request: {
    headers: idempotencyHeader,
    body: { required: true, content: { "multipart/form-data": { schema: UploadFormSchema } } },
  },
  responses: {
    201: jsonResponse(UploadSchema, "Stored (and attached)"),
    ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422),
  },
});

export const getUpload = createRoute({
  method: "get",
  path: "/v1/uploads/{id}",
  tags,
  operationId: "getUpload",
  summary: "An upload's details",
  description: "For its uploader, or, once attached, for whoever may see its ticket.",
  ...requires("tickets:read"),
  request: { params: UploadIdParam },
  responses: { 200: jsonResponse(UploadSchema, "The upload"), ...errorResponses(400, 401, 403, 404) },
});

export const downloadUpload = createRoute({
  method: "get",
  path: "/v1/uploads/{id}/content",
  tags,
  operationId: "downloadUpload",
  summary: "Download an upload's file",
  description: "For its uploader, or, once attached, for whoever may see its ticket.",
  ...requires("tickets:read"),
  request: { params: UploadIdParam },
  responses: {
    200: {
      description: "The file",
      content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } },
    },
    ...errorResponses(400, 401, 403, 404),
  },
});

export const attachUpload = createRoute({
  method: "post",
  path: "/v1/uploads/{id}/attach",
  tags,
  operationId: "attachUpload",
  summary: "Attach your upload to a ticket (and a work log)",
  ...requires("tickets:comment", idempotent()),
  request: { headers: idempotencyHeader, params: UploadIdParam, body: jsonBody(AttachUploadSchema) },
  responses: { 200: jsonResponse(UploadSchema, "Attached"), ...errorResponses(400, 401, 403, 404, 409) },
});
