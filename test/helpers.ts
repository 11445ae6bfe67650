import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { hashPassword } from "../src/lib/passwords";
import { newId, nowIso } from "../src/lib/ids";

export const BASE = "https://api.truckroll.test";
export const DEFAULT_PASSWORD = "correct horse battery";

/** A different client address per call, so per-address throttles do not couple unrelated tests. */
export function randomIp() {
  const b = crypto.getRandomValues(new Uint8Array(3));
  return `10.${b[0]}.${b[1]}.${b[2]}`;
}

export interface CallOptions {
  method?: string;
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  ip?: string;
}

export async function call(path: string, options: CallOptions = {}) {
  const headers = new Headers(options.headers);
  if (options.token) headers.set("authorization", `Bearer ${options.token}`);
  if (options.body !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
  if (!headers.has("cf-connecting-ip")) headers.set("cf-connecting-ip", options.ip ?? randomIp());
  const res = await SELF.fetch(`${BASE}${path}`, {
    method: options.method ?? (options.body !== undefined ? "POST" : "GET"),
    headers,
    body:
      options.body === undefined
        ? undefined
        : typeof options.body === "string"
          ? options.body
          : JSON.stringify(options.body),
  });
  const text = await res.text();
  let json: any = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

/** Asserts the one error shape: problem+json with the given status and machine code. */
export function expectProblem(res: Awaited<ReturnType<typeof call>>, status: number, code?: string) {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  expect(res.json).toMatchObject({
    status,
    type: expect.any(String),
    title: expect.any(String),
    detail: expect.any(String),
    request_id: expect.any(String),
  });
  if (code) expect(res.json.code).toBe(code);
  if (status === 401) expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
}

let counter = 0;

export interface TestUser {
  id: string;
  username: string;
  email: string;
  phone: string | null;
  password: string;
  role: string;
}

/** Inserts a user straight into D1: tests build what they need instead of leaning on seed data. */
export async function createUser(
  overrides: Partial<{
    role: string;
    status: string;
    password: string;
    phone: string | null;
    twoFactor: boolean;
    username: string;
  }> = {},
): Promise<TestUser> {
  counter += 1;
  const suffix = `${Date.now().toString(36)}${counter}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const username = overrides.username ?? `u${suffix}`.toLowerCase();
  const password = overrides.password ?? DEFAULT_PASSWORD;
  const phone =
    overrides.phone === undefined
      ? `+2677${1 + Math.floor(Math.random() * 7)}${String(Math.floor(Math.random() * 1_000_000)).padStart(6, "0")}`
      : overrides.phone;
  const now = nowIso();
  const user = {
    id: newId("usr"),
    username,
    email: `${username}@example.test`,
    phone,
    password,
    role: overrides.role ?? "customer",
  };
  await env.DB.prepare(
    `INSERT INTO users (id, username, email, phone, password_hash, first_name, last_name, role, status, two_factor_enabled, created_at, updated_at)
     VALUES (?1, ?2, ?3, ?4, ?5, 'Test', 'User', ?6, ?7, ?8, ?9, ?9)`,
  )
    .bind(
      user.id,
      username,
      user.email,
      phone,
      await hashPassword(password),
      user.role,
      overrides.status ?? "active",
      overrides.twoFactor ? 1 : 0,
      now,
    )
    .run();
  return user;
}

export async function login(user: TestUser) {
  const res = await call("/v1/auth/login", { body: { identifier: user.username, password: user.password } });
  expect(res.status, res.text).toBe(200);
  return res.json as { access_token: string; refresh_token: string; user: { id: string } };
}

/** A signed-in user of a role: the pair most tests start from. */
export async function signedIn(role = "customer") {
  const user = await createUser({ role });
  const tokens = await login(user);
  return { user, token: tokens.access_token, refreshToken: tokens.refresh_token };
}

export async function outboxFor(address: string) {
  const { results } = await env.DB.prepare("SELECT * FROM dev_outbox WHERE recipient = ?1 ORDER BY created_at")
    .bind(address.toLowerCase())
    .all<{ body: string; event_type: string; subject: string }>();
  return results;
}

/** The outbox rows for an address once the notification consumer has written at least `n` (or what is there after ~5 s). */
export async function waitForOutbox(address: string, n = 1) {
  for (let i = 0; i < 100; i++) {
    const rows = await outboxFor(address);
    if (rows.length >= n) return rows;
    await new Promise((r) => setTimeout(r, 50));
  }
  return outboxFor(address);
}
