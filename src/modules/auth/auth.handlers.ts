import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import type { AppEnv } from "../../lib/context";
import { optionalJson, userContext, serviceContext } from "../../lib/create-router";
import { AppError } from "../../lib/problem";
import { CSRF_HEADER, REFRESH_COOKIE, clearAuthCookies, setAuthCookies } from "../../lib/cookies";
import * as routes from "./auth.routes";
import * as codes from "./one-time-codes.service";
import * as passwords from "./passwords.service";
import type { IssuedTokens, TokenDelivery } from "./session-tokens";
import * as sessions from "./sessions.service";
import { publicJwks } from "../../lib/tokens";

/** Body mode returns the tokens; cookie mode sets them as cookies and keeps them out of the body. */
function deliver(c: Context<AppEnv>, tokens: IssuedTokens, delivery: TokenDelivery) {
  const { refresh_expires_in, ...body } = tokens;
  if (delivery === "cookie") {
    setAuthCookies(c, { ...tokens, refresh_expires_in, csrf_token: tokens.csrf_token! });
    const { access_token: _a, refresh_token: _r, ...rest } = body;
    return rest;
  }
  return body;
}

export const login: RouteHandler<typeof routes.login, AppEnv> = async (c) => {
  const input = c.req.valid("json");
  const identifier = (input.identifier ?? input.username ?? input.email ?? input.phone)!;
  const result = await sessions.login(
    serviceContext(c),
    {
      identifier,
      password: input.password,
      token_delivery: input.token_delivery,
      application: input.application,
      remember_me: input.remember_me,
    },
    c.req.header("user-agent"),
  );
  if ("mfa_required" in result) return c.json(result, 200);
  return c.json(deliver(c, result, input.token_delivery), 200);
};

export const verifyLoginOtp: RouteHandler<typeof routes.verifyLoginOtp, AppEnv> = async (c) => {
  const input = c.req.valid("json");
  const tokens = await sessions.verifyLoginOtp(serviceContext(c), input, c.req.header("user-agent"));
  return c.json(deliver(c, tokens, input.token_delivery), 200);
};

function refreshBody(c: Context<AppEnv>) {
  return optionalJson<{ refresh_token?: string; token_delivery?: TokenDelivery }>(c) ?? {};
}

export const refreshTokens: RouteHandler<typeof routes.refreshTokens, AppEnv> = async (c) => {
  const input = refreshBody(c);
  const fromCookie = getCookie(c, REFRESH_COOKIE);
  const token = input.refresh_token ?? fromCookie;
  if (!token) throw new AppError("unauthorized", "Give refresh_token in the body or the refresh cookie.");
  const viaCookie = !input.refresh_token;
  const delivery = input.token_delivery ?? (viaCookie ? "cookie" : "body");
  const tokens = await sessions.refresh(
    serviceContext(c),
    token,
    delivery,
    viaCookie ? { presented: c.req.header(CSRF_HEADER) } : undefined,
  );
  return c.json(deliver(c, tokens, delivery), 200);
};

export const logout: RouteHandler<typeof routes.logout, AppEnv> = async (c) => {
  if (c.var.actor) {
    await sessions.logout(userContext(c));
  } else {
    const token = refreshBody(c).refresh_token ?? getCookie(c, REFRESH_COOKIE);
    if (!token) throw new AppError("unauthorized", "Give an access token, or the refresh token to end.");
    await sessions.logoutByRefreshToken(serviceContext(c), token);
  }
  clearAuthCookies(c);
  return c.body(null, 204);
};

export const register: RouteHandler<typeof routes.register, AppEnv> = async (c) => {
  return c.json(await sessions.register(serviceContext(c), c.req.valid("json"), c.req.header("user-agent")), 201);
};

export const forgotPassword: RouteHandler<typeof routes.forgotPassword, AppEnv> = async (c) => {
  const input = c.req.valid("json");
  return c.json(await passwords.forgotPassword(serviceContext(c), (input.identifier ?? input.email)!), 202);
};

export const resetPassword: RouteHandler<typeof routes.resetPassword, AppEnv> = async (c) => {
  const input = c.req.valid("json");
  return c.json(await passwords.resetPassword(serviceContext(c), input.token, input.new_password), 200);
};

export const changePassword: RouteHandler<typeof routes.changePassword, AppEnv> = async (c) => {
  const input = c.req.valid("json");
  return c.json(await passwords.changePassword(userContext(c), input.old_password, input.new_password), 200);
};

export const verifyPassword: RouteHandler<typeof routes.verifyPassword, AppEnv> = async (c) => {
  return c.json(await passwords.verifyCurrentPassword(userContext(c), c.req.valid("json").password), 200);
};

export const requestOtp: RouteHandler<typeof routes.requestOtp, AppEnv> = async (c) => {
  return c.json(await codes.requestOtp(serviceContext(c), c.req.valid("json"), c.get("currentUser")), 202);
};

export const enableTwoFactor: RouteHandler<typeof routes.enableTwoFactor, AppEnv> = async (c) => {
  return c.json(await codes.setTwoFactor(userContext(c), true, c.req.valid("json").code, c.var.currentUser), 200);
};

export const disableTwoFactor: RouteHandler<typeof routes.disableTwoFactor, AppEnv> = async (c) => {
  return c.json(await codes.setTwoFactor(userContext(c), false, c.req.valid("json").code, c.var.currentUser), 200);
};

export const validateToken: RouteHandler<typeof routes.validateToken, AppEnv> = async (c) => {
  return c.json(sessions.describeToken(userContext(c), c.req.valid("query").application), 200);
};

export const getJwks: RouteHandler<typeof routes.getJwks, AppEnv> = async (c) => {
  c.header("cache-control", "public, max-age=300");
  return c.json(
    (await publicJwks(c.get("settings"))) as {
      keys: { kty: string; crv: string; x: string; kid: string; alg: string; use: string }[];
    },
    200,
  );
};
