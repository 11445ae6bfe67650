import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import "../src/owners";
import "../src/identity";

// Setup files run outside isolated storage: applying here makes the schema visible to every test.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
