import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../../../test/helpers";
import { assignedTicket } from "../../../test/work-factories";

describe("a ticket's comments, history and work logs come in pages", () => {
  it("pages every sub-list oldest first with limit and cursor, and refuses a bad cursor", async () => {
    const { ticket, dispatcher, tech } = await assignedTicket();
    for (const body of ["one", "two", "three"])
      expect(
        (await call(`/v1/tickets/${ticket.id}/comments`, { token: dispatcher.token, body: { body } })).status,
      ).toBe(201);
    const first = await call(`/v1/tickets/${ticket.id}/comments?limit=2`, { token: dispatcher.token });
    expect(first.json.data.map((c: any) => c.body)).toEqual(["one", "two"]);
    const second = await call(`/v1/tickets/${ticket.id}/comments?limit=2&cursor=${first.json.next_cursor}`, {
      token: dispatcher.token,
    });
    expect(second.json).toMatchObject({ data: [{ body: "three" }], next_cursor: null });

    // History: all of it, then page by page, the same rows in the same order (rows of one change share a time).
    const all = (await call(`/v1/tickets/${ticket.id}/history?limit=100`, { token: dispatcher.token })).json.data.map(
      (h: any) => h.id,
    );
    expect(all.length).toBeGreaterThan(3);
    const paged: string[] = [];
    let cursor = "";
    do {
      const res = await call(`/v1/tickets/${ticket.id}/history?limit=1${cursor ? `&cursor=${cursor}` : ""}`, {
        token: dispatcher.token,
      });
      paged.push(...res.json.data.map((h: any) => h.id));
      cursor = res.json.next_cursor ?? "";
    } while (cursor);
    expect(paged).toEqual(all);

    for (const work_detail of ["Spliced", "Tested"]) {
      expect(
        (await call(`/v1/tickets/${ticket.id}/work-logs`, { token: tech.token, body: { work_detail } })).status,
      ).toBe(201);
    }
    const logs = await call(`/v1/tickets/${ticket.id}/work-logs?limit=1`, { token: tech.token });
    expect(logs.json.data.map((l: any) => l.work_detail)).toEqual(["Spliced"]);
    expect(logs.json.next_cursor).toBeTruthy();

    expectProblem(
      await call(`/v1/tickets/${ticket.id}/history?cursor=not-a-cursor`, { token: dispatcher.token }),
      400,
      "validation_failed",
    );
    expectProblem(
      await call(`/v1/tickets/${ticket.id}/comments?limit=0`, { token: dispatcher.token }),
      400,
      "validation_failed",
    );
    expectProblem(
      await call(`/v1/tickets/${ticket.id}/comments?sort=desc`, { token: dispatcher.token }),
      400,
      "validation_failed",
    );
  });
});
