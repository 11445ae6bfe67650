// Identity: sign-in, sessions and token families, passwords, 2FA, registration, JWKS.
import { createRouter } from "../../lib/create-router";
import * as h from "./auth.handlers";
import * as r from "./auth.routes";

export const authModule = createRouter()
  .openapi(r.login, h.login)
  .openapi(r.verifyLoginOtp, h.verifyLoginOtp)
  .openapi(r.refreshTokens, h.refreshTokens)
  .openapi(r.logout, h.logout)
  .openapi(r.register, h.register)
  .openapi(r.forgotPassword, h.forgotPassword)
  .openapi(r.resetPassword, h.resetPassword)
  .openapi(r.changePassword, h.changePassword)
  .openapi(r.verifyPassword, h.verifyPassword)
  .openapi(r.requestOtp, h.requestOtp)
  .openapi(r.enableTwoFactor, h.enableTwoFactor)
  .openapi(r.disableTwoFactor, h.disableTwoFactor)
  .openapi(r.validateToken, h.validateToken)
  .openapi(r.getJwks, h.getJwks);

export { deleteEndedCredentials } from "./housekeeping";
export { sessionCaller } from "./live-sessions";
export { accessEnds, endSessionQuery } from "./session-ends";
export { authErasure } from "./erasure";
