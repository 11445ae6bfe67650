import { z } from "@hono/zod-openapi";
import { cursorParam, limitParam, pageSchema } from "../../lib/pagination";
import { TechnicianSchema } from "../technicians";
import { UserSchema } from "../users";

export const UserIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, description: "The user's id", example: "usr_0a1b2c3d4e5f6g7h8i9j" }),
});
export const CompanyIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({
      param: { name: "id", in: "path" },
      description: "The company's id",
      example: "cmp_0a1b2c3d4e5f6g7h8i9j",
    }),
});

export const UserLookupSchema = z
  .strictObject({
    ids: z
      .array(z.string().min(1).max(64))
      .min(1)
      .max(100)
      .openapi({ example: ["usr_0a1b2c3d4e5f6g7h8i9j", "usr_1b2c3d4e5f6g7h8i9j0k"] }),
  })
  .openapi("UserLookup");
export const UserLookupResultSchema = z
  .object({
    data: z.array(UserSchema),
    unknown: z.array(z.string()).openapi({ description: "Ids that name no user (or a deleted one)" }),
  })
  .openapi("UserLookupResult");

export const CompanyUsersQuery = z.strictObject({ limit: limitParam, cursor: cursorParam });
export const CompanyUserPageSchema = pageSchema(UserSchema, "CompanyUserPage");

export const EmployeeSchema = z
  .object({
    user: UserSchema,
    company: z.object({ id: z.string(), name: z.string() }).nullable(),
    technician: TechnicianSchema.nullable().openapi({ description: "The working profile, for technicians" }),
  })
  .openapi("Employee");
