import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

function testSigningKeys() {
  const key = (kid: string) => ({
    ...generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }),
    kid,
    alg: "EdDSA",
    use: "sig",
  });
  // Two keys: the first signs; the second exists so tests can prove a token from another key is refused.
  return { active: key("test-active"), foreign: key("test-foreign") };
}

export default defineConfig(async () => {
  const migrations = await readD1Migrations(join(dirname(fileURLToPath(import.meta.url)), "migrations"));
  const keys = testSigningKeys();
  return {
    test: {
      projects: [
        {
          // Almost everything runs inside workerd against real D1, Queues, R2 and Durable Objects.
          plugins: [
            cloudflareTest({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                // Same consumers as wrangler.toml, with batches flushed at once so tests need not wait 5 s.
                queueConsumers: {
                  "truckroll-notifications": {
                    maxBatchTimeout: 0.05,
                    maxRetries: 5,
                    retryDelay: 0,
                    deadLetterQueue: "truckroll-notifications-dlq",
                  },
                  "truckroll-notifications-dlq": { maxBatchTimeout: 0.05 },
                  "truckroll-jobs": { maxBatchSize: 1, maxBatchTimeout: 0.05, maxRetries: 5, retryDelay: 0 },
                },
                bindings: {
                  ENVIRONMENT: "test",
                  // The SLA timer notes its deadlines but sets no alarm: tests run its check by hand (sla-clock.test.ts).
                  SLA_ALARMS: "off",
                  // Quiet runs: warnings and errors only (LOG_LEVEL=info npm test shows every request).
                  LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
                  // Small export parts, so every export test writes and joins several.
                  EXPORT_PART_BYTES: "1024",
                  // Small import chunks and windows, so every import test crosses both.
                  IMPORT_CHUNK_ROWS: "4",
                  IMPORT_WINDOW_BYTES: "512",
                  IMPORT_MAX_BYTES: "262144",
                  IMPORT_MAX_ROWS: "500",
                  // A row cap well under the file cap, so a test can send a row the importer can never take.
                  IMPORT_MAX_ROW_BYTES: "16384",
                  // A short element-manager timeout, so the simulator's slow-answer fault trips it quickly.
                  ELEMENT_MANAGER_TIMEOUT_MS: "300",
                  JWT_ISSUER: "https://api.truckroll.test",
                  JWT_AUDIENCE: "truckroll-api",
                  PUBLIC_BASE_URL: "https://app.truckroll.test",
                  JWT_PRIVATE_KEYS: JSON.stringify([keys.active]),
                  HMAC_SECRET: randomBytes(32).toString("hex"),
                  TEST_FOREIGN_KEY: JSON.stringify(keys.foreign),
                  TEST_MIGRATIONS: migrations,
                },
              },
            }),
          ],
          test: {
            name: "workers",
            include: ["src/**/*.test.ts", "test/**/*.test.ts"],
            exclude: ["test/node/**"],
            setupFiles: ["./test/apply-migrations.ts"],
            testTimeout: 30_000,
            // Each request logs a JSON line; show them only for failing tests.
            silent: "passed-only" as const,
          },
        },
        {
          // Tools that generate code at run time (Ajv in the OpenAPI validator) cannot run in workerd.
          test: {
            name: "node",
            include: ["test/node/**/*.test.ts"],
            environment: "node",
            testTimeout: 120_000,
            hookTimeout: 120_000,
          },
        },
      ],
    },
  };
});
