/**
 * Prints SQL that recomputes the report aggregates from every ticket, for `wrangler d1 execute`
 * (used by dev-setup after seeding the demo data). TIME_ZONE as in wrangler.toml unless set.
 */
import { zoneOffsetsJson } from "../src/lib/time";
import { CLEAR_SQL, REFRESH_ALL_SQL } from "../src/modules/reports/aggregates";

const zone = `'${zoneOffsetsJson(process.env.TIME_ZONE ?? "Africa/Gaborone").replace(/'/g, "''")}'`;
const statements = [...CLEAR_SQL, ...REFRESH_ALL_SQL.map((s) => s.replaceAll("?1", zone))];
process.stdout.write(statements.map((s) => `${s.trim()};`).join("\n") + "\n");
