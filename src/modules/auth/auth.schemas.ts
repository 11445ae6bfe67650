import { z } from "@hono/zod-openapi";
import { UserSchema, USERNAME, EMAIL, PHONE, PASSWORD, NAME, REGION, ADDRESS } from "../users";

const applicationKey = z.string().trim().min(2).max(40).optional().openapi({
  description:
    "Sign in to another application (its key, see GET /v1/applications/public): the tokens then carry `azp` and your roles in it; 403 `application_denied` without a role there",
});

/** The application a session is for, and the user's roles in it. */
const ApplicationRolesSchema = z.object({ key: z.string(), roles: z.array(z.string()) }).openapi("ApplicationRoles");

const tokenDelivery = z.enum(["body", "cookie"]).default("body").openapi({
  description: "`cookie`: tokens are set as HttpOnly, Secure, SameSite=Strict cookies instead of the body",
});

/** `identifier` is a username, email or phone; `username`/`email`/`phone` are accepted for older clients. */
export const LoginSchema = z
  .strictObject({
    identifier: z.string().trim().min(1).max(254).optional(),
    username: z.string().trim().min(1).max(254).optional(),
    email: z.string().trim().min(1).max(254).optional(),
    phone: z.string().trim().min(1).max(32).optional(),
    password: z.string().min(1).max(128),
    token_delivery: tokenDelivery,
    application: applicationKey,
    remember_me: z.boolean().optional().openapi({
      description:
        "Keep the session for REMEMBER_ME_TTL_SECONDS (90 days by default) instead of REFRESH_TOKEN_TTL_SECONDS (30 days); the access token's life is unchanged",
    }),
  })
  .refine((v) => v.identifier ?? v.username ?? v.email ?? v.phone, {
    message: "Give identifier (or username, email or phone)",
    path: ["identifier"],
  })
  .openapi("LoginRequest", { example: { identifier: "dispatcher", password: "truckroll-demo" } });

export const TokenPairSchema = z
  .object({
    access_token: z.string().optional().openapi({ description: "Absent in cookie mode" }),
    refresh_token: z.string().optional().openapi({ description: "Absent in cookie mode" }),
    token_type: z.literal("Bearer"),
    expires_in: z.number().int(),
    csrf_token: z.string().optional().openapi({ description: "Cookie mode: send as X-CSRF-Token on unsafe requests" }),
    application: ApplicationRolesSchema.optional().openapi({
      description: "Signed in to another application: its key and your roles there",
    }),
    user: UserSchema,
  })
  .openapi("TokenPair");

export const MfaChallengeSchema = z
  .object({ mfa_required: z.literal(true), mfa_token: z.string(), expires_in: z.number().int() })
  .openapi("MfaChallenge");

export const LoginResponseSchema = z.union([TokenPairSchema, MfaChallengeSchema]).openapi("LoginResponse");

export const RefreshSchema = z
  .strictObject({
    refresh_token: z.string().min(1).max(4096).optional().openapi({ description: "Omit in cookie mode" }),
    // No default here: a refresh from the cookie answers in cookies unless the body asks otherwise.
    token_delivery: z
      .enum(["body", "cookie"])
      .optional()
      .openapi({ description: "Default: `cookie` when the refresh token comes from the cookie, else `body`" }),
  })
  .openapi("RefreshRequest");

export const VerifyOtpSchema = z
  .strictObject({
    mfa_token: z.string().min(1).max(4096),
    code: z
      .string()
      .regex(/^\d{6}$/, "Six digits")
      .openapi({ example: "123456" }),
    token_delivery: tokenDelivery,
    application: applicationKey,
  })
  .openapi("VerifyOtpRequest");

export const RegisterSchema = z
  .strictObject({
    name: NAME.min(1).optional().openapi({
      description: "Full name, split into first and last name at the first space; or give first_name and last_name",
      example: "Ramesh Kumar",
    }),
    username: USERNAME.optional().openapi({ description: "Made from the name (or phone) when omitted" }),
    email: EMAIL.optional(),
    phone: PHONE.optional(),
    password: PASSWORD,
    first_name: NAME.optional(),
    last_name: NAME.optional(),
    region: REGION.optional(),
    address: ADDRESS.optional(),
    account_type: z
      .enum(["customer", "technician", "dispatcher", "supervisor", "manager"])
      .default("customer")
      .openapi({ description: "Customers are active at once; staff accounts wait for approval" }),
  })
  .refine((v) => v.email || v.phone, { message: "Give a phone number or an email address", path: ["phone"] })
  .refine((v) => v.email || v.account_type === "customer", {
    message: "Staff accounts need an email address",
    path: ["email"],
  })
  .openapi("RegisterRequest", {
    example: { name: "Ramesh Kumar", phone: "+26771234567", password: "correct horse battery" },
  });

export const RegisterResponseSchema = z
  .object({
    user: UserSchema,
    requires_approval: z.boolean(),
    access_token: z.string().optional().openapi({
      description:
        "Customers: signed in at once (as after /v1/auth/login); absent for staff accounts waiting for approval",
    }),
    refresh_token: z.string().optional(),
    token_type: z.literal("Bearer").optional(),
    expires_in: z.number().int().optional().openapi({ description: "Seconds the access token lives" }),
  })
  .openapi("RegisterResponse");

export const ForgotPasswordSchema = z
  .strictObject({
    identifier: z.string().trim().min(1).max(254).optional(),
    email: z.string().trim().min(1).max(254).optional(),
  })
  .refine((v) => v.identifier ?? v.email, { message: "Give identifier or email", path: ["identifier"] })
  .openapi("ForgotPasswordRequest", { example: { identifier: "dispatcher@demo.truckroll.dev" } });

export const ResetPasswordSchema = z
  .strictObject({ token: z.string().min(16).max(256), new_password: PASSWORD })
  .openapi("ResetPasswordRequest");

export const ChangePasswordSchema = z
  .strictObject({ old_password: z.string().min(1).max(128), new_password: PASSWORD })
  .openapi("ChangePasswordRequest");

export const VerifyPasswordSchema = z
  .strictObject({ password: z.string().min(1).max(128) })
  .openapi("VerifyPasswordRequest");

export const RequestOtpSchema = z
  .strictObject({
    mfa_token: z
      .string()
      .min(1)
      .max(4096)
      .optional()
      .openapi({ description: "Resend the login code; without it the caller must be signed in" }),
    purpose: z
      .enum(["enable_2fa", "disable_2fa"])
      .optional()
      .openapi({ description: "Signed-in callers: which change the code confirms (defaults from the current state)" }),
  })
  .openapi("RequestOtpRequest");

export const OtpCodeSchema = z
  .strictObject({
    code: z
      .string()
      .regex(/^\d{6}$/, "Six digits")
      .openapi({ example: "123456" }),
  })
  .openapi("OtpCodeRequest");

export const MessageSchema = z.object({ message: z.string() }).openapi("Message");

export const TwoFactorStateSchema = z.object({ two_factor_enabled: z.boolean() }).openapi("TwoFactorState");

export const PasswordCheckSchema = z.object({ valid: z.boolean() }).openapi("PasswordCheck");

export const TokenValidationSchema = z
  .object({
    valid: z.literal(true),
    user_id: z.string(),
    session_id: z.string(),
    role: z.string(),
    permissions: z.array(z.string()),
    expires_at: z.string(),
    application: ApplicationRolesSchema.nullable().openapi({
      description:
        "The application the token was issued for, and the user's roles there (as at sign-in or the last refresh)",
    }),
  })
  .openapi("TokenValidation");

export const TokenValidationQuery = z.strictObject({
  application: z
    .string()
    .max(40)
    .optional()
    .openapi({
      param: { name: "application", in: "query" },
      description:
        "Also require the token to have been issued for this application (its key); otherwise 403 application_denied",
    }),
});

export const JwksSchema = z
  .object({
    keys: z.array(
      z.object({ kty: z.string(), crv: z.string(), x: z.string(), kid: z.string(), alg: z.string(), use: z.string() }),
    ),
  })
  .openapi("Jwks");
