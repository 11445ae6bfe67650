import { z } from "@hono/zod-openapi";

export const ImportQuery = z.strictObject({
  dry_run: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true")
    .openapi({
      param: { name: "dry_run", in: "query" },
      description:
        "`true`: check every row and count what would happen, write nothing (the error report is still made)",
    }),
  on_existing: z
    .enum(["skip", "update", "fail"])
    .default("skip")
    .openapi({
      param: { name: "on_existing", in: "query" },
      description:
        "A row whose key already exists: `skip` it (default), `update` the record from the row's non-blank cells, or `fail` the row",
    }),
  mapping: z
    .string()
    .max(4000)
    .optional()
    .openapi({
      param: { name: "mapping", in: "query" },
      description:
        'JSON object from the file\'s column names to fields, e.g. `{"Nama":"full_name","Telp":"phone","Catatan":null}`; `null` ignores a column. Columns named like a field need no mapping',
    }),
  delimiter: z
    .enum(["comma", "semicolon", "tab"])
    .optional()
    .openapi({
      param: { name: "delimiter", in: "query" },
      description: "The field separator; by default the one the header line uses most",
    }),
});

export const ImportMultipartSchema = z
  .object({
    file: z.any().optional().openapi({ type: "string", format: "binary", description: "The CSV file (UTF-8)" }),
  })
  .openapi("ImportMultipart");

export const ImportKindParam = z.object({
  kind: z
    .enum(["customers", "subscribers", "tickets", "service-cards", "inventory-items"])
    .openapi({ param: { name: "kind", in: "path" }, description: "What the file holds", example: "customers" }),
});
