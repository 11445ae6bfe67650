import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The backup and restore drill (scripts/d1-backup.mjs) on a small database: tickets with the
 * full-text index, customers, history. The backup leaves the index out (D1 cannot export it);
 * the restore rebuilds it, and the drill compares every table with the backup's manifest.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const wrangler = join(root, "node_modules", ".bin", "wrangler");
const env = { ...process.env, CI: "1", WRANGLER_SEND_METRICS: "false" };
const quiet = { cwd: root, env, stdio: "pipe" as const, encoding: "utf8" as const };

describe("backup and restore drill", () => {
  it("restores every table and the search index, and fails when the restore does not match", () => {
    const source = mkdtempSync(join(tmpdir(), "truckroll-drill-source-"));
    execFileSync(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", source], quiet);
    const now = new Date().toISOString();
    const rows = Array.from({ length: 30 }, (_, i) => i);
    const seed = [
      ...rows.map(
        (i) =>
          `INSERT INTO customers (id, full_name, phone, address, created_at, updated_at) VALUES ('cus_drill_${i}', 'Customer ${i}', '+2677100${String(i).padStart(4, "0")}', 'Plot ${i}, Gaborone', '${now}', '${now}');`,
      ),
      ...rows.map(
        (i) =>
          `INSERT INTO tickets (id, number, kind, priority, status, title, description, created_by, customer_id, required_skills, created_at, updated_at) VALUES ('tkt_drill_${i}', 'TR-9${String(i).padStart(5, "0")}', 'repair', 'high', 'new', 'Fibre cut near pole ${i}', 'Splice needed', 'usr_x', 'cus_drill_${i}', '[]', '${now}', '${now}');`,
      ),
      ...rows.map(
        (i) =>
          `INSERT INTO ticket_history (id, ticket_id, actor_id, action, from_value, to_value, created_at) VALUES ('hst_drill_${i}', 'tkt_drill_${i}', 'usr_x', 'created', NULL, 'new', '${now}');`,
      ),
    ];
    const seedFile = join(source, "seed.sql");
    writeFileSync(seedFile, seed.join("\n"));
    execFileSync(wrangler, ["d1", "execute", "DB", "--local", "--persist-to", source, "--file", seedFile], quiet);

    const backupDir = mkdtempSync(join(tmpdir(), "truckroll-drill-backup-"));
    execFileSync("node", ["scripts/d1-backup.mjs", "backup", "--out", backupDir, "--persist-to", source], quiet);
    const manifest = JSON.parse(readFileSync(join(backupDir, "manifest.json"), "utf8"));
    expect(manifest.tables.tickets.rows).toBe(30);
    expect(manifest.tables.customers.rows).toBe(30);
    expect(Object.keys(manifest.tables).some((t) => t.startsWith("tickets_fts"))).toBe(false);
    expect(readFileSync(join(backupDir, "data.sql"), "utf8")).not.toContain("tickets_fts");

    const restored = mkdtempSync(join(tmpdir(), "truckroll-drill-restored-"));
    const out = execFileSync(
      "node",
      ["scripts/d1-backup.mjs", "restore-drill", "--from", backupDir, "--persist-to", restored],
      quiet,
    );
    expect(out).toContain("match the backup");
    // The rebuilt index answers a search on the restored database.
    const found = execFileSync(
      wrangler,
      [
        "d1",
        "execute",
        "DB",
        "--local",
        "--persist-to",
        restored,
        "--json",
        "--command",
        "SELECT count(*) AS n FROM tickets_fts WHERE tickets_fts MATCH 'pole'",
      ],
      quiet,
    );
    expect(JSON.parse(found.slice(found.indexOf("[")))[0].results[0].n).toBe(30);

    // A backup that does not match what is restored fails the drill, naming the table.
    manifest.tables.ticket_history.rows = 31;
    writeFileSync(join(backupDir, "manifest.json"), JSON.stringify(manifest));
    let failure = "";
    try {
      execFileSync(
        "node",
        [
          "scripts/d1-backup.mjs",
          "restore-drill",
          "--from",
          backupDir,
          "--persist-to",
          mkdtempSync(join(tmpdir(), "truckroll-drill-again-")),
        ],
        quiet,
      );
    } catch (err) {
      failure = String((err as { stderr?: string }).stderr);
    }
    expect(failure).toContain("ticket_history: 30 rows, the backup has 31");
  }, 300_000);
});
