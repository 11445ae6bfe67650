/**
 * Module boundaries, checked inside `npm test` (test/node/boundaries.test.ts):
 * - a module is used only through its index.ts (its router, verbs and read helpers);
 * - lib/, db/ and middleware/ know no module;
 * - no import cycles (a cycle makes load order decide whether a value exists yet);
 * - production code never imports tests.
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
      from: { path: "^src/(queues|cron|web|durable-objects|bench|app\\.ts|index\\.ts)", pathNot: "\\.test\\.ts$" },
      to: { path: "^src/modules/[^/]+/", pathNot: "^src/modules/[^/]+/index\\.ts$" },
    },
    {
      name: "foundations-know-no-module",
      comment: "lib/, db/ and middleware/ sit below every module.",
      severity: "error",
      from: { path: "^src/(lib|db|middleware)/", pathNot: "\\.test\\.ts$" },
      to: { path: "^src/(modules|queues|cron|web)/" },
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
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^node_modules|\\.d\\.ts$)" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"] },
  },
};
