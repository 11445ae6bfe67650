import { z } from "@hono/zod-openapi";
import { dateOrInstant } from "../../lib/query-dialect";
import { INCIDENT_STATUSES } from "../../db/schema";
import { cursorParam, limitParam, pageSchema } from "../../lib/pagination";

const idParam = (description: string, example: string) =>
  z.object({
    id: z
      .string()
      .min(1)
      .max(64)
      .openapi({ param: { name: "id", in: "path" }, description, example }),
  });
export const RegionIdParam = idParam("The region's id", "reg_0a1b2c3d4e5f6g7h8i9j");
export const LocalityIdParam = idParam("The locality's id", "lcl_0a1b2c3d4e5f6g7h8i9j");
export const IncidentIdParam = idParam("The incident's id", "cti_0a1b2c3d4e5f6g7h8i9j");
export const AffectedIdParam = idParam("The affected-customer entry's id", "icu_0a1b2c3d4e5f6g7h8i9j");
export const CableTypeParam = z.object({
  cable_type: z
    .string()
    .min(1)
    .max(40)
    .openapi({ param: { name: "cable_type", in: "path" }, description: "The cable type", example: "copper_20_pair" }),
});

const name = z.string().trim().min(1).max(80);
const when = z.iso.datetime({ offset: true });

export const LocalitySchema = z
  .object({
    id: z.string(),
    region_id: z.string(),
    name: z.string(),
    service_area: z.string().openapi({
      description:
        "The free-text service area this locality stands for; customers, tickets and technicians' areas that say it are in this locality",
    }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Locality");
export const RegionSchema = z
  .object({ id: z.string(), name: z.string(), code: z.string(), created_at: z.string(), updated_at: z.string() })
  .openapi("Region");
export const RegionWithLocalitiesSchema = RegionSchema.extend({ localities: z.array(LocalitySchema) }).openapi(
  "RegionWithLocalities",
);
export const RegionListSchema = z.object({ data: z.array(RegionWithLocalitiesSchema) }).openapi("RegionList");

export const RegionCreateSchema = z
  .strictObject({
    name: name.openapi({ example: "South-East" }),
    code: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z0-9-]{1,12}$/, "Up to 12 letters, digits or -")
      .openapi({ example: "SE" }),
  })
  .openapi("RegionCreate");
export const RegionUpdateSchema = z
  .strictObject({ name: name.optional(), code: RegionCreateSchema.shape.code.optional() })
  .openapi("RegionUpdate");
export const LocalityCreateSchema = z
  .strictObject({
    region_id: z.string().min(1).max(64).openapi({ example: "reg_0a1b2c3d4e5f6g7h8i9j" }),
    name: name.openapi({ example: "Tlokweng" }),
    service_area: z
      .string()
      .trim()
      .toLowerCase()
      .min(1)
      .max(40)
      .optional()
      .openapi({ description: "Defaults to the name in lowercase", example: "tlokweng" }),
  })
  .openapi("LocalityCreate");
export const LocalityUpdateSchema = z
  .strictObject({ name: name.optional(), region_id: z.string().min(1).max(64).optional() })
  .openapi("LocalityUpdate");
export const LocalityListQuery = z.strictObject({
  region_id: z
    .string()
    .max(64)
    .optional()
    .openapi({ param: { name: "region_id", in: "query" }, description: "Only this region's localities" }),
});
export const LocalityListSchema = z.object({ data: z.array(LocalitySchema) }).openapi("LocalityList");

export const CablePriceSchema = z
  .object({
    cable_type: z.string(),
    price_per_metre: z.number().int().openapi({ description: "Minor units per metre" }),
    currency: z.string(),
    effective_from: z.string(),
    history: z
      .array(z.object({ price_per_metre: z.number().int(), currency: z.string(), effective_from: z.string() }))
      .openapi({ description: "Earlier prices, newest first" }),
  })
  .openapi("CablePrice");
export const CablePriceListSchema = z.object({ data: z.array(CablePriceSchema) }).openapi("CablePriceList");
export const CablePriceUpdateSchema = z
  .strictObject({
    price_per_metre: z
      .number()
      .int()
      .min(0)
      .max(100_000_000)
      .openapi({ description: "Minor units per metre", example: 8500 }),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, "An ISO 4217 code")
      .openapi({ example: "BWP" }),
    effective_from: when
      .optional()
      .openapi({ description: "From when (default now); incidents reported before keep the price of their day" }),
  })
  .openapi("CablePriceUpdate");

const status = z.enum(INCIDENT_STATUSES).openapi({ description: "reported → under_investigation → repaired → closed" });
export const IncidentSchema = z
  .object({
    id: z.string(),
    number: z.string(),
    region_id: z.string(),
    locality_id: z.string().nullable(),
    location: z.object({ lat: z.number(), lng: z.number() }).nullable(),
    description: z.string(),
    discovered_at: z.string(),
    reported_at: z.string(),
    cable_type: z.string(),
    metres_stolen: z.number(),
    police_case_number: z.string().nullable(),
    status,
    price_per_metre: z
      .number()
      .int()
      .openapi({ description: "The price in force when the incident was reported (minor units)" }),
    currency: z.string(),
    estimated_cost: z.number().int().openapi({ description: "metres_stolen × price_per_metre, minor units" }),
    affected_customers: z.number().int(),
    created_by: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("CopperTheftIncident");
export const IncidentPageSchema = pageSchema(IncidentSchema, "CopperTheftIncidentPage");

const incidentFields = {
  region_id: z.string().min(1).max(64).openapi({ example: "reg_0a1b2c3d4e5f6g7h8i9j" }),
  locality_id: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .openapi({ description: "In `region_id`", example: "lcl_0a1b2c3d4e5f6g7h8i9j" }),
  location: z
    .strictObject({
      lat: z.number().min(-90).max(90).openapi({ example: -24.6545 }),
      lng: z.number().min(-180).max(180).openapi({ example: 25.9086 }),
    })
    .optional(),
  description: z
    .string()
    .trim()
    .max(5000)
    .optional()
    .openapi({ example: "Cable cut between two manholes on Nelson Mandela Drive" }),
  discovered_at: when.openapi({ example: "2026-11-30T06:15:00+02:00" }),
  cable_type: z.string().trim().min(1).max(40).openapi({ example: "copper_20_pair" }),
  metres_stolen: z.number().positive().max(100_000).openapi({ example: 120 }),
  police_case_number: z.string().trim().min(1).max(60).optional().openapi({ example: "CR 1234/11/2026" }),
};
export const IncidentCreateSchema = z.strictObject(incidentFields).openapi("CopperTheftIncidentCreate");
export const IncidentUpdateSchema = z
  .strictObject({
    locality_id: incidentFields.locality_id.nullable(),
    location: incidentFields.location.nullable(),
    description: incidentFields.description,
    metres_stolen: incidentFields.metres_stolen.optional(),
    police_case_number: z.string().trim().min(1).max(60).nullable().optional(),
    status: status.optional(),
  })
  .partial()
  .openapi("CopperTheftIncidentUpdate");
export const IncidentListQuery = z.strictObject({
  limit: limitParam,
  cursor: cursorParam,
  region_id: z
    .string()
    .max(64)
    .optional()
    .openapi({ param: { name: "region_id", in: "query" }, description: "Only incidents in this region" }),
  locality_id: z
    .string()
    .max(64)
    .optional()
    .openapi({ param: { name: "locality_id", in: "query" }, description: "Only incidents in this locality" }),
  status: status
    .optional()
    .openapi({ param: { name: "status", in: "query" }, description: "Only incidents in this state" }),
  reported_from: dateOrInstant("reported_from", "Reported at or after"),
  reported_to: dateOrInstant("reported_to", "Reported before (a date: up to the end of that day)"),
});

export const AffectedSchema = z
  .object({
    id: z.string(),
    incident_id: z.string(),
    customer_id: z.string(),
    customer_name: z.string(),
    account_number: z.string().nullable(),
    service: z.string().nullable(),
    notes: z.string().nullable(),
    restoration_ticket_id: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("AffectedCustomer");
export const AffectedPageSchema = pageSchema(AffectedSchema, "AffectedCustomerPage");
const affectedEntry = z.strictObject({
  customer_id: z.string().min(1).max(64).openapi({ example: "cus_0a1b2c3d4e5f6g7h8i9j" }),
  service: z.string().trim().max(60).optional().openapi({ description: "The service cut off", example: "voice" }),
  notes: z.string().trim().max(1000).optional(),
});
export const AffectedAddSchema = z
  .strictObject({ customers: z.array(affectedEntry).min(1).max(500) })
  .openapi("AffectedCustomersAdd", {
    example: { customers: [{ customer_id: "cus_0a1b2c3d4e5f6g7h8i9j", service: "voice" }] },
  });
export const AffectedAddedSchema = z
  .object({ added: z.number().int(), already_listed: z.number().int() })
  .openapi("AffectedCustomersAdded");
export const AffectedUpdateSchema = z
  .strictObject({
    service: z.string().trim().max(60).nullable().optional(),
    notes: z.string().trim().max(1000).nullable().optional(),
  })
  .openapi("AffectedCustomerUpdate");
export const AffectedListQuery = z.strictObject({ limit: limitParam, cursor: cursorParam });
export const DeletedCountSchema = z.object({ deleted: z.number().int() }).openapi("DeletedCount");
export const RestorationResultSchema = z
  .object({
    created: z.number().int(),
    already_raised: z.number().int(),
    remaining: z
      .number()
      .int()
      .openapi({ description: "Customers still without a ticket (over the 100 per request): ask again" }),
    tickets: z.array(z.object({ customer_id: z.string(), ticket_id: z.string() })),
  })
  .openapi("RestorationTickets");

export const IncidentReportQuery = z.strictObject({
  from: dateOrInstant("from", "Incidents reported at or after (default: a year before `to`)"),
  to: dateOrInstant("to", "Incidents reported before (a date: up to the end of that day; default: now)"),
  region_id: z
    .string()
    .max(64)
    .optional()
    .openapi({ param: { name: "region_id", in: "query" }, description: "Only this region" }),
  format: z
    .enum(["json", "csv"])
    .default("json")
    .openapi({ param: { name: "format", in: "query" }, description: "`json` (default) or `csv` for a spreadsheet" }),
});
const reportRow = z.object({
  month: z.string().openapi({ description: "YYYY-MM of the report date, in the deployment's time zone" }),
  region_id: z.string(),
  region_name: z.string(),
  incidents: z.number().int(),
  metres_stolen: z.number(),
  estimated_cost: z.number().int().openapi({ description: "Minor units" }),
  currency: z.string(),
  customers_affected: z.number().int(),
});
export const IncidentReportSchema = z
  .object({
    period: z.object({ from: z.string(), to: z.string() }),
    rows: z.array(reportRow).openapi({ description: "One row per month, region and currency" }),
    totals: z.array(
      z.object({
        currency: z.string(),
        incidents: z.number().int(),
        metres_stolen: z.number(),
        estimated_cost: z.number().int(),
        customers_affected: z.number().int(),
      }),
    ),
    generated_at: z.string(),
  })
  .openapi("CopperTheftReport");
