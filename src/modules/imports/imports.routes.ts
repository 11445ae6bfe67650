import { createRoute, z } from "@hono/zod-openapi";
import type { ImportKind } from "../../lib/imports";
import { jsonResponse } from "../../lib/openapi";
import { errorResponses } from "../../lib/problem";
import { requires, requiresSignIn } from "../../middleware/auth";
import { idempotencyHeader, idempotent } from "../../middleware/idempotency";
import { JobSchema } from "../jobs";
import { ImportKindParam, ImportMultipartSchema, ImportQuery } from "./imports.schemas";
import { IMPORT_KINDS } from "./kinds";
import { importPermission } from "./importer";

const tags = ["imports"];

/** The column reference of a kind, as it appears in the API document. */
function columnTable(kind: ImportKind): string {
  const rows = kind.columns.map(
    (c) => `| \`${c.name}\` | ${c.required ? "yes" : ""} | ${c.description} | \`${c.example}\` |`,
  );
  return ["| Column | Required | Meaning | Example |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

const HOW = `Send the file as multipart/form-data (field \`file\`) or as a raw \`text/csv\` body. UTF-8 (a byte-order mark is fine), comma, semicolon or tab separated, quoted fields may hold separators and line breaks. Answers 202 with a job: poll \`GET /v1/jobs/{id}\` for its \`status\`, \`rows_processed\` and \`counts\` (created, updated, skipped, failed). When rows fail, the job's \`file\` is the error report: the rejected rows as they were, with \`import_line\` and \`import_errors\` (field: reason) — fix them and upload the report itself again (those two columns are ignored). Re-uploading a file creates nothing twice. A file that cannot be read at all (empty, not UTF-8, unknown or missing columns, too many rows) is refused at once with 422 \`invalid_file\`; one over the size cap with 413.`;

function uploadRoute(
  name: keyof typeof IMPORT_KINDS,
  path: `/v1/imports/${string}`,
  operationId: string,
  summary: string,
) {
  const kind = IMPORT_KINDS[name];
  return createRoute({
    method: "post",
    path,
    tags,
    operationId,
    summary,
    description: `${HOW}\n\nRows are identified by ${kind.keyDescription}.${kind.updates ? "" : ` Existing ${kind.noun}s are skipped or failed, never updated.`} Also needs the \`${kind.permission}\` permission.\n\n${columnTable(kind)}`,
    ...requires(importPermission(name), idempotent()),
    request: {
      headers: idempotencyHeader,
      query: ImportQuery,
      // Not `required`: each content type is read only when the request uses it.
      body: {
        required: false,
        content: {
          "multipart/form-data": { schema: ImportMultipartSchema },
          "text/csv": { schema: z.string().openapi({ example: `${kind.columns.map((c) => c.name).join(",")}\r\n` }) },
        },
      },
    },
    responses: {
      202: jsonResponse(JobSchema, "Queued: poll the job"),
      ...errorResponses(400, 401, 403, 409, 413, 415, 422),
    },
  });
}

export const importCustomers = uploadRoute(
  "customers",
  "/v1/imports/customers",
  "importCustomers",
  "Import customers (subscribers) from a CSV file",
);
export const importSubscribers = uploadRoute(
  "subscribers",
  "/v1/imports/subscribers",
  "importSubscribers",
  "Import network subscribers (customers by subscriber id, placed in localities) from a CSV file",
);
export const importTickets = uploadRoute(
  "tickets",
  "/v1/imports/tickets",
  "importTickets",
  "Import tickets (cases, tasks) from a CSV file",
);
export const importServiceCards = uploadRoute(
  "service_cards",
  "/v1/imports/service-cards",
  "importServiceCards",
  "Import service cards from a CSV file",
);
export const importInventoryItems = uploadRoute(
  "inventory_items",
  "/v1/imports/inventory-items",
  "importInventoryItems",
  "Import catalogue items from a CSV file",
);

export const getImportTemplate = createRoute({
  method: "get",
  path: "/v1/imports/{kind}/template",
  tags,
  operationId: "getImportTemplate",
  summary: "A CSV template for an import: the header and one example row",
  ...requiresSignIn(),
  request: { params: ImportKindParam },
  responses: {
    200: { description: "The template", content: { "text/csv": { schema: z.string() } } },
    ...errorResponses(400, 401),
  },
});
