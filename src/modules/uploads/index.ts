// Uploads: photos, documents and signatures from the field, stored in R2, attached to a ticket
// at once or later, removed when never attached (MOB-2).
import { createRouter } from "../../lib/create-router";
import * as h from "./uploads.handlers";
import * as r from "./uploads.routes";

export const uploadsModule = createRouter()
  .openapi(r.createUpload, h.createUpload)
  .openapi(r.getUpload, h.getUpload)
  .openapi(r.downloadUpload, h.downloadUpload)
  .openapi(r.attachUpload, h.attachUpload);

export {
  attachUpload,
  avatarFile,
  claimAvatarUpload,
  deleteUnattachedUploads,
  releaseAvatarUpload,
} from "./uploads.service";
export { uploadErasure } from "./erasure";
