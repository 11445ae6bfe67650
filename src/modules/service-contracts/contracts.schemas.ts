import { z } from "@hono/zod-openapi";
import { CONTRACT_CHARGES, CONTRACT_RENEWALS } from "../../db/schema";
import { cursorParam, limitParam, pageSchema } from "../../lib/pagination";

const date = z.iso.date().openapi({ example: "2027-01-01" });
const id = (example: string) => z.string().min(1).max(64).openapi({ example });

export const CONTRACT_STATES = ["upcoming", "active", "ended", "cancelled"] as const;

const coverage = {
  asset_ids: z
    .array(id("ast_0a1b2c3d4e5f6g7h8i9j"))
    .min(1)
    .max(50)
    .nullable()
    .optional()
    .openapi({ description: "The service cards covered; omitted or null: every card of the customer" }),
  visits_per_period: z.number().int().min(0).max(366).nullable().optional().openapi({
    description: "Visits included in each period; null: unlimited. Visits beyond them are paid",
    example: 1,
  }),
  period_months: z
    .number()
    .int()
    .min(1)
    .max(60)
    .default(3)
    .openapi({ description: "Length of the period the included visits count over, from the start date" }),
  charge: z
    .enum(CONTRACT_CHARGES)
    .default("free")
    .openapi({ description: "How the included visits are charged: `free`, or `paid` (e.g. at the contract rate)" }),
  renewal: z.enum(CONTRACT_RENEWALS).default("manual").openapi({
    description:
      "`auto`: a new term starts when this one ends; `manual`: the customer is reminded and staff renew it; `none`: it just ends",
  }),
  term_months: z.number().int().min(1).max(120).default(12).openapi({ description: "Length of a renewed term" }),
  reminder_days: z
    .number()
    .int()
    .min(0)
    .max(90)
    .default(30)
    .openapi({ description: "Remind the customer this many days before the end (0: no reminder)" }),
  notes: z.string().trim().max(2000).nullable().optional().openapi({ example: "Signed at the Gaborone office" }),
};

export const ContractCreateSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(120).openapi({ example: "Purifier care plan" }),
    customer_id: id("cus_0a1b2c3d4e5f6g7h8i9j"),
    starts_on: date,
    ends_on: date.openapi({ example: "2027-12-31" }),
    ...coverage,
  })
  .refine((c) => c.ends_on >= c.starts_on, { message: "Must not be before starts_on", path: ["ends_on"] })
  .openapi("ServiceContractCreate", {
    example: {
      name: "Purifier care plan",
      customer_id: "cus_0a1b2c3d4e5f6g7h8i9j",
      asset_ids: ["ast_0a1b2c3d4e5f6g7h8i9j"],
      starts_on: "2027-01-01",
      ends_on: "2027-12-31",
      visits_per_period: 1,
      period_months: 3,
      charge: "free",
      renewal: "auto",
      term_months: 12,
      reminder_days: 30,
    },
  });

export const ContractUpdateSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(120).optional(),
    ends_on: date.optional(),
    asset_ids: coverage.asset_ids,
    visits_per_period: coverage.visits_per_period,
    charge: z.enum(CONTRACT_CHARGES).optional(),
    renewal: z.enum(CONTRACT_RENEWALS).optional(),
    term_months: z.number().int().min(1).max(120).optional(),
    reminder_days: z.number().int().min(0).max(90).optional(),
    notes: coverage.notes,
  })
  .openapi("ServiceContractUpdate", {
    description: "Bookings already made keep the charge they were given; new ones follow the changed contract",
    example: { visits_per_period: 2, renewal: "manual" },
  });

export const ContractSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    customer_id: z.string(),
    asset_ids: z.array(z.string()).nullable(),
    starts_on: z.string(),
    ends_on: z.string(),
    visits_per_period: z.number().int().nullable(),
    period_months: z.number().int(),
    charge: z.enum(CONTRACT_CHARGES),
    renewal: z.enum(CONTRACT_RENEWALS),
    term_months: z.number().int(),
    reminder_days: z.number().int(),
    renewals: z.number().int().openapi({ description: "How many times the contract was renewed" }),
    status: z.enum(CONTRACT_STATES).openapi({
      description: "`upcoming` before its start, `active` in force, `ended` after its end, `cancelled`",
    }),
    reminded_for: z
      .string()
      .nullable()
      .openapi({ description: "The end date the customer was last reminded of (one reminder per term)" }),
    notes: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("ServiceContract");

export const ContractDetailSchema = ContractSchema.extend({
  current_period: z
    .object({
      from: z.string().openapi({ description: "First day of the period" }),
      to: z.string().openapi({ description: "Last day of the period" }),
      visits_used: z.number().int().openapi({ description: "Bookings (not cancelled) that used this period's visits" }),
      visits_left: z.number().int().nullable().openapi({ description: "null: unlimited" }),
    })
    .nullable()
    .openapi({ description: "The period today falls in, while the contract is in force" }),
}).openapi("ServiceContractDetail");

export const ContractPageSchema = pageSchema(ContractSchema, "ServiceContractPage");

export const ContractIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({
      param: { name: "id", in: "path" },
      description: "The service contract",
      example: "sct_0a1b2c3d4e5f6g7h8i9j",
    }),
});

export const ContractListQuery = z.strictObject({
  customer_id: z
    .string()
    .max(64)
    .optional()
    .openapi({ param: { name: "customer_id", in: "query" }, description: "Only this customer's contracts" }),
  asset_id: z
    .string()
    .max(64)
    .optional()
    .openapi({
      param: { name: "asset_id", in: "query" },
      description: "Only contracts covering this service card (naming it, or covering all the customer's cards)",
    }),
  status: z
    .enum(CONTRACT_STATES)
    .optional()
    .openapi({ param: { name: "status", in: "query" }, description: "upcoming, active, ended or cancelled" }),
  limit: limitParam,
  cursor: cursorParam,
});

export const EndingQuery = z.strictObject({
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, "A month, YYYY-MM")
    .optional()
    .openapi({
      param: { name: "month", in: "query" },
      description: "The month the contracts end in; default next month (deployment's zone)",
      example: "2027-01",
    }),
  limit: limitParam,
  cursor: cursorParam,
});

export const EndingRowSchema = ContractSchema.extend({
  customer_name: z.string().nullable(),
  will_renew: z.boolean().openapi({ description: "Renews by itself (`renewal` is auto)" }),
}).openapi("ContractEnding");

export const EndingPageSchema = z
  .object({
    month: z.string(),
    data: z.array(EndingRowSchema),
    next_cursor: z.string().nullable(),
    has_more: z.boolean().openapi({ description: "Whether another page follows (then `next_cursor` fetches it)" }),
  })
  .openapi("ContractEndingPage");

export const CancelSchema = z
  .strictObject({ reason: z.string().trim().min(1).max(300).openapi({ example: "Customer moved away" }) })
  .openapi("ServiceContractCancel");
