import { Hono } from "hono";
import worker from "../src/index";
import { createDb } from "../src/db/client";
import { settingsFrom, type Env } from "../src/lib/env";
import { permissionsOf } from "../src/contracts/permissions";
import { buildTicketListQuery } from "../src/modules/tickets";
import { generateMaintenance } from "../src/modules/maintenance";
import { systemContext } from "../src/lib/context";
import { delayedD1 } from "./d1-delay";

export { ElementManagerSimulator, EventsHub, SlaTimer, TechnicianSchedule, VlanAllocator } from "../src/index";

async function listSql(env: Env) {
  const ctx = {
    db: createDb(env.DB),
    env,
    settings: settingsFrom(env),
    requestId: "bench",
    clientIp: "127.0.0.1",
    waitUntil: () => {},
    actor: {
      kind: "user" as const,
      userId: "usr_bench_admin",
      sessionId: "bench",
      role: "admin",
      permissions: permissionsOf("admin", null),
      via: "bearer" as const,
      tokenExpiresAt: 0,
    },
  };
  const { statement } = await buildTicketListQuery(ctx, { limit: 50, order: "-created_at" });
  return statement.toSQL();
}

/**
 * The benchmark's own entry point: the production worker plus baselines at /__bench/*, measured in
 * the same worker as the API so ratios compare like with like. `npm run bench` serves this file
 * (`wrangler dev bench/worker.ts`, or its `wrangler deploy --dry-run` bundle); the production
 * entry `src/index.ts` never imports it, so no deployed worker contains these routes.
 */
const hello = new Hono<{ Bindings: Env }>()
  .get("/__bench/hello", (c) => c.text("hello"))
  .get("/__bench/d1", async (c) => c.json(await c.env.DB.prepare("SELECT 1 AS one").first()))
  // One D1 write (one committed transaction): what every write's commit costs on this machine.
  .get("/__bench/d1-write", async (c) =>
    c.json(
      await c.env.DB.prepare(
        "INSERT INTO counters (name, value) VALUES ('bench_write', 1) ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
      ).first(),
    ),
  )
  // The list endpoint's exact SQL (built by the same function) for a caller who sees everything,
  // first page of 50, run raw: no ORM mapping, no presenting, the rows returned as they come.
  .get("/__bench/list-sql", async (c) => {
    const { sql, params } = await listSql(c.env);
    const { results } = await c.env.DB.prepare(sql)
      .bind(...params)
      .all();
    return c.json(results);
  })
  .get("/__bench/do-noop", async (c) => {
    const stub = c.env.SCHEDULES.get(c.env.SCHEDULES.idFromName("bench-noop"));
    return c.json({ n: await stub.count() });
  })
  .get("/__bench/enqueue", async (c) => {
    await c.env.NOTIFICATIONS.send({
      kind: "event",
      id: crypto.randomUUID(),
      type: "bench.noop",
      subject_id: "bench",
      actor_id: null,
      data: {},
      occurred_at: new Date().toISOString(),
    });
    return c.text("queued");
  })
  // Fills one technician's schedule with n short bookings spread over [from, from + days).
  .post("/__bench/seed-bookings", async (c) => {
    const { technician_id, n, from_ms, days } = await c.req.json<{
      technician_id: string;
      n: number;
      from_ms: number;
      days: number;
    }>();
    const stub = c.env.SCHEDULES.get(c.env.SCHEDULES.idFromName(technician_id));
    const span = days * 86_400_000;
    let booked = 0;
    for (let i = 0; i < n; i++) {
      const start = from_ms + Math.floor((i * span) / n);
      const r = await stub.book({
        appointment_id: `bench-${technician_id}-${from_ms}-${i}`,
        ticket_id: "bench",
        starts_ms: start,
        ends_ms: start + 60_000,
      });
      if (r.ok) booked++;
    }
    return c.json({ booked });
  })
  .get("/__bench/do-insert", async (c) => {
    const stub = c.env.SCHEDULES.get(c.env.SCHEDULES.idFromName("bench-insert"));
    // Unique, non-overlapping one-millisecond bookings: one SQLite insert each.
    const t = Date.now() * 1000 + Math.floor(Math.random() * 1000);
    return c.json(
      await stub.book({ appointment_id: crypto.randomUUID(), ticket_id: "bench", starts_ms: t, ends_ms: t + 1 }),
    );
  })
  // The imports' baseline: n customer rows written straight to D1 in batches of `batch` plain
  // INSERTs inside one request — no file, no parsing, no checks, no queue, no job.
  .post("/__bench/insert-customers", async (c) => {
    const { n, batch, prefix } = await c.req.json<{ n: number; batch: number; prefix: string }>();
    const now = new Date().toISOString();
    const t0 = Date.now();
    for (let i = 0; i < n; i += batch) {
      const statements = [];
      for (let k = i; k < Math.min(n, i + batch); k++) {
        statements.push(
          c.env.DB.prepare(
            "INSERT INTO customers (id, account_number, full_name, phone, email, address, service_area, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
          ).bind(
            `cus_${prefix}${k}`,
            `${prefix}${k}`,
            `Bench Customer ${k}`,
            `+2677${String(k % 10_000_000).padStart(7, "0")}`,
            `c${k}@example.test`,
            `Plot ${k}, Gaborone`,
            "gaborone",
            now,
          ),
        );
      }
      await c.env.DB.batch(statements);
    }
    return c.json({ rows: n, ms: Date.now() - t0 });
  })
  // One run of the maintenance generator (what the 5-minute cron does): its totals and wall time.
  .post("/__bench/generate-maintenance", async (c) => {
    const t0 = Date.now();
    const totals = await generateMaintenance(systemContext(c.env, "bench"), Date.now());
    return c.json({ ...totals, ms: Date.now() - t0 });
  });

function benchResponse(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> | null {
  const path = new URL(request.url).pathname;
  if (!path.startsWith("/__bench/")) return null;
  if (path === "/__bench/raw") return new Response("ok");
  return hello.fetch(request, env, ctx);
}

/** `BENCH_D1_DELAY_MS`: the latency model (every D1 round trip of a request waits that long first). */
const withDelay = (env: Env & { BENCH_D1_DELAY_MS?: string }): Env => {
  const ms = Number(env.BENCH_D1_DELAY_MS ?? 0);
  return ms > 0 ? { ...env, DB: delayedD1(env.DB, ms) } : env;
};

export default {
  ...worker,
  fetch: (request: Request, env: Env, ctx: ExecutionContext) =>
    benchResponse(request, env, ctx) ?? worker.fetch(request, withDelay(env), ctx),
} satisfies ExportedHandler<Env, never>;
