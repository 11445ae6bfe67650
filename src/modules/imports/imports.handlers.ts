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

function upload(kind: ImportKindName) {
  return async (c: Context<AppEnv>) => {
    const query = (
      c.req.valid as (t: "query") => {
        dry_run: boolean;
        on_existing: "skip" | "update" | "fail";
        mapping?: string;
        delimiter?: string;
      }
    )("query");
    const file = await uploadedFile(c, kind);
    const options = {
      dry_run: query.dry_run,
      on_existing: query.on_existing,
      mapping: mappingFrom(query.mapping),
      delimiter: query.delimiter ? DELIMITERS[query.delimiter] : undefined,
    };
    return c.json(await imports.startImport(userContext(c), kind, file, options), 202);
  };
}

export const importCustomers = upload("customers") as unknown as RouteHandler<typeof routes.importCustomers, AppEnv>;
export const importSubscribers = upload("subscribers") as unknown as RouteHandler<
  typeof routes.importSubscribers,
  AppEnv
>;
export const importTickets = upload("tickets") as unknown as RouteHandler<typeof routes.importTickets, AppEnv>;
export const importServiceCards = upload("service_cards") as unknown as RouteHandler<
  typeof routes.importServiceCards,
  AppEnv
>;
export const importInventoryItems = upload("inventory_items") as unknown as RouteHandler<
  typeof routes.importInventoryItems,
  AppEnv
>;

export const getImportTemplate: RouteHandler<typeof routes.getImportTemplate, AppEnv> = async (c) => {
  const kind = c.req.valid("param").kind.replace("-", "_") as ImportKindName;
  return c.body(imports.importTemplate(kind), 200, {
    "content-type": "text/csv; charset=utf-8",
    "content-disposition": `attachment; filename="${kind}-template.csv"`,
  }) as never;
};
