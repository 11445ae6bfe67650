import { z } from "@hono/zod-openapi";
import { WEEKDAYS } from "../../lib/working-time";
import { cursorParam, limitParam, pageSchema } from "../../lib/pagination";

const time = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "A local time, HH:MM (00:00–23:59)")
  .openapi({ example: "08:00" });

const date = z.iso.date().openapi({ example: "2026-12-25" });

export const FrameSchema = z
  .strictObject({
    start: time,
    end: time.openapi({
      description: "Local end; an end not after the start means the frame runs past midnight into the next day",
      example: "17:00",
    }),
  })
  .refine((f) => f.start !== f.end || f.start === "00:00", {
    message: "A frame from a time to the same time is empty (00:00–00:00 is the whole day)",
    path: ["end"],
  })
  .openapi("CalendarFrame");

const frames = z.array(FrameSchema).max(12);

export const TimeZoneSchema = z
  .string()
  .min(1)
  .max(64)
  .refine(
    (zone) => {
      try {
        new Intl.DateTimeFormat("en", { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    },
    { message: "Not an IANA time zone (e.g. Africa/Gaborone)" },
  )
  .openapi({ example: "Africa/Gaborone" });

export const WeekSchema = z
  .strictObject(
    Object.fromEntries(WEEKDAYS.map((d) => [d, frames.optional()])) as Record<
      (typeof WEEKDAYS)[number],
      z.ZodOptional<typeof frames>
    >,
  )
  .openapi("CalendarWeek", { description: "Frames per weekday (mon … sun); a day left out is closed" });

const ExceptionSchema = z
  .strictObject({
    date,
    frames: frames.openapi({ description: "That date's frames instead of its weekday's; [] closes the day" }),
    name: z.string().trim().max(80).optional(),
  })
  .openapi("CalendarException");

const HolidaySchema = z
  .strictObject({
    date: z
      .string()
      .regex(/^(\d{4}-\d{2}-\d{2}|--\d{2}-\d{2})$/, "YYYY-MM-DD for one year, --MM-DD for every year")
      .refine((d) => !Number.isNaN(Date.parse(d.startsWith("--") ? `2024${d.slice(1)}` : d)), "Not a date")
      .openapi({ example: "--09-30", description: "`YYYY-MM-DD` once, or `--MM-DD` every year" }),
    name: z.string().trim().min(1).max(80).openapi({ example: "Botswana Day" }),
  })
  .openapi("CalendarHoliday");

const unique = <T extends { date: string }>(list: T[]) => new Set(list.map((e) => e.date)).size === list.length;

export const CalendarCreateSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(80).openapi({ example: "Gaborone office" }),
    time_zone: TimeZoneSchema,
    week: WeekSchema,
    exceptions: z.array(ExceptionSchema).max(366).default([]).refine(unique, "One exception per date"),
    holidays: z.array(HolidaySchema).max(200).default([]).refine(unique, "One holiday per date"),
    is_default: z.boolean().default(false).openapi({ description: "Make this the deployment's default calendar" }),
    ical_url: z.string().max(500).nullable().optional().openapi({
      description:
        "An https iCal (RFC 5545) feed of holidays, e.g. a public-holiday calendar: its all-day events close their days. Refreshed daily; `null` removes it",
      example: "https://holidays.example.com/botswana.ics",
    }),
  })
  .openapi("CalendarCreate");

export const CalendarUpdateSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(80).optional(),
    time_zone: TimeZoneSchema.optional(),
    week: WeekSchema.optional(),
    exceptions: z.array(ExceptionSchema).max(366).refine(unique, "One exception per date").optional(),
    holidays: z.array(HolidaySchema).max(200).refine(unique, "One holiday per date").optional(),
    is_default: z
      .literal(true)
      .optional()
      .openapi({ description: "Make this the default (the previous one stops being it)" }),
    ical_url: z.string().max(500).nullable().optional().openapi({
      description:
        "An https iCal (RFC 5545) feed of holidays, e.g. a public-holiday calendar: its all-day events close their days. Refreshed daily; `null` removes it",
      example: "https://holidays.example.com/botswana.ics",
    }),
  })
  .openapi("CalendarUpdate");

export const CalendarSchema = z
  .object({
    id: z.string().openapi({ example: "cal_0a1b2c3d4e5f6g7h8i9j" }),
    name: z.string(),
    time_zone: z.string(),
    week: z.record(z.string(), z.array(FrameSchema)),
    exceptions: z.array(ExceptionSchema),
    holidays: z.array(HolidaySchema),
    is_default: z.boolean(),
    ical_url: z.string().nullable(),
    ical_holidays: z
      .array(HolidaySchema)
      .openapi({ description: "The closed days the feed named at its last good refresh (a year back, two ahead)" }),
    ical_refreshed_at: z.string().nullable().openapi({ description: "When the feed was last read successfully" }),
    ical_error: z.string().nullable().openapi({ description: "Why the last refresh failed; null after a good one" }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Calendar");

export const CalendarPageSchema = pageSchema(CalendarSchema, "CalendarPage");

export const CalendarIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({
      param: { name: "id", in: "path" },
      description: "The calendar's id",
      example: "cal_0a1b2c3d4e5f6g7h8i9j",
    }),
});

export const CalendarListQuery = z.strictObject({ limit: limitParam, cursor: cursorParam });

export const WorkingTimeQuery = z.strictObject({
  from: z.iso.datetime({ offset: true }).openapi({
    param: { name: "from", in: "query" },
    description: "The instant the clock starts (RFC 3339)",
    example: "2026-12-04T16:30:00+02:00",
  }),
  minutes: z.coerce
    .number()
    .int()
    .min(0)
    .max(525_600)
    .openapi({ param: { name: "minutes", in: "query" }, description: "Working minutes to add", example: 120 }),
});

export const WorkingTimeSchema = z
  .object({
    from: z.string(),
    minutes: z.number().int(),
    due_at: z
      .string()
      .nullable()
      .openapi({ description: "When that many working minutes have passed; null if the calendar never opens" }),
  })
  .openapi("CalendarWorkingTime");
