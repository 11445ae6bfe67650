import { z } from "@hono/zod-openapi";

/** Both ways of presenting an access token; every protected route declares them. */
type SecurityRequirement = Record<string, string[]>;
export const AUTHENTICATED: SecurityRequirement[] = [{ bearerAuth: [] }, { cookieAuth: [] }];
export const PUBLIC: SecurityRequirement[] = [];

export function jsonBody<T extends z.ZodType>(schema: T, description?: string) {
  return { required: true, description, content: { "application/json": { schema } } };
}

export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

export const noContent = { description: "Done; no body" };
