import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../lib/context";
import { userContext } from "../../lib/create-router";
import { AppError } from "../../lib/problem";
import type { Delimiter } from "./csv-file";
import * as imports from "./imports.service";
import * as routes from "./imports.routes";
import type { ImportKindName } from "./kinds";

const DELIMITERS: Record<string, Delimiter> = { comma: ",", semicolon: ";", tab: "\t" };

function mappingFrom(text: string | undefined): Record<string, string | null> | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AppError("validation_failed", "mapping is not JSON.", {
      errors: [{ path: "mapping", message: "Not JSON" }],
    });
  }
  const ok =
    value &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => v === null || (typeof v === "string" && v.length <= 60));
  if (!ok)
    throw new AppError("validation_failed", "mapping maps column names to field names (or null).", {
      errors: [{ path: "mapping", message: "Expected an object of strings or nulls" }],
    });
  return value as Record<string, string | null>;
}

/** The uploaded file: a multipart `file` field or the raw CSV body. */
async function uploadedFile(c: Context<AppEnv>, kind: string): Promise<{ filename: string; bytes: Uint8Array }> {
  const type = (c.req.header("content-type") ?? "").toLowerCase();
  if (type.startsWith("multipart/form-data")) {
    const part = (await c.req.parseBody()).file;
    if (!(part instanceof File))
      throw new AppError("validation_failed", "Send the file in a `file` field.", {
        errors: [{ path: "file", message: "Required" }],
      });
    return { filename: part.name || `${kind}.csv`, bytes: new Uint8Array(await part.arrayBuffer()) };
  }
  if (type.startsWith("text/csv") || type.startsWith("application/csv") || type.startsWith("text/plain"))
    return { filename: `${kind}.csv`, bytes: new Uint8Array(await c.req.arrayBuffer()) };
  throw new AppError(
    "unsupported_media_type",
    "Send the CSV as multipart/form-data (field `file`) or as a text/csv body.",
  );
}

interface UploadQuery {
  dry_run: boolean;
  on_existing: "skip" | "update" | "fail";
  mapping?: string;
  delimiter?: string;
}

async function startUpload(c: Context<AppEnv>, kind: ImportKindName, query: UploadQuery) {
  const file = await uploadedFile(c, kind);
  const options = {
    dry_run: query.dry_run,
    on_existing: query.on_existing,
    mapping: mappingFrom(query.mapping),
    delimiter: query.delimiter ? DELIMITERS[query.delimiter] : undefined,
  };
  return imports.startImport(userContext(c), kind, file, options);
}

export const importCustomers: RouteHandler<typeof routes.importCustomers, AppEnv> = async (c) =>
  c.json(await startUpload(c, "customers", c.req.valid("query")), 202);
export const importSubscribers: RouteHandler<typeof routes.importSubscribers, AppEnv> = async (c) =>
  c.json(await startUpload(c, "subscribers", c.req.valid("query")), 202);
export const importTickets: RouteHandler<typeof routes.importTickets, AppEnv> = async (c) =>
  c.json(await startUpload(c, "tickets", c.req.valid("query")), 202);
export const importServiceCards: RouteHandler<typeof routes.importServiceCards, AppEnv> = async (c) =>
  c.json(await startUpload(c, "service_cards", c.req.valid("query")), 202);
export const importInventoryItems: RouteHandler<typeof routes.importInventoryItems, AppEnv> = async (c) =>
  c.json(await startUpload(c, "inventory_items", c.req.valid("query")), 202);

export const getImportTemplate: RouteHandler<typeof routes.getImportTemplate, AppEnv> = async (c) => {
  const kind = c.req.valid("param").kind.replace("-", "_") as ImportKindName;
  return c.body(imports.importTemplate(kind), 200, {
    "content-type": "text/csv; charset=utf-8",
    "content-disposition": `attachment; filename="${kind}-template.csv"`,
  });
};
