import { and, isNull, or } from "drizzle-orm";
import { customers } from "../../db/schema";
import type { UserContext } from "../../lib/context";
import { inList } from "../../lib/d1";
import { newId, nowIso } from "../../lib/ids";
import { prepareChange } from "../../lib/change-batch";
import {
  guardedInsert,
  guardedUpdate,
  listCell,
  pointCells,
  validated,
  type ImportColumn,
  type ImportKind,
  type RowOutcome,
} from "../../lib/imports";
import { toE164 } from "../../lib/phone";
import type { FieldError } from "../../lib/problem";
import { visibleCustomers } from "../access";
import { offersByReference } from "../offers";
import { CustomerCreateSchema } from "./customers.schemas";

type CustomerImport = { input: ReturnType<typeof CustomerCreateSchema.parse>; given: string[] };

/** Columns that are the API's fields of the same name (lat and lng become `coordinates`). */
const TEXT_FIELDS = [
  "account_number",
  "full_name",
  "phone",
  "email",
  "whatsapp",
  "national_id",
  "address",
  "service_area",
  "service_package",
];

/** Columns that are not text fields of the same name. */
const OTHER_COLUMNS = ["lat", "message_channels", "offer", "language"];

/** Customers (subscribers) from CSV: keyed by account number when the row has one, else by phone number. */
export const customerImport: ImportKind<CustomerImport> = {
  kind: "customers",
  noun: "customer",
  keyDescription: "`account_number` when the row has one, else `phone` (compared in international form)",
  permission: "customers:write",
  updates: true,
  columns: [
    {
      name: "account_number",
      description: "The operator's account (subscriber) number; unique",
      example: "ACC-100234",
    },
    { name: "full_name", description: "Name", example: "Kgosi Molefe", required: true },
    { name: "phone", description: "Mobile number, local or international form", example: "71 234 567", required: true },
    { name: "email", description: "Email address", example: "kgosi@example.com" },
    {
      name: "whatsapp",
      description: "WhatsApp number, when it differs from the phone",
      example: "72 345 678",
      exampleInTemplate: false,
    },
    {
      name: "message_channels",
      description:
        "Channels the customer agreed to receive visit messages on, separated by ; (sms, email, whatsapp); sms when absent",
      example: "sms;email",
    },
    { name: "national_id", description: "National id (Omang)", example: "123456789" },
    { name: "address", description: "Street address", example: "Plot 1234, Extension 9, Gaborone" },
    { name: "lat", description: "Latitude (with lng)", example: "-24.6282" },
    { name: "lng", description: "Longitude (with lat)", example: "25.9231" },
    { name: "service_area", description: "Service area", example: "gaborone-north" },
    { name: "service_package", description: "Subscribed package, as free text (older records)", example: "Fibre 50" },
    {
      name: "offer",
      description: "The catalogue offer subscribed to, by code or id (GET /v1/offers); it must exist",
      example: "FIBRE-50",
      exampleInTemplate: false,
    },
    {
      name: "language",
      description: "The language the customer is texted in: en or id; the deployment's when absent",
      example: "en",
      exampleInTemplate: false,
    },
  ],

  parse(ctx, cells) {
    const input: Record<string, unknown> = {};
    for (const field of TEXT_FIELDS) if (cells[field] !== undefined) input[field] = cells[field];
    if (cells.message_channels !== undefined) input.message_channels = listCell(cells.message_channels);
    if (cells.offer !== undefined) input.offer_id = cells.offer;
    if (cells.language !== undefined) input.language = cells.language;
    const point = pointCells(cells);
    if ("errors" in point) return point;
    if (point.point) input.coordinates = point.point;
    const result = validated(CustomerCreateSchema, input, "coordinates");
    if ("errors" in result)
      return { errors: result.errors.map((e) => (e.path === "offer_id" ? { ...e, path: "offer" } : e)) };
    const phone = toE164(result.value.phone, ctx.settings.defaultPhoneRegion);
    if (!phone) return { errors: [{ path: "phone", message: "Not a valid phone number" }] };
    const whatsapp =
      result.value.whatsapp === undefined ? undefined : toE164(result.value.whatsapp, ctx.settings.defaultPhoneRegion);
    if (whatsapp === null) return { errors: [{ path: "whatsapp", message: "Not a valid phone number" }] };
    const value = { ...result.value, phone, whatsapp };
    const given = Object.keys(cells).filter((c) => TEXT_FIELDS.includes(c) || OTHER_COLUMNS.includes(c));
    return {
      value: { input: value, given },
      key: value.account_number ? `account:${value.account_number}` : `phone:${phone}`,
    };
  },

  async plan(ctx, rows, { onExisting, guard }) {
    const accounts = rows.flatMap((r) => (r.value.input.account_number ? [r.value.input.account_number] : []));
    const phones = rows.flatMap((r) => (r.value.input.account_number ? [] : [r.value.input.phone]));
    const found =
      accounts.length || phones.length
        ? await ctx.db
            .select({
              id: customers.id,
              accountNumber: customers.accountNumber,
              phone: customers.phone,
              deletedAt: customers.deletedAt,
              offerId: customers.offerId,
            })
            .from(customers)
            .where(
              or(
                accounts.length ? inList(customers.accountNumber, accounts) : undefined,
                phones.length ? and(inList(customers.phone, phones), isNull(customers.deletedAt)) : undefined,
              ),
            )
        : [];
    const offers = await offersByReference(ctx, [
      ...new Set(rows.flatMap((r) => (r.value.input.offer_id ? [r.value.input.offer_id] : []))),
    ]);
    const now = nowIso();
    const statements: D1PreparedStatement[] = [];
    const updated: string[] = [];
    const outcomes = rows.map(({ value: { input, given } }): RowOutcome => {
      const matches = input.account_number
        ? found.filter((f) => f.accountNumber === input.account_number)
        : found.filter((f) => f.phone === input.phone);
      // Every problem of the row together: the offer, then the key.
      const offer = input.offer_id ? offers.get(input.offer_id) : undefined;
      const errors: FieldError[] = [];
      if (input.offer_id && !offer) errors.push({ path: "offer", message: "No such offer" });
      else if (offer && !offer.active && !(matches.length === 1 && matches[0].offerId === offer.id))
        errors.push({ path: "offer", message: `The offer ${offer.code} is retired` });
      const key = input.account_number ? "account_number" : "phone";
      if (matches.length > 1)
        errors.push({
          path: key,
          message: `${matches.length} customers have this phone number; give each row its account_number`,
        });
      else if (matches[0]?.deletedAt) errors.push({ path: key, message: "A deleted customer has this account number" });
      else if (matches.length && onExisting === "fail")
        errors.push({ path: key, message: "A customer with this key exists" });
      if (errors.length) return { outcome: "failed", errors };
      if (!matches.length) {
        statements.push(
          guardedInsert(
            ctx.env.DB,
            "customers",
            {
              id: newId("cus"),
              account_number: input.account_number ?? null,
              full_name: input.full_name,
              phone: input.phone,
              email: input.email ?? null,
              whatsapp: input.whatsapp ?? null,
              message_channels: JSON.stringify(input.message_channels ?? ["sms"]),
              national_id: input.national_id ?? null,
              address: input.address,
              lat: input.coordinates?.lat ?? null,
              lng: input.coordinates?.lng ?? null,
              service_area: input.service_area ?? null,
              service_package: input.service_package ?? null,
              offer_id: offer?.id ?? null,
              language: input.language ?? null,
              created_at: now,
              updated_at: now,
            },
            guard,
          ),
        );
        return { outcome: "created" };
      }
      if (onExisting === "skip") return { outcome: "skipped" };
      const set: Record<string, string | number | null> = { updated_at: now };
      for (const column of given) {
        if (column === "lat")
          Object.assign(set, { lat: input.coordinates?.lat ?? null, lng: input.coordinates?.lng ?? null });
        else if (column === "message_channels")
          set.message_channels = JSON.stringify([...new Set(input.message_channels ?? ["sms"])]);
        else if (column === "offer") set.offer_id = offer?.id ?? null;
        else {
          const value = (input as Record<string, unknown>)[column];
          set[column] = typeof value === "string" || typeof value === "number" ? value : null;
        }
      }
      statements.push(guardedUpdate(ctx.env.DB, "customers", matches[0].id, set, guard));
      updated.push(matches[0].id);
      return { outcome: "updated" };
    });
    // Phones that hold an updated row see the change in their next delta (the change log's owner writes it).
    return {
      outcomes,
      ...prepareChange(ctx, {
        statements,
        guard,
        changed: updated.map((id) => ({ table: customers, id })),
      }),
    };
  },
};

/** How an imported row names a customer: by id, account number or phone number. */
export interface CustomerReference {
  customer_id?: string;
  customer_account_number?: string;
  customer_phone?: string;
}

const REFERENCE_COLUMNS = ["customer_account_number", "customer_phone", "customer_id"] as const;

/** The three columns that name a customer in another kind's rows (`who`: "The customer", "The owner"). */
export function customerReferenceColumns(who: string): ImportColumn[] {
  return [
    {
      name: "customer_account_number",
      description: `${who}, by account number (or customer_phone, or customer_id)`,
      example: "ACC-100234",
    },
    { name: "customer_phone", description: `${who}, by phone number`, example: "71 234 567", exampleInTemplate: false },
    {
      name: "customer_id",
      description: `${who}, by id`,
      example: "cus_0a1b2c3d4e5f6g7h8i9j",
      exampleInTemplate: false,
    },
  ];
}

/** The customer reference among a row's cells. */
export function customerReferenceOf(cells: Record<string, string>): CustomerReference {
  const reference: CustomerReference = {};
  for (const column of REFERENCE_COLUMNS) if (cells[column] !== undefined) reference[column] = cells[column];
  return reference;
}

export interface ReferencedCustomer {
  id: string;
  serviceArea: string | null;
  lat: number | null;
  lng: number | null;
  address: string;
}

/**
 * The customers a chunk of imported rows refers to, among those the caller may see: each row's
 * customer id, or the field error saying why it names none (unknown, or a phone several share).
 */
export async function resolveCustomerReferences(
  ctx: UserContext,
  refs: CustomerReference[],
): Promise<(ReferencedCustomer | { error: FieldError } | null)[]> {
  const ids = refs.flatMap((r) => (r.customer_id ? [r.customer_id] : []));
  const accounts = refs.flatMap((r) => (r.customer_account_number ? [r.customer_account_number] : []));
  const phones = refs.flatMap((r) => {
    const e164 = r.customer_phone ? toE164(r.customer_phone, ctx.settings.defaultPhoneRegion) : null;
    return e164 ? [e164] : [];
  });
  const found =
    ids.length || accounts.length || phones.length
      ? await ctx.db
          .select({
            id: customers.id,
            accountNumber: customers.accountNumber,
            phone: customers.phone,
            serviceArea: customers.serviceArea,
            lat: customers.lat,
            lng: customers.lng,
            address: customers.address,
          })
          .from(customers)
          .where(
            and(
              isNull(customers.deletedAt),
              await visibleCustomers(ctx),
              or(
                ids.length ? inList(customers.id, ids) : undefined,
                accounts.length ? inList(customers.accountNumber, accounts) : undefined,
                phones.length ? inList(customers.phone, phones) : undefined,
              ),
            ),
          )
      : [];
  return refs.map((r) => {
    if (r.customer_id)
      return (
        found.find((f) => f.id === r.customer_id) ?? { error: { path: "customer_id", message: "No such customer" } }
      );
    if (r.customer_account_number) {
      const hit = found.find((f) => f.accountNumber === r.customer_account_number);
      return hit ?? { error: { path: "customer_account_number", message: "No customer has this account number" } };
    }
    if (r.customer_phone) {
      const e164 = toE164(r.customer_phone, ctx.settings.defaultPhoneRegion);
      if (!e164) return { error: { path: "customer_phone", message: "Not a valid phone number" } };
      const hits = found.filter((f) => f.phone === e164);
      if (hits.length > 1)
        return {
          error: {
            path: "customer_phone",
            message: `${hits.length} customers have this phone number; use customer_account_number`,
          },
        };
      return hits[0] ?? { error: { path: "customer_phone", message: "No customer has this phone number" } };
    }
    return null;
  });
}
