import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * SCH-5 in a real browser: Debian's Chromium driven by playwright-core against the worker served
 * by `wrangler dev` (workerd, local D1 and Durable Objects). Skipped with a notice where Chromium
 * is missing — except under CI=true, where that is a failure.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const artifacts = join(root, "test-artifacts");
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  if (process.env.CI === "true") throw new Error(`Chromium not found at ${CHROMIUM}; .ci/run installs Debian's chromium package`);
  console.warn(`[customer-page] Chromium not found at ${CHROMIUM}: browser tests skipped (apt-get install chromium to run them)`);
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const token = () => randomBytes(32).toString("base64url");

function gaboroneDate(daysAhead: number) {
  const now = new Date(Date.now() + daysAhead * 864e5);
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Africa/Gaborone", year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
}

describe.skipIf(!haveChromium)("SCH-5 the customer appointment page", () => {
  const port = 18000 + Math.floor(Math.random() * 2000);
  const base = `http://127.0.0.1:${port}`;
  const tokens = { alice: token(), bob: token() };
  let server: ChildProcess;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "truckroll-page-"));
    const persist = join(dir, "state");
    const key = { ...generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }), kid: "page-test", alg: "EdDSA" };
    const envFile = join(dir, ".env");
    writeFileSync(envFile, [`ENVIRONMENT=development`, `PUBLIC_BASE_URL=${base}`, `JWT_PRIVATE_KEYS='${JSON.stringify([key])}'`, `HMAC_SECRET=${randomBytes(16).toString("hex")}`].join("\n"));
    const wrangler = join(root, "node_modules", ".bin", "wrangler");
    const run = (args: string[]) => execFileSync(wrangler, args, { cwd: root, stdio: "pipe", env: { ...process.env, CI: "1", WRANGLER_SEND_METRICS: "false" } });
    run(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist]);
    const now = new Date().toISOString();
    const expires = new Date(Date.now() + 3600_000).toISOString();
    const seed = `
      INSERT INTO users (id, username, email, password_hash, first_name, last_name, role, status, created_at, updated_at)
        VALUES ('usr_page_tech', 'pagetech', 'pagetech@example.test', 'x', 'Thabo', 'Tech', 'technician', 'active', '${now}', '${now}');
      INSERT INTO technician_profiles (user_id, skills, service_areas, external_usernames, is_available, created_at, updated_at)
        VALUES ('usr_page_tech', '[]', '[]', '{}', 1, '${now}', '${now}');
      INSERT INTO tickets (id, number, kind, priority, status, title, description, created_by, required_skills, created_at, updated_at)
        VALUES ('tkt_page_a', 'TR-777001', 'repair', 'medium', 'assigned', 'Internet down', '', 'usr_page_tech', '[]', '${now}', '${now}'),
               ('tkt_page_b', 'TR-777002', 'repair', 'medium', 'assigned', 'Voice line noisy', '', 'usr_page_tech', '[]', '${now}', '${now}');
      INSERT INTO ticket_assignees (ticket_id, technician_id, assigned_by, assigned_at)
        VALUES ('tkt_page_a', 'usr_page_tech', 'usr_page_tech', '${now}'), ('tkt_page_b', 'usr_page_tech', 'usr_page_tech', '${now}');
      INSERT INTO appointment_links (id, ticket_id, token_hash, expires_at, created_by, created_at)
        VALUES ('lnk_a', 'tkt_page_a', '${sha256(tokens.alice)}', '${expires}', 'usr_page_tech', '${now}'),
               ('lnk_b', 'tkt_page_b', '${sha256(tokens.bob)}', '${expires}', 'usr_page_tech', '${now}');`;
    const seedFile = join(dir, "seed.sql");
    writeFileSync(seedFile, seed);
    run(["d1", "execute", "DB", "--local", "--persist-to", persist, "--file", seedFile]);
    server = spawn(wrangler, ["dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", persist, "--env-file", envFile, "--show-interactive-dev-session=false"], {
      cwd: root, stdio: "ignore", env: { ...process.env, CI: "1", WRANGLER_SEND_METRICS: "false" },
    });
    for (let i = 0; i < 120; i++) {
      try {
        if ((await fetch(`${base}/v1/health`)).ok) return;
      } catch {
        /* not up yet */
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error("wrangler dev did not come up");
  }, 120_000);

  afterAll(() => {
    server?.kill("SIGTERM");
  });

  it("books a slot, and a second customer who picked the same slot sees the clash message", async () => {
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    mkdirSync(artifacts, { recursive: true });
    try {
      const date = gaboroneDate(3);
      const open = async (t: string) => {
        const page = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
        await page.goto(`${base}/a/${t}`);
        await page.locator("#case").waitFor({ state: "visible" });
        await page.locator("#date").fill(date);
        await page.locator("#date").dispatchEvent("change");
        await page.getByRole("button", { name: "10:00", exact: true }).waitFor();
        return page;
      };
      const alice = await open(tokens.alice);
      const bob = await open(tokens.bob);
      expect(await alice.locator("#case").textContent()).toBe("TR-777001");
      expect(await alice.locator("#service").textContent()).toBe("internet");
      expect(await bob.locator("#service").textContent()).toBe("voice");
      expect(await alice.locator("#technician").textContent()).toBe("Thabo Tech");
      expect(await alice.getByRole("button", { name: "10:00", exact: true }).isEnabled()).toBe(true);

      await alice.getByRole("button", { name: "10:00", exact: true }).click();
      await alice.getByRole("button", { name: "Book this time" }).click();
      await expect.poll(() => alice.locator("#status").textContent()).toContain("Booked");
      expect(await alice.locator("#when").textContent()).toBe(`${date} at 10:00`);
      await alice.screenshot({ path: join(artifacts, "customer-page-booked.png"), fullPage: true });

      // Bob loaded his slots before Alice booked, so 10:00 still looks free to him.
      await bob.getByRole("button", { name: "10:00", exact: true }).click();
      await bob.getByRole("button", { name: "Book this time" }).click();
      await expect.poll(() => bob.locator("#status").textContent()).toBe("Appointment clashes with a confirmed booking for this technician.");
      await bob.screenshot({ path: join(artifacts, "customer-page-clash.png"), fullPage: true });

      // After a reload the taken slot is shown as unavailable.
      await bob.reload();
      await bob.locator("#date").fill(date);
      await bob.locator("#date").dispatchEvent("change");
      await bob.getByRole("button", { name: "10:00", exact: true }).waitFor();
      expect(await bob.getByRole("button", { name: "10:00", exact: true }).isDisabled()).toBe(true);

      const invalid = await (await browser.newContext()).newPage();
      await invalid.goto(`${base}/a/not-a-valid-token-aaaaaaaaaaaaaaaaaaaaa`);
      await expect.poll(() => invalid.locator("#status").textContent()).toBe("Invalid token.");
      const headers = (await fetch(`${base}/a/${tokens.alice}`)).headers;
      expect(headers.get("referrer-policy")).toBe("no-referrer");
      expect(headers.get("cache-control")).toBe("no-store");
    } finally {
      await browser.close();
    }
  }, 120_000);
});
