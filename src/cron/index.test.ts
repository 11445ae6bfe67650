import { createExecutionContext, createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createUser } from "../../test/helpers";
import { systemContext } from "../lib/context";
import { CRON_DAILY, cleanupExpired, runScheduled } from "./index";

describe("daily clean-up", () => {
  it("deletes expired rows and changes nothing when run again for the same time", async () => {
    const user = await createUser();
    const long = new Date(Date.now() - 40 * 24 * 3600 * 1000).toISOString();
    const past = new Date(Date.now() - 1000).toISOString();
    const future = new Date(Date.now() + 3600 * 1000).toISOString();
    await env.DB.batch([
      env.DB.prepare("INSERT INTO rate_limits (key, count, expires_at) VALUES ('old', 3, ?1), ('live', 1, ?2)").bind(
        Date.now() - 1000,
        Date.now() + 60_000,
      ),
      env.DB.prepare(
        "INSERT INTO otp_codes (id, user_id, purpose, code_hash, expires_at, created_at) VALUES ('otp_old', ?1, 'login', 'h', ?2, ?2), ('otp_live', ?1, 'login', 'h', ?3, ?2)",
      ).bind(user.id, past, future),
      env.DB.prepare(
        "INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at, revoked_at) VALUES ('ses_old', ?1, ?2, ?2, ?3, ?2), ('ses_live', ?1, ?2, ?2, ?3, NULL)",
      ).bind(user.id, long, future),
      env.DB.prepare(
        "INSERT INTO refresh_tokens (jti, session_id, issued_at, expires_at) VALUES ('rtk_old', 'ses_old', ?1, ?2)",
      ).bind(long, future),
    ]);
    const now = Date.now();
    const first = await cleanupExpired(systemContext(env, "test"), now);
    expect(first.deleted).toBeGreaterThanOrEqual(4);
    expect((await cleanupExpired(systemContext(env, "test"), now)).deleted).toBe(0);
    const left = await env.DB.prepare(
      "SELECT (SELECT count(*) FROM rate_limits WHERE key = 'live') AS rl, (SELECT count(*) FROM otp_codes WHERE id = 'otp_live') AS otp, (SELECT count(*) FROM sessions WHERE id = 'ses_live') AS ses",
    ).first();
    expect(left).toEqual({ rl: 1, otp: 1, ses: 1 });
  });

  it("is dispatched by its cron expression", async () => {
    await runScheduled(
      createScheduledController({ cron: CRON_DAILY, scheduledTime: Date.now() }),
      env,
      createExecutionContext(),
    );
    await runScheduled(
      createScheduledController({ cron: "*/5 * * * *", scheduledTime: Date.now() }),
      env,
      createExecutionContext(),
    );
  });
});

describe("cron dispatch", () => {
  it("skips a job already finished for the same scheduledTime", async () => {
    const time = Date.now() - 123_456;
    await runScheduled(
      createScheduledController({ cron: CRON_DAILY, scheduledTime: time }),
      env,
      createExecutionContext(),
    );
    await runScheduled(
      createScheduledController({ cron: CRON_DAILY, scheduledTime: time }),
      env,
      createExecutionContext(),
    );
    const rows = await env.DB.prepare("SELECT job FROM cron_runs WHERE scheduled_time = ?1 ORDER BY job")
      .bind(time)
      .all();
    // Each daily job once, though the schedule ran twice.
    expect(rows.results).toEqual([
      { job: "applyRetention" },
      { job: "archiveClosedWork" },
      { job: "cleanupExpired" },
      { job: "refreshCalendarFeeds" },
      { job: "renewServiceContracts" },
    ]);
  });
});
