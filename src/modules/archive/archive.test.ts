import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../../../test/helpers";
import { securitySuite } from "../../../test/security-suite";
import { customerAccount, raiseTicket, staff, technicianAccount } from "../../../test/work-factories";
import { ARCHIVE_PREFIX, manifestKey } from "../../lib/archive";
import { systemContext } from "../../lib/context";
import { newId, nowIso } from "../../lib/ids";
import { eq } from "drizzle-orm";
import { jobs } from "../../db/schema";
import { ticketStatsStatements } from "../reports/aggregates";
import type { JobMessage } from "../../lib/messages";
import { advanceJob, type JobRow } from "../jobs";
import { archiveClosedWork, runArchiveStep, runRestoreStep } from "./archive.service";

securitySuite("archive");

const TABLES = [
  ["tickets", "id"],
  ["ticket_assignees", "ticket_id"],
  ["ticket_history", "ticket_id"],
  ["ticket_comments", "ticket_id"],
  ["ticket_attachments", "ticket_id"],
  ["work_logs", "ticket_id"],
  ["ticket_checklist_items", "ticket_id"],
  ["completion_codes", "ticket_id"],
  ["ticket_sla_periods", "ticket_id"],
  ["appointments", "ticket_id"],
  ["appointment_links", "ticket_id"],
  ["slot_holds", "ticket_id"],
  ["feedback", "ticket_id"],
] as const;

/** A month no other test uses (closed work from 2000–2019). */
const uniqueMonth = () =>
  `${2000 + Math.floor(Math.random() * 20)}-${String(1 + Math.floor(Math.random() * 12)).padStart(2, "0")}`;

/** Every row of the tickets in every archived table, without rowids, sorted: equal means nothing lost and nothing doubled. */
async function rowsOf(ids: string[]) {
  const out: Record<string, string[]> = {};
  for (const [table, column] of TABLES) {
    const { results } = await env.DB.prepare(
      `SELECT * FROM ${table} WHERE ${column} IN (SELECT value FROM json_each(?))`,
    )
      .bind(JSON.stringify(ids))
      .all();
    out[table] = results.map((r) => JSON.stringify(r)).sort();
  }
  return out;
}

async function objectsUnder(prefix: string) {
  return (await env.FILES.list({ prefix })).objects.map((o) => o.key).sort();
}

/**
 * Closed work in `month`: tickets of one customer, assigned to one technician, commented, with a
 * work log and a visit, closed (or cancelled) on the month's days.
 */
async function closedWork(month: string, n: number) {
  const dispatcher = await staff("dispatcher");
  const tech = await technicianAccount();
  const cust = await customerAccount();
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const ticket = await raiseTicket(cust.token, { title: `Archive case ${i} ${month}`, description: "Line noise" });
    await call(`/v1/tickets/${ticket.id}/assign`, {
      token: dispatcher.token,
      body: { technician_ids: [tech.user.id] },
    });
    const comment = await call(`/v1/tickets/${ticket.id}/comments`, {
      token: dispatcher.token,
      body: { body: `Called the customer about case ${i}`, visibility: "public" },
    });
    expect(comment.status, comment.text).toBe(201);
    ids.push(ticket.id);
  }
  const now = nowIso();
  await env.DB.batch(
    ids.flatMap((id, i) => [
      env.DB.prepare(
        `INSERT INTO work_logs (id, ticket_id, technician_id, work_detail, parts, amount_charged, created_at)
         VALUES (?1, ?2, ?3, 'Replaced the drop cable', '[{"sku":"DROP-20","name":"Drop cable 20 m","quantity":1,"unit_price":1500}]', 0, ?4)`,
      ).bind(newId("wlg"), id, tech.user.id, now),
      env.DB.prepare(
        `INSERT INTO appointments (id, ticket_id, technician_id, date, start_time, end_time, timezone, starts_at, ends_at,
                                   duration_minutes, status, scheduled_via, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, '09:00', '10:00', 'Africa/Gaborone', ?4 || 'T07:00:00.000Z', ?4 || 'T08:00:00.000Z', 60, 'completed', 'staff', ?5, ?5)`,
      ).bind(newId("apt"), id, tech.user.id, `${month}-0${1 + (i % 9)}`, now),
      env.DB.prepare(
        `UPDATE tickets SET status = CASE WHEN ?3 THEN 'cancelled' ELSE 'closed' END,
           closed_at = CASE WHEN ?3 THEN NULL ELSE ?2 END, cancelled_at = CASE WHEN ?3 THEN ?2 ELSE NULL END
         WHERE id = ?1`,
      ).bind(id, `${month}-1${i % 9}T10:00:00.000Z`, i === n - 1 ? 1 : 0),
    ]),
  );
  // The report aggregates follow the closing (as a closing through the API would).
  await env.DB.batch(ticketStatsStatements(env.DB, systemContext(env, "test").settings.timeZone, ids));
  return { dispatcher, tech, cust, ids };
}

/** The system's context with small parts and a queue that keeps nothing: the test drives each step. */
function drivenContext(partTickets: number) {
  const ctx = systemContext(env, "archive-test");
  return {
    ...ctx,
    env: { ...ctx.env, JOBS: { send: async () => undefined } as unknown as Queue },
    settings: { ...ctx.settings, archivePartTickets: partTickets },
  };
}

async function jobRow(kind: "archive_month" | "archive_restore", params: Record<string, unknown>) {
  const id = newId("job");
  const now = nowIso();
  await env.DB.prepare(
    `INSERT INTO jobs (id, kind, status, requested_by, params, state, step, rows_processed, recoveries, created_at, updated_at)
     VALUES (?1, ?2, 'queued', NULL, ?3, '{}', 0, 0, 0, ?4, ?4)`,
  )
    .bind(id, kind, JSON.stringify(params), now)
    .run();
  return id;
}

const jobOf = async (id: string): Promise<JobRow> =>
  (await systemContext(env, "archive-test").db.query.jobs.findFirst({ where: eq(jobs.id, id) }))!;

/** Runs the job's steps to the end, one message each (as the queue would). */
async function driveToEnd(ctx: ReturnType<typeof drivenContext>, id: string, run: typeof runArchiveStep) {
  for (let i = 0; i < 50; i++) {
    const job = await jobOf(id);
    if (job.status !== "queued" && job.status !== "running") return job;
    await advanceJob(ctx, { kind: "job", job_id: id, step: job.step } satisfies JobMessage, (j) => run(ctx, j));
  }
  throw new Error("the job did not end");
}

async function waitForJob(id: string) {
  for (let i = 0; i < 200; i++) {
    const job = await jobOf(id);
    if (job.status !== "queued" && job.status !== "running") return job;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the job did not end");
}

const nextMonthStart = (month: string) => {
  const [y, m] = month.split("-").map(Number);
  return m === 12 ? `${y + 1}-01-01T00:00:00.000Z` : `${y}-${String(m + 1).padStart(2, "0")}-01T00:00:00.000Z`;
};

describe("archive of closed work", () => {
  it("moves a month to R2 and restores it, with crashes in the middle: nothing lost, nothing doubled", async () => {
    const month = uniqueMonth();
    const { ids, tech, cust, dispatcher } = await closedWork(month, 5);
    const before = await rowsOf(ids);
    expect(before.ticket_history.length).toBeGreaterThan(5);
    const facts = await env.DB.prepare(
      "SELECT count(*) AS n FROM report_ticket_facts WHERE ticket_id IN (SELECT value FROM json_each(?))",
    )
      .bind(JSON.stringify(ids))
      .first<{ n: number }>();
    const ctx = drivenContext(2);
    const id = await jobRow("archive_month", { month, before: nextMonthStart(month) });

    // Crash 1: the first part is written to R2, then the worker dies before its batch.
    await runArchiveStep(ctx, await jobOf(id));
    expect((await objectsUnder(`${ARCHIVE_PREFIX}${month}/`)).length).toBe(1);
    expect(await rowsOf(ids)).toEqual(before);

    // The step runs again (the message was redelivered) and commits; a duplicate of it does nothing.
    await advanceJob(ctx, { kind: "job", job_id: id, step: 0 }, (j) => runArchiveStep(ctx, j));
    await advanceJob(ctx, { kind: "job", job_id: id, step: 0 }, (j) => runArchiveStep(ctx, j));
    const moved = await env.DB.prepare("SELECT count(*) AS n FROM archived_tickets WHERE month = ?")
      .bind(month)
      .first<{ n: number }>();
    expect(moved?.n).toBe(2);

    // Crash 2: the next message is lost after a commit; the job goes on from its step (the watchdog's resend).
    const done = await driveToEnd(ctx, id, runArchiveStep);
    expect(done.status).toBe("done");

    const after = await rowsOf(ids);
    for (const [table] of TABLES) expect(after[table], table).toEqual([]);
    const parts = await env.DB.prepare("SELECT key, tickets, sha256 FROM archive_parts WHERE month = ? ORDER BY key")
      .bind(month)
      .all<{ key: string; tickets: number; sha256: string }>();
    expect(parts.results.map((p) => p.tickets)).toEqual([2, 2, 1]);
    // The object the crashed attempt wrote is gone; what remains are the three parts and the manifest.
    expect(await objectsUnder(`${ARCHIVE_PREFIX}${month}/`)).toEqual(
      [...parts.results.map((p) => p.key), manifestKey(month)].sort(),
    );
    const manifest = (await (await env.FILES.get(manifestKey(month)))!.json()) as {
      tickets: number;
      parts: { key: string; sha256: string }[];
    };
    expect(manifest.tickets).toBe(5);
    expect(manifest.parts.map((p) => p.sha256)).toEqual(parts.results.map((p) => p.sha256));
    // The report figures keep the archived tickets.
    expect(
      await env.DB.prepare(
        "SELECT count(*) AS n FROM report_ticket_facts WHERE ticket_id IN (SELECT value FROM json_each(?))",
      )
        .bind(JSON.stringify(ids))
        .first<{ n: number }>(),
    ).toEqual(facts);

    // An archived ticket still answers, read-only, to those who could see it.
    const admin = await staff("admin");
    const shown = await call(`/v1/tickets/${ids[0]}`, { token: admin.token });
    expect(shown.status, shown.text).toBe(200);
    expect(shown.json.archived_at).toBeTruthy();
    expect(shown.json.status).toBe("closed");
    expect(shown.json.allowed_actions).toEqual([]);
    expect(shown.json.assignees.map((a: { technician_id: string }) => a.technician_id)).toEqual([tech.user.id]);
    expect(shown.json.comments.map((c: { body: string }) => c.body)).toEqual(["Called the customer about case 0"]);
    expect(shown.json.work_logs[0].parts[0].sku).toBe("DROP-20");
    expect(shown.json.history.length).toBeGreaterThan(1);
    expect((await call(`/v1/tickets/${ids[0]}`, { token: tech.token })).status).toBe(200);
    expect((await call(`/v1/tickets/${ids[0]}`, { token: cust.token })).status).toBe(200);
    const stranger = await technicianAccount();
    expectProblem(await call(`/v1/tickets/${ids[0]}`, { token: stranger.token }), 404, "not_found");
    const otherCustomer = await customerAccount();
    expectProblem(await call(`/v1/tickets/${ids[0]}`, { token: otherCustomer.token }), 404, "not_found");

    // The customer's history lists them, marked archived, newest first, in pages.
    const page1 = await call(`/v1/customers/${cust.customerId}/history?limit=3`, { token: dispatcher.token });
    expect(page1.status, page1.text).toBe(200);
    const page2 = await call(`/v1/customers/${cust.customerId}/history?limit=3&cursor=${page1.json.next_cursor}`, {
      token: dispatcher.token,
    });
    const listed = [...page1.json.data, ...page2.json.data];
    expect(listed.map((t: { id: string }) => t.id).sort()).toEqual([...ids].sort());
    expect(listed.every((t: { archived: boolean }) => t.archived)).toBe(true);
    expect(page2.json.next_cursor).toBeNull();

    // Restore, with a crash before the first batch and one after it (before its object is deleted).
    const restore = await jobRow("archive_restore", { month });
    await runRestoreStep(ctx, await jobOf(restore));
    expect((await rowsOf(ids)).tickets).toEqual([]);
    await advanceJob(ctx, { kind: "job", job_id: restore, step: 0 }, async (j) => ({
      ...(await runRestoreStep(ctx, j)),
      afterCommit: undefined,
    }));
    expect((await objectsUnder(`${ARCHIVE_PREFIX}${month}/`)).length).toBe(4);
    const restored = await driveToEnd(ctx, restore, runRestoreStep);
    expect(restored.status).toBe("done");
    expect(await rowsOf(ids)).toEqual(
      Object.fromEntries(Object.entries(before).map(([t, rows]) => [t, rows])) as typeof before,
    );
    expect(await objectsUnder(`${ARCHIVE_PREFIX}${month}/`)).toEqual([]);
    expect(
      await env.DB.prepare("SELECT count(*) AS n FROM archived_tickets WHERE month = ?").bind(month).first(),
    ).toEqual({ n: 0 });
    const live = await call(`/v1/tickets/${ids[0]}`, { token: admin.token });
    expect(live.json.archived_at).toBeNull();
    // Search finds a restored ticket again (its index follows the rows).
    const found = await call(`/v1/tickets?q=${encodeURIComponent(`Archive case 1 ${month}`)}`, { token: admin.token });
    expect(found.json.data.map((t: { id: string }) => t.id)).toContain(ids[1]);
  });

  it("skips a ticket that changed after it was read, and takes it on the next run", async () => {
    const month = uniqueMonth();
    const { ids } = await closedWork(month, 2);
    const ctx = drivenContext(10);
    const id = await jobRow("archive_month", { month, before: nextMonthStart(month) });
    await advanceJob(ctx, { kind: "job", job_id: id, step: 0 }, async (j) => {
      const step = await runArchiveStep(ctx, j);
      // Someone reopens the first ticket between the read and the commit.
      await env.DB.prepare("UPDATE tickets SET version = version + 1 WHERE id = ?").bind(ids[0]).run();
      return step;
    });
    expect(await env.DB.prepare("SELECT id FROM tickets WHERE id = ?").bind(ids[0]).first()).toBeTruthy();
    expect(
      (await env.DB.prepare("SELECT ticket_id FROM archived_tickets WHERE month = ?").bind(month).all()).results,
    ).toEqual([{ ticket_id: ids[1] }]);
    const comments = await env.DB.prepare("SELECT count(*) AS n FROM ticket_comments WHERE ticket_id = ?")
      .bind(ids[0])
      .first<{ n: number }>();
    expect(comments?.n).toBe(1);
    await driveToEnd(ctx, id, runArchiveStep);
    const again = await jobRow("archive_month", { month, before: nextMonthStart(month) });
    await driveToEnd(ctx, again, runArchiveStep);
    expect(
      (await env.DB.prepare("SELECT count(*) AS n FROM archived_tickets WHERE month = ?").bind(month).first())?.n,
    ).toBe(2);
  });

  it("runs through the API and the queue: archive, list, restore; refusals say why", async () => {
    const month = uniqueMonth();
    const { ids } = await closedWork(month, 3);
    const admin = await staff("admin");
    const dispatcher = await staff("dispatcher");
    const manager = await staff("manager");
    expectProblem(await call(`/v1/archive/months/${month}/archive`, { token: dispatcher.token, method: "POST" }), 403);
    expectProblem(await call(`/v1/archive/months/${month}/archive`, { token: manager.token, method: "POST" }), 403);
    expectProblem(await call("/v1/archive/months", { token: dispatcher.token }), 403);
    expectProblem(await call("/v1/archive/months/2024-13/archive", { token: admin.token, method: "POST" }), 400);
    const thisMonth = new Date().toISOString().slice(0, 7);
    const recent = await call(`/v1/archive/months/${thisMonth}/archive`, { token: admin.token, method: "POST" });
    expectProblem(recent, 409, "conflict");
    expect(recent.json.detail).toContain("too recent");
    expectProblem(await call(`/v1/archive/months/${month}/restore`, { token: admin.token, method: "POST" }), 404);

    const started = await call(`/v1/archive/months/${month}/archive`, { token: admin.token, method: "POST" });
    expect(started.status, started.text).toBe(202);
    expect(started.json.kind).toBe("archive_month");
    expect((await waitForJob(started.json.id)).status).toBe("done");
    const months = await call("/v1/archive/months?limit=100", { token: admin.token });
    expect(months.status, months.text).toBe(200);
    const row = months.json.data.find((m: { month: string }) => m.month === month);
    expect(row).toMatchObject({ status: "archived", tickets: 3, parts: 1, manifest_key: manifestKey(month) });
    expect(row.bytes).toBeGreaterThan(100);
    const audit = await env.DB.prepare(
      "SELECT action FROM audit_log WHERE target_type = 'archive_month' AND target_id = ? ORDER BY occurred_at",
    )
      .bind(month)
      .all<{ action: string }>();
    expect(audit.results.map((a) => a.action)).toEqual(["archive.month_started"]);

    const restoring = await call(`/v1/archive/months/${month}/restore`, { token: admin.token, method: "POST" });
    expect(restoring.status, restoring.text).toBe(202);
    expect((await waitForJob(restoring.json.id)).status).toBe("done");
    expect((await call(`/v1/tickets/${ids[2]}`, { token: admin.token })).json.archived_at).toBeNull();
    const after = await call("/v1/archive/months?limit=100", { token: admin.token });
    expect(after.json.data.find((m: { month: string }) => m.month === month)).toMatchObject({
      status: "restored",
      tickets: 0,
      manifest_key: null,
    });
  });

  it("the daily job archives the oldest month due, one at a time, and leaves a restored month alone", async () => {
    const month = "1990-01";
    const later = "1990-02";
    await closedWork(month, 1);
    await closedWork(later, 1);
    const ctx = systemContext(env, "archiveClosedWork");
    const first = await archiveClosedWork(ctx, Date.now());
    expect(first).toMatchObject({ month });
    expect(await archiveClosedWork(ctx, Date.now())).toMatchObject({ started: null, reason: "busy" });
    expect((await waitForJob(first.started as string)).status).toBe("done");
    await env.DB.prepare(
      "INSERT INTO archive_months (month, status, job_id, updated_at) VALUES (?1, 'restored', 'job_x', ?2) ON CONFLICT (month) DO UPDATE SET status = 'restored'",
    )
      .bind(later, nowIso())
      .run();
    const second = await archiveClosedWork(ctx, Date.now());
    expect(second.month).not.toBe(later);
    if (second.started) await waitForJob(second.started);
    const off = { ...ctx, settings: { ...ctx.settings, archiveAfterMonths: 0 } };
    expect(await archiveClosedWork(off, Date.now())).toMatchObject({ started: null, reason: "off" });
  });

  it("a report rebuild keeps what archived tickets contributed", async () => {
    const month = uniqueMonth();
    const { ids } = await closedWork(month, 2);
    const id = await jobRow("archive_month", { month, before: nextMonthStart(month) });
    await driveToEnd(drivenContext(10), id, runArchiveStep);
    const sums = () =>
      env.DB.prepare(
        "SELECT sum(created) AS created, sum(created_cancelled) AS cancelled FROM report_daily WHERE technician_id = '' AND day IN (SELECT created_day FROM report_ticket_facts WHERE ticket_id IN (SELECT value FROM json_each(?)))",
      )
        .bind(JSON.stringify(ids))
        .first();
    const before = await sums();
    const admin = await staff("admin");
    const rebuild = await call("/v1/reports/rebuild", { token: admin.token, method: "POST" });
    expect(rebuild.status, rebuild.text).toBe(202);
    expect((await waitForJob(rebuild.json.id)).status).toBe("done");
    expect(await sums()).toEqual(before);
  });

  it("erasing a customer rewrites their archived tickets: no name, phone or address left in R2", async () => {
    const month = uniqueMonth();
    const tag = crypto.randomUUID().slice(0, 8);
    const { ids, cust, dispatcher } = await closedWork(month, 1);
    const name = `Naledi Archivetest ${tag}`;
    const phone = `+2677${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
    const address = `Plot ${tag}, Block 8, Francistown`;
    await env.DB.batch([
      env.DB.prepare("UPDATE customers SET full_name = ?1, phone = ?2, address = ?3 WHERE id = ?4").bind(
        name,
        phone,
        address,
        cust.customerId,
      ),
      env.DB.prepare("UPDATE tickets SET address = ?1, description = ?2 WHERE id = ?3").bind(
        address,
        `Ring ${name} on ${phone}`,
        ids[0],
      ),
      env.DB.prepare(
        "INSERT INTO ticket_comments (id, ticket_id, author_id, body, visibility, created_at) VALUES (?1, ?2, ?3, ?4, 'public', ?5)",
      ).bind(newId("cmt"), ids[0], dispatcher.user.id, `Spoke to ${name}`, nowIso()),
    ]);
    const id = await jobRow("archive_month", { month, before: nextMonthStart(month) });
    await driveToEnd(drivenContext(10), id, runArchiveStep);
    const admin = await staff("admin");
    expect((await call(`/v1/tickets/${ids[0]}`, { token: admin.token })).text).toContain(name);

    const erased = await call(`/v1/customers/${cust.customerId}/erase`, {
      token: admin.token,
      body: { reason: "Erasure request by letter" },
    });
    expect(erased.status, erased.text).toBe(200);
    const shown = await call(`/v1/tickets/${ids[0]}`, { token: admin.token });
    expect(shown.status, shown.text).toBe(200);
    for (const value of [name, phone, address]) expect(shown.text).not.toContain(value);
    expect(shown.json.location).toBeNull();
    const keys = await objectsUnder(`${ARCHIVE_PREFIX}${month}/`);
    expect(keys.length).toBe(2); // the rewritten part and the manifest
    for (const key of keys) {
      const object = (await env.FILES.get(key))!;
      const text = key.endsWith(".gz")
        ? await new Response(object.body.pipeThrough(new DecompressionStream("gzip"))).text()
        : await object.text();
      for (const value of [name, phone, address]) expect(text, key).not.toContain(value);
    }
  });
});
