import { z } from "@hono/zod-openapi";
import { cursorParam, limitParam } from "../../lib/pagination";

export const MonthParam = z.object({
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, "month must be YYYY-MM")
    .openapi({
      param: { name: "month", in: "path" },
      description: "The month (UTC) the tickets were closed or cancelled in, YYYY-MM",
      example: "2024-03",
    }),
});

export const ArchiveMonthListQuery = z.strictObject({
  limit: limitParam,
  cursor: cursorParam,
});

export const ArchiveMonthSchema = z
  .object({
    month: z.string().openapi({ example: "2024-03" }),
    status: z.enum(["archived", "restored"]).openapi({
      description:
        "`archived`: the month's closed work is in the archive; `restored`: it was brought back into the database (and is not archived again automatically)",
    }),
    parts: z.number().int().openapi({ description: "Compressed files the month's tickets are stored in", example: 4 }),
    tickets: z.number().int().openapi({ example: 362 }),
    rows: z
      .number()
      .int()
      .openapi({ description: "Rows stored: tickets, history, comments, work logs, visits …", example: 9140 }),
    bytes: z.number().int().openapi({ description: "Compressed size of the parts", example: 1_280_544 }),
    manifest_key: z.string().nullable().openapi({
      description: "Where the month's manifest is in the file store (lists every part with its SHA-256)",
      example: "archive/tickets/2024-03/manifest.json",
    }),
    updated_at: z.string().openapi({ example: "2026-04-02T03:00:12.000Z" }),
  })
  .openapi("ArchiveMonth");

export const ArchiveMonthPageSchema = z
  .object({
    data: z.array(ArchiveMonthSchema),
    next_cursor: z.string().nullable(),
    has_more: z.boolean().openapi({ description: "Whether another page follows (then `next_cursor` fetches it)" }),
  })
  .openapi("ArchiveMonthPage");
