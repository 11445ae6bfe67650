import { beforeAll, describe, expect, it } from "vitest";
import { call } from "../../../test/helpers";
import { raiseTicket, relationCast, staff } from "../../../test/work-factories";

/**
 * Route × relation matrix for the ticket read routes: who sees a ticket (own, assigned, team,
 * all) gets 200; everyone else gets 404, never 403, so existence is not revealed.
 */
const READ_ROUTES = ["", "/comments", "/attachments", "/history", "/work-logs"];

describe("ticket visibility by relation", () => {
  const actors: Record<string, string> = {};
  let ticketId = "";

  beforeAll(async () => {
    const {
      dispatcher,
      supervisor,
      otherSupervisor,
      tech,
      otherTech,
      owner,
      stranger: otherCustomer,
    } = await relationCast();
    const manager = await staff("manager");
    ticketId = (await raiseTicket(owner.token)).id;
    const assigned = await call(`/v1/tickets/${ticketId}/assign`, {
      token: dispatcher.token,
      body: { technician_ids: [tech.user.id] },
    });
    expect(assigned.status).toBe(200);
    Object.assign(actors, {
      "own (customer)": owner.token,
      "assigned (technician)": tech.token,
      "team (supervisor)": supervisor.token,
      "all (dispatcher)": dispatcher.token,
      "all (manager)": manager.token,
      "other customer": otherCustomer.token,
      "other technician": otherTech.token,
      "other supervisor": otherSupervisor.token,
    });
  });

  const EXPECT: Record<string, number> = {
    "own (customer)": 200,
    "assigned (technician)": 200,
    "team (supervisor)": 200,
    "all (dispatcher)": 200,
    "all (manager)": 200,
    "other customer": 404,
    "other technician": 404,
    "other supervisor": 404,
  };

  for (const route of READ_ROUTES) {
    for (const [actor, status] of Object.entries(EXPECT)) {
      it(`GET /v1/tickets/{id}${route} as ${actor} → ${status}`, async () => {
        const res = await call(`/v1/tickets/${ticketId}${route}`, { token: actors[actor] });
        expect(res.status, res.text).toBe(status);
      });
    }
  }

  it("lists match the same relations", async () => {
    for (const [actor, status] of Object.entries(EXPECT)) {
      const ids = (await call("/v1/tickets?limit=100", { token: actors[actor] })).json.data.map(
        (t: { id: string }) => t.id,
      );
      expect(ids.includes(ticketId), actor).toBe(status === 200);
    }
  });
});
