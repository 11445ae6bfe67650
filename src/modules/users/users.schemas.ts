import { z } from "@hono/zod-openapi";
import { searchParam } from "../../lib/search";
import { USER_STATUSES } from "../../db/schema";
import { cursorParam, limitParam, pageSchema } from "../../lib/pagination";

export const UserIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, description: "The user's id", example: "usr_3k9x0c2m1q8w7e6r5t4y" }),
});

/** Explicit allow-list: no hash, token or internal field ever leaves the API. */
export const UserSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    email: z.string().nullable().openapi({ description: "Null for an account registered with a phone number only" }),
    phone: z.string().nullable().openapi({ description: "E.164" }),
    whatsapp: z
      .string()
      .nullable()
      .openapi({ description: "WhatsApp number (E.164); notifications go there by default" }),
    department: z.string().nullable(),
    region: z.string().nullable().openapi({ description: "The region or service area the person lives or works in" }),
    address: z.string().nullable().openapi({ description: "Street address" }),
    first_name: z.string(),
    last_name: z.string(),
    display_name: z.string(),
    role: z.string(),
    company_id: z.string().nullable(),
    status: z.enum(USER_STATUSES),
    is_active: z.boolean(),
    two_factor_enabled: z.boolean(),
    has_push_token: z.boolean(),
    avatar_url: z.string().nullable().openapi({
      description: "The user's picture (`GET` it with your token), or null",
      example: "/v1/users/usr_0a1b2c3d4e5f6g7h8i9j/avatar",
    }),
    last_login_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("User");

export type UserResponse = z.infer<typeof UserSchema>;

export const UserPageSchema = pageSchema(UserSchema, "UserPage");

export const USERNAME = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^[a-z0-9][a-z0-9._-]{2,39}$/,
    "3–40 characters: letters, digits, dot, dash, underscore; starting with a letter or digit",
  )
  .openapi({ example: "thandi.m" });
export const EMAIL = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email("Not a valid email address"))
  .openapi({ format: "email", example: "thandi@example.com" });
export const PHONE = z.string().trim().min(6).max(32).openapi({ description: "Any common format; stored as E.164" });
/** NIST 800-63B: at least 8, and a ceiling so hashing cost stays bounded. */
export const PASSWORD = z.string().min(8, "At least 8 characters").max(128, "At most 128 characters");
export const NAME = z.string().trim().max(100);
export const REGION = z
  .string()
  .trim()
  .min(1)
  .max(80)
  .openapi({ description: "The region or service area the person lives or works in", example: "Gaborone" });
export const ADDRESS = z
  .string()
  .trim()
  .min(1)
  .max(300)
  .openapi({ description: "Street address", example: "Plot 1234, Broadhurst, Gaborone" });
export const DEPARTMENT = z.string().trim().min(1).max(80).openapi({ example: "Network operations" });

export const ProfileUpdateSchema = z
  .strictObject({
    first_name: NAME.optional(),
    last_name: NAME.optional(),
    email: EMAIL.optional(),
    phone: PHONE.nullable().optional(),
    whatsapp: PHONE.nullable().optional(),
    department: DEPARTMENT.nullable().optional(),
    region: REGION.nullable().optional(),
    address: ADDRESS.nullable().optional(),
    current_password: z.string().min(1).max(200).optional().openapi({
      description: "Required to change `email` or `phone`: they are how the account signs in and resets its password",
    }),
  })
  .openapi("ProfileUpdate", {
    description:
      "Role, status and id cannot be changed here; unknown fields are rejected. A new email or phone needs `current_password` and takes effect once verified through the link sent to it; the old address is told, with a link to undo the change.",
  });

export const ContactTokenSchema = z
  .strictObject({ token: z.string().min(20).max(200).openapi({ example: "b3JhbmdlLXJpdmVyLWdhdGUtbGluay0wMDAx" }) })
  .openapi("ContactChangeToken");
export const MessageSchema = z.object({ message: z.string() }).openapi("ContactChangeResult");

export const PushTokenSchema = z
  .strictObject({
    token: z
      .string()
      .max(255)
      .regex(/^(ExponentPushToken|ExpoPushToken)\[[^\]]+\]$/, "An Expo push token: ExponentPushToken[…]")
      .openapi({ example: "ExponentPushToken[xxxxxxxxxxxxxxxxxxxxxx]" })
      .nullable(),
  })
  .openapi("PushTokenUpdate");

export const UserCreateSchema = z
  .strictObject({
    username: USERNAME,
    email: EMAIL,
    phone: PHONE.optional(),
    whatsapp: PHONE.optional(),
    department: DEPARTMENT.optional(),
    region: REGION.optional(),
    address: ADDRESS.optional(),
    password: PASSWORD,
    first_name: NAME.default(""),
    last_name: NAME.default(""),
    role: z.string().min(1).max(40),
    status: z.enum(["active", "pending"]).default("active"),
    company_id: z.string().max(64).optional(),
  })
  .openapi("UserCreate");

export const UserUpdateSchema = z
  .strictObject({
    username: USERNAME.optional(),
    email: EMAIL.optional(),
    phone: PHONE.nullable().optional(),
    whatsapp: PHONE.nullable().optional(),
    department: DEPARTMENT.nullable().optional(),
    region: REGION.nullable().optional(),
    address: ADDRESS.nullable().optional(),
    first_name: NAME.optional(),
    last_name: NAME.optional(),
    role: z.string().min(1).max(40).optional(),
    company_id: z.string().max(64).nullable().optional(),
  })
  .openapi("UserUpdate", {
    description: "Status changes go through activate/deactivate/approve/reject; id is immutable.",
  });

export const SetPasswordSchema = z.strictObject({ password: PASSWORD }).openapi("SetPassword");

const boolParam = z.enum(["true", "false"]).transform((v) => v === "true");

export const UserListQuery = z.strictObject({
  limit: limitParam,
  cursor: cursorParam,
  role: z
    .string()
    .max(40)
    .optional()
    .openapi({ param: { name: "role", in: "query" }, description: "Only users with this role (its key)" }),
  phone: z
    .string()
    .max(32)
    .optional()
    .openapi({ param: { name: "phone", in: "query" }, description: "Any format; matched as E.164" }),
  q: searchParam("username, email and names"),
  is_active: boolParam.optional().openapi({
    param: { name: "is_active", in: "query" },
    description: "`true`: only active accounts; `false`: only pending, rejected or deactivated ones",
  }),
  status: z
    .enum(USER_STATUSES)
    .optional()
    .openapi({ param: { name: "status", in: "query" }, description: "Only accounts in this state" }),
  order: z
    .enum(["created_at", "-created_at", "username", "-username"])
    .default("-created_at")
    .openapi({ param: { name: "order", in: "query" }, description: "Sort order; `-` for descending" }),
});

export const RejectSchema = z.strictObject({ reason: z.string().max(500).optional() }).openapi("RejectRegistration");

export const MeSchema = UserSchema.extend({
  application: z
    .object({ key: z.string(), roles: z.array(z.string()) })
    .optional()
    .openapi({
      description:
        "Signed in for another application: its key and your roles there (as at sign-in or the last refresh)",
    }),
  pending_contact_changes: z
    .array(z.object({ kind: z.enum(["email", "phone"]), value: z.string(), expires_at: z.string() }))
    .optional()
    .openapi({
      description:
        "In the answer to a profile update: new email addresses or phone numbers waiting for verification through the link sent to them",
    }),
}).openapi("Me");

export const AvatarSetSchema = z
  .strictObject({
    upload_id: z.string().min(1).max(64).openapi({
      description: "One of your photo uploads (JPEG, PNG or WebP; `POST /v1/uploads` with kind `photo`)",
      example: "upl_0a1b2c3d4e5f6g7h8i9j",
    }),
  })
  .openapi("AvatarSet");
