import { anyImportKind, type ImportKind } from "../../lib/imports";
import { assetImport } from "../assets";
import { customerImport } from "../customers";
import { itemImport } from "../inventory";
import { subscriberImport } from "../network";
import { ticketImport } from "../tickets";

/** Every kind of record a CSV file can bring in, by the name in the URL. */
export const IMPORT_KINDS = {
  customers: anyImportKind(customerImport),
  subscribers: anyImportKind(subscriberImport),
  tickets: anyImportKind(ticketImport),
  service_cards: anyImportKind(assetImport),
  inventory_items: anyImportKind(itemImport),
};

export type ImportKindName = keyof typeof IMPORT_KINDS;
export const IMPORT_KIND_NAMES = Object.keys(IMPORT_KINDS) as ImportKindName[];

/** Columns every kind ignores: those the error report adds, so a fixed report can be uploaded as it is. */
export const REPORT_COLUMNS = ["import_line", "import_errors"] as const;

export function importKind(name: string): ImportKind {
  return IMPORT_KINDS[name as ImportKindName];
}
