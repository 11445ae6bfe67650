import type { D1Migration } from "cloudflare:test";
import type { Env as AppBindings } from "../src/lib/env";

declare global {
  namespace Cloudflare {
    interface Env extends AppBindings {
      TEST_MIGRATIONS: D1Migration[];
      TEST_FOREIGN_KEY: string;
    }
  }
}

declare module "*.csv?raw" {
  const text: string;
  export default text;
}
