import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { call, expectProblem, signedIn } from "../../test/helpers";
import { decodePayload } from "../../test/tokens";
import {
  cachedSession,
  forgetAllSessions,
  rememberSession,
  sessionCacheGeneration,
  sharedLiveCheck,
  type CachedSession,
} from "./session-cache";

/** Revokes a session the way another isolate would: in D1, unseen by this isolate's cache. */
async function revokeElsewhere(sessionToken: string) {
  const sid = decodePayload(sessionToken).sid as string;
  await env.DB.prepare("UPDATE sessions SET revoked_at = ?1 WHERE id = ?2").bind(new Date().toISOString(), sid).run();
}

function entry(overrides: Partial<CachedSession> = {}): CachedSession {
  return {
    actor: {
      kind: "user" as const,
      userId: "usr_x",
      sessionId: "ses_x",
      role: "admin",
      permissions: new Set(),
      tokenExpiresAt: Math.floor(Date.now() / 1000) + 600,
    },
    user: {} as CachedSession["user"],
    sessionExpiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    checkedAtMs: Date.now(),
    ...overrides,
  };
}

describe("session cache: reads reuse this isolate's recent live-session check", () => {
  it("a read may reuse a check for the configured seconds, a write never does, and any write ends the reuse", async () => {
    const { token } = await signedIn("admin");
    expect((await call("/v1/me", { token })).status).toBe(200);
    await revokeElsewhere(token);

    // Within the window, this isolate has not heard of the revocation: reads still pass …
    expect((await call("/v1/me", { token })).status).toBe(200);
    // … but a write checks the live session and is refused,
    expectProblem(
      await call("/v1/me", { method: "PATCH", token, body: { first_name: "Mallory" } }),
      401,
      "invalid_token",
    );
    // and that write emptied the cache, so the next read is refused too.
    expectProblem(await call("/v1/me", { token }), 401, "invalid_token");
  });

  it("a write refused before it wrote anything leaves the reuse in place; a write that wrote ends it", async () => {
    const reader = await signedIn("admin");
    const writer = await signedIn("admin");
    expect((await call("/v1/me", { token: reader.token })).status).toBe(200);
    await revokeElsewhere(reader.token);
    // Only reads (the session, the ticket): nothing this isolate knows about sessions can have changed.
    expectProblem(
      await call("/v1/appointments", {
        token: writer.token,
        body: { ticket_id: "tkt_missing", technician_id: "usr_missing", date: "2030-01-15", start_time: "09:00" },
      }),
      404,
      "not_found",
    );
    expect((await call("/v1/me", { token: reader.token })).status).toBe(200); // still within the window
    expect((await call("/v1/me", { method: "PATCH", token: writer.token, body: { first_name: "Wrote" } })).status).toBe(
      200,
    );
    expectProblem(await call("/v1/me", { token: reader.token }), 401, "invalid_token");
  });

  it("token validation always reads the live session", async () => {
    const { token } = await signedIn("technician");
    expect((await call("/v1/auth/token/validate", { token })).status).toBe(200);
    expect((await call("/v1/me", { token })).status).toBe(200);
    await revokeElsewhere(token);
    expect((await call("/v1/me", { token })).status).toBe(200); // a read within the window
    expectProblem(await call("/v1/auth/token/validate", { token }), 401, "invalid_token");
  });

  it("a logout is seen by the very next read", async () => {
    const { token } = await signedIn("technician");
    expect((await call("/v1/tickets", { token })).status).toBe(200);
    expect((await call("/v1/auth/logout", { method: "POST", token })).status).toBe(204);
    expectProblem(await call("/v1/tickets", { token }), 401, "invalid_token");
  });

  it("a profile edit is seen by the very next read of /v1/me", async () => {
    const { token } = await signedIn("customer");
    expect((await call("/v1/me", { token })).json.first_name).toBe("Test");
    expect((await call("/v1/me", { method: "PATCH", token, body: { first_name: "Naledi" } })).status).toBe(200);
    expect((await call("/v1/me", { token })).json.first_name).toBe("Naledi");
  });

  it("an entry expires after the window, with the token, or with the session", () => {
    const now = Date.now();
    forgetAllSessions();
    rememberSession("t1", entry({ checkedAtMs: now - 4_000 }), sessionCacheGeneration());
    expect(cachedSession("t1", now, 5_000)).toBeDefined();
    expect(cachedSession("t1", now + 1_000, 5_000)).toBeUndefined();

    rememberSession(
      "t2",
      entry({ actor: { ...entry().actor, tokenExpiresAt: Math.floor(now / 1000) - 1 } }),
      sessionCacheGeneration(),
    );
    expect(cachedSession("t2", now, 5_000)).toBeUndefined();
    rememberSession("t3", entry({ sessionExpiresAt: new Date(now - 1).toISOString() }), sessionCacheGeneration());
    expect(cachedSession("t3", now, 5_000)).toBeUndefined();
  });

  it("a check that began before a write finished is not stored", () => {
    forgetAllSessions();
    const before = sessionCacheGeneration();
    forgetAllSessions(); // a write ends while the check is in flight
    rememberSession("t4", entry(), before);
    expect(cachedSession("t4", Date.now(), 5_000)).toBeUndefined();
    rememberSession("t4", entry(), sessionCacheGeneration());
    expect(cachedSession("t4", Date.now(), 5_000)).toBeDefined();
  });

  it("writes arriving during a live check of the same token join it, never one begun before a write finished", async () => {
    forgetAllSessions();
    const answer = { problem: "ended" as const, caller: null };
    let release = () => {};
    let asked = 0;
    const slowCheck = () => {
      asked++;
      return new Promise<typeof answer>((resolve) => {
        release = () => resolve(answer);
      });
    };
    const first = sharedLiveCheck("t5", slowCheck);
    const second = sharedLiveCheck("t5", slowCheck);
    expect(asked).toBe(1);
    // Another token has its own check.
    void sharedLiveCheck("t6", async () => answer);
    expect(asked).toBe(1);
    // A write finished here since the check began: the next write asks D1 itself.
    forgetAllSessions();
    const third = sharedLiveCheck("t5", async () => {
      asked++;
      return answer;
    });
    expect(asked).toBe(2);
    release();
    expect(await first).toBe(answer);
    expect(await second).toBe(answer);
    expect(await third).toBe(answer);
    // Once a check has answered, the next write starts a new one.
    await sharedLiveCheck("t5", async () => {
      asked++;
      return answer;
    });
    expect(asked).toBe(3);
  });

  it("a burst of writes with one token is refused as soon as the session is revoked", async () => {
    const { token } = await signedIn("admin");
    const burst = () =>
      Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          call("/v1/me", { method: "PATCH", token, body: { first_name: `Burst${i}` } }),
        ),
      );
    expect((await burst()).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    await revokeElsewhere(token);
    for (const r of await burst()) expectProblem(r, 401, "invalid_token");
  });

  it("a write that joined a check which never answers asks D1 itself", async () => {
    forgetAllSessions();
    vi.useFakeTimers();
    try {
      const answer = { problem: "ended" as const, caller: null };
      void sharedLiveCheck("t7", () => new Promise(() => {})); // its request was cancelled
      let asked = 0;
      const joining = sharedLiveCheck("t7", async () => {
        asked++;
        return answer;
      });
      await vi.advanceTimersByTimeAsync(2_000);
      expect(await joining).toBe(answer);
      expect(asked).toBe(1);
      // The check that never answered is not joined again.
      await sharedLiveCheck("t7", async () => {
        asked++;
        return answer;
      });
      expect(asked).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });
});
