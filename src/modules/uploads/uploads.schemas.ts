import { z } from "@hono/zod-openapi";
import { UPLOAD_KINDS } from "../../db/schema";

export const UploadIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({
      param: { name: "id", in: "path" },
      description: "The upload's id",
      example: "upl_0a1b2c3d4e5f6g7h8i9j",
    }),
});

export const UploadFormSchema = z
  .object({
    file: z.any().openapi({
      type: "string",
      format: "binary",
      description: "The file: a photo (JPEG, PNG, WebP, HEIC), a document (PDF, JPEG, PNG) or a signature (PNG, JPEG)",
    }),
    kind: z.enum(UPLOAD_KINDS),
    ticket_id: z.string().max(64).optional().openapi({ description: "Attach it to this ticket at once" }),
    work_log_id: z
      .string()
      .max(64)
      .optional()
      .openapi({ description: "With `ticket_id`: the work log on that ticket it belongs to" }),
  })
  .openapi("UploadForm");

export const UploadSchema = z
  .object({
    id: z.string(),
    kind: z.enum(UPLOAD_KINDS),
    filename: z.string(),
    content_type: z.string().openapi({ description: "As recognised from the content" }),
    size_bytes: z.number().int(),
    uploaded_by: z.string(),
    ticket_id: z.string().nullable(),
    work_log_id: z.string().nullable(),
    attached_at: z.string().nullable(),
    created_at: z.string(),
    attachment_id: z
      .string()
      .optional()
      .openapi({ description: "When attached by this request: the ticket attachment it became" }),
  })
  .openapi("Upload");

export const AttachUploadSchema = z
  .strictObject({
    ticket_id: z.string().min(1).max(64).openapi({ example: "tkt_0a1b2c3d4e5f6g7h8i9j" }),
    work_log_id: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .openapi({ description: "One of the ticket's work logs", example: "wlg_0a1b2c3d4e5f6g7h8i9j" }),
  })
  .openapi("AttachUpload");
