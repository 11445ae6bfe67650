import { ticketComments } from "../../db/schema";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { systemContext } from "../../lib/context";
import { AppError } from "../../lib/problem";
import { customerAccount, raiseTicket } from "../../../test/work-factories";
import { changeTicket } from "./change";

const count = async (sql: string, ...params: unknown[]) =>
  (await env.DB.prepare(sql)
    .bind(...params)
    .first<{ n: number }>())!.n;

async function state(ticketId: string) {
  return {
    ticket: await env.DB.prepare("SELECT status, title, updated_at, write_token FROM tickets WHERE id = ?1")
      .bind(ticketId)
      .first(),
    history: await count("SELECT count(*) AS n FROM ticket_history WHERE ticket_id = ?1", ticketId),
    events: await count("SELECT count(*) AS n FROM domain_events WHERE subject_id = ?1", ticketId),
    comments: await count("SELECT count(*) AS n FROM ticket_comments WHERE ticket_id = ?1", ticketId),
  };
}

describe("changeTicket: one guarded batch, all or nothing", () => {
  const change = (ticketId: string, over: Partial<Parameters<typeof changeTicket>[1]> = {}) =>
    changeTicket(systemContext(env, "test"), {
      ticketId,
      set: { title: "Changed" },
      rows: [
        {
          table: ticketComments,
          row: {
            id: `cmt_${crypto.randomUUID().slice(0, 12)}`,
            ticket_id: ticketId,
            author_id: "usr_system",
            body: "x",
            visibility: "public",
            created_at: new Date().toISOString(),
          },
        },
      ],
      statements: (guard) => [
        env.DB.prepare(`UPDATE tickets SET description = 'side effect' WHERE id = ? AND ${guard.sql}`).bind(
          ticketId,
          ...guard.params,
        ),
      ],
      history: [{ action: "title_changed", to: "Changed" }],
      events: [{ type: "ticket.updated", data: { changes: ["title"] } }],
      ...over,
    });

  it("writes the update, rows, guarded statements, history and event together", async () => {
    const { token } = await customerAccount();
    const t = await raiseTicket(token);
    const before = await state(t.id);
    const { events } = await change(t.id, { expectStatus: ["new"] });
    const after = await state(t.id);
    expect(after.ticket).toMatchObject({ title: "Changed" });
    expect(after.history - before.history).toBe(1);
    expect(after.events - before.events).toBe(1);
    expect(after.comments - before.comments).toBe(1);
    expect(events).toHaveLength(1);
    expect(await count("SELECT count(*) AS n FROM tickets WHERE id = ?1 AND description = 'side effect'", t.id)).toBe(
      1,
    );
  });

  for (const [name, over] of [
    ["the ticket is no longer in the expected status", { expectStatus: ["closed"] }],
    [
      "a further condition no longer holds",
      { expectAlso: { sql: "EXISTS (SELECT 1 FROM appointments WHERE id = ?)", params: ["apt_gone"] } },
    ],
  ] as const) {
    it(`is a 409 that writes nothing when ${name}`, async () => {
      const { token } = await customerAccount();
      const t = await raiseTicket(token);
      const before = await state(t.id);
      const err = await change(t.id, over as never).catch((e) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).status).toBe(409);
      expect(await state(t.id)).toEqual(before);
      expect(await count("SELECT count(*) AS n FROM tickets WHERE id = ?1 AND description = 'side effect'", t.id)).toBe(
        0,
      );
    });
  }
});
