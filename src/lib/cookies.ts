import type { Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";

export const ACCESS_COOKIE = "tr_access";
export const REFRESH_COOKIE = "tr_refresh";
export const CSRF_COOKIE = "tr_csrf";
export const CSRF_HEADER = "x-csrf-token";
/** The refresh cookie goes only to the auth endpoints that read it. */
const REFRESH_PATH = "/v1/auth";

export function setAuthCookies(
  c: Context,
  tokens: {
    access_token: string;
    refresh_token: string;
    expires_in: number;
    refresh_expires_in: number;
    csrf_token: string;
  },
) {
  const base = { httpOnly: true, secure: true, sameSite: "Strict" as const };
  setCookie(c, ACCESS_COOKIE, tokens.access_token, { ...base, path: "/", maxAge: tokens.expires_in });
  setCookie(c, REFRESH_COOKIE, tokens.refresh_token, {
    ...base,
    path: REFRESH_PATH,
    maxAge: tokens.refresh_expires_in,
  });
  // Readable by the page's script so it can echo it in the X-CSRF-Token header.
  setCookie(c, CSRF_COOKIE, tokens.csrf_token, {
    secure: true,
    sameSite: "Strict",
    path: "/",
    maxAge: tokens.refresh_expires_in,
  });
}

export function clearAuthCookies(c: Context) {
  deleteCookie(c, ACCESS_COOKIE, { path: "/", secure: true });
  deleteCookie(c, REFRESH_COOKIE, { path: REFRESH_PATH, secure: true });
  deleteCookie(c, CSRF_COOKIE, { path: "/", secure: true });
}
