// Service cards: installed equipment with warranty (CRM-2). Owner-scoped for customers.
import { createRouter } from "../../lib/create-router";
import * as h from "./assets.handlers";
import * as r from "./assets.routes";

export const assetsModule = createRouter()
  .openapi(r.listAssets, h.listAssets)
  .openapi(r.createAsset, h.createAsset)
  .openapi(r.getAsset, h.getAsset)
  .openapi(r.updateAsset, h.updateAsset)
  .openapi(r.deleteAsset, h.deleteAsset)
  .openapi(r.registerOwnServiceCard, h.registerOwnServiceCard)
  .openapi(r.updateOwnServiceCard, h.updateOwnServiceCard);

export { isInWarranty } from "./assets.service";
export { assetImport } from "./assets.import";
export { assetsForSync } from "./assets.service";
export { assetErasure } from "./erasure";
