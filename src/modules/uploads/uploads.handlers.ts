import type { RouteHandler } from "@hono/zod-openapi";
import { UPLOAD_KINDS, type UploadKind } from "../../db/schema";
import type { AppEnv } from "../../lib/context";
import { userContext } from "../../lib/create-router";
import { fileDownload } from "../../lib/files";
import { AppError } from "../../lib/problem";
import * as routes from "./uploads.routes";
import * as service from "./uploads.service";

const field = (form: Record<string, unknown>, name: string) =>
  typeof form[name] === "string" && form[name] ? (form[name] as string).slice(0, 64) : undefined;

export const createUpload: RouteHandler<typeof routes.createUpload, AppEnv> = async (c) => {
  if (!(c.req.header("content-type") ?? "").toLowerCase().startsWith("multipart/form-data"))
    throw new AppError("unsupported_media_type", "Send multipart/form-data with `file` and `kind`.");
  const form = await c.req.parseBody();
  const file = form.file;
  const kind = form.kind;
  const errors = [
    ...(file instanceof File ? [] : [{ path: "file", message: "Required: the file" }]),
    ...(typeof kind === "string" && (UPLOAD_KINDS as readonly string[]).includes(kind)
      ? []
      : [{ path: "kind", message: `One of ${UPLOAD_KINDS.join(", ")}` }]),
    ...(form.work_log_id && !form.ticket_id ? [{ path: "work_log_id", message: "Only with ticket_id" }] : []),
  ];
  if (errors.length || !(file instanceof File))
    throw new AppError("validation_failed", "The upload is incomplete.", { errors });
  const upload = await service.createUpload(userContext(c), {
    kind: kind as UploadKind,
    filename: file.name,
    bytes: new Uint8Array(await file.arrayBuffer()),
    ticketId: field(form, "ticket_id"),
    workLogId: field(form, "work_log_id"),
  });
  return c.json(upload, 201);
};

export const getUpload: RouteHandler<typeof routes.getUpload, AppEnv> = async (c) =>
  c.json(service.toUploadResponse(await service.findVisibleUpload(userContext(c), c.req.valid("param").id)), 200);

export const downloadUpload: RouteHandler<typeof routes.downloadUpload, AppEnv> = async (c) => {
  const { row, object } = await service.downloadUpload(userContext(c), c.req.valid("param").id);
  return fileDownload(object, row);
};

export const attachUpload: RouteHandler<typeof routes.attachUpload, AppEnv> = async (c) =>
  c.json(await service.attachUpload(userContext(c), c.req.valid("param").id, c.req.valid("json")), 200);
