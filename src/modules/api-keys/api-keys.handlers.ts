import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/context";
import { serviceContext, userContext } from "../../lib/create-router";
import { AppError } from "../../lib/problem";
import * as keys from "./api-keys.service";
import * as routes from "./api-keys.routes";

export const listApiKeys: RouteHandler<typeof routes.listApiKeys, AppEnv> = async (c) =>
  c.json(await keys.listKeys(userContext(c), c.req.valid("query")), 200);
export const createApiKey: RouteHandler<typeof routes.createApiKey, AppEnv> = async (c) =>
  c.json(await keys.createKey(userContext(c), c.req.valid("json")), 201);
export const getApiKey: RouteHandler<typeof routes.getApiKey, AppEnv> = async (c) =>
  c.json(await keys.getKey(userContext(c), c.req.valid("param").id), 200);
export const revokeApiKey: RouteHandler<typeof routes.revokeApiKey, AppEnv> = async (c) =>
  c.json(await keys.revokeKey(userContext(c), c.req.valid("param").id), 200);
export const rotateApiKey: RouteHandler<typeof routes.rotateApiKey, AppEnv> = async (c) =>
  c.json(await keys.rotateKey(userContext(c), c.req.valid("param").id, c.req.valid("json")), 201);

/** The grant's fields from a form or JSON body, and HTTP Basic credentials when sent. */
export const clientCredentialsToken: RouteHandler<typeof routes.clientCredentialsToken, AppEnv> = async (c) => {
  const type = (c.req.header("content-type") ?? "").toLowerCase();
  let body: Record<string, unknown> = {};
  if (type.startsWith("application/x-www-form-urlencoded"))
    body = Object.fromEntries(new URLSearchParams(await c.req.text()));
  else if (type.startsWith("application/json"))
    body = ((await c.req.json().catch(() => null)) as Record<string, unknown> | null) ?? {};
  const parsed = routes.ClientCredentialsBody.safeParse(body);
  if (!parsed.success || parsed.data.grant_type !== "client_credentials") {
    throw new AppError("validation_failed", "Only grant_type=client_credentials is supported.", {
      errors: [{ path: "grant_type", message: "Must be client_credentials" }],
    });
  }
  let { client_id: clientId, client_secret: secret } = parsed.data;
  const basic = /^Basic\s+(\S+)$/i.exec(c.req.header("authorization") ?? "");
  if (basic) {
    let decoded = "";
    try {
      decoded = atob(basic[1]);
    } catch {
      throw new AppError("invalid_credentials", "Malformed HTTP Basic credentials.");
    }
    const colon = decoded.indexOf(":");
    clientId = decodeURIComponent(decoded.slice(0, colon));
    secret = decodeURIComponent(decoded.slice(colon + 1));
  }
  c.header("cache-control", "no-store");
  return c.json(await keys.clientCredentialsToken(serviceContext(c), clientId || undefined, secret), 200);
};
