import { execFileSync } from "node:child_process";
import { scryptSync, timingSafeEqual } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/** The first administrator of a new deployment: `npm run bootstrap:admin`, against a fresh local D1. */
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const wrangler = join(root, "node_modules", ".bin", "wrangler");
const env = { ...process.env, CI: "1", WRANGLER_SEND_METRICS: "false" };

describe("bootstrapping the first administrator", () => {
  it("creates one administrator in an empty database, and refuses once one exists", () => {
    const persist = mkdtempSync(join(tmpdir(), "truckroll-bootstrap-test-"));
    execFileSync(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist], {
      cwd: root,
      env,
      stdio: "pipe",
    });
    const run = (username: string) =>
      execFileSync(
        "node",
        [
          "scripts/bootstrap-admin.mjs",
          "--username",
          username,
          "--email",
          `${username}@example.test`,
          "--persist-to",
          persist,
        ],
        {
          cwd: root,
          env: { ...env, BOOTSTRAP_ADMIN_PASSWORD: "First-Admin-Pass-1" },
          encoding: "utf8",
          stdio: "pipe",
        },
      );
    expect(run("ada")).toContain("created administrator ada");
    expect(() => run("mallory")).toThrow(/an administrator exists already/);
    const rows = JSON.parse(
      execFileSync(
        wrangler,
        [
          "d1",
          "execute",
          "DB",
          "--local",
          "--persist-to",
          persist,
          "--json",
          "--command",
          "SELECT username, role, status, password_hash FROM users",
        ],
        { cwd: root, env, encoding: "utf8" },
      ),
    );
    const users = rows[0].results as { username: string; role: string; status: string; password_hash: string }[];
    expect(users.map((u) => [u.username, u.role, u.status])).toEqual([["ada", "admin", "active"]]);
    // The stored hash is the PHC string the worker verifies at sign-in.
    const [, , params, salt, key] = users[0].password_hash.split("$");
    expect(params).toBe("ln=14,r=8,p=5");
    const derived = scryptSync("First-Admin-Pass-1".normalize("NFKC"), Buffer.from(salt, "base64"), 32, {
      N: 2 ** 14,
      r: 8,
      p: 5,
      maxmem: 64 * 1024 * 1024,
    });
    expect(timingSafeEqual(derived, Buffer.from(key, "base64"))).toBe(true);
  }, 120_000);
});
