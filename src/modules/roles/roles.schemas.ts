import { z } from "@hono/zod-openapi";
import { ALL_PERMISSIONS, type Permission } from "../../contracts/permissions";

const PermissionEnum = z.enum(ALL_PERMISSIONS as [Permission, ...Permission[]]);

export const RoleKeyParam = z.object({
  key: z
    .string()
    .min(1)
    .max(40)
    .openapi({ param: { name: "key", in: "path" }, description: "The role's key", example: "night_dispatcher" }),
});

export const RoleSchema = z
  .object({
    key: z.string(),
    name: z.string(),
    description: z.string(),
    permissions: z.array(z.string()),
    is_builtin: z.boolean(),
    created_at: z.string().nullable(),
    updated_at: z.string().nullable(),
  })
  .openapi("Role");

export const RoleListSchema = z.object({ data: z.array(RoleSchema) }).openapi("RoleList");

export const RoleCreateSchema = z
  .strictObject({
    key: z
      .string()
      .regex(/^[a-z][a-z0-9_]{1,39}$/, "2–40 characters: lowercase letters, digits, underscore; starting with a letter")
      .openapi({ example: "field_auditor" }),
    name: z.string().trim().min(1).max(80),
    description: z.string().trim().max(500).default(""),
    permissions: z.array(PermissionEnum).max(100),
  })
  .openapi("RoleCreate");

export const RoleUpdateSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(80).optional(),
    description: z.string().trim().max(500).optional(),
    permissions: z.array(PermissionEnum).max(100).optional(),
  })
  .openapi("RoleUpdate");

export const PermissionListSchema = z
  .object({ data: z.array(z.object({ key: z.string(), description: z.string() })) })
  .openapi("PermissionList");

export const RolePoolSchema = z.object({ role: z.string(), user_ids: z.array(z.string()) }).openapi("RolePool");
