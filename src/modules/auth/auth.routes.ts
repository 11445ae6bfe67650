import { createRoute } from "@hono/zod-openapi";
import { idempotencyHeader, idempotent } from "../../middleware/idempotency";
import { optionalSignIn, requiresSignIn } from "../../middleware/auth";
import { PUBLIC, jsonBody, jsonResponse, noContent } from "../../lib/openapi";
import { errorResponses } from "../../lib/problem";
import {
  ChangePasswordSchema,
  ForgotPasswordSchema,
  JwksSchema,
  LoginResponseSchema,
  LoginSchema,
  MessageSchema,
  OtpCodeSchema,
  PasswordCheckSchema,
  RefreshSchema,
  RegisterResponseSchema,
  RegisterSchema,
  RequestOtpSchema,
  ResetPasswordSchema,
  TokenPairSchema,
  TokenValidationQuery,
  TokenValidationSchema,
  TwoFactorStateSchema,
  VerifyOtpSchema,
  VerifyPasswordSchema,
} from "./auth.schemas";

const tags = ["auth"];

export const login = createRoute({
  method: "post",
  path: "/v1/auth/login",
  tags,
  operationId: "login",
  security: PUBLIC,
  summary: "Sign in with username, email or phone and password",
  description:
    "Throttled per identifier and per client address. With 2FA on, answers an MFA challenge instead of tokens.",
  request: { body: jsonBody(LoginSchema) },
  responses: {
    200: jsonResponse(LoginResponseSchema, "Tokens, or an MFA challenge"),
    ...errorResponses(400, 401, 403, 413, 429),
  },
});

export const verifyLoginOtp = createRoute({
  method: "post",
  path: "/v1/auth/login/verify-otp",
  tags,
  operationId: "verifyLoginOtp",
  security: PUBLIC,
  summary: "Finish a 2FA login with the emailed code",
  request: { body: jsonBody(VerifyOtpSchema) },
  responses: { 200: jsonResponse(TokenPairSchema, "Tokens"), ...errorResponses(400, 401, 403, 429) },
});

export const refreshTokens = createRoute({
  method: "post",
  path: "/v1/auth/refresh",
  tags,
  operationId: "refreshTokens",
  security: PUBLIC,
  summary: "Rotate the refresh token",
  description:
    "The refresh token comes from the body or the refresh cookie (cookie mode also needs X-CSRF-Token). A token that was already rotated ends the whole session.",
  request: { body: { required: false, content: { "application/json": { schema: RefreshSchema } } } },
  responses: { 200: jsonResponse(TokenPairSchema, "New tokens"), ...errorResponses(400, 401, 403) },
});

export const logout = createRoute({
  method: "post",
  path: "/v1/auth/logout",
  tags,
  operationId: "logout",
  summary: "End the session",
  description:
    "With an access token (truckroll's, or one issued for an application), ends its session; without one, give the refresh token. Clears the auth cookies.",
  ...optionalSignIn({ applications: true }),
  request: { body: { required: false, content: { "application/json": { schema: RefreshSchema } } } },
  responses: { 204: noContent, ...errorResponses(400, 401, 403) },
});

export const register = createRoute({
  method: "post",
  path: "/v1/auth/register",
  tags,
  operationId: "register",
  security: PUBLIC,
  middleware: [idempotent()] as const,
  summary: "Register an account",
  description:
    "A customer needs only a name, a phone number (or email) and a password, is active at once and is answered with tokens, as after signing in. Staff accounts need an email address and wait in `pending` until approved (no tokens). A username is made from the name when none is given.",
  request: { headers: idempotencyHeader, body: jsonBody(RegisterSchema) },
  responses: { 201: jsonResponse(RegisterResponseSchema, "Registered"), ...errorResponses(400, 409, 413, 429) },
});

export const forgotPassword = createRoute({
  method: "post",
  path: "/v1/auth/password/forgot",
  tags,
  operationId: "forgotPassword",
  security: PUBLIC,
  summary: "Send a password reset link (by email, or by SMS to an account without one)",
  description: "Answers the same whether or not the account exists.",
  request: { body: jsonBody(ForgotPasswordSchema) },
  responses: { 202: jsonResponse(MessageSchema, "Accepted"), ...errorResponses(400, 429) },
});

export const resetPassword = createRoute({
  method: "post",
  path: "/v1/auth/password/reset",
  tags,
  operationId: "resetPassword",
  security: PUBLIC,
  summary: "Set a new password with a reset token",
  description: "Tokens are single-use and expire after 30 minutes. Every session of the account ends.",
  request: { body: jsonBody(ResetPasswordSchema) },
  responses: { 200: jsonResponse(MessageSchema, "Password changed"), ...errorResponses(400, 401, 429) },
});

export const changePassword = createRoute({
  method: "post",
  path: "/v1/auth/password/change",
  tags,
  operationId: "changePassword",
  summary: "Change your password; the old one is required",
  description: "Other sessions end; this one continues.",
  ...requiresSignIn(),
  request: { body: jsonBody(ChangePasswordSchema) },
  responses: { 200: jsonResponse(MessageSchema, "Password changed"), ...errorResponses(400, 401, 403, 429) },
});

export const verifyPassword = createRoute({
  method: "post",
  path: "/v1/auth/password/verify",
  tags,
  operationId: "verifyPassword",
  summary: "Check your current password",
  ...requiresSignIn(),
  request: { body: jsonBody(VerifyPasswordSchema) },
  responses: { 200: jsonResponse(PasswordCheckSchema, "Whether it matches"), ...errorResponses(400, 401, 403, 429) },
});

export const requestOtp = createRoute({
  method: "post",
  path: "/v1/auth/2fa/request-otp",
  tags,
  operationId: "requestOtp",
  summary: "Email a one-time code",
  description:
    "Signed in: a code to enable or disable 2FA. With `mfa_token`: a fresh login code (and a new mfa_token).",
  ...optionalSignIn(),
  request: { body: jsonBody(RequestOtpSchema) },
  responses: {
    202: jsonResponse(MessageSchema.extend({ mfa_token: MessageSchema.shape.message.optional() }), "Sent"),
    ...errorResponses(400, 401, 403, 429),
  },
});

export const enableTwoFactor = createRoute({
  method: "post",
  path: "/v1/auth/2fa/enable",
  tags,
  operationId: "enableTwoFactor",
  summary: "Turn on 2FA with a code from request-otp",
  ...requiresSignIn(),
  request: { body: jsonBody(OtpCodeSchema) },
  responses: { 200: jsonResponse(TwoFactorStateSchema, "2FA on"), ...errorResponses(400, 401, 403, 409) },
});

export const disableTwoFactor = createRoute({
  method: "post",
  path: "/v1/auth/2fa/disable",
  tags,
  operationId: "disableTwoFactor",
  summary: "Turn off 2FA with a code from request-otp",
  ...requiresSignIn(),
  request: { body: jsonBody(OtpCodeSchema) },
  responses: { 200: jsonResponse(TwoFactorStateSchema, "2FA off"), ...errorResponses(400, 401, 403, 409) },
});

export const validateToken = createRoute({
  method: "get",
  path: "/v1/auth/token/validate",
  tags,
  operationId: "validateToken",
  summary: "Check the presented access token and its live session",
  description:
    "Always reads the session, never this isolate's recent check: other services use it to learn whether a token is still good. Accepts truckroll's own access tokens and those issued for an application (audience `app:<application key>`), which no other route accepts.",
  ...requiresSignIn({ live: true, applications: true }),
  request: { query: TokenValidationQuery },
  responses: { 200: jsonResponse(TokenValidationSchema, "Valid"), ...errorResponses(400, 401, 403) },
});

export const getJwks = createRoute({
  method: "get",
  path: "/.well-known/jwks.json",
  tags,
  operationId: "getJwks",
  security: PUBLIC,
  summary: "Public keys that verify truckroll's tokens",
  responses: { 200: jsonResponse(JwksSchema, "JSON Web Key Set") },
});
