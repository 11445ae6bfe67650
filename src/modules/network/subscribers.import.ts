import { and, eq, isNull, or, sql } from "drizzle-orm";
import { localities, regions } from "../../db/schema";
import { inList } from "../../lib/d1";
import type { ImportKind, RowOutcome } from "../../lib/imports";
import { customerImport } from "../customers";

type CustomerRow = Parameters<typeof customerImport.plan>[1][number];
type SubscriberRow = { customer: CustomerRow["value"]; locality: string | null; region: string | null };

const CUSTOMER_COLUMNS = [
  "full_name",
  "phone",
  "email",
  "whatsapp",
  "message_channels",
  "national_id",
  "address",
  "lat",
  "lng",
  "service_package",
];

/**
 * The network's subscriber list (NET-2, the audit team's subscriber upload): customers keyed by
 * their subscriber id, which becomes the account number, placed in a locality named as the
 * network knows it (its name or service area), optionally checked against its region. Everything
 * else is the customer import's own parsing and writing.
 */
export const subscriberImport: ImportKind<SubscriberRow> = {
  kind: "subscribers",
  noun: "subscriber",
  keyDescription: "`subscriber_id` (the subscriber id at the element manager, kept as the customer's account number)",
  permission: "customers:write",
  updates: true,
  columns: [
    {
      name: "subscriber_id",
      description: "The subscriber id at the network's element manager; the customer's account number",
      example: "SUB-200001",
      required: true,
    },
    ...customerImport.columns.filter((c) => CUSTOMER_COLUMNS.includes(c.name)),
    {
      name: "locality",
      description:
        "Town or village: a locality's name or service area (`GET /v1/localities`); sets the customer's service area",
      example: "Gaborone",
    },
    { name: "region", description: "The locality's region, by code or name (checked, not stored)", example: "SE" },
  ],

  parse(ctx, cells) {
    const { subscriber_id: subscriberId, locality, region, ...rest } = cells;
    if (!subscriberId) return { errors: [{ path: "subscriber_id", message: "Required" }] };
    const customerCells = Object.fromEntries(Object.entries(rest).filter(([k]) => CUSTOMER_COLUMNS.includes(k)));
    const parsed = customerImport.parse(ctx, { ...customerCells, account_number: subscriberId });
    if ("errors" in parsed)
      return { errors: parsed.errors.map((e) => (e.path === "account_number" ? { ...e, path: "subscriber_id" } : e)) };
    return {
      value: {
        customer: parsed.value,
        locality: locality?.trim().toLowerCase() || null,
        region: region?.trim().toLowerCase() || null,
      },
      key: parsed.key,
    };
  },

  async plan(ctx, rows, options) {
    const named = [...new Set(rows.flatMap((r) => (r.value.locality ? [r.value.locality] : [])))];
    const places = named.length
      ? await ctx.db
          .select({
            name: localities.name,
            serviceArea: localities.serviceArea,
            regionCode: regions.code,
            regionName: regions.name,
          })
          .from(localities)
          .innerJoin(regions, eq(regions.id, localities.regionId))
          .where(
            and(
              isNull(localities.deletedAt),
              or(inList(sql`lower(${localities.name})`, named), inList(localities.serviceArea, named)),
            ),
          )
      : [];
    const outcomes: RowOutcome[] = new Array(rows.length);
    const passed: { index: number; row: CustomerRow }[] = [];
    rows.forEach((row, index) => {
      const { customer, locality, region } = row.value;
      if (!locality) {
        if (region)
          outcomes[index] = { outcome: "failed", errors: [{ path: "region", message: "A region needs its locality" }] };
        else passed.push({ index, row: { value: customer, key: row.key } });
        return;
      }
      const place =
        places.find((p) => p.name.toLowerCase() === locality) ?? places.find((p) => p.serviceArea === locality);
      if (!place) {
        outcomes[index] = { outcome: "failed", errors: [{ path: "locality", message: "No such locality" }] };
      } else if (region && region !== place.regionCode.toLowerCase() && region !== place.regionName.toLowerCase()) {
        outcomes[index] = {
          outcome: "failed",
          errors: [{ path: "region", message: `${place.name} is in ${place.regionName} (${place.regionCode})` }],
        };
      } else {
        const given = customer.given.includes("service_area") ? customer.given : [...customer.given, "service_area"];
        passed.push({
          index,
          row: { value: { input: { ...customer.input, service_area: place.serviceArea }, given }, key: row.key },
        });
      }
    });
    const plan = await customerImport.plan(
      ctx,
      passed.map((p) => p.row),
      options,
    );
    plan.outcomes.forEach((outcome, i) => (outcomes[passed[i].index] = outcome));
    return { outcomes, statements: plan.statements };
  },
};
