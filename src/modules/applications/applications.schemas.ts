import { z } from "@hono/zod-openapi";
import { cursorParam, limitParam, pageSchema } from "../../lib/pagination";

const id = (example: string, name = "id") =>
  z.object({
    [name]: z
      .string()
      .min(1)
      .max(64)
      .openapi({ param: { name, in: "path" }, description: "The record's id", example }),
  });
export const ApplicationIdParam = id("app_0a1b2c3d4e5f6g7h8i9j");
export const ApplicationRoleParams = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({
      param: { name: "id", in: "path" },
      description: "The application's id",
      example: "app_0a1b2c3d4e5f6g7h8i9j",
    }),
  role_id: z
    .string()
    .min(1)
    .max(64)
    .openapi({
      param: { name: "role_id", in: "path" },
      description: "The application role's id",
      example: "apr_0a1b2c3d4e5f6g7h8i9j",
    }),
});
export const GrantIdParam = id("apg_0a1b2c3d4e5f6g7h8i9j");

const appKey = z
  .string()
  .trim()
  .min(2)
  .max(40)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, "Lower-case letters, digits, _ and - only");
const origin = z
  .url({ protocol: /^https?$/ })
  .max(200)
  .refine((u) => new URL(u).origin === u.replace(/\/$/, ""), "An origin: scheme, host and port only")
  .openapi({ example: "https://helpdesk.example.com" });

export const ApplicationSchema = z
  .object({
    id: z.string(),
    key: z.string().openapi({ description: "Named at sign-in (`application`) and carried by its tokens as `azp`" }),
    name: z.string(),
    description: z.string(),
    listed: z.boolean().openapi({ description: "On the public list a login screen reads" }),
    logo_url: z.string().nullable(),
    allowed_origins: z
      .array(z.string())
      .openapi({ description: "Web origins the application's pages are served from" }),
    active: z.boolean().openapi({ description: "Inactive: nobody signs in to it and its API keys are refused" }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Application");

export const PublicApplicationSchema = z
  .object({ key: z.string(), name: z.string(), description: z.string(), logo_url: z.string().nullable() })
  .openapi("PublicApplication");

export const ApplicationCreateSchema = z
  .strictObject({
    key: appKey.openapi({ example: "helpdesk" }),
    name: z.string().trim().min(1).max(120).openapi({ example: "Helpdesk" }),
    description: z.string().trim().max(500).optional(),
    listed: z.boolean().optional(),
    logo_url: z
      .url({ protocol: /^https$/ })
      .max(500)
      .optional()
      .openapi({ example: "https://helpdesk.example.com/logo.svg" }),
    allowed_origins: z.array(origin).max(20).optional(),
  })
  .openapi("ApplicationCreate");

export const ApplicationUpdateSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(120).optional(),
    description: z.string().trim().max(500).optional(),
    listed: z.boolean().optional(),
    logo_url: z
      .url({ protocol: /^https$/ })
      .max(500)
      .nullable()
      .optional(),
    allowed_origins: z.array(origin).max(20).optional(),
    active: z.boolean().optional().openapi({
      description: "false deactivates the application: sign-ins and its keys are refused; true brings it back",
    }),
  })
  .openapi("ApplicationUpdate");

export const ApplicationListQuery = z.strictObject({ limit: limitParam, cursor: cursorParam });
export const ApplicationPageSchema = pageSchema(ApplicationSchema, "ApplicationPage");
export const PublicApplicationListSchema = z
  .object({ data: z.array(PublicApplicationSchema) })
  .openapi("PublicApplicationList");

export const ApplicationRoleSchema = z
  .object({
    id: z.string(),
    application_id: z.string(),
    key: z.string(),
    name: z.string(),
    description: z.string(),
    holders: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("ApplicationRole");
export const ApplicationRoleCreateSchema = z
  .strictObject({
    key: appKey.openapi({ example: "agent" }),
    name: z.string().trim().min(1).max(120).openapi({ example: "Agent" }),
    description: z.string().trim().max(500).optional(),
  })
  .openapi("ApplicationRoleCreate");
export const ApplicationRoleUpdateSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(120).optional(),
    description: z.string().trim().max(500).optional(),
  })
  .openapi("ApplicationRoleUpdate");
export const ApplicationRoleListSchema = z
  .object({ data: z.array(ApplicationRoleSchema) })
  .openapi("ApplicationRoleList");

export const GrantSchema = z
  .object({
    id: z.string(),
    application: z.object({ id: z.string(), key: z.string() }),
    role: z.object({ id: z.string(), key: z.string(), name: z.string() }),
    user: z.object({ id: z.string(), username: z.string(), display_name: z.string() }),
    granted_by: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("ApplicationGrant");
export const GrantCreateSchema = z
  .strictObject({
    application_id: z.string().min(1).max(64).openapi({ example: "app_0a1b2c3d4e5f6g7h8i9j" }),
    role_id: z.string().min(1).max(64).openapi({ example: "apr_0a1b2c3d4e5f6g7h8i9j" }),
    user_id: z.string().min(1).max(64).openapi({ example: "usr_0a1b2c3d4e5f6g7h8i9j" }),
  })
  .openapi("ApplicationGrantCreate");
export const GrantUpdateSchema = z
  .strictObject({
    role_id: z
      .string()
      .min(1)
      .max(64)
      .openapi({ description: "Another role of the same application", example: "apr_0a1b2c3d4e5f6g7h8i9j" }),
  })
  .openapi("ApplicationGrantUpdate");
export const GrantListQuery = z.strictObject({
  limit: limitParam,
  cursor: cursorParam,
  application_id: z
    .string()
    .max(64)
    .optional()
    .openapi({ param: { name: "application_id", in: "query" }, description: "Only grants in this application" }),
  user_id: z
    .string()
    .max(64)
    .optional()
    .openapi({ param: { name: "user_id", in: "query" }, description: "Only this user's grants" }),
  role: z
    .string()
    .max(40)
    .optional()
    .openapi({ param: { name: "role", in: "query" }, description: "A role key (with application_id) or a role id" }),
});
export const GrantPageSchema = pageSchema(GrantSchema, "ApplicationGrantPage");

export const PoolQuery = z.strictObject({
  role: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "role", in: "query" }, description: "The role's key", example: "agent" }),
});
export const ApplicationPoolSchema = z
  .object({
    application: z.string(),
    role: z.string(),
    user_ids: z.array(z.string()).openapi({ description: "Active holders of the role, in a stable order (by id)" }),
    next_user_id: z.string().nullable().openapi({ description: "Whose turn it is; POST …/pool/next takes it" }),
  })
  .openapi("ApplicationPool");
export const PoolPickSchema = z
  .object({
    application: z.string(),
    role: z.string(),
    user_id: z.string(),
    position: z.number().int(),
    of: z.number().int(),
  })
  .openapi("ApplicationPoolPick");
