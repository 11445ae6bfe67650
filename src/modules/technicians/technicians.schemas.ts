import { CalendarWeekSchema } from "../calendars";
import { z } from "@hono/zod-openapi";
import { deprecatedAlias } from "../../lib/query-dialect";
import { cursorParam, limitParam, pageSchema } from "../../lib/pagination";

export const TechnicianIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({
      param: { name: "id", in: "path" },
      description: "The technician's user id",
      example: "usr_0a1b2c3d4e5f6g7h8i9j",
    }),
});
export const SupervisorIdParam = z.object({
  supervisor_id: z
    .string()
    .min(1)
    .max(64)
    .openapi({
      param: { name: "supervisor_id", in: "path" },
      description: "The supervisor's user id (a team is known by its supervisor)",
      example: "usr_0a1b2c3d4e5f6g7h8i9j",
    }),
});

export const TechnicianSchema = z
  .object({
    user_id: z.string(),
    username: z.string(),
    display_name: z.string(),
    phone: z.string().nullable(),
    email: z.string(),
    is_active: z.boolean(),
    employee_id: z.string().nullable(),
    skills: z.array(z.string()),
    service_areas: z.array(z.string()),
    company_id: z.string().nullable(),
    supervisor_id: z.string().nullable(),
    external_usernames: z.record(z.string(), z.string()),
    is_available: z.boolean(),
    unavailable_reason: z.string().nullable(),
    calendar_id: z.string().nullable().openapi({
      description: "The calendar the technician works by; null: the deployment's default calendar (if any)",
    }),
    working_week: z
      .record(z.string(), z.array(z.object({ start: z.string(), end: z.string() })))
      .nullable()
      .openapi({ description: "Their own weekly frames instead of the calendar's week; null: the calendar's" }),
    missing_fields: z.array(z.string()),
  })
  .openapi("Technician");

export const TechnicianListItemSchema = TechnicianSchema.extend({
  current_location: z
    .object({ lat: z.number(), lng: z.number(), accuracy_m: z.number().nullable(), reported_at: z.string() })
    .nullable()
    .openapi({
      description:
        "The latest location the technician's device reported; null when none, or when you may not see it (only your own team's unless you see all work)",
    }),
  performance: z
    .object({
      open_tickets: z.number().int().openapi({ description: "Unfinished tickets assigned to the technician now" }),
      resolved_last_30_days: z.number().int().openapi({
        description: "Tickets the technician resolved in the last 30 days (today included, the deployment's calendar)",
      }),
      average_rating_90_days: z.number().nullable().openapi({
        description:
          "Average rating (1–5) customers gave the technician's tickets resolved in the last 90 days; null without ratings",
      }),
    })
    .openapi({ description: "A summary; the full figures are at /v1/technicians/{id}/performance" }),
}).openapi("TechnicianListItem");

export const TechnicianPageSchema = pageSchema(TechnicianListItemSchema, "TechnicianPage");

const tag = z
  .string()
  .trim()
  .toLowerCase()
  .min(1)
  .max(40)
  .regex(/^[a-z0-9][a-z0-9 _-]*$/, "Letters, digits, space, dash, underscore");

export const TechnicianUpdateSchema = z
  .strictObject({
    employee_id: z.string().trim().min(1).max(40).nullable().optional(),
    skills: z.array(tag).max(50).optional(),
    service_areas: z.array(tag).max(50).optional(),
    external_usernames: z.record(z.string().min(1).max(40), z.string().min(1).max(80)).optional(),
    supervisor_id: z.string().max(64).nullable().optional(),
    company_id: z.string().max(64).nullable().optional(),
    calendar_id: z.string().min(1).max(64).nullable().optional().openapi({
      description:
        "The calendar the technician works by (zone, exceptions, holidays); null: the deployment's default calendar",
    }),
    working_week: CalendarWeekSchema.nullable().optional().openapi({
      description:
        "Their own weekly frames (split shifts, overnight frames) in the calendar's zone; null: the calendar's week",
    }),
  })
  .openapi("TechnicianUpdate");

export const AvailabilitySchema = z
  .strictObject({ is_available: z.boolean(), reason: z.string().trim().max(200).optional() })
  .refine((v) => v.is_available || v.reason, { message: "Give a reason when switching unavailable", path: ["reason"] })
  .openapi("TechnicianAvailability");

export const PROFILE_FIELDS = [
  "employee_id",
  "skills",
  "service_areas",
  "company",
  "supervisor",
  "external_usernames",
  "bucket",
] as const;

const boolParam = z.enum(["true", "false"]).transform((v) => v === "true");

export const TechnicianListQuery = z.strictObject({
  limit: limitParam,
  cursor: cursorParam,
  supervisor_id: z
    .string()
    .max(64)
    .optional()
    .openapi({
      param: { name: "supervisor_id", in: "query" },
      description: "Only this supervisor's technicians (user id)",
      example: "usr_demo_supervisor",
    }),
  supervisor: deprecatedAlias("supervisor", "supervisor_id"),
  unassigned: boolParam
    .optional()
    .openapi({ param: { name: "unassigned", in: "query" }, description: "Only technicians without a supervisor" }),
  missing: z
    .string()
    .max(200)
    .optional()
    .transform((v, ctx) => {
      if (!v) return undefined;
      const fields = v
        .split(",")
        .map((f) => f.trim())
        .filter(Boolean);
      const bad = fields.filter((f) => f !== "any" && !(PROFILE_FIELDS as readonly string[]).includes(f));
      if (bad.length)
        ctx.addIssue({
          code: "custom",
          message: `Unknown fields: ${bad.join(", ")}; use ${PROFILE_FIELDS.join(", ")} or any`,
        });
      return fields as ((typeof PROFILE_FIELDS)[number] | "any")[];
    })
    .openapi({
      param: { name: "missing", in: "query" },
      description: `Comma-separated profile fields that are all empty: ${PROFILE_FIELDS.join(", ")} (\`bucket\`: owns no saved ticket queue); \`any\`: at least one field the profile's \`missing_fields\` lists is empty`,
    }),
  missing_fields: boolParam
    .optional()
    .openapi({ param: { name: "missing_fields", in: "query" }, description: "`true`: the same as `missing=any`" }),
  order: z
    .enum(["username", "-username", "created_at", "-created_at"])
    .default("username")
    .openapi({ param: { name: "order", in: "query" }, description: "Sort order; `-` for descending" }),
  ordering: deprecatedAlias("ordering", "order"),
  area: z
    .string()
    .max(40)
    .optional()
    .openapi({ param: { name: "area", in: "query" }, description: "Only technicians serving this area" }),
  region_id: z
    .string()
    .max(64)
    .optional()
    .openapi({
      param: { name: "region_id", in: "query" },
      description: "Only technicians serving one of this region's localities (by their service areas)",
    }),
  locality_id: z
    .string()
    .max(64)
    .optional()
    .openapi({
      param: { name: "locality_id", in: "query" },
      description: "Only technicians serving this locality (by its service area)",
    }),
  skill: z
    .string()
    .max(200)
    .optional()
    .transform((v, ctx) => {
      if (!v) return undefined;
      const skills = [
        ...new Set(
          v
            .split(",")
            .map((s) => s.trim().toLowerCase())
            .filter(Boolean),
        ),
      ];
      if (skills.length > 10 || skills.some((s) => s.length > 40))
        ctx.addIssue({ code: "custom", message: "At most 10 skills of at most 40 characters" });
      return skills.length ? skills : undefined;
    })
    .openapi({
      param: { name: "skill", in: "query" },
      description: "One or more (comma-separated) skills the technician must all have, e.g. `fibre,splicing`",
    }),
  available: boolParam.optional().openapi({
    param: { name: "available", in: "query" },
    description: "`true`: only active technicians available for work; `false`: only the others",
  }),
});

export const TeamMembersSchema = z
  .strictObject({ technician_ids: z.array(z.string().min(1).max(64)).min(1).max(100) })
  .openapi("TeamMembers");

export const TeamSchema = z
  .object({ supervisor_id: z.string(), supervisor_name: z.string(), technicians: z.array(TechnicianSchema) })
  .openapi("Team");

export const TeamListSchema = z
  .object({
    data: z.array(
      z.object({ supervisor_id: z.string(), supervisor_name: z.string(), technician_count: z.number().int() }),
    ),
  })
  .openapi("TeamList");

// ---- locations ----

export const LocationReportSchema = z
  .strictObject({
    lat: z.number().min(-90).max(90),
    lng: z.number().min(-180).max(180),
    accuracy_m: z.number().min(0).max(100_000).optional(),
  })
  .openapi("LocationReport");
export const LatestLocationsSchema = z
  .object({
    data: z.array(
      z.object({
        technician_id: z.string(),
        display_name: z.string(),
        lat: z.number(),
        lng: z.number(),
        accuracy_m: z.number().nullable(),
        reported_at: z.string(),
        is_available: z.boolean(),
      }),
    ),
  })
  .openapi("LatestLocations");
