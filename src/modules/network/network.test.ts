import { describe, expect, it } from "vitest";
import { call, expectProblem, signedIn } from "../../../test/helpers";
import { securitySuite } from "../../../test/security-suite";
import { makeCustomer, staff, technicianAccount } from "../../../test/work-factories";

securitySuite("network");

const unique = () => crypto.randomUUID().slice(0, 6).toUpperCase();

async function place(token: string) {
  const region = await call("/v1/regions", { token, body: { name: `Region ${unique()}`, code: unique() } });
  expect(region.status, region.text).toBe(201);
  const area = `area-${unique().toLowerCase()}`;
  const locality = await call("/v1/localities", {
    token,
    body: { region_id: region.json.id, name: `Town ${area}`, service_area: area },
  });
  expect(locality.status, locality.text).toBe(201);
  return { region: region.json, locality: locality.json };
}

async function priced(token: string, price = 8500) {
  const type = `copper_${unique().toLowerCase()}`;
  const set = await call(`/v1/network/cable-prices/${type}`, {
    method: "PUT",
    token,
    body: { price_per_metre: price, currency: "BWP", effective_from: "2026-01-01T00:00:00Z" },
  });
  expect(set.status, set.text).toBe(200);
  return type;
}

describe("NET-2 regions and localities", () => {
  it("keeps regions with their localities for everyone signed in, and lets only network administrators change them", async () => {
    const manager = await staff("manager");
    const { region, locality } = await place(manager.token);
    const tech = await technicianAccount();
    const list = await call("/v1/regions", { token: tech.token });
    const mine = list.json.data.find((r: { id: string }) => r.id === region.id);
    expect(mine.localities).toEqual([
      expect.objectContaining({ id: locality.id, service_area: locality.service_area }),
    ]);
    expect((await call(`/v1/localities?region_id=${region.id}`, { token: tech.token })).json.data).toHaveLength(1);

    const dispatcher = await staff("dispatcher");
    expectProblem(
      await call("/v1/regions", { token: dispatcher.token, body: { name: "Nope", code: "NOPE" } }),
      403,
      "forbidden",
    );
    expectProblem(
      await call("/v1/regions", { token: manager.token, body: { name: "Again", code: region.code } }),
      409,
      "conflict",
    );
    expectProblem(
      await call("/v1/localities", {
        token: manager.token,
        body: { region_id: region.id, name: "Twin", service_area: locality.service_area },
      }),
      409,
      "conflict",
    );
    expectProblem(
      await call("/v1/localities", { token: manager.token, body: { region_id: "reg_missing", name: "Nowhere" } }),
      400,
      "validation_failed",
    );
    // Customers are found by the region or locality their free-text service area names.
    const inTown = await makeCustomer({ serviceArea: locality.service_area });
    const elsewhere = await makeCustomer({ serviceArea: "somewhere-else" });
    const byRegion = (await call(`/v1/customers?region_id=${region.id}`, { token: dispatcher.token })).json.data.map(
      (c: { id: string }) => c.id,
    );
    expect(byRegion).toContain(inTown);
    expect(byRegion).not.toContain(elsewhere);
    expect(
      (await call(`/v1/customers?locality_id=${locality.id}`, { token: dispatcher.token })).json.data.map(
        (c: { id: string }) => c.id,
      ),
    ).toEqual([inTown]);
    const serving = await technicianAccount({ areas: [locality.service_area] });
    const away = await technicianAccount({ areas: ["somewhere-else"] });
    const techs = (
      await call(`/v1/technicians?region_id=${region.id}&limit=100`, { token: dispatcher.token })
    ).json.data.map((t: { user_id?: string; id?: string }) => t.user_id ?? t.id);
    expect(techs).toContain(serving.user.id);
    expect(techs).not.toContain(away.user.id);
    // A region with localities is emptied first.
    expectProblem(await call(`/v1/regions/${region.id}`, { method: "DELETE", token: manager.token }), 409, "conflict");
    expect((await call(`/v1/localities/${locality.id}`, { method: "DELETE", token: manager.token })).status).toBe(204);
    expect((await call(`/v1/regions/${region.id}`, { method: "DELETE", token: manager.token })).status).toBe(204);
    expect(
      (await call("/v1/regions", { token: tech.token })).json.data.some((r: { id: string }) => r.id === region.id),
    ).toBe(false);
  });
});

describe("NET-1 copper-theft incidents", () => {
  it("costs an incident at the price in force when it was reported, whatever the price list says later", async () => {
    const manager = await staff("manager");
    const { region, locality } = await place(manager.token);
    const cable = await priced(manager.token, 8500);
    const dispatcher = await staff("dispatcher");
    const created = await call("/v1/network/incidents", {
      token: dispatcher.token,
      body: {
        region_id: region.id,
        locality_id: locality.id,
        discovered_at: new Date(Date.now() - 3_600_000).toISOString(),
        cable_type: cable,
        metres_stolen: 120,
        police_case_number: "CR 12/11/2026",
        location: { lat: -24.65, lng: 25.9 },
      },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.json).toMatchObject({
      status: "reported",
      price_per_metre: 8500,
      estimated_cost: 1_020_000,
      currency: "BWP",
      number: expect.stringMatching(/^CT-\d{6}$/),
    });

    await call(`/v1/network/cable-prices/${cable}`, {
      method: "PUT",
      token: manager.token,
      body: { price_per_metre: 9900, currency: "BWP" },
    });
    expect((await call(`/v1/network/cable-prices/${cable}`, { token: dispatcher.token })).json).toMatchObject({
      price_per_metre: 9900,
      history: [expect.objectContaining({ price_per_metre: 8500 })],
    });
    const more = await call(`/v1/network/incidents/${created.json.id}`, {
      method: "PATCH",
      token: dispatcher.token,
      body: { metres_stolen: 150, status: "under_investigation" },
    });
    expect(more.json).toMatchObject({
      metres_stolen: 150,
      price_per_metre: 8500,
      estimated_cost: 1_275_000,
      status: "under_investigation",
    });
    const later = await call("/v1/network/incidents", {
      token: dispatcher.token,
      body: { region_id: region.id, discovered_at: new Date().toISOString(), cable_type: cable, metres_stolen: 10 },
    });
    expect(later.json.estimated_cost).toBe(99_000);

    // The workflow only moves forward; a closed incident is final.
    expectProblem(
      await call(`/v1/network/incidents/${created.json.id}`, {
        method: "PATCH",
        token: dispatcher.token,
        body: { status: "reported" },
      }),
      409,
      "invalid_transition",
    );
    await call(`/v1/network/incidents/${created.json.id}`, {
      method: "PATCH",
      token: dispatcher.token,
      body: { status: "closed" },
    });
    expectProblem(
      await call(`/v1/network/incidents/${created.json.id}`, {
        method: "PATCH",
        token: dispatcher.token,
        body: { description: "x" },
      }),
      409,
      "invalid_transition",
    );

    // Bad input changes nothing.
    expectProblem(
      await call("/v1/network/incidents", {
        token: dispatcher.token,
        body: {
          region_id: region.id,
          discovered_at: new Date().toISOString(),
          cable_type: "unpriced_cable",
          metres_stolen: 5,
        },
      }),
      400,
      "validation_failed",
    );
    const other = await place(manager.token);
    expectProblem(
      await call("/v1/network/incidents", {
        token: dispatcher.token,
        body: {
          region_id: region.id,
          locality_id: other.locality.id,
          discovered_at: new Date().toISOString(),
          cable_type: cable,
          metres_stolen: 5,
        },
      }),
      400,
      "validation_failed",
    );
    expectProblem(
      await call("/v1/network/incidents", {
        token: dispatcher.token,
        body: {
          region_id: region.id,
          discovered_at: new Date(Date.now() + 86_400_000).toISOString(),
          cable_type: cable,
          metres_stolen: 5,
        },
      }),
      400,
      "validation_failed",
    );

    const filtered = await call(`/v1/network/incidents?region_id=${region.id}&limit=1`, { token: dispatcher.token });
    expect(filtered.json.data).toHaveLength(1);
    const next = await call(
      `/v1/network/incidents?region_id=${region.id}&limit=1&cursor=${filtered.json.next_cursor}`,
      { token: dispatcher.token },
    );
    expect([filtered.json.data[0].id, next.json.data[0].id].sort()).toEqual([created.json.id, later.json.id].sort());
    expect(
      (
        await call(`/v1/network/incidents?locality_id=${locality.id}&status=closed`, { token: dispatcher.token })
      ).json.data.map((i: { id: string }) => i.id),
    ).toEqual([created.json.id]);

    // Technicians and customers have no access; deleting is soft and answers 404 after.
    expectProblem(await call("/v1/network/incidents", { token: (await technicianAccount()).token }), 403, "forbidden");
    expectProblem(await call("/v1/network/incidents", { token: (await signedIn("customer")).token }), 403, "forbidden");
    expect(
      (await call(`/v1/network/incidents/${later.json.id}`, { method: "DELETE", token: dispatcher.token })).status,
    ).toBe(204);
    expectProblem(await call(`/v1/network/incidents/${later.json.id}`, { token: dispatcher.token }), 404, "not_found");
  });

  it("lists the customers an incident cut off, adds many at once without doubles, edits one, removes one or all", async () => {
    const manager = await staff("manager");
    const { region } = await place(manager.token);
    const cable = await priced(manager.token);
    const incident = (
      await call("/v1/network/incidents", {
        token: manager.token,
        body: { region_id: region.id, discovered_at: new Date().toISOString(), cable_type: cable, metres_stolen: 30 },
      })
    ).json;
    const customers = await Promise.all([makeCustomer(), makeCustomer(), makeCustomer()]);
    const added = await call(`/v1/network/incidents/${incident.id}/affected-customers`, {
      token: manager.token,
      body: { customers: customers.map((id) => ({ customer_id: id, service: "voice" })) },
    });
    expect(added.json).toEqual({ added: 3, already_listed: 0 });
    const again = await call(`/v1/network/incidents/${incident.id}/affected-customers`, {
      token: manager.token,
      body: { customers: [{ customer_id: customers[0] }] },
    });
    expect(again.json).toEqual({ added: 0, already_listed: 1 });
    expectProblem(
      await call(`/v1/network/incidents/${incident.id}/affected-customers`, {
        token: manager.token,
        body: { customers: [{ customer_id: "cus_missing" }] },
      }),
      400,
      "validation_failed",
    );
    expect((await call(`/v1/network/incidents/${incident.id}`, { token: manager.token })).json.affected_customers).toBe(
      3,
    );

    const page = await call(`/v1/network/incidents/${incident.id}/affected-customers?limit=2`, {
      token: manager.token,
    });
    expect(page.json.data).toHaveLength(2);
    expect(page.json.data[0]).toMatchObject({
      customer_name: expect.any(String),
      service: "voice",
      restoration_ticket_id: null,
    });
    const entry = page.json.data[0].id;
    expect(
      (
        await call(`/v1/network/affected-customers/${entry}`, {
          method: "PATCH",
          token: manager.token,
          body: { notes: "Business line" },
        })
      ).json.notes,
    ).toBe("Business line");
    expect(
      (await call(`/v1/network/affected-customers/${entry}`, { method: "DELETE", token: manager.token })).status,
    ).toBe(204);
    expectProblem(await call(`/v1/network/affected-customers/${entry}`, { token: manager.token }), 404);
    expect(
      (
        await call(`/v1/network/incidents/${incident.id}/affected-customers`, {
          method: "DELETE",
          token: manager.token,
        })
      ).json,
    ).toEqual({ deleted: 2 });
    expect((await call(`/v1/network/incidents/${incident.id}`, { token: manager.token })).json.affected_customers).toBe(
      0,
    );
  });

  it("raises one restoration ticket per affected customer, linked both ways, and asking twice makes no duplicates", async () => {
    const manager = await staff("manager");
    const dispatcher = await staff("dispatcher");
    const { region } = await place(manager.token);
    const cable = await priced(manager.token);
    const incident = (
      await call("/v1/network/incidents", {
        token: dispatcher.token,
        body: { region_id: region.id, discovered_at: new Date().toISOString(), cable_type: cable, metres_stolen: 200 },
      })
    ).json;
    const customers = await Promise.all([makeCustomer(), makeCustomer()]);
    await call(`/v1/network/incidents/${incident.id}/affected-customers`, {
      token: dispatcher.token,
      body: { customers: customers.map((id) => ({ customer_id: id })) },
    });

    const [first, concurrent] = await Promise.all([
      call(`/v1/network/incidents/${incident.id}/restoration-tickets`, { method: "POST", token: dispatcher.token }),
      call(`/v1/network/incidents/${incident.id}/restoration-tickets`, { method: "POST", token: dispatcher.token }),
    ]);
    expect(first.status, first.text).toBe(200);
    expect(concurrent.status, concurrent.text).toBe(200);
    const second = await call(`/v1/network/incidents/${incident.id}/restoration-tickets`, {
      method: "POST",
      token: dispatcher.token,
    });
    expect(second.json).toMatchObject({ created: 0, already_raised: 2, remaining: 0 });

    const entries = (await call(`/v1/network/incidents/${incident.id}/affected-customers`, { token: dispatcher.token }))
      .json.data;
    const ticketIds = entries.map((e: { restoration_ticket_id: string }) => e.restoration_ticket_id);
    expect(new Set(ticketIds).size).toBe(2);
    for (const [i, id] of ticketIds.entries()) {
      const ticket = (await call(`/v1/tickets/${id}`, { token: dispatcher.token })).json;
      expect(ticket).toMatchObject({
        kind: "repair",
        customer_id: entries[i].customer_id,
        external_ref: `${incident.number}/${entries[i].customer_id}`,
      });
    }
    const byRef = await call(`/v1/tickets?external_ref=${encodeURIComponent(`${incident.number}/${customers[0]}`)}`, {
      token: dispatcher.token,
    });
    expect(byRef.json.data).toHaveLength(1);
    // Raising tickets also needs the right to raise tickets.
    const viewer = await staff("supervisor");
    expectProblem(
      await call(`/v1/network/incidents/${incident.id}/restoration-tickets`, { method: "POST", token: viewer.token }),
      403,
      "forbidden",
    );
  });

  it("reports incidents, metres, cost and customers affected by month and region, as JSON and CSV", async () => {
    const manager = await staff("manager");
    const { region } = await place(manager.token);
    const other = await place(manager.token);
    const cable = await priced(manager.token, 1000);
    const report = (regionId: string, metres: number) =>
      call("/v1/network/incidents", {
        token: manager.token,
        body: {
          region_id: regionId,
          discovered_at: new Date().toISOString(),
          cable_type: cable,
          metres_stolen: metres,
        },
      });
    const a = (await report(region.id, 10)).json;
    await report(region.id, 5);
    await report(other.region.id, 7);
    await call(`/v1/network/incidents/${a.id}/affected-customers`, {
      token: manager.token,
      body: { customers: [{ customer_id: await makeCustomer() }, { customer_id: await makeCustomer() }] },
    });

    const json = await call(`/v1/network/reports/copper-theft?region_id=${region.id}`, { token: manager.token });
    expect(json.status, json.text).toBe(200);
    expect(json.json.rows).toEqual([
      expect.objectContaining({
        region_id: region.id,
        region_name: region.name,
        incidents: 2,
        metres_stolen: 15,
        estimated_cost: 15_000,
        currency: "BWP",
        customers_affected: 2,
      }),
    ]);
    expect(json.json.totals).toEqual([
      { currency: "BWP", incidents: 2, metres_stolen: 15, estimated_cost: 15_000, customers_affected: 2 },
    ]);
    const all = (await call("/v1/network/reports/copper-theft", { token: manager.token })).json;
    expect(
      all.rows
        .filter((r: { region_id: string }) => [region.id, other.region.id].includes(r.region_id))
        .map((r: { incidents: number }) => r.incidents)
        .sort(),
    ).toEqual([1, 2]);

    const csv = await call(`/v1/network/reports/copper-theft?region_id=${region.id}&format=csv`, {
      token: manager.token,
    });
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const [header, line] = csv.text.trim().split("\r\n");
    expect(header).toBe("month,region,incidents,metres_stolen,estimated_cost,currency,customers_affected");
    expect(line).toMatch(new RegExp(`^\\d{4}-\\d{2},${region.name},2,15,150.00,BWP,2$`));
    expectProblem(
      await call("/v1/network/reports/copper-theft?from=2026-12-01T00:00:00Z&to=2026-01-01T00:00:00Z", {
        token: manager.token,
      }),
      400,
      "validation_failed",
    );
    expectProblem(
      await call("/v1/network/reports/copper-theft", { token: (await technicianAccount()).token }),
      403,
      "forbidden",
    );
  });
});

describe("NET-2 subscriber upload", () => {
  const untilFinished = async (jobId: string, token: string) => {
    for (let i = 0; i < 200; i++) {
      const res = await call(`/v1/jobs/${jobId}`, { token });
      if (["done", "failed", "cancelled"].includes(res.json.status)) return res.json;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error("job did not finish");
  };
  const phone = () => `71${String(Math.floor(Math.random() * 1e6)).padStart(6, "0")}`;

  it("imports subscribers as customers keyed by subscriber id, placed in the locality the network names, and reports the rest", async () => {
    const manager = await staff("manager");
    const { region, locality } = await place(manager.token);
    const [a, b, c, d] = [unique(), unique(), unique(), unique()].map((x) => `SUB-${x}`);
    const csv = [
      "subscriber_id,full_name,phone,locality,region,service_package",
      `${a},Kagiso One,${phone()},${locality.name.toUpperCase()},${region.code},fibre-50`,
      `${b},Lesedi Two,${phone()},${locality.service_area},,`,
      `${c},Wrong Region,${phone()},${locality.name},NOWHERE,`,
      `${d},No Town,${phone()},Atlantis,,`,
      `,Nobody,${phone()},,,`,
    ].join("\n");
    const res = await call("/v1/imports/subscribers", {
      token: manager.token,
      body: csv,
      headers: { "content-type": "text/csv" },
    });
    expect(res.status, res.text).toBe(202);
    const job = await untilFinished(res.json.id, manager.token);
    expect(job.counts).toEqual({ created: 2, updated: 0, skipped: 0, failed: 3 });
    const placed = await call(`/v1/customers?locality_id=${locality.id}`, { token: manager.token });
    expect(placed.json.data.map((x: { account_number: string }) => x.account_number).sort()).toEqual([a, b].sort());
    expect(placed.json.data.find((x: { account_number: string }) => x.account_number === a)).toMatchObject({
      service_area: locality.service_area,
      service_package: "fibre-50",
    });
    const report = await call(job.file.download_url, { token: manager.token });
    expect(report.text).toContain(`region: ${locality.name} is in ${region.name} (${region.code})`);
    expect(report.text).toContain("locality: No such locality");
    expect(report.text).toContain("subscriber_id: Required");

    // The same subscriber again moves them: keyed by subscriber id, not phone.
    const moved = await call("/v1/imports/subscribers?on_existing=update", {
      token: manager.token,
      body: `subscriber_id,full_name,phone\n${a},Kagiso Renamed,${phone()}\n`,
      headers: { "content-type": "text/csv" },
    });
    expect((await untilFinished(moved.json.id, manager.token)).counts).toMatchObject({ updated: 1 });
    // Dispatchers import tickets only.
    const dispatcher = await staff("dispatcher");
    expectProblem(
      await call("/v1/imports/subscribers", {
        token: dispatcher.token,
        body: csv,
        headers: { "content-type": "text/csv" },
      }),
      403,
      "forbidden",
    );
    expect((await call("/v1/imports/subscribers/template", { token: manager.token })).text).toMatch(
      /^\uFEFF?subscriber_id,full_name,phone,/,
    );
  });
});

describe("NET-2 region and locality filters on tickets and service cards", () => {
  it("finds tickets and service cards by the region or locality of their service area, within the caller's scope", async () => {
    const manager = await staff("manager");
    const { region, locality } = await place(manager.token);
    const dispatcher = await staff("dispatcher");
    const inTown = await call("/v1/tickets", {
      token: dispatcher.token,
      body: { kind: "repair", priority: "high", title: "Line down", service_area: locality.service_area },
    });
    const elsewhere = await call("/v1/tickets", {
      token: dispatcher.token,
      body: { kind: "repair", priority: "high", title: "Line down", service_area: "somewhere-else" },
    });
    expect(inTown.status, inTown.text).toBe(201);
    for (const filter of [`region_id=${region.id}`, `locality_id=${locality.id}`]) {
      const ids = (await call(`/v1/tickets?${filter}&limit=100`, { token: dispatcher.token })).json.data.map(
        (t: { id: string }) => t.id,
      );
      expect(ids).toEqual([inTown.json.id]);
      expect(ids).not.toContain(elsewhere.json.id);
    }
    // A technician sees only their own tickets, whatever the filter.
    const tech = await technicianAccount();
    expect((await call(`/v1/tickets?region_id=${region.id}`, { token: tech.token })).json.data).toEqual([]);

    const customer = await makeCustomer({ serviceArea: locality.service_area });
    const card = await call("/v1/assets", {
      token: manager.token,
      body: { customer_id: customer, model: "HomeHub 3000", serial_number: `HH-${unique()}` },
    });
    expect(card.status, card.text).toBe(201);
    const other = await call("/v1/assets", {
      token: manager.token,
      body: {
        customer_id: await makeCustomer({ serviceArea: "somewhere-else" }),
        model: "HomeHub 3000",
        serial_number: `HH-${unique()}`,
      },
    });
    for (const filter of [`region_id=${region.id}`, `locality_id=${locality.id}`]) {
      const ids = (await call(`/v1/assets?${filter}&limit=100`, { token: manager.token })).json.data.map(
        (a: { id: string }) => a.id,
      );
      expect(ids).toEqual([card.json.id]);
      expect(ids).not.toContain(other.json.id);
    }
  });
});
