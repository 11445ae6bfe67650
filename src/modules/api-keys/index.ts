// API keys for services and integrations: created with a subset of the creator's permissions,
// shown once, kept as a hash, rotated with an overlap, revoked; and the client-credentials grant
// that exchanges a key for a short-lived token. Requests with a key are authenticated by
// key-callers.ts, which the entry point hands the auth middleware (src/identity.ts).
import { createRouter } from "../../lib/create-router";
import * as h from "./api-keys.handlers";
import * as r from "./api-keys.routes";

export const apiKeysModule = createRouter()
  .openapi(r.listApiKeys, h.listApiKeys)
  .openapi(r.createApiKey, h.createApiKey)
  .openapi(r.getApiKey, h.getApiKey)
  .openapi(r.revokeApiKey, h.revokeApiKey)
  .openapi(r.rotateApiKey, h.rotateApiKey)
  .openapi(r.clientCredentialsToken, h.clientCredentialsToken);
export { API_KEY_PREFIX, authenticateApiKey, exchangedKeyCaller } from "./key-callers";
