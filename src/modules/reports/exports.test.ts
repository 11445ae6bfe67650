import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SELF } from "cloudflare:test";
import { BASE, call, expectProblem } from "../../../test/helpers";
import { assignedTicket, raiseTicket, staff } from "../../../test/work-factories";
import { systemContext } from "../../lib/context";
import { csvLines } from "../../lib/csv";
import { deleteExpiredJobFiles } from "../jobs";
import { ticketStatsStatements } from "./aggregates";

async function untilFinished(jobId: string, token: string) {
  for (let i = 0; i < 100; i++) {
    const res = await call(`/v1/jobs/${jobId}`, { token });
    if (["done", "failed", "cancelled"].includes(res.json.status)) return res.json;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("job did not finish");
}

const tableRows = async (table: string, columns: string) =>
  (await env.DB.prepare(`SELECT * FROM ${table} WHERE ${columns} ORDER BY 1, 2, 3, 4`).all()).results;

describe("CSV", () => {
  it("quotes per RFC 4180 and defuses formulas", () => {
    const text = csvLines(
      ["a", "b"],
      [
        ["=SUM(A1:A9)", "+1"],
        ["-2", "@cmd"],
        ['He said "hi"', "one,two"],
        ["line\nbreak", null],
        [true, 3],
      ],
      { header: true },
    );
    expect(text.split("\r\n")).toEqual([
      "a,b",
      "'=SUM(A1:A9),'+1",
      "'-2,'@cmd",
      '"He said ""hi""","one,two"',
      '"line\nbreak",',
      "true,3",
      "",
    ]);
    // Spreadsheets read the full-width signs as formula starters too.
    expect(csvLines(["a"], [["＝1+1"], ["＋1"], ["－1"], ["＠SUM(A1)"]]).split("\r\n")).toEqual([
      "'＝1+1",
      "'＋1",
      "'－1",
      "'＠SUM(A1)",
      "",
    ]);
  });

  it("the ticket report streams CSV with the list's filters and scope, with a BOM on request", async () => {
    const manager = await staff("manager");
    const mine = await raiseTicket(manager.token, { title: '=HYPERLINK("http://x")', priority: "emergency" });
    const path = `/v1/reports/tickets?format=csv&bom=true&priority=emergency&number=${mine.number}`;
    const raw = new Uint8Array(
      await (
        await SELF.fetch(`${BASE}${path}`, { headers: { authorization: `Bearer ${manager.token}` } })
      ).arrayBuffer(),
    );
    expect([...raw.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const res = await call(path, { token: manager.token });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/csv");
    expect(res.headers.get("content-disposition")).toMatch(/attachment; filename="tickets-\d{4}-\d{2}-\d{2}\.csv"/);
    expect(res.text.startsWith("number,title,kind,priority,status")).toBe(true);
    const lines = res.text.trim().split("\r\n");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`${mine.number},"'=HYPERLINK(""http://x"")",repair,emergency,new`);
    // Local times with their offset (the deployment is in Africa/Gaborone, UTC+2), like the PDF.
    expect(lines[1]).toMatch(/,\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+02:00,/);
    expect(lines[0]).toContain("customer_id,customer_name,technicians");
    // A customer-raised ticket is not in another customer's report: customers have no reports at all.
    const { cust } = await assignedTicket();
    expectProblem(await call("/v1/reports/tickets?format=csv", { token: cust.token }), 403, "forbidden");
  });

  it("JSON and PDF carry the summary; the PDF is a PDF", async () => {
    const manager = await staff("manager");
    const t = await raiseTicket(manager.token, { priority: "critical", title: "Fibre cut — Łódź ✂" });
    const json = await call(`/v1/reports/tickets?number=${t.number}`, { token: manager.token });
    expect(json.json.summary).toEqual({
      tickets: 1,
      by_status: [{ status: "new", tickets: 1 }],
      by_priority: [{ priority: "critical", tickets: 1 }],
      resolution_breached: 0,
    });
    expect(json.json.rows[0]).toMatchObject({ number: t.number, priority: "critical", technicians: "" });
    const pdf = await SELF.fetch(`${BASE}/v1/reports/tickets?format=pdf&number=${t.number}`, {
      headers: { authorization: `Bearer ${manager.token}` },
    });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    const bytes = new TextDecoder("latin1").decode(await pdf.arrayBuffer());
    expect(bytes.startsWith("%PDF-")).toBe(true);
    expect(bytes.trimEnd().endsWith("%%EOF")).toBe(true);
  });
});

describe("export jobs", () => {
  it("a CSV export runs as a job; only the requester sees and downloads it", async () => {
    const manager = await staff("manager");
    const t = await raiseTicket(manager.token, { title: "Exported" });
    const started = await call("/v1/reports/exports", {
      token: manager.token,
      body: { report: "tickets", filters: { number: t.number } },
    });
    expect(started.status).toBe(202);
    expect(started.json).toMatchObject({ kind: "report_export", status: "queued", file: null });
    const job = await untilFinished(started.json.id, manager.token);
    expect(job).toMatchObject({ status: "done", rows_processed: 1, rows_total: 1 });
    expect(job.file.download_url).toBe(`/v1/jobs/${job.id}/download`);
    const file = await call(job.file.download_url, { token: manager.token });
    expect(file.status).toBe(200);
    expect(file.text.trim().split("\r\n")).toHaveLength(2);
    expect(file.text).toContain(`${t.number},Exported`);
    const other = await staff("manager");
    expectProblem(await call(`/v1/jobs/${job.id}`, { token: other.token }), 404, "not_found");
    expectProblem(await call(job.file.download_url, { token: other.token }), 404, "not_found");
    expect((await call("/v1/jobs", { token: manager.token })).json.data.map((j: any) => j.id)).toContain(job.id);
    expect((await call("/v1/jobs", { token: other.token })).json.data).toEqual([]);
    expectProblem(
      await call(`/v1/jobs/${job.id}/cancel`, { token: manager.token, body: {} }),
      409,
      "invalid_transition",
    );
  });

  it("writes a large export in parts and serves them as one file", async () => {
    const manager = await staff("manager");
    const now = Date.now();
    await env.DB.batch(
      Array.from({ length: 40 }, (_, i) =>
        env.DB.prepare(
          `INSERT INTO tickets (id, number, kind, priority, status, title, created_by, required_skills, created_at, updated_at)
           VALUES (?1, ?2, 'upgrade', 'low', 'new', ?3, 'usr_system', '[]', ?4, ?4)`,
        ).bind(
          `tkt_exp_${String(i).padStart(3, "0")}`,
          `EX-${String(i).padStart(4, "0")}`,
          `Export row ${i}, with "quotes"`,
          new Date(now - i * 60_000).toISOString(),
        ),
      ),
    );
    await env.DB.batch(
      ticketStatsStatements(
        env.DB,
        "Africa/Gaborone",
        Array.from({ length: 40 }, (_, i) => `tkt_exp_${String(i).padStart(3, "0")}`),
      ),
    );
    const started = await call("/v1/reports/exports", {
      token: manager.token,
      body: { report: "tickets", bom: true, filters: { kind: "upgrade" } },
    });
    const job = await untilFinished(started.json.id, manager.token);
    expect(job).toMatchObject({ status: "done", rows_processed: 40, rows_total: 40 });
    // EXPORT_PART_BYTES is 1 KiB in the tests: several parts.
    const parts = await env.FILES.list({ prefix: `exports/${job.id}/` });
    expect(parts.objects.length).toBeGreaterThan(2);
    const res = await SELF.fetch(`${BASE}${job.file.download_url}`, {
      headers: { authorization: `Bearer ${manager.token}` },
    });
    expect(res.headers.get("content-length")).toBe(String(job.file.bytes));
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(bytes.byteLength).toBe(job.file.bytes);
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = new TextDecoder().decode(bytes).trim().split("\r\n");
    expect(lines).toHaveLength(41);
    expect(lines.filter((l) => l.startsWith("number,"))).toHaveLength(1);
    expect(lines.slice(1).map((l) => l.slice(0, 7))).toEqual(
      Array.from({ length: 40 }, (_, i) => `EX-${String(i).padStart(4, "0")}`),
    );
    expect(lines[1]).toContain('"Export row 0, with ""quotes"""');
  });

  it("deletes a finished export's file after seven days, once", async () => {
    const manager = await staff("manager");
    const t = await raiseTicket(manager.token, { title: "Expiring" });
    const started = await call("/v1/reports/exports", {
      token: manager.token,
      body: { report: "tickets", filters: { number: t.number } },
    });
    const job = await untilFinished(started.json.id, manager.token);
    expect((await env.FILES.list({ prefix: `exports/${job.id}/` })).objects.length).toBeGreaterThan(0);
    const system = systemContext(env, "test");
    expect(await deleteExpiredJobFiles(system, Date.now() + 6 * 86_400_000)).toBe(0);
    expect(await deleteExpiredJobFiles(system, Date.now() + 8 * 86_400_000)).toBeGreaterThanOrEqual(1);
    expect((await env.FILES.list({ prefix: `exports/${job.id}/` })).objects).toEqual([]);
    const after = await call(`/v1/jobs/${job.id}`, { token: manager.token });
    expect(after.json).toMatchObject({
      status: "done",
      file: null,
      error: "The file expired 7 days after the job finished.",
    });
    expectProblem(await call(`/v1/jobs/${job.id}/download`, { token: manager.token }), 409, "invalid_transition");
    expect(await deleteExpiredJobFiles(system, Date.now() + 8 * 86_400_000)).toBe(0);
  });

  it("refuses bad filters and callers without reports", async () => {
    const manager = await staff("manager");
    const bad = await call("/v1/reports/exports", {
      token: manager.token,
      body: { report: "tickets", filters: { status: "lost" } },
    });
    expectProblem(bad, 400, "validation_failed");
    expect(bad.json.errors[0].path).toBe("filters.status");
    expectProblem(
      await call("/v1/reports/exports", {
        token: manager.token,
        body: { report: "services", filters: { from: "2026-03-09", to: "2026-03-01" } },
      }),
      400,
      "validation_failed",
    );
    expectProblem(
      await call("/v1/reports/exports", { token: manager.token, body: { report: "everything" } }),
      400,
      "validation_failed",
    );
    const { tech } = await assignedTicket();
    expectProblem(
      await call("/v1/reports/exports", { token: tech.token, body: { report: "tickets" } }),
      403,
      "forbidden",
    );
  });
});

describe("aggregates and the rebuild agree", () => {
  it("after a life of changes, a rebuild from the tickets gives the same sums", async () => {
    const { ticket, tech, dispatcher } = await assignedTicket();
    await call(`/v1/tickets/${ticket.id}/start`, { token: tech.token, body: {} });
    await call(`/v1/tickets/${ticket.id}/hold`, { token: tech.token, body: {} });
    await call(`/v1/tickets/${ticket.id}/resume`, { token: tech.token, body: {} });
    await call(`/v1/tickets/${ticket.id}/resolve`, { token: tech.token, body: {} });
    const second = await assignedTicket({ priority: "low" });
    await call(`/v1/tickets/${second.ticket.id}/cancel`, { token: second.dispatcher.token, body: {} });
    const third = await assignedTicket();
    await call(`/v1/tickets/${third.ticket.id}/start`, { token: third.tech.token, body: {} });
    await call(`/v1/tickets/${third.ticket.id}/resolve`, { token: third.tech.token, body: {} });
    await call(`/v1/tickets/${third.ticket.id}/reopen`, { token: third.dispatcher.token, body: {} });
    void dispatcher;

    const nonZero =
      "created + created_done + created_cancelled + completed + resolve_seconds + on_time + on_time_of + first_time_fixed + rated + rating_sum + nps_count + promoters + detractors <> 0";
    const before = {
      daily: await tableRows("report_daily", nonZero),
      current: await tableRows("report_current", "tickets <> 0 OR overdue <> 0"),
      facts: await tableRows("report_ticket_facts", "1"),
    };
    expect(before.facts.length).toBeGreaterThan(0);
    // Corrupt them, then rebuild.
    await env.DB.exec("UPDATE report_daily SET created = created + 7");
    const admin = await staff("admin");
    const started = await call("/v1/reports/rebuild", { token: admin.token, body: {} });
    expect(started.status).toBe(202);
    const job = await untilFinished(started.json.id, admin.token);
    expect(job).toMatchObject({ status: "done", file: null });
    expect(job.rows_processed).toBe(job.rows_total);
    const after = {
      daily: await tableRows("report_daily", nonZero),
      current: await tableRows("report_current", "tickets <> 0 OR overdue <> 0"),
      facts: await tableRows("report_ticket_facts", "1"),
    };
    expect(after).toEqual(before);
    // Only report managers may rebuild.
    expectProblem(
      await call("/v1/reports/rebuild", { token: (await staff("supervisor")).token, body: {} }),
      403,
      "forbidden",
    );
  });
});
