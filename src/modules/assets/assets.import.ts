import type { FieldError } from "../../lib/problem";
import { assets } from "../../db/schema";
import { inList } from "../../lib/d1";
import { newId, nowIso } from "../../lib/ids";
import { prepareChange } from "../../lib/change-batch";
import { guardedInsert, guardedUpdate, validated, type ImportKind, type RowOutcome } from "../../lib/imports";
import {
  customerReferenceColumns,
  customerReferenceOf,
  resolveCustomerReferences,
  type CustomerReference,
} from "../customers";
import { AssetCreateSchema } from "./assets.schemas";

/** Columns that are the API's fields of the same name. */
const FIELDS = [
  "model",
  "serial_number",
  "card_type",
  "installed_on",
  "warranty_start",
  "warranty_end",
  "address",
  "city",
  "postal_code",
  "region",
] as const;
/** What an update may change: everything but the serial number (the key) and the owner. */
const UPDATABLE = FIELDS.filter((f) => f !== "serial_number");

type Card = {
  input: ReturnType<typeof AssetCreateSchema.parse> & { serial_number: string };
  owner: CustomerReference;
  given: string[];
};

/** Service cards from CSV: keyed by serial number; the owner named by customer id, account number or phone. */
export const assetImport: ImportKind<Card> = {
  kind: "service_cards",
  noun: "service card",
  keyDescription: "`serial_number`",
  permission: "assets:write",
  updates: true,
  columns: [
    {
      name: "serial_number",
      description: "The unit's serial number; identifies the card",
      example: "AC-2026-00012",
      required: true,
    },
    ...customerReferenceColumns("The owner"),
    { name: "model", description: "Product model", example: "Split AC 12000 BTU", required: true },
    { name: "card_type", description: "Card type (default normal)", example: "normal" },
    { name: "installed_on", description: "Installation date (YYYY-MM-DD)", example: "2026-03-15" },
    { name: "warranty_start", description: "Warranty start (YYYY-MM-DD)", example: "2026-03-15" },
    { name: "warranty_end", description: "Warranty end (YYYY-MM-DD)", example: "2028-03-14" },
    { name: "address", description: "Where the unit is installed", example: "Plot 1234, Gaborone" },
    { name: "city", description: "City", example: "Gaborone" },
    { name: "postal_code", description: "Postal code", example: "0000" },
    { name: "region", description: "Region", example: "South-East" },
  ],

  parse(_ctx, cells) {
    const owner = customerReferenceOf(cells);
    if (!Object.keys(owner).length)
      return {
        errors: [
          {
            path: "customer_account_number",
            message: "Name the owner: customer_account_number, customer_phone or customer_id",
          },
        ],
      };
    if (cells.serial_number === undefined) return { errors: [{ path: "serial_number", message: "Required" }] };
    const input: Record<string, unknown> = { customer_id: owner.customer_id ?? "by-reference" };
    for (const f of FIELDS) if (cells[f] !== undefined) input[f] = cells[f];
    const result = validated(AssetCreateSchema, input);
    if ("errors" in result) return result;
    const card = result.value as Card["input"];
    return { value: { input: card, owner, given: Object.keys(cells) }, key: card.serial_number };
  },

  async plan(ctx, rows, { onExisting, guard }) {
    const owners = await resolveCustomerReferences(
      ctx,
      rows.map((r) => r.value.owner),
    );
    const existing = await ctx.db
      .select({
        id: assets.id,
        serialNumber: assets.serialNumber,
        warrantyStart: assets.warrantyStart,
        warrantyEnd: assets.warrantyEnd,
      })
      .from(assets)
      .where(
        inList(
          assets.serialNumber,
          rows.map((r) => r.key),
        ),
      );
    const now = nowIso();
    const statements: D1PreparedStatement[] = [];
    const updated: string[] = [];
    const outcomes = rows.map(({ value: { input, given } }, i): RowOutcome => {
      const owner = owners[i];
      const matches = existing.filter((e) => e.serialNumber === input.serial_number);
      // Every problem of a row is reported together, so one correction fixes it.
      if (!owner || "error" in owner) {
        const errors: FieldError[] = [owner ? owner.error : { path: "customer_id", message: "Required" }];
        if (matches.length > 1)
          errors.push({ path: "serial_number", message: `${matches.length} service cards have this serial number` });
        else if (matches.length && onExisting === "fail")
          errors.push({ path: "serial_number", message: "A service card with this serial number exists" });
        return { outcome: "failed", errors };
      }
      if (!matches.length) {
        statements.push(
          guardedInsert(
            ctx.env.DB,
            "assets",
            {
              id: newId("ast"),
              customer_id: owner.id,
              model: input.model,
              serial_number: input.serial_number,
              card_type: input.card_type,
              installed_on: input.installed_on ?? null,
              warranty_start: input.warranty_start ?? null,
              warranty_end: input.warranty_end ?? null,
              address: input.address,
              city: input.city ?? null,
              postal_code: input.postal_code ?? null,
              region: input.region ?? null,
              created_at: now,
              updated_at: now,
            },
            guard,
          ),
        );
        return { outcome: "created" };
      }
      if (matches.length > 1)
        return {
          outcome: "failed",
          errors: [{ path: "serial_number", message: `${matches.length} service cards have this serial number` }],
        };
      if (onExisting === "skip") return { outcome: "skipped" };
      if (onExisting === "fail")
        return {
          outcome: "failed",
          errors: [{ path: "serial_number", message: "A service card with this serial number exists" }],
        };
      const set: Record<string, string | null> = { updated_at: now };
      for (const f of UPDATABLE)
        if (given.includes(f)) set[f] = (input as Record<string, string | undefined>)[f] ?? null;
      const start = set.warranty_start !== undefined ? set.warranty_start : matches[0].warrantyStart;
      const end = set.warranty_end !== undefined ? set.warranty_end : matches[0].warrantyEnd;
      if (start && end && start > end)
        return { outcome: "failed", errors: [{ path: "warranty_end", message: "Before warranty_start" }] };
      statements.push(guardedUpdate(ctx.env.DB, "assets", matches[0].id, set, guard));
      updated.push(matches[0].id);
      return { outcome: "updated" };
    });
    // Phones that hold an updated row see the change in their next delta (the change log's owner writes it).
    return {
      outcomes,
      ...prepareChange(ctx, {
        statements,
        guard,
        changed: updated.map((id) => ({ table: assets, id })),
      }),
    };
  },
};
