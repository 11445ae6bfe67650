/**
 * Module boundaries, checked inside `npm test` (test/node/boundaries.test.ts):
 * - a module is used only through its index.ts (its router, verbs and read helpers);
 * - lib/, db/ and middleware/ know no module;
 * - no import cycles (a cycle makes load order decide whether a value exists yet);
 * - route files describe HTTP only: they never import a service (workflow rules come from *.workflow.ts);
 * - queue consumers and cron jobs hold no SQL: they parse, call a module verb, and ack or retry;
 * - production code never imports tests or the benchmark's entry point.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "module-internals",
      comment: "Another module is used only through its index.ts.",
      severity: "error",
      from: { path: "^src/modules/([^/]+)/", pathNot: "\\.test\\.ts$" },
      to: { path: "^src/modules/([^/]+)/", pathNot: ["^src/modules/$1/", "^src/modules/[^/]+/index\\.ts$"] },
    },
    {
      name: "entry-points-use-module-faces",
      comment: "Queues, cron, pages, the app and Durable Objects reach modules only through index.ts.",
      severity: "error",
      from: { path: "^src/(queues|cron|web|durable-objects|app\\.ts|index\\.ts|owners\\.ts|identity\\.ts)", pathNot: "\\.test\\.ts$" },
      to: { path: "^src/modules/[^/]+/", pathNot: "^src/modules/[^/]+/index\\.ts$" },
    },
    {
      name: "foundations-know-no-module",
      comment: "lib/, db/, middleware/ and contracts/ sit below every module.",
      severity: "error",
      from: { path: "^src/(lib|db|middleware|contracts)/", pathNot: "\\.test\\.ts$" },
      to: { path: "^src/(modules|queues|cron|web)/" },
    },
    {
      name: "routes-import-no-service",
      comment: "A route file is the HTTP contract; rules it needs live in a pure workflow file.",
      severity: "error",
      from: { path: "\\.routes\\.ts$" },
      to: { path: "\\.service\\.ts$" },
    },
    {
      name: "thin-queue-and-cron-entry-points",
      comment: "Consumers and cron jobs call module verbs; tables and SQL belong to the modules.",
      severity: "error",
      from: { path: "^src/(queues|cron)/", pathNot: "\\.test\\.ts$" },
      to: { path: "^src/db/" },
    },
    {
      name: "no-cycles",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "no-tests-in-production",
      severity: "error",
      from: { path: "^src/", pathNot: "\\.test\\.ts$" },
      to: { path: "(^test/|\\.test\\.ts$)" },
    },
    {
      name: "no-benchmarks-in-production",
      comment: "The /__bench/* baselines live in bench/worker.ts, an entry point of its own.",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^bench/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^node_modules|\\.d\\.ts$)" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"] },
  },
};
