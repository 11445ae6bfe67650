import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  call,
  createUser,
  expectProblem,
  login,
  outboxFor,
  randomIp,
  signedIn,
  DEFAULT_PASSWORD,
} from "../../../test/helpers";
import { decodePayload, forgeToken, hmacConfusionToken, unsignedToken } from "../../../test/tokens";
import { handleNotificationBatch } from "../../queues/notifications.consumer";
import { securitySuite } from "../../../test/security-suite";
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";

/** Messages travel through the real queue to the consumer; wait until it has written the outbox. */
async function latestEmailBody(address: string) {
  for (let i = 0; i < 100; i++) {
    const rows = await outboxFor(address);
    if (rows.length) return rows[rows.length - 1].body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no email to ${address}`);
}

/** Throttle windows are fixed: a test that counts hits re-runs once if it straddled a window boundary. */
async function withinOneWindow(seconds: number, body: () => Promise<void>) {
  for (let attempt = 0; ; attempt++) {
    const window = Math.floor(Date.now() / (seconds * 1000));
    try {
      return await body();
    } catch (err) {
      if (attempt > 0 || Math.floor(Date.now() / (seconds * 1000)) === window) throw err;
    }
  }
}

describe("IAM-1 login", () => {
  it("remember_me keeps the session for 90 days instead of 30, through refreshes", async () => {
    const user = await createUser();
    const plain = await call("/v1/auth/login", { body: { identifier: user.username, password: DEFAULT_PASSWORD } });
    const remembered = await call("/v1/auth/login", {
      body: { identifier: user.username, password: DEFAULT_PASSWORD, remember_me: true },
    });
    const days = (token: string) => Math.round((decodePayload(token).exp - Date.now() / 1000) / 86_400);
    expect(days(plain.json.refresh_token)).toBe(30);
    expect(days(remembered.json.refresh_token)).toBe(90);
    const sessionDays = async (token: string) => {
      const sid = decodePayload(token).sid as string;
      const row = await env.DB.prepare("SELECT expires_at, created_at FROM sessions WHERE id = ?1")
        .bind(sid)
        .first<{ expires_at: string; created_at: string }>();
      return Math.round((Date.parse(row!.expires_at) - Date.parse(row!.created_at)) / 86_400_000);
    };
    expect(await sessionDays(plain.json.access_token)).toBe(30);
    expect(await sessionDays(remembered.json.access_token)).toBe(90);
    const refreshed = await call("/v1/auth/refresh", { body: { refresh_token: remembered.json.refresh_token } });
    expect(days(refreshed.json.refresh_token)).toBe(90);
  });

  it("accepts username, email or phone in any format, and old-style keys", async () => {
    const user = await createUser({ phone: "+26771234567" });
    for (const body of [
      { identifier: user.username, password: DEFAULT_PASSWORD },
      { identifier: user.email.toUpperCase(), password: DEFAULT_PASSWORD },
      { identifier: "71 234 567", password: DEFAULT_PASSWORD },
      { identifier: "+267 7123-4567", password: DEFAULT_PASSWORD },
      { username: user.username, password: DEFAULT_PASSWORD },
      { email: user.email, password: DEFAULT_PASSWORD },
      { phone: "0026771234567", password: DEFAULT_PASSWORD },
    ]) {
      const res = await call("/v1/auth/login", { body });
      expect(res.status, JSON.stringify(body) + res.text).toBe(200);
      expect(res.json).toMatchObject({
        token_type: "Bearer",
        expires_in: 900,
        user: { id: user.id, username: user.username },
      });
      expect(res.json.user).not.toHaveProperty("password_hash");
      expect(JSON.stringify(res.json)).not.toContain("scrypt");
    }
  });

  it("signs EdDSA tokens with a kid, typ and the configured iss/aud", async () => {
    const { token } = await signedIn();
    const header = JSON.parse(atob(token.split(".")[0].replace(/-/g, "+").replace(/_/g, "/")));
    expect(header).toMatchObject({ alg: "EdDSA", typ: "at+jwt", kid: "test-active" });
    expect(decodePayload(token)).toMatchObject({ iss: env.JWT_ISSUER, aud: env.JWT_AUDIENCE });
  });

  it("refuses a wrong password or unknown account with the same 401", async () => {
    const user = await createUser();
    const wrong = await call("/v1/auth/login", { body: { identifier: user.username, password: "not the password" } });
    const unknown = await call("/v1/auth/login", { body: { identifier: "nobody-here", password: "whatever1" } });
    expectProblem(wrong, 401, "invalid_credentials");
    expectProblem(unknown, 401, "invalid_credentials");
    expect(wrong.json.detail).toBe(unknown.json.detail);
  });

  it("keeps pending, rejected and deactivated accounts out", async () => {
    for (const status of ["pending", "rejected", "deactivated"]) {
      const user = await createUser({ status, role: "technician" });
      expectProblem(
        await call("/v1/auth/login", { body: { identifier: user.username, password: DEFAULT_PASSWORD } }),
        403,
        "account_inactive",
      );
    }
  });

  it("validates the body with per-field errors", async () => {
    const res = await call("/v1/auth/login", { body: { password: 5, extra: true } });
    expectProblem(res, 400, "validation_failed");
    const paths = res.json.errors.map((e: { path: string }) => e.path);
    expect(paths).toContain("password");
  });

  it("answers malformed JSON with 400 malformed_json", async () => {
    expectProblem(
      await call("/v1/auth/login", { body: '{"identifier": "x", ', headers: { "content-type": "application/json" } }),
      400,
      "malformed_json",
    );
  });

  it("answers a non-JSON body with 415 and an oversized body with 413", async () => {
    expectProblem(
      await call("/v1/auth/login", {
        body: "identifier=x",
        headers: { "content-type": "application/x-www-form-urlencoded" },
      }),
      415,
      "unsupported_media_type",
    );
    const huge = JSON.stringify({ identifier: "x", password: "a".repeat(2_000_000) });
    expectProblem(await call("/v1/auth/login", { body: huge }), 413, "payload_too_large");
  });

  it("counts failures, not sign-ins: an integration that signs in often is never throttled", async () => {
    const user = await createUser();
    const ip = randomIp();
    for (let i = 0; i < 25; i++)
      expect(
        (await call("/v1/auth/login", { body: { identifier: user.username, password: DEFAULT_PASSWORD }, ip })).status,
      ).toBe(200);
  }, 60_000);

  it("slows one client's failures on an account progressively (Retry-After), while the owner elsewhere signs in; a success clears that client (IAM-18)", async () => {
    const user = await createUser();
    const attacker = randomIp();
    for (let i = 0; i < 5; i++)
      expectProblem(
        await call("/v1/auth/login", {
          body: { identifier: user.username, password: `guess-${i}-wrong` },
          ip: attacker,
        }),
        401,
        "invalid_credentials",
      );
    const slowed = await call("/v1/auth/login", {
      body: { identifier: user.username, password: "guess-5-wrong" },
      ip: attacker,
    });
    expectProblem(slowed, 429, "rate_limited");
    expect(Number(slowed.headers.get("retry-after"))).toBeGreaterThan(0);
    // Refused before the password is checked, right or wrong.
    expectProblem(
      await call("/v1/auth/login", { body: { identifier: user.username, password: DEFAULT_PASSWORD }, ip: attacker }),
      429,
      "rate_limited",
    );
    // The owner, from their own address, is not locked out.
    expect(
      (
        await call("/v1/auth/login", {
          body: { identifier: user.username, password: DEFAULT_PASSWORD },
          ip: randomIp(),
        })
      ).status,
    ).toBe(200);
    // The wait doubles with each failure: once it has passed, one more failure asks for twice as long.
    const age = (key: string, ms: number) =>
      env.DB.prepare("UPDATE sign_in_failures SET last_failure_at = last_failure_at - ?2 WHERE key LIKE ?1")
        .bind(key, ms)
        .run();
    await age(`account-client:user:${user.id}|%`, 1_500);
    expectProblem(
      await call("/v1/auth/login", { body: { identifier: user.username, password: "guess-6-wrong" }, ip: attacker }),
      401,
      "invalid_credentials",
    );
    const longer = await call("/v1/auth/login", {
      body: { identifier: user.username, password: "guess-7-wrong" },
      ip: attacker,
    });
    expect(Number(longer.headers.get("retry-after"))).toBe(2);
    // The client waits it out and signs in: its count is gone, so its next typo is answered at once.
    await age(`account-client:user:${user.id}|%`, 3_000);
    expect(
      (await call("/v1/auth/login", { body: { identifier: user.username, password: DEFAULT_PASSWORD }, ip: attacker }))
        .status,
    ).toBe(200);
    expectProblem(
      await call("/v1/auth/login", { body: { identifier: user.username, password: "typo" }, ip: attacker }),
      401,
      "invalid_credentials",
    );
  });

  it("forgets failures after 15 minutes without one (a sliding window: no fresh allowance at a clock boundary)", async () => {
    const user = await createUser();
    const ip = randomIp();
    for (let i = 0; i < 5; i++)
      await call("/v1/auth/login", { body: { identifier: user.username, password: `guess-${i}-wrong` }, ip });
    const key = `account-client:user:${user.id}|${ip}`;
    // 14 minutes later (still inside the window): the count carries on.
    await env.DB.prepare(
      "UPDATE sign_in_failures SET last_failure_at = last_failure_at - 840000, expires_at = expires_at - 840000 WHERE key = ?1",
    )
      .bind(key)
      .run();
    expectProblem(
      await call("/v1/auth/login", { body: { identifier: user.username, password: "guess-5-wrong" }, ip }),
      401,
      "invalid_credentials",
    );
    expect(
      (await env.DB.prepare("SELECT failures FROM sign_in_failures WHERE key = ?1")
        .bind(key)
        .first<{ failures: number }>())!.failures,
    ).toBe(6);
    // 16 minutes without a failure: forgotten, the next failure starts again at one.
    await env.DB.prepare(
      "UPDATE sign_in_failures SET last_failure_at = last_failure_at - 960000, expires_at = expires_at - 960000 WHERE key = ?1",
    )
      .bind(key)
      .run();
    expectProblem(
      await call("/v1/auth/login", { body: { identifier: user.username, password: "guess-6-wrong" }, ip }),
      401,
      "invalid_credentials",
    );
    expect(
      (await env.DB.prepare("SELECT failures FROM sign_in_failures WHERE key = ?1")
        .bind(key)
        .first<{ failures: number }>())!.failures,
    ).toBe(1);
  });

  it("counts guesses against the account however it is named and from any address; a password reset lets the owner straight back in", async () => {
    const user = await createUser({ phone: "+26771000458" });
    const spellings = [
      user.username,
      user.email,
      "+267 71000458",
      "0026771000458",
      "71 000 458",
      "71000458",
      "+267-7100-0458",
      user.username.toUpperCase(),
      ` ${user.email} `,
      "267 71000458",
    ];
    const answers = [];
    for (let i = 0; i < 22; i++) {
      const res = await call("/v1/auth/login", {
        body: { identifier: spellings[i % spellings.length], password: `guess-${i}-wrong` },
        ip: randomIp(),
      });
      answers.push(res.status);
    }
    // Twenty wrong guesses in all, then the account is slowed whatever the spelling or address.
    expect(answers.filter((s) => s === 401)).toHaveLength(20);
    expect(answers.slice(20).every((s) => s === 429)).toBe(true);
    for (const identifier of spellings.slice(0, 3))
      expectProblem(
        await call("/v1/auth/login", { body: { identifier, password: DEFAULT_PASSWORD }, ip: randomIp() }),
        429,
        "rate_limited",
      );
    // The owner resets by email: every counter of the account goes.
    await call("/v1/auth/password/forgot", { body: { identifier: user.email }, ip: randomIp() });
    const token = /Reset token: (\S+)/.exec(await latestEmailBody(user.email))![1];
    expect(
      (await call("/v1/auth/password/reset", { body: { token, new_password: "a brand new passphrase" } })).status,
    ).toBe(200);
    expect(
      (
        await call("/v1/auth/login", {
          body: { identifier: user.username, password: "a brand new passphrase" },
          ip: randomIp(),
        })
      ).status,
    ).toBe(200);
  });

  it("counts forgot-password requests against the account, not the spelling", async () => {
    await withinOneWindow(60 * 60, async () => {
      const user = await createUser({ phone: "+26771000459" });
      const spellings = [
        user.username,
        user.email,
        "+267 71000459",
        "71 000 459",
        "0026771000459",
        user.email.toUpperCase(),
      ];
      const statuses = [];
      for (const identifier of spellings)
        statuses.push((await call("/v1/auth/password/forgot", { body: { identifier }, ip: randomIp() })).status);
      expect(statuses.slice(0, 5).every((s) => s === 202 || s === 200)).toBe(true);
      expect(statuses[5]).toBe(429);
    });
  });

  it("slows one client address guessing across many accounts", async () => {
    const ip = randomIp();
    let last;
    for (let i = 0; i < 102; i++) {
      last = await call("/v1/auth/login", { body: { identifier: `ghost${i}`, password: "whatever1" }, ip });
      if (last.status === 429) break;
    }
    expectProblem(last!, 429, "rate_limited");
    // Another address is not slowed.
    expectProblem(
      await call("/v1/auth/login", { body: { identifier: "ghost-1", password: "whatever1" }, ip: randomIp() }),
      401,
      "invalid_credentials",
    );
  }, 90_000);
});

describe("IAM-2 refresh rotation", () => {
  it("rotates, and a reused refresh token ends the whole family", async () => {
    const { refreshToken } = await signedIn();
    const first = await call("/v1/auth/refresh", { body: { refresh_token: refreshToken } });
    expect(first.status, first.text).toBe(200);
    expect(first.json.refresh_token).not.toBe(refreshToken);
    const second = await call("/v1/auth/refresh", { body: { refresh_token: first.json.refresh_token } });
    expect(second.status).toBe(200);

    // The first token comes back: theft is assumed and the family dies.
    expectProblem(await call("/v1/auth/refresh", { body: { refresh_token: refreshToken } }), 401, "invalid_token");
    expectProblem(
      await call("/v1/auth/refresh", { body: { refresh_token: second.json.refresh_token } }),
      401,
      "invalid_token",
    );
    expectProblem(await call("/v1/me", { token: second.json.access_token }), 401, "invalid_token");
  });

  it("never accepts an access token as a refresh token, nor the reverse", async () => {
    const { token, refreshToken } = await signedIn();
    expectProblem(await call("/v1/auth/refresh", { body: { refresh_token: token } }), 401, "invalid_token");
    expectProblem(await call("/v1/me", { token: refreshToken }), 401, "invalid_token");
  });
});

describe("IAM-3 logout", () => {
  it("stops the access token at once", async () => {
    const { token, refreshToken } = await signedIn();
    expect((await call("/v1/me", { token })).status).toBe(200);
    expect((await call("/v1/auth/logout", { method: "POST", token })).status).toBe(204);
    expectProblem(await call("/v1/me", { token }), 401, "invalid_token");
    expectProblem(await call("/v1/auth/refresh", { body: { refresh_token: refreshToken } }), 401, "invalid_token");
  });

  it("ends a session by refresh token when the access token is gone", async () => {
    const { token, refreshToken } = await signedIn();
    expect((await call("/v1/auth/logout", { body: { refresh_token: refreshToken } })).status).toBe(204);
    expectProblem(await call("/v1/me", { token }), 401, "invalid_token");
  });
});

describe("IAM-8 token verification (RFC 8725)", () => {
  it("publishes the public key, without the private part", async () => {
    const res = await call("/.well-known/jwks.json");
    expect(res.status).toBe(200);
    expect(res.json.keys).toHaveLength(1);
    expect(res.json.keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", kid: "test-active", alg: "EdDSA" });
    expect(res.json.keys[0]).not.toHaveProperty("d");
  });

  it("validates the presented token", async () => {
    const { token, user } = await signedIn("dispatcher");
    const res = await call("/v1/auth/token/validate", { token });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ valid: true, user_id: user.id, role: "dispatcher" });
    expect(res.json.permissions).toContain("tickets:assign");
  });

  it("refuses alg none, algorithm confusion, a foreign key, wrong iss/aud/typ and expiry", async () => {
    const { token } = await signedIn();
    const { sub, sid } = decodePayload(token);
    const forged = [
      unsignedToken({
        sub,
        sid,
        iss: env.JWT_ISSUER,
        aud: env.JWT_AUDIENCE,
        exp: Math.floor(Date.now() / 1000) + 600,
        jti: "x",
        iat: 1,
      }),
      await hmacConfusionToken({
        sub,
        sid,
        iss: env.JWT_ISSUER,
        aud: env.JWT_AUDIENCE,
        exp: Math.floor(Date.now() / 1000) + 600,
        jti: "x",
        iat: 1,
      }),
      await forgeToken({ sub, sid, key: "foreign" }),
      await forgeToken({ sub, sid, key: "active", iss: "https://evil.example" }),
      await forgeToken({ sub, sid, key: "active", aud: "another-api" }),
      await forgeToken({ sub, sid, key: "active", typ: "rt+jwt" }),
      await forgeToken({ sub, sid, key: "active", typ: "JWT" }),
      await forgeToken({ sub, sid, key: "active", expSecondsFromNow: -60 }),
      token.slice(0, -4) + (token.endsWith("AAAA") ? "BBBB" : "AAAA"),
      "not-a-jwt",
    ];
    for (const bad of forged) expectProblem(await call("/v1/me", { token: bad }), 401, "invalid_token");
    // Control: the same claims signed properly are accepted.
    expect((await call("/v1/me", { token: await forgeToken({ sub, sid, key: "active" }) })).status).toBe(200);
  });

  it("says an expired token has expired", async () => {
    const { token } = await signedIn();
    const { sub, sid } = decodePayload(token);
    const res = await call("/v1/me", { token: await forgeToken({ sub, sid, key: "active", expSecondsFromNow: -5 }) });
    expect(res.json.detail).toMatch(/expired/);
  });
});

describe("IAM-4 cookie mode", () => {
  function cookiesFrom(res: { headers: Headers }) {
    const jar: Record<string, string> = {};
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const [name, value] = pair.split("=");
      jar[name] = value;
    }
    return jar;
  }

  it("sets HttpOnly, Secure, SameSite cookies and keeps tokens out of the body", async () => {
    const user = await createUser();
    const res = await call("/v1/auth/login", {
      body: { identifier: user.username, password: DEFAULT_PASSWORD, token_delivery: "cookie" },
    });
    expect(res.status).toBe(200);
    expect(res.json.access_token).toBeUndefined();
    expect(res.json.refresh_token).toBeUndefined();
    expect(res.json.csrf_token).toBeTruthy();
    const lines = res.headers.getSetCookie();
    const access = lines.find((l) => l.startsWith("tr_access="))!;
    expect(access).toMatch(/HttpOnly/);
    expect(access).toMatch(/Secure/);
    expect(access).toMatch(/SameSite=Strict/);
    expect(lines.find((l) => l.startsWith("tr_refresh="))).toMatch(/Path=\/v1\/auth/);
  });

  it("authenticates by cookie and protects unsafe requests against CSRF", async () => {
    const user = await createUser();
    const res = await call("/v1/auth/login", {
      body: { identifier: user.username, password: DEFAULT_PASSWORD, token_delivery: "cookie" },
    });
    const jar = cookiesFrom(res);
    const cookie = `tr_access=${jar.tr_access}; tr_csrf=${jar.tr_csrf}`;
    expect((await call("/v1/me", { headers: { cookie } })).status).toBe(200);

    // A cross-site form post carries the cookie but cannot know the CSRF token.
    expectProblem(
      await call("/v1/me", { method: "PATCH", body: { first_name: "Eve" }, headers: { cookie } }),
      403,
      "csrf_failed",
    );
    expectProblem(
      await call("/v1/me", {
        method: "PATCH",
        body: { first_name: "Eve" },
        headers: { cookie, "x-csrf-token": "guess" },
      }),
      403,
      "csrf_failed",
    );
    const ok = await call("/v1/me", {
      method: "PATCH",
      body: { first_name: "Neo" },
      headers: { cookie, "x-csrf-token": res.json.csrf_token },
    });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.json.first_name).toBe("Neo");
  });

  it("refreshes from the cookie with the CSRF header, and logout clears the cookies", async () => {
    const user = await createUser();
    const res = await call("/v1/auth/login", {
      body: { identifier: user.username, password: DEFAULT_PASSWORD, token_delivery: "cookie" },
    });
    const jar = cookiesFrom(res);
    expectProblem(
      await call("/v1/auth/refresh", { method: "POST", headers: { cookie: `tr_refresh=${jar.tr_refresh}` } }),
      403,
      "csrf_failed",
    );
    const refreshed = await call("/v1/auth/refresh", {
      method: "POST",
      headers: { cookie: `tr_refresh=${jar.tr_refresh}`, "x-csrf-token": res.json.csrf_token },
    });
    expect(refreshed.status, refreshed.text).toBe(200);
    const next = cookiesFrom(refreshed);
    expect(next.tr_access).toBeTruthy();
    const out = await call("/v1/auth/logout", {
      method: "POST",
      headers: { cookie: `tr_access=${next.tr_access}`, "x-csrf-token": refreshed.json.csrf_token },
    });
    expect(out.status, out.text).toBe(204);
    expect(out.headers.getSetCookie().some((l) => l.startsWith("tr_access=;") && /Max-Age=0/.test(l))).toBe(true);
    expectProblem(await call("/v1/me", { headers: { cookie: `tr_access=${next.tr_access}` } }), 401, "invalid_token");
  });

  it("a cookie refresh with an empty JSON body still answers in cookies, never tokens in the body", async () => {
    const user = await createUser();
    const res = await call("/v1/auth/login", {
      body: { identifier: user.username, password: DEFAULT_PASSWORD, token_delivery: "cookie" },
    });
    const jar = cookiesFrom(res);
    const refreshed = await call("/v1/auth/refresh", {
      body: {},
      headers: { cookie: `tr_refresh=${jar.tr_refresh}`, "x-csrf-token": res.json.csrf_token },
    });
    expect(refreshed.status, refreshed.text).toBe(200);
    expect(refreshed.json.access_token).toBeUndefined();
    expect(refreshed.json.refresh_token).toBeUndefined();
    expect(cookiesFrom(refreshed).tr_access).toBeTruthy();
  });
});

describe("IAM-5 registration", () => {
  it("activates customers at once", async () => {
    const res = await call("/v1/auth/register", {
      body: { username: "newcust", email: "NewCust@Example.test", phone: "71 555 666", password: "long enough pw" },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.json).toMatchObject({
      requires_approval: false,
      user: { role: "customer", status: "active", email: "newcust@example.test", phone: "+26771555666" },
    });
    expect((await call("/v1/auth/login", { body: { identifier: "newcust", password: "long enough pw" } })).status).toBe(
      200,
    );
  });

  it("keeps staff pending until approved", async () => {
    const res = await call("/v1/auth/register", {
      body: {
        username: "newtech",
        email: "newtech@example.test",
        password: "long enough pw",
        account_type: "technician",
      },
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ requires_approval: true, user: { status: "pending", role: "technician" } });
    expectProblem(
      await call("/v1/auth/login", { body: { identifier: "newtech", password: "long enough pw" } }),
      403,
      "account_inactive",
    );
  });

  it("refuses self-registration as admin, taken names and bad input without writing", async () => {
    expectProblem(
      await call("/v1/auth/register", {
        body: { username: "sneaky", email: "s@example.test", password: "long enough pw", account_type: "admin" },
      }),
      400,
      "validation_failed",
    );
    expectProblem(
      await call("/v1/auth/register", {
        body: { username: "sneaky2", email: "s2@example.test", password: "long enough pw", role: "admin" },
      }),
      400,
      "validation_failed",
    );
    const existing = await createUser();
    const dup = await call("/v1/auth/register", {
      body: { username: existing.username, email: existing.email, password: "long enough pw" },
    });
    expectProblem(dup, 409, "conflict");
    expect(dup.json.errors.map((e: { path: string }) => e.path).sort()).toEqual(["email", "username"]);
    expectProblem(
      await call("/v1/auth/register", {
        body: { username: "badphone", email: "bp@example.test", phone: "12", password: "long enough pw" },
      }),
      400,
      "validation_failed",
    );
    const { results } = await env.DB.prepare(
      "SELECT username FROM users WHERE username IN ('sneaky','sneaky2','badphone')",
    ).all();
    expect(results).toHaveLength(0);
  });

  it("registers a customer with only a name, a phone and a password, answering with tokens", async () => {
    const phone = `+2677${1 + Math.floor(Math.random() * 7)}${String(Math.floor(Math.random() * 1e6)).padStart(6, "0")}`;
    const res = await call("/v1/auth/register", {
      body: {
        name: "Ramesh Kumar Pillai",
        phone,
        password: "long enough pw",
        region: "Gaborone",
        address: "12 MG Road",
      },
      ip: randomIp(),
    });
    expect(res.status, res.text).toBe(201);
    expect(res.json).toMatchObject({
      requires_approval: false,
      token_type: "Bearer",
      user: {
        email: null,
        phone,
        first_name: "Ramesh",
        last_name: "Kumar Pillai",
        region: "Gaborone",
        address: "12 MG Road",
        role: "customer",
      },
    });
    expect(res.json.user.username).toMatch(/^ramesh\.kumar/);
    const me = await call("/v1/me", { token: res.json.access_token });
    expect(me.status, me.text).toBe(200);
    expect(me.json).toMatchObject({ email: null, region: "Gaborone" });
    const refreshed = await call("/v1/auth/refresh", { body: { refresh_token: res.json.refresh_token } });
    expect(refreshed.status, refreshed.text).toBe(200);
    // The customer record behind the login takes the address and the region as its service area.
    const customer = await env.DB.prepare("SELECT email, address, service_area FROM customers WHERE user_id = ?")
      .bind(res.json.user.id)
      .first();
    expect(customer).toEqual({ email: null, address: "12 MG Road", service_area: "gaborone" });
    // Signing in by phone works, and a second phone-only account can exist (no email clash on "none").
    expect(
      (await call("/v1/auth/login", { body: { identifier: phone, password: "long enough pw" }, ip: randomIp() }))
        .status,
    ).toBe(200);
    const second = await call("/v1/auth/register", {
      body: {
        name: "Ramesh Kumar Pillai",
        phone: phone.replace(/\d$/, (d) => String((Number(d) + 1) % 10)),
        password: "long enough pw",
      },
      ip: randomIp(),
    });
    expect(second.status, second.text).toBe(201);
    expect(second.json.user.username).not.toBe(res.json.user.username);
    // Without an email address, a password reset goes by SMS to the phone.
    await call("/v1/auth/password/forgot", { body: { identifier: phone }, ip: randomIp() });
    expect(await latestEmailBody(phone)).toMatch(/new password/);
    // The profile keeps region and address.
    const patched = await call("/v1/me", {
      method: "PATCH",
      token: res.json.access_token,
      body: { region: "Francistown", address: null },
    });
    expect(patched.json).toMatchObject({ region: "Francistown", address: null });
  });

  it("needs a phone or an email, and staff need an email", async () => {
    const none = await call("/v1/auth/register", {
      body: { name: "No Contact", password: "long enough pw" },
      ip: randomIp(),
    });
    expectProblem(none, 400, "validation_failed");
    expect(none.json.errors[0].path).toBe("phone");
    const staff = await call("/v1/auth/register", {
      body: { name: "Phone Tech", phone: "+26771000001", password: "long enough pw", account_type: "technician" },
      ip: randomIp(),
    });
    expectProblem(staff, 400, "validation_failed");
    expect(staff.json.errors[0].path).toBe("email");
    expect(await env.DB.prepare("SELECT 1 FROM users WHERE phone = '+26771000001'").first()).toBeNull();
  });
});

describe("IAM-6 passwords", () => {
  it("forgot answers the same whether or not the account exists", async () => {
    const user = await createUser();
    const known = await call("/v1/auth/password/forgot", { body: { identifier: user.email } });
    const unknown = await call("/v1/auth/password/forgot", { body: { identifier: "ghost@example.test" } });
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(known.json).toEqual(unknown.json);
  });

  it("resets with a single-use token and ends every session", async () => {
    const user = await createUser();
    const { access_token: token } = await login(user);
    await call("/v1/auth/password/forgot", { body: { identifier: user.username } });
    const body = await latestEmailBody(user.email);
    const resetToken = /Reset token: (\S+)/.exec(body)![1];
    // Stored hashed: the raw token is nowhere in D1.
    const raw = await env.DB.prepare("SELECT count(*) AS n FROM password_reset_tokens WHERE token_hash = ?1")
      .bind(resetToken)
      .first<{ n: number }>();
    expect(raw!.n).toBe(0);

    const res = await call("/v1/auth/password/reset", {
      body: { token: resetToken, new_password: "brand new secret" },
    });
    expect(res.status, res.text).toBe(200);
    expectProblem(await call("/v1/me", { token }), 401, "invalid_token");
    expectProblem(
      await call("/v1/auth/password/reset", { body: { token: resetToken, new_password: "another secret" } }),
      401,
      "invalid_token",
    );
    expect(
      (await call("/v1/auth/login", { body: { identifier: user.username, password: "brand new secret" } })).status,
    ).toBe(200);
  });

  it("refuses an expired reset token", async () => {
    const user = await createUser();
    await call("/v1/auth/password/forgot", { body: { identifier: user.username } });
    const resetToken = /Reset token: (\S+)/.exec(await latestEmailBody(user.email))![1];
    await env.DB.prepare("UPDATE password_reset_tokens SET expires_at = ?1 WHERE user_id = ?2")
      .bind(new Date(Date.now() - 1000).toISOString(), user.id)
      .run();
    expectProblem(
      await call("/v1/auth/password/reset", { body: { token: resetToken, new_password: "brand new secret" } }),
      401,
      "invalid_token",
    );
  });

  it("changes a password only with the old one, keeping this session and ending others", async () => {
    const user = await createUser();
    const a = await login(user);
    const b = await login(user);
    expectProblem(
      await call("/v1/auth/password/change", {
        token: a.access_token,
        body: { old_password: "wrong one!", new_password: "next secret 1" },
      }),
      401,
      "invalid_credentials",
    );
    const res = await call("/v1/auth/password/change", {
      token: a.access_token,
      body: { old_password: DEFAULT_PASSWORD, new_password: "next secret 1" },
    });
    expect(res.status, res.text).toBe(200);
    expect((await call("/v1/me", { token: a.access_token })).status).toBe(200);
    expectProblem(await call("/v1/me", { token: b.access_token }), 401, "invalid_token");
  });

  it("verifies the current password", async () => {
    const { token } = await signedIn();
    expect((await call("/v1/auth/password/verify", { token, body: { password: DEFAULT_PASSWORD } })).json).toEqual({
      valid: true,
    });
    expect((await call("/v1/auth/password/verify", { token, body: { password: "nope nope" } })).json).toEqual({
      valid: false,
    });
  });

  it("stores scrypt PHC strings and upgrades weaker hashes at login", async () => {
    const { hashPassword } = await import("../../lib/passwords");
    const user = await createUser();
    await env.DB.prepare("UPDATE users SET password_hash = ?1 WHERE id = ?2")
      .bind(await hashPassword(DEFAULT_PASSWORD, { ln: 10, r: 8, p: 1 }), user.id)
      .run();
    await login(user);
    const row = await env.DB.prepare("SELECT password_hash FROM users WHERE id = ?1")
      .bind(user.id)
      .first<{ password_hash: string }>();
    expect(row!.password_hash).toMatch(/^\$scrypt\$ln=14,r=8,p=5\$/);
  });
});

describe("IAM-7 two-factor authentication", () => {
  async function codeFor(address: string, before = 0) {
    for (let i = 0; i < 100; i++) {
      const rows = (await outboxFor(address)).filter((r) => r.event_type === "auth.otp_requested");
      if (rows.length > before) return /code is (\d{6})/.exec(rows[rows.length - 1].body)![1];
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error("no code");
  }

  it("enables 2FA with an emailed code, then login needs the second step", async () => {
    const user = await createUser();
    const { access_token } = await login(user);
    expect((await call("/v1/auth/2fa/request-otp", { token: access_token, body: {} })).status).toBe(202);
    const code = await codeFor(user.email);
    const row = await env.DB.prepare("SELECT code_hash FROM otp_codes WHERE user_id = ?1")
      .bind(user.id)
      .first<{ code_hash: string }>();
    expect(row!.code_hash).not.toContain(code);
    const enabled = await call("/v1/auth/2fa/enable", { token: access_token, body: { code } });
    expect(enabled.status, enabled.text).toBe(200);
    expect(enabled.json).toEqual({ two_factor_enabled: true });
    // Single use.
    expectProblem(await call("/v1/auth/2fa/enable", { token: access_token, body: { code } }), 409, "conflict");

    const first = await call("/v1/auth/login", { body: { identifier: user.username, password: DEFAULT_PASSWORD } });
    expect(first.json).toMatchObject({ mfa_required: true, mfa_token: expect.any(String) });
    expect(first.json.access_token).toBeUndefined();
    // The MFA token is not an access token.
    expectProblem(await call("/v1/me", { token: first.json.mfa_token }), 401, "invalid_token");
    const loginCode = await codeFor(user.email, 1);
    const done = await call("/v1/auth/login/verify-otp", {
      body: { mfa_token: first.json.mfa_token, code: loginCode },
    });
    expect(done.status, done.text).toBe(200);
    expect(done.json.access_token).toBeTruthy();
    expectProblem(
      await call("/v1/auth/login/verify-otp", { body: { mfa_token: first.json.mfa_token, code: loginCode } }),
      401,
      "invalid_code",
    );
  });

  it("voids a code after five wrong tries", async () => {
    const user = await createUser({ twoFactor: true });
    const first = await call("/v1/auth/login", { body: { identifier: user.username, password: DEFAULT_PASSWORD } });
    const code = await codeFor(user.email);
    const wrong = code === "000000" ? "111111" : "000000";
    for (let i = 0; i < 5; i++) {
      expectProblem(
        await call("/v1/auth/login/verify-otp", { body: { mfa_token: first.json.mfa_token, code: wrong } }),
        401,
        "invalid_code",
      );
    }
    expectProblem(
      await call("/v1/auth/login/verify-otp", { body: { mfa_token: first.json.mfa_token, code } }),
      401,
      "invalid_code",
    );
  });

  it("bounds code guesses per account across re-sent codes: ten per 15 minutes", async () => {
    await withinOneWindow(15 * 60, async () => {
      const user = await createUser({ twoFactor: true });
      let mfaToken = (await call("/v1/auth/login", { body: { identifier: user.username, password: DEFAULT_PASSWORD } }))
        .json.mfa_token;
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) {
        if (i > 0 && i % 5 === 0)
          mfaToken = (await call("/v1/auth/2fa/request-otp", { body: { mfa_token: mfaToken } })).json.mfa_token;
        statuses.push(
          (await call("/v1/auth/login/verify-otp", { body: { mfa_token: mfaToken, code: "000000" }, ip: randomIp() }))
            .status,
        );
      }
      expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
      expect(statuses[10]).toBe(429);
    });
  });

  it("refuses an expired code", async () => {
    const user = await createUser({ twoFactor: true });
    const first = await call("/v1/auth/login", { body: { identifier: user.username, password: DEFAULT_PASSWORD } });
    const code = await codeFor(user.email);
    await env.DB.prepare("UPDATE otp_codes SET expires_at = ?1 WHERE user_id = ?2")
      .bind(new Date(Date.now() - 1000).toISOString(), user.id)
      .run();
    const res = await call("/v1/auth/login/verify-otp", { body: { mfa_token: first.json.mfa_token, code } });
    expectProblem(res, 401, "invalid_code");
    expect(res.json.detail).toMatch(/expired/);
  });

  it("resends a login code with the mfa_token, and disables 2FA with a code", async () => {
    const user = await createUser({ twoFactor: true });
    const first = await call("/v1/auth/login", { body: { identifier: user.username, password: DEFAULT_PASSWORD } });
    await codeFor(user.email);
    const resent = await call("/v1/auth/2fa/request-otp", { body: { mfa_token: first.json.mfa_token } });
    expect(resent.status).toBe(202);
    const code = await codeFor(user.email, 1);
    const done = await call("/v1/auth/login/verify-otp", { body: { mfa_token: resent.json.mfa_token, code } });
    expect(done.status, done.text).toBe(200);
    const token = done.json.access_token;
    await call("/v1/auth/2fa/request-otp", { token, body: { purpose: "disable_2fa" } });
    const disableCode = await codeFor(user.email, 2);
    const off = await call("/v1/auth/2fa/disable", { token, body: { code: disableCode } });
    expect(off.json).toEqual({ two_factor_enabled: false });
  });

  it("needs a sign-in or an mfa_token to send a code", async () => {
    expectProblem(await call("/v1/auth/2fa/request-otp", { body: {} }), 401, "unauthorized");
  });
});

describe("development outbox delivery", () => {
  it("writes a redelivered message once", async () => {
    const message = {
      id: "msg_dup_test",
      event: "auth.otp_requested",
      channel: "email" as const,
      recipient: { address: "dup@example.test" },
      subject: "s",
      body: "b",
      created_at: new Date().toISOString(),
    };
    for (let i = 0; i < 2; i++) {
      const batch = createMessageBatch("truckroll-notifications", [
        { id: `q${i}`, timestamp: new Date(), attempts: 1, body: message },
      ]);
      const ctx = createExecutionContext();
      await handleNotificationBatch(batch as MessageBatch<typeof message>, env, ctx);
      const result = await getQueueResult(batch, ctx);
      expect(result.explicitAcks).toEqual([`q${i}`]);
    }
    expect(await outboxFor("dup@example.test")).toHaveLength(1);
  });
});

securitySuite("auth");
