import { env } from "cloudflare:workers";
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { securitySuite } from "../../../test/security-suite";
import { BASE, call, createUser, expectProblem, login, randomIp } from "../../../test/helpers";
import { staff } from "../../../test/work-factories";
import { systemContext } from "../../lib/context";
import { advanceJob, type JobRow } from "../jobs";
import type { JobMessage } from "../../lib/messages";
import { runImportStep } from "./importer";
import demoSubscribers from "../../../demo/subscribers.csv?raw";

const uid = () => crypto.randomUUID().slice(0, 8).toUpperCase();

async function upload(path: string, token: string, csv: string | Uint8Array, contentType = "text/csv") {
  return call(path, { token, body: csv as string, headers: { "content-type": contentType } });
}

async function untilFinished(jobId: string, token: string) {
  for (let i = 0; i < 200; i++) {
    const res = await call(`/v1/jobs/${jobId}`, { token });
    if (["done", "failed", "cancelled"].includes(res.json.status)) return res.json;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("job did not finish");
}

async function imported(path: string, token: string, csv: string) {
  const res = await upload(path, token, csv);
  expect(res.status, res.text).toBe(202);
  return untilFinished(res.json.id, token);
}

async function download(url: string, token: string) {
  const res = await call(url, { token });
  expect(res.status, res.text).toBe(200);
  return res.text.replace(/^\uFEFF/, "");
}

const customersWith = async (accounts: string[]) =>
  (
    await env.DB.prepare(
      `SELECT account_number, full_name, phone, email, lat FROM customers WHERE account_number IN (SELECT value FROM json_each(?1)) ORDER BY account_number`,
    )
      .bind(JSON.stringify(accounts))
      .all<Record<string, unknown>>()
  ).results;

/** A valid Botswana mobile number, different each call. */
const phone = () => `71${String(Math.floor(Math.random() * 1e6)).padStart(6, "0")}`;

/**
 * A job over `rows` new customers that no queue message drives: a dry run stores the file, then a
 * second job over the same file (not a dry run) is written by hand, for the test to step by hand.
 */
async function handDrivenImport(admin: { user: { id: string }; token: string }, rows: number) {
  const accounts = Array.from({ length: rows }, () => uid());
  const header = "account_number,full_name,phone\n";
  const dry = await imported(
    "/v1/imports/customers?dry_run=true",
    admin.token,
    `${header}${accounts.map((a) => `${a},Name ${a},${phone()}`).join("\n")}\n`,
  );
  expect(dry.counts.created).toBe(rows);
  const source = (await env.DB.prepare("SELECT params, state FROM jobs WHERE id = ?1")
    .bind(dry.id)
    .first<{ params: string; state: string }>())!;
  const id = `job_hand${uid()}`;
  const state = {
    ...JSON.parse(source.state),
    offset: header.length,
    line: 1,
    counts: { created: 0, updated: 0, skipped: 0, failed: 0 },
    error_bytes: 0,
  };
  await env.DB.prepare(
    "INSERT INTO jobs (id, kind, status, requested_by, params, state, step, rows_processed, created_at, updated_at) VALUES (?1, 'import', 'queued', ?2, ?3, ?4, 0, 0, ?5, ?5)",
  )
    .bind(
      id,
      admin.user.id,
      JSON.stringify({ ...JSON.parse(source.params), dry_run: false }),
      JSON.stringify(state),
      new Date().toISOString(),
    )
    .run();
  const system = systemContext(env, "test");
  const noQueue = { ...system, env: { ...env, JOBS: { send: async () => undefined } as unknown as Queue } };
  return {
    id,
    accounts,
    job: async () => (await system.db.query.jobs.findFirst({ where: (j, { eq }) => eq(j.id, id) })) as JobRow,
    step: (step: number) => advanceJob(noQueue, { kind: "job", job_id: id, step }, (j) => runImportStep(noQueue, j)),
    compute: (job: JobRow) => runImportStep(noQueue, job),
  };
}

securitySuite("imports");

describe("customer imports", () => {
  it("a dry run checks every row and writes nothing; the real run creates; the same file again creates nothing", async () => {
    const manager = await staff("manager");
    const [a, b, c] = [uid(), uid(), uid()];
    const csv = [
      "Account;Nama;Telp;email;lat;lng",
      `${a};Kgosi Molefe;${phone()};kgosi@example.com;-24.6;25.9`,
      `${b};"Neo ""Jr"" Dube";${phone()};;;`,
      `${c};Mpho Sithole;${phone()};not-an-email;;`,
      `X-${a};;${phone()};;;`,
    ].join("\r\n");
    const mapping = encodeURIComponent(JSON.stringify({ Account: "account_number", Nama: "full_name", Telp: "phone" }));
    const dry = await imported(`/v1/imports/customers?dry_run=true&mapping=${mapping}`, manager.token, csv);
    expect(dry).toMatchObject({
      status: "done",
      kind: "import",
      rows_processed: 4,
      rows_total: 4,
      counts: { created: 2, updated: 0, skipped: 0, failed: 2 },
    });
    expect(dry.options).toMatchObject({ kind: "customers", dry_run: true, on_existing: "skip", delimiter: ";" });
    expect(JSON.stringify(dry)).not.toContain("source.csv");
    expect(await customersWith([a, b, c])).toEqual([]);

    const real = await imported(`/v1/imports/customers?mapping=${mapping}`, manager.token, csv);
    expect(real.counts).toEqual({ created: 2, updated: 0, skipped: 0, failed: 2 });
    const rows = await customersWith([a, b, c]);
    expect(rows.map((r) => [r.account_number, r.full_name, r.email, r.lat])).toEqual(
      [
        [a, "Kgosi Molefe", "kgosi@example.com", -24.6],
        [b, 'Neo "Jr" Dube', null, null],
      ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    );
    expect(String(rows[0].phone)).toMatch(/^\+26771\d{6}$/);

    // The error report: the rejected rows as they were, their line and the API's own messages.
    const report = (await download(real.file.download_url, manager.token)).trim().split("\r\n");
    expect(report[0]).toBe("Account,Nama,Telp,email,lat,lng,import_line,import_errors");
    expect(report[1]).toMatch(
      new RegExp(`^${c},Mpho Sithole,\\d+,not-an-email,,,4,email: email must be an email address$`),
    );
    expect(report[2]).toMatch(new RegExp(`^X-${a},,\\d+,,,,5,full_name: full_name (is required|must not be empty)`));

    const again = await imported(`/v1/imports/customers?mapping=${mapping}`, manager.token, csv);
    expect(again.counts).toEqual({ created: 0, updated: 0, skipped: 2, failed: 2 });
    expect(await customersWith([a, b, c])).toHaveLength(2);
  });

  it("updates existing customers from the row's non-blank cells, or fails those rows, as asked", async () => {
    const admin = await staff("admin");
    const a = uid();
    const tel = phone();
    await imported(
      "/v1/imports/customers",
      admin.token,
      `account_number,full_name,phone,email\n${a},Old Name,${tel},old@example.com\n`,
    );
    const updated = await imported(
      "/v1/imports/customers?on_existing=update",
      admin.token,
      `account_number,full_name,phone,email\n${a},New Name,${tel},\n`,
    );
    expect(updated.counts).toEqual({ created: 0, updated: 1, skipped: 0, failed: 0 });
    expect(updated.file).toBeNull();
    expect((await customersWith([a]))[0]).toMatchObject({ full_name: "New Name", email: "old@example.com" });
    const failed = await imported(
      "/v1/imports/customers?on_existing=fail",
      admin.token,
      `account_number,full_name,phone\n${a},Other,${tel}\n`,
    );
    expect(failed.counts).toEqual({ created: 0, updated: 0, skipped: 0, failed: 1 });
    expect(await download(failed.file.download_url, admin.token)).toContain(
      "account_number: A customer with this key exists",
    );
    // Keyed by phone when there is no account number: the same person twice in the file is one customer.
    const p = phone();
    const byPhone = await imported(
      "/v1/imports/customers",
      admin.token,
      `full_name,phone\nFirst,${p}\nSecond,+267${p}\n`,
    );
    expect(byPhone.counts).toEqual({ created: 1, updated: 0, skipped: 1, failed: 0 });
  });

  it("takes the channels a customer agreed to be messaged on, and their WhatsApp number", async () => {
    const admin = await staff("admin");
    const [a, b] = [uid(), uid()];
    const created = await imported(
      "/v1/imports/customers",
      admin.token,
      `account_number,full_name,phone,whatsapp,message_channels\n${a},Wa,${phone()},72 111 222,sms;whatsapp\n${b},Plain,${phone()},,\n`,
    );
    expect(created.counts).toMatchObject({ created: 2, failed: 0 });
    const rows = (
      await env.DB.prepare(
        "SELECT account_number, whatsapp, message_channels FROM customers WHERE account_number IN (?1, ?2) ORDER BY account_number",
      )
        .bind(a, b)
        .all()
    ).results;
    expect(rows).toEqual(
      expect.arrayContaining([
        { account_number: a, whatsapp: "+26772111222", message_channels: '["sms","whatsapp"]' },
        { account_number: b, whatsapp: null, message_channels: '["sms"]' },
      ]),
    );
    const updated = await imported(
      "/v1/imports/customers?on_existing=update",
      admin.token,
      `account_number,full_name,phone,message_channels\n${a},Wa,${phone()},\n${b},Plain,${phone()},email;fax\n`,
    );
    expect(updated.counts).toMatchObject({ failed: 1 });
  });

  it("names each customer's offer by code and their language; an unknown or retired offer fails the row with its other problems", async () => {
    const admin = await staff("admin");
    const [onSale, retired] = [`IMP-${uid()}`, `OLD-${uid()}`];
    for (const [code, active] of [
      [onSale, true],
      [retired, false],
    ] as const)
      expect(
        (await call("/v1/offers", { token: admin.token, body: { code, name: code, service: "internet", active } }))
          .status,
      ).toBe(201);
    const [a, b, c] = [uid(), uid(), uid()];
    const job = await imported(
      "/v1/imports/customers",
      admin.token,
      `account_number,full_name,phone,offer,language\n${a},On sale,${phone()},${onSale},id\n${b},Unknown,${phone()},NOPE-${uid()},en\n${c},Retired,${phone()},${retired},\n`,
    );
    expect(job.counts).toEqual({ created: 1, updated: 0, skipped: 0, failed: 2 });
    const [row] = await customersWith([a]);
    const stored = await env.DB.prepare(
      "SELECT o.code, c.language FROM customers c JOIN offers o ON o.id = c.offer_id WHERE c.account_number = ?1",
    )
      .bind(a)
      .first();
    expect(row).toBeDefined();
    expect(stored).toEqual({ code: onSale, language: "id" });
    const report = await download(job.file.download_url, admin.token);
    expect(report).toContain("offer: No such offer");
    expect(report).toContain(`offer: The offer ${retired} is retired`);
    // A row naming an unknown offer for a customer that exists, with on_existing=fail: both problems.
    const both = await imported(
      "/v1/imports/customers?on_existing=fail",
      admin.token,
      `account_number,full_name,phone,offer\n${a},On sale,${phone()},NOPE-${uid()}\n`,
    );
    const bothReport = await download(both.file.download_url, admin.token);
    expect(bothReport).toContain("offer: No such offer");
    expect(bothReport).toContain("account_number: A customer with this key exists");
  });

  it("reads quoted line breaks, a byte-order mark and long rows across chunk and window boundaries, with the right line numbers", async () => {
    const admin = await staff("admin");
    const accounts = Array.from({ length: 11 }, () => uid());
    const lines = accounts.map(
      (acc, i) =>
        `${acc},"Name ${i} ${"x".repeat(100)}\nsecond line",${i === 7 ? "12345678" : phone()},"${"long, address ".repeat(20)}"`,
    );
    const csv = `\uFEFFaccount_number,full_name,phone,address\n${lines.join("\n")}`;
    const job = await imported("/v1/imports/customers", admin.token, csv);
    expect(job.counts).toEqual({ created: 10, updated: 0, skipped: 0, failed: 1 });
    expect(job.rows_total).toBe(11);
    // Row 8 starts on line 2 + 7 × 2 = 16 (each row before it takes two lines).
    expect(await download(job.file.download_url, admin.token)).toContain(",16,phone: Not a valid phone number");
    expect(await customersWith(accounts)).toHaveLength(10);
  });

  it("survives a step run twice and a step that died before committing: nothing is written twice", async () => {
    const admin = await staff("admin");
    const { accounts, job, step, compute } = await handDrivenImport(admin, 10);
    await step(0);
    expect((await job()).step).toBe(1);
    expect(await customersWith(accounts)).toHaveLength(4);
    // Step 1 computes its writes and dies before its batch: nothing of it is written.
    await compute(await job());
    expect(await customersWith(accounts)).toHaveLength(4);
    // Step 0 delivered again: already committed, so it does nothing.
    await step(0);
    expect((await job()).step).toBe(1);
    for (let n = 1; (await job()).status !== "done"; n++) await step(n);
    expect((await job()).state.counts).toEqual({ created: 10, updated: 0, skipped: 0, failed: 0 });
    expect(await customersWith(accounts)).toHaveLength(10);
  });
});

describe("cancelling, and the demo file", () => {
  it("a cancelled import writes nothing more, even from a step already on its way", async () => {
    const admin = await staff("admin");
    const { id, accounts, job, step, compute } = await handDrivenImport(admin, 8);
    await step(0);
    expect(await customersWith(accounts)).toHaveLength(4);
    // The next step is computed, then the user cancels before it commits.
    const pending = await compute(await job());
    expect((await call(`/v1/jobs/${id}/cancel`, { token: admin.token, body: {} })).json.status).toBe("cancelled");
    await env.DB.batch(pending.statements!);
    await step(1);
    expect(await customersWith(accounts)).toHaveLength(4);
    expect((await call(`/v1/jobs/${id}`, { token: admin.token })).json).toMatchObject({
      status: "cancelled",
      counts: { created: 4 },
    });
  });

  it("the demo file imports with the mapping the docs show: three customers, two rows reported", async () => {
    const manager = await staff("manager");
    await env.DB.prepare(
      "DELETE FROM customers WHERE account_number IN ('ID-0001', 'ID-0002', 'ID-0003', 'ID-0004', 'ID-0005')",
    ).run();
    const mapping = encodeURIComponent(
      JSON.stringify({
        "No Pelanggan": "account_number",
        Nama: "full_name",
        Telepon: "phone",
        Alamat: "address",
        Catatan: null,
      }),
    );
    const job = await imported(`/v1/imports/customers?mapping=${mapping}`, manager.token, demoSubscribers);
    expect(job.counts).toEqual({ created: 3, updated: 0, skipped: 0, failed: 2 });
    const report = await download(job.file.download_url, manager.token);
    expect(report).toContain(
      'ID-0003,Agus,0812,"Jl. Diponegoro 7, Surabaya",nomor salah,5,phone: phone must be at least 6 characters',
    );
    expect(report).toContain("ID-0004,,'+62 811-9090-7804,");
    // The report itself, fixed, goes in as it is: the formula-safe ' is read back, the report columns ignored.
    const fixed = report.replace(",0812,", ",+62 812-0000-7803,").replace("ID-0004,,", "ID-0004,Rudi,");
    const again = await imported(`/v1/imports/customers?mapping=${mapping}`, manager.token, fixed);
    expect(again.counts).toEqual({ created: 2, updated: 0, skipped: 0, failed: 0 });
    expect((await customersWith(["ID-0002"]))[0]).toMatchObject({ phone: "+6281322227802" });
  });
});

describe("ticket, service card and catalogue imports", () => {
  it("a ticket row may name a job template: it fills the estimate and skills and copies the checklist; an unknown one fails the row", async () => {
    const admin = await staff("admin");
    const tpl = await call("/v1/job-templates", {
      token: admin.token,
      body: {
        name: `Import template ${uid()}`,
        kind: "installation",
        estimated_minutes: 80,
        required_skills: ["fibre"],
        checklist: [{ id: "ont", label: "ONT photo", photo_required: true }, { label: "Speed test" }],
      },
    });
    expect(tpl.status, tpl.text).toBe(201);
    const refs = [`TPL-${uid()}`, `TPL-${uid()}`];
    const job = await imported(
      "/v1/imports/tickets",
      admin.token,
      `external_ref,title,kind,template_id\n${refs[0]},New line,installation,${tpl.json.id}\n${refs[1]},Odd,installation,tpl_missing\n`,
    );
    expect(job.counts).toEqual({ created: 1, updated: 0, skipped: 0, failed: 1 });
    const ticket = (await call(`/v1/tickets?external_ref=${refs[0]}`, { token: admin.token })).json.data[0];
    expect(ticket).toMatchObject({ template_id: tpl.json.id, estimated_minutes: 80, required_skills: ["fibre"] });
    const checklist = await call(`/v1/tickets/${ticket.id}/checklist`, { token: admin.token });
    expect(checklist.json.items.map((i: { id: string }) => i.id)).toEqual(["ont", "item-2"]);
    expect(await download(job.file.download_url, admin.token)).toContain("template_id: No such job template in use");

    // A row with several problems found against the database lists every one of them, not the first.
    const again = await imported(
      "/v1/imports/tickets?on_existing=fail",
      admin.token,
      `external_ref,title,kind,template_id,customer_account_number\n${refs[0]},Again,installation,tpl_missing,NO-SUCH-${uid()}\n`,
    );
    expect(again.counts).toEqual({ created: 0, updated: 0, skipped: 0, failed: 1 });
    const report = await download(again.file.download_url, admin.token);
    for (const problem of [
      "customer_account_number:",
      "template_id: No such job template in use",
      "external_ref: A ticket with this external reference exists",
    ])
      expect(report).toContain(problem);
  });

  it("tickets go through the tickets module: numbers, SLA targets, history, one event per chunk; re-runs skip; dispatchers may import tickets only", async () => {
    const dispatcher = await staff("dispatcher");
    const admin = await staff("admin");
    const acc = uid();
    await imported(
      "/v1/imports/customers",
      admin.token,
      `account_number,full_name,phone,address\n${acc},Ticket Owner,${phone()},Plot 9 Gaborone\n`,
    );
    const refs = Array.from({ length: 6 }, () => `INC-${uid()}`);
    const csv = [
      "external_ref,title,kind,priority,customer_account_number,required_skills",
      ...refs.slice(0, 5).map((r, i) => `${r},Outage ${i},service_down,high,${acc},fibre;splicing`),
      `${refs[5]},Bad kind,teleport,high,,`,
      `INC-${uid()},Unknown customer,repair,low,NOPE-${uid()},`,
    ].join("\n");
    const job = await imported("/v1/imports/tickets", dispatcher.token, csv);
    expect(job.counts).toEqual({ created: 5, updated: 0, skipped: 0, failed: 2 });
    const list = await call(`/v1/tickets?external_ref=${refs[0]}`, { token: dispatcher.token });
    expect(list.json.data).toHaveLength(1);
    const ticket = list.json.data[0];
    expect(ticket).toMatchObject({
      external_ref: refs[0],
      status: "new",
      priority: "high",
      kind: "service_down",
      required_skills: ["fibre", "splicing"],
    });
    expect(ticket.number).toMatch(/^TR-\d{6}$/);
    expect(ticket.sla.response_due_at ?? ticket.response_due_at).toBeTruthy();
    const history = await call(`/v1/tickets/${ticket.id}/history`, { token: dispatcher.token });
    expect(history.json.data[0]).toMatchObject({ action: "created", comment: `Imported (job ${job.id})` });
    const events = await env.DB.prepare(
      "SELECT data FROM domain_events WHERE type = 'tickets.imported' AND subject_id = ?1",
    )
      .bind(job.id)
      .all<{ data: string }>();
    // IMPORT_CHUNK_ROWS is 4 in the tests: two chunks, two events, five tickets.
    expect(events.results.map((e) => JSON.parse(e.data).count).sort()).toEqual([1, 4]);
    // A description longer than the read window (512 bytes in the tests) widens it.
    const long = await imported(
      "/v1/imports/tickets",
      dispatcher.token,
      `external_ref,title,kind,description\nLONG-${uid()},Long one,repair,"${"x".repeat(3000)}"\nLONG-${uid()},Short one,repair,y\n`,
    );
    expect(long.counts).toEqual({ created: 2, updated: 0, skipped: 0, failed: 0 });
    const report = await download(job.file.download_url, dispatcher.token);
    expect(report).toContain("kind: kind must be one of bug, problem");
    expect(report).toContain("customer_account_number: No customer has this account number");

    const again = await imported("/v1/imports/tickets", dispatcher.token, csv);
    expect(again.counts).toEqual({ created: 0, updated: 0, skipped: 5, failed: 2 });
    expectProblem(
      await upload("/v1/imports/tickets?on_existing=update", dispatcher.token, csv),
      400,
      "validation_failed",
    );
    expectProblem(
      await upload("/v1/imports/customers", dispatcher.token, "full_name,phone\nA,71234567\n"),
      403,
      "forbidden",
    );
  });

  it("scopes ticket rows' customers like the API: a caller who may only raise their own work cannot name other customers, and unknown and unreachable read alike", async () => {
    const admin = await staff("admin");
    const acc = `ACC-${uid()}`;
    const theirPhone = `+26771${String(Math.floor(Math.random() * 1e6)).padStart(6, "0")}`;
    await imported(
      "/v1/imports/customers",
      admin.token,
      `account_number,full_name,phone,address\n${acc},Someone Else,${theirPhone},Plot 9\n`,
    );
    const customerId = (await env.DB.prepare("SELECT id FROM customers WHERE account_number = ?1")
      .bind(acc)
      .first<{ id: string }>())!.id;
    const roleKey = `importer_${uid().toLowerCase()}`;
    expect(
      (
        await call("/v1/roles", {
          token: admin.token,
          body: {
            key: roleKey,
            name: "Ticket importer",
            permissions: ["imports:tickets", "tickets:create", "tickets:read"],
          },
        })
      ).status,
    ).toBe(201);
    const importer = await createUser({ role: roleKey });
    const token = (await login(importer)).access_token;
    const rows = (id: string, account: string, phoneNumber: string) =>
      [
        "external_ref,title,kind,customer_id,customer_account_number,customer_phone",
        `R-${uid()},By id,repair,${id},,`,
        `R-${uid()},By account,repair,,${account},`,
        `R-${uid()},By phone,repair,,,${phoneNumber}`,
      ].join("\n");
    const reach = await imported("/v1/imports/tickets?dry_run=true", token, rows(customerId, acc, theirPhone));
    const unknown = await imported(
      "/v1/imports/tickets?dry_run=true",
      token,
      rows(`cus_${uid()}`, `ACC-${uid()}`, `+26772${String(Math.floor(Math.random() * 1e6)).padStart(6, "0")}`),
    );
    expect(reach.counts).toEqual({ created: 0, updated: 0, skipped: 0, failed: 3 });
    const errorsOf = async (job: { file: { download_url: string } }) =>
      (await download(job.file.download_url, token))
        .split("\n")
        .slice(1)
        .map((l) => l.split(",").pop())
        .join("|");
    expect(await errorsOf(reach)).toBe(await errorsOf(unknown));
    const real = await imported("/v1/imports/tickets", token, rows(customerId, acc, theirPhone));
    expect(real.counts.created).toBe(0);
    expect(
      (await env.DB.prepare("SELECT count(*) AS n FROM tickets WHERE customer_id = ?1")
        .bind(customerId)
        .first<{ n: number }>())!.n,
    ).toBe(0);
  });

  it("service cards name their owner by account number; catalogue items update by SKU", async () => {
    const manager = await staff("manager");
    const acc = uid();
    await imported(
      "/v1/imports/customers",
      manager.token,
      `account_number,full_name,phone\n${acc},Card Owner,${phone()}\n`,
    );
    const serial = `SN-${uid()}`;
    const cards = await imported(
      "/v1/imports/service-cards",
      manager.token,
      `serial_number,customer_account_number,model,warranty_start,warranty_end\n${serial},${acc},Split AC,2026-01-01,2027-12-31\nSN-${uid()},${acc},Fridge,2026-05-01,2026-01-01\n`,
    );
    expect(cards.counts).toEqual({ created: 1, updated: 0, skipped: 0, failed: 1 });
    expect(await download(cards.file.download_url, manager.token)).toContain(
      "warranty_end: warranty_end is before warranty_start",
    );
    const card = await env.DB.prepare(
      "SELECT c.account_number FROM assets a JOIN customers c ON c.id = a.customer_id WHERE a.serial_number = ?1",
    )
      .bind(serial)
      .first();
    expect(card).toEqual({ account_number: acc });

    const sku = `ONT-${uid()}`;
    const items = await imported(
      "/v1/imports/inventory-items",
      manager.token,
      `sku,name,category,unit_price,currency,serialised\n${sku},ONT,ont,45000,BWP,yes\n`,
    );
    expect(items.counts).toEqual({ created: 1, updated: 0, skipped: 0, failed: 0 });
    const update = await imported(
      "/v1/imports/inventory-items?on_existing=update",
      manager.token,
      `sku,name,category,unit_price,currency\n${sku},ONT v2,ont,"47,5",BWP\n${sku}X,Bad price,ont,free,BWP\n`,
    );
    expect(update.counts).toEqual({ created: 0, updated: 0, skipped: 0, failed: 2 });
    const fixed = await imported(
      "/v1/imports/inventory-items?on_existing=update",
      manager.token,
      `sku,name,category,unit_price,currency\n${sku},ONT v2,ont,47500,BWP\n`,
    );
    expect(fixed.counts).toEqual({ created: 0, updated: 1, skipped: 0, failed: 0 });
    expect(
      await env.DB.prepare("SELECT name, unit_price, serialised FROM inventory_items WHERE sku = ?1").bind(sku).first(),
    ).toEqual({ name: "ONT v2", unit_price: 47500, serialised: 1 });
  });

  it("every template imports as it is: the customers template first, then the others' example rows (which name its customer)", async () => {
    const admin = await staff("admin");
    const customers = await call("/v1/imports/customers/template", { token: admin.token });
    const first = await imported("/v1/imports/customers", admin.token, customers.text);
    expect(first.counts.failed, JSON.stringify(first.counts)).toBe(0);
    for (const kind of ["customers", "tickets", "service-cards", "inventory-items"]) {
      const template = await call(`/v1/imports/${kind}/template`, { token: admin.token });
      expect(template.status).toBe(200);
      expect(template.headers.get("content-type")).toContain("text/csv");
      const job = await imported(`/v1/imports/${kind}?dry_run=true`, admin.token, template.text);
      expect(job.rows_processed, kind).toBe(1);
      // The customer exists now (created above, or by an earlier run): skipped; every other example row would be created.
      expect(job.counts, kind).toEqual(
        kind === "customers"
          ? { created: 0, updated: 0, skipped: 1, failed: 0 }
          : { created: 1, updated: 0, skipped: 0, failed: 0 },
      );
    }
  });
});

describe("updates by import reach the phones", () => {
  it("a customer and a service card updated by an import are in the assigned technician's next delta", async () => {
    const { technicianAccount } = await import("../../../test/work-factories");
    const admin = await staff("admin");
    const acc = `ACC-${uid()}`;
    const serial = `SN-${uid()}`;
    const theirPhone = phone();
    await imported(
      "/v1/imports/customers",
      admin.token,
      `account_number,full_name,phone,address\n${acc},Before Name,${theirPhone},Plot 1\n`,
    );
    await imported(
      "/v1/imports/service-cards",
      admin.token,
      `serial_number,customer_account_number,model\n${serial},${acc},Old Model\n`,
    );
    const customerId = (await env.DB.prepare("SELECT id FROM customers WHERE account_number = ?1")
      .bind(acc)
      .first<{ id: string }>())!.id;
    const assetId = (await env.DB.prepare("SELECT id FROM assets WHERE serial_number = ?1")
      .bind(serial)
      .first<{ id: string }>())!.id;
    const ticket = await call("/v1/tickets", {
      token: admin.token,
      body: { kind: "repair", priority: "high", title: "Fridge", customer_id: customerId, asset_id: assetId },
    });
    expect(ticket.status, ticket.text).toBe(201);
    const tech = await technicianAccount();
    await call(`/v1/tickets/${ticket.json.id}/assign`, {
      token: admin.token,
      body: { technician_ids: [tech.user.id] },
    });
    const device = { id: crypto.randomUUID(), platform: "android", app_version: "2.4.1" };
    let sync = await call("/v1/mobile/sync", { token: tech.token, body: { device } });
    while (sync.json.has_more)
      sync = await call("/v1/mobile/sync", { token: tech.token, body: { device, cursor: sync.json.cursor } });

    await imported(
      "/v1/imports/customers?on_existing=update",
      admin.token,
      `account_number,full_name,phone\n${acc},After Name,${theirPhone}\n`,
    );
    await imported(
      "/v1/imports/service-cards?on_existing=update",
      admin.token,
      `serial_number,customer_account_number,model\n${serial},${acc},New Model\n`,
    );
    const delta = await call("/v1/mobile/sync", { token: tech.token, body: { device, cursor: sync.json.cursor } });
    const customer = delta.json.changes.find(
      (c: { entity: string; id: string }) => c.entity === "customer" && c.id === customerId,
    );
    const asset = delta.json.changes.find(
      (c: { entity: string; id: string }) => c.entity === "asset" && c.id === assetId,
    );
    expect(customer?.data.full_name, JSON.stringify(delta.json.changes)).toBe("After Name");
    expect(asset?.data.model).toBe("New Model");
  });
});

describe("failures no retry can fix", () => {
  it("a row longer than the row cap fails its job on the first attempt, with a clear error (no redeliveries)", async () => {
    const manager = await staff("manager");
    const csv = `account_number,full_name,phone,address\n${uid()},Short Row,${phone()},Plot 1\n${uid()},Long Row,${phone()},"${"x".repeat(20_000)}"\n`;
    const res = await upload("/v1/imports/customers?dry_run=true", manager.token, csv);
    expect(res.status, res.text).toBe(202);
    const source = (await env.DB.prepare("SELECT params, state FROM jobs WHERE id = ?1")
      .bind(res.json.id)
      .first<{ params: string; state: string }>())!;
    const failed = await untilFinished(res.json.id, manager.token);
    expect(failed).toMatchObject({ status: "failed" });
    expect(failed.error).toMatch(/longer than 16384 bytes/);

    // The consumer's verdict on the first delivery: the job fails and the message is acknowledged, not retried.
    const { createExecutionContext, createMessageBatch, getQueueResult } = await import("cloudflare:test");
    const { handleJobBatch } = await import("../../queues/jobs.consumer");
    const id = `job_hand${uid()}`;
    await env.DB.prepare(
      "INSERT INTO jobs (id, kind, status, requested_by, params, state, step, rows_processed, created_at, updated_at) VALUES (?1, 'import', 'queued', ?2, ?3, ?4, 0, 0, ?5, ?5)",
    )
      .bind(id, manager.user.id, source.params, source.state, new Date().toISOString())
      .run();
    const batch = createMessageBatch<JobMessage>("truckroll-jobs", [
      { id: "m1", timestamp: new Date(), attempts: 1, body: { kind: "job", job_id: id, step: 0 } },
    ]);
    const ctx = createExecutionContext();
    await handleJobBatch(batch, env as never, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["m1"]);
    expect(result.retryMessages).toEqual([]);
    const job = await env.DB.prepare("SELECT status, error FROM jobs WHERE id = ?1")
      .bind(id)
      .first<{ status: string; error: string }>();
    expect(job).toMatchObject({ status: "failed", error: expect.stringContaining("longer than 16384 bytes") });
  });
});

describe("jobs that stop advancing", () => {
  it("a job whose message was lost mid-way is resumed by the watchdog from the step it reached, and finishes once", async () => {
    const admin = await staff("admin");
    const hand = await handDrivenImport(admin, 6);
    await hand.step(0); // the first chunk commits; then the worker "dies" and the message is gone
    expect((await hand.job()).status).toBe("running");
    const { resumeStalledJobs, JOB_LEASE_MS } = await import("../jobs/jobs.service");
    const system = systemContext(env, "test");
    // Within the lease nothing happens.
    expect((await resumeStalledJobs(system, Date.now())).resumed).toBe(0);
    await env.DB.prepare("UPDATE jobs SET updated_at = ?2 WHERE id = ?1")
      .bind(hand.id, new Date(Date.now() - JOB_LEASE_MS - 60_000).toISOString())
      .run();
    const first = await resumeStalledJobs(system, Date.now());
    expect(first.resumed).toBeGreaterThanOrEqual(1);
    // A second (overlapping) cron run finds the lease renewed and sends nothing.
    expect((await resumeStalledJobs(system, Date.now())).resumed).toBe(0);
    const done = await untilFinished(hand.id, admin.token);
    expect(done).toMatchObject({ status: "done", counts: { created: 6, failed: 0 } });
    const { n } = (await env.DB.prepare(
      "SELECT count(*) AS n FROM customers WHERE account_number IN (SELECT value FROM json_each(?1))",
    )
      .bind(JSON.stringify(hand.accounts))
      .first<{ n: number }>())!;
    expect(n).toBe(6);
  });

  it("fails a job that keeps stalling after its last rescue, with the reason", async () => {
    const admin = await staff("admin");
    const hand = await handDrivenImport(admin, 2);
    const { resumeStalledJobs, JOB_LEASE_MS, JOB_MAX_RECOVERIES } = await import("../jobs/jobs.service");
    await env.DB.prepare("UPDATE jobs SET updated_at = ?2, recoveries = ?3 WHERE id = ?1")
      .bind(hand.id, new Date(Date.now() - JOB_LEASE_MS - 60_000).toISOString(), JOB_MAX_RECOVERIES)
      .run();
    expect((await resumeStalledJobs(systemContext(env, "test"), Date.now())).failed).toBeGreaterThanOrEqual(1);
    expect(await hand.job()).toMatchObject({ status: "failed", error: expect.stringContaining("Stopped advancing") });
  });
});

describe("files refused at upload, and who sees what", () => {
  it("empty, header-only, not UTF-8, UTF-16, a workbook, unknown or missing columns, too large: 4xx, and no job", async () => {
    const manager = await staff("manager");
    const before = (await env.DB.prepare("SELECT count(*) AS n FROM jobs WHERE requested_by = ?1")
      .bind(manager.user.id)
      .first<{ n: number }>())!.n;
    expectProblem(await upload("/v1/imports/customers", manager.token, ""), 422, "invalid_file");
    expectProblem(await upload("/v1/imports/customers", manager.token, "full_name,phone\r\n"), 422, "invalid_file");
    const latin1 = new Uint8Array([
      ...new TextEncoder().encode("full_name,phone\nJos"),
      0xe9,
      ...new TextEncoder().encode(",71234567\n"),
    ]);
    const res = await SELF.fetch(`${BASE}/v1/imports/customers`, {
      method: "POST",
      body: latin1,
      headers: { authorization: `Bearer ${manager.token}`, "content-type": "text/csv", "cf-connecting-ip": randomIp() },
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { detail: string }).detail).toContain("not UTF-8");
    const utf16 = new Uint8Array([0xff, 0xfe, 0x66, 0x00]);
    const res16 = await SELF.fetch(`${BASE}/v1/imports/customers`, {
      method: "POST",
      body: utf16,
      headers: { authorization: `Bearer ${manager.token}`, "content-type": "text/csv", "cf-connecting-ip": randomIp() },
    });
    expect(((await res16.json()) as { detail: string }).detail).toContain("UTF-16");
    const unknown = await upload("/v1/imports/customers", manager.token, "full_name,phone,shoe_size\nA,71234567,44\n");
    expectProblem(unknown, 422, "invalid_file");
    expect(unknown.json.errors).toEqual([
      { path: "columns.shoe_size", message: expect.stringContaining("Unknown column") },
    ]);
    // A tickets file sent as customers: the customers' required columns are missing.
    const wrongKind = await upload(
      "/v1/imports/customers",
      manager.token,
      "external_ref,title,kind\nX-1,Outage,repair\n",
    );
    expectProblem(wrongKind, 422, "invalid_file");
    expect(wrongKind.json.detail).toContain("Is this a customer file?");
    // A mapping to null ignores a column; a mapping naming a column the file lacks is a 400.
    expectProblem(
      await upload(
        `/v1/imports/customers?mapping=${encodeURIComponent('{"Shoe":null}')}`,
        manager.token,
        "full_name,phone\nA,71234567\n",
      ),
      400,
      "validation_failed",
    );
    expectProblem(
      await upload("/v1/imports/customers?mapping=nope", manager.token, "full_name,phone\nA,71234567\n"),
      400,
      "validation_failed",
    );
    expectProblem(
      await upload("/v1/imports/customers", manager.token, "<html>", "text/html"),
      415,
      "unsupported_media_type",
    );
    // IMPORT_MAX_BYTES is 256 KiB and IMPORT_MAX_ROWS 500 in the tests.
    expectProblem(
      await upload("/v1/imports/customers", manager.token, `full_name,phone\n${"A,71234567\n".repeat(30_000)}`),
      413,
      "payload_too_large",
    );
    const tooMany = await upload(
      "/v1/imports/customers",
      manager.token,
      `full_name,phone\n${"A,71234567\n".repeat(501)}`,
    );
    expectProblem(tooMany, 422, "invalid_file");
    expect(tooMany.json.detail).toContain("more than 500 rows");
    const after = (await env.DB.prepare("SELECT count(*) AS n FROM jobs WHERE requested_by = ?1")
      .bind(manager.user.id)
      .first<{ n: number }>())!.n;
    expect(after).toBe(before);
  });

  it("takes multipart uploads; technicians and supervisors may not import; a job and its report are the uploader's and administrators' only", async () => {
    const manager = await staff("manager");
    const form = new FormData();
    form.append(
      "file",
      new File([`account_number,full_name,phone\n${uid()},Multi Part,${phone()}\n,,\n`], "subscribers.csv", {
        type: "text/csv",
      }),
    );
    const res = await SELF.fetch(`${BASE}/v1/imports/customers`, {
      method: "POST",
      body: form,
      headers: { authorization: `Bearer ${manager.token}`, "cf-connecting-ip": randomIp() },
    });
    expect(res.status).toBe(202);
    const job = await untilFinished(((await res.json()) as { id: string }).id, manager.token);
    expect(job.options.filename).toBe("subscribers.csv");
    expect(job.counts).toMatchObject({ created: 1, failed: 1 });

    const other = await staff("manager");
    expectProblem(await call(`/v1/jobs/${job.id}`, { token: other.token }), 404, "not_found");
    expectProblem(await call(job.file.download_url, { token: other.token }), 404, "not_found");
    const admin = await staff("admin");
    expect((await call(`/v1/jobs/${job.id}`, { token: admin.token })).status).toBe(200);
    // The file holds personal data: only the user who started the job downloads it, administrators included.
    expectProblem(await call(job.file.download_url, { token: admin.token }), 404, "not_found");
    expect((await call(job.file.download_url, { token: manager.token })).status).toBe(200);

    const supervisor = await staff("supervisor");
    expectProblem(
      await upload("/v1/imports/tickets", supervisor.token, "external_ref,title,kind\nX,Y,repair\n"),
      403,
      "forbidden",
    );
    const tech = await createUser({ role: "technician" });
    const { access_token } = await login(tech);
    expectProblem(
      await upload("/v1/imports/customers", access_token, "full_name,phone\nA,71234567\n"),
      403,
      "forbidden",
    );
  });
});
