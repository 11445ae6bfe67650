import { describe, expect, it } from "vitest";
import { call, expectProblem, signedIn } from "../../../test/helpers";
import { securitySuite } from "../../../test/security-suite";
import { makeCustomer, staff, technicianAccount } from "../../../test/work-factories";

securitySuite("comments");

async function incident(token: string) {
  const code = crypto.randomUUID().slice(0, 6).toUpperCase();
  const region = (await call("/v1/regions", { token, body: { name: `Region ${code}`, code } })).json;
  const cable = `copper_${code.toLowerCase()}`;
  await call(`/v1/network/cable-prices/${cable}`, {
    method: "PUT",
    token,
    body: { price_per_metre: 100, currency: "BWP", effective_from: "2026-01-01T00:00:00Z" },
  });
  const created = await call("/v1/network/incidents", {
    token,
    body: { region_id: region.id, discovered_at: new Date().toISOString(), cable_type: cable, metres_stolen: 3 },
  });
  expect(created.status, created.text).toBe(201);
  return created.json;
}

describe("NET-1 comments on any object", () => {
  it("lists, adds, edits and deletes comments on incidents and affected customers, by their author or an administrator", async () => {
    const manager = await staff("manager");
    const dispatcher = await staff("dispatcher");
    const otherDispatcher = await staff("dispatcher");
    const inc = await incident(manager.token);
    const added = await call("/v1/comments", {
      token: dispatcher.token,
      body: { content_type: "copper_incident", object_id: inc.id, body: "Police attended" },
    });
    expect(added.status, added.text).toBe(201);
    expect(added.json).toMatchObject({
      content_type: "copper_incident",
      object_id: inc.id,
      author_id: dispatcher.user.id,
      edited: false,
    });
    await call("/v1/comments", {
      token: otherDispatcher.token,
      body: { content_type: "copper_incident", object_id: inc.id, body: "Cable found at a scrapyard" },
    });

    const page = await call(`/v1/comments?content_type=copper_incident&object_id=${inc.id}&limit=1`, {
      token: manager.token,
    });
    expect(page.json.data.map((c: { body: string }) => c.body)).toEqual(["Police attended"]);
    const next = await call(
      `/v1/comments?content_type=copper_incident&object_id=${inc.id}&limit=1&cursor=${page.json.next_cursor}`,
      { token: manager.token },
    );
    expect(next.json.data.map((c: { body: string }) => c.body)).toEqual(["Cable found at a scrapyard"]);

    // One comment by id, for whoever may read comments on its object.
    const one = await call(`/v1/comments/${added.json.id}`, { token: manager.token });
    expect(one.status, one.text).toBe(200);
    expect(one.json).toMatchObject({ id: added.json.id, body: "Police attended", author_id: dispatcher.user.id });
    const customer = await signedIn("customer");
    expectProblem(await call(`/v1/comments/${added.json.id}`, { token: customer.token }), 403, "forbidden");
    expectProblem(await call("/v1/comments/ocm_missing", { token: manager.token }), 404, "not_found");

    // Only the author (or a network administrator) edits or deletes.
    expectProblem(
      await call(`/v1/comments/${added.json.id}`, {
        method: "PATCH",
        token: otherDispatcher.token,
        body: { body: "Mine now" },
      }),
      403,
      "forbidden",
    );
    const edited = await call(`/v1/comments/${added.json.id}`, {
      method: "PATCH",
      token: dispatcher.token,
      body: { body: "Police attended at 07:40" },
    });
    expect(edited.json).toMatchObject({ body: "Police attended at 07:40" });
    expect((await call(`/v1/comments/${added.json.id}`, { method: "DELETE", token: manager.token })).status).toBe(204);
    expect(
      (await call(`/v1/comments?content_type=copper_incident&object_id=${inc.id}`, { token: manager.token })).json.data,
    ).toHaveLength(1);
    expectProblem(await call(`/v1/comments/${added.json.id}`, { method: "DELETE", token: dispatcher.token }), 404);

    // Affected customers take comments the same way; objects that do not exist, or kinds that do not, are refused.
    await call(`/v1/network/incidents/${inc.id}/affected-customers`, {
      token: manager.token,
      body: { customers: [{ customer_id: await makeCustomer() }] },
    });
    const entry = (await call(`/v1/network/incidents/${inc.id}/affected-customers`, { token: manager.token })).json
      .data[0];
    expect(
      (
        await call("/v1/comments", {
          token: dispatcher.token,
          body: { content_type: "affected_customer", object_id: entry.id, body: "Called; business line" },
        })
      ).status,
    ).toBe(201);
    expectProblem(
      await call("/v1/comments", {
        token: dispatcher.token,
        body: { content_type: "copper_incident", object_id: "cti_missing", body: "x" },
      }),
      404,
      "not_found",
    );
    expectProblem(
      await call("/v1/comments", {
        token: dispatcher.token,
        body: { content_type: "ticket", object_id: inc.id, body: "x" },
      }),
      400,
      "validation_failed",
    );

    // Without the network permissions: no reading, no writing.
    const tech = await technicianAccount();
    expectProblem(
      await call(`/v1/comments?content_type=copper_incident&object_id=${inc.id}`, { token: tech.token }),
      403,
      "forbidden",
    );
    expectProblem(
      await call("/v1/comments", {
        token: tech.token,
        body: { content_type: "copper_incident", object_id: inc.id, body: "x" },
      }),
      403,
      "forbidden",
    );
    const supervisor = await staff("supervisor");
    expect(
      (await call(`/v1/comments?content_type=copper_incident&object_id=${inc.id}`, { token: supervisor.token })).status,
    ).toBe(200);
    expectProblem(
      await call("/v1/comments", {
        token: supervisor.token,
        body: { content_type: "copper_incident", object_id: inc.id, body: "x" },
      }),
      403,
      "forbidden",
    );
  });
});
