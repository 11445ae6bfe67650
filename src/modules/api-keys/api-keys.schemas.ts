import { z } from "@hono/zod-openapi";
import { ALL_PERMISSIONS } from "../../contracts/permissions";
import { cursorParam, limitParam, pageSchema } from "../../lib/pagination";

export const ApiKeyIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({
      param: { name: "id", in: "path" },
      description: "The API key's id (not its secret)",
      example: "key_0a1b2c3d4e5f6g7h8i9j",
    }),
});

export const ApiKeySchema = z
  .object({
    id: z.string().openapi({ description: "Also the `client_id` of the client-credentials grant" }),
    name: z.string(),
    application: z.object({ id: z.string(), key: z.string() }).nullable(),
    prefix: z.string().openapi({ description: "The secret's first characters, to recognise it" }),
    permissions: z.array(z.string()),
    status: z.enum(["active", "revoked", "expired"]),
    expires_at: z.string().nullable(),
    last_used_at: z.string().nullable().openapi({ description: "To the minute" }),
    last_used_ip: z.string().nullable(),
    rotated_from: z.string().nullable().openapi({ description: "The key this one replaced" }),
    revoked_at: z.string().nullable(),
    created_by: z.string(),
    created_at: z.string(),
  })
  .openapi("ApiKey");

export const ApiKeyDetailSchema = ApiKeySchema.extend({
  usage: z
    .array(z.object({ day: z.string(), requests: z.number().int() }))
    .openapi({ description: "Requests per day (UTC), the last 30 days" }),
}).openapi("ApiKeyDetail");

export const ApiKeyWithSecretSchema = ApiKeySchema.extend({
  secret: z.string().openapi({
    description: "Shown this once: store it now. Send it as `Authorization: Bearer <secret>`",
    example: "trk_3q2-7wEMN0aXbQ4F8c1dYt5LkP9hRzVu",
  }),
}).openapi("ApiKeyWithSecret");

export const ApiKeyCreateSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(120).openapi({ example: "Helpdesk sync" }),
    application_id: z.string().min(1).max(64).optional().openapi({
      description: "The application the key belongs to; its deactivation stops the key",
      example: "app_0a1b2c3d4e5f6g7h8i9j",
    }),
    permissions: z
      .array(z.enum(ALL_PERMISSIONS as [string, ...string[]]))
      .min(1)
      .max(ALL_PERMISSIONS.length)
      .openapi({
        description: "What the key may do: a subset of the permissions you hold",
        example: ["users:lookup", "tickets:read"],
      }),
    expires_at: z.iso.datetime({ offset: true }).optional().openapi({ example: "2027-12-31T23:59:59Z" }),
  })
  .openapi("ApiKeyCreate");

export const ApiKeyRotateSchema = z
  .strictObject({
    overlap_minutes: z
      .number()
      .int()
      .min(0)
      .max(7 * 24 * 60)
      .default(60)
      .openapi({ description: "How long the old secret keeps working, so callers can switch without downtime" }),
  })
  .openapi("ApiKeyRotate");

export const ApiKeyListQuery = z.strictObject({ limit: limitParam, cursor: cursorParam });
export const ApiKeyPageSchema = pageSchema(ApiKeySchema, "ApiKeyPage");

export const ClientCredentialsSchema = z
  .object({
    grant_type: z.literal("client_credentials"),
    client_id: z
      .string()
      .max(64)
      .optional()
      .openapi({ description: "The key's id (optional; with HTTP Basic, the user name)" }),
    client_secret: z
      .string()
      .max(200)
      .optional()
      .openapi({ description: "The key's secret (or HTTP Basic's password)" }),
  })
  .openapi("ClientCredentialsRequest");

export const AccessTokenSchema = z
  .object({
    access_token: z.string(),
    token_type: z.literal("Bearer"),
    expires_in: z.number().int(),
    scope: z.string().openapi({ description: "The key's permissions, space-separated" }),
  })
  .openapi("ClientCredentialsToken");
