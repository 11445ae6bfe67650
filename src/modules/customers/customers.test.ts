import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../../../test/helpers";
import { securitySuite } from "../../../test/security-suite";
import { customerAccount, raiseTicket, staff } from "../../../test/work-factories";

securitySuite("customers");

describe("CRM-1 customers", () => {
  it("creates, searches, updates, links a login and lists a customer's tickets", async () => {
    const dispatcher = await staff("dispatcher");
    const res = await call("/v1/customers", {
      token: dispatcher.token,
      body: {
        full_name: "Mpho Kgosi",
        phone: "71 234 999",
        email: "MPHO@example.test",
        national_id: "BW123",
        address: "Plot 5",
        coordinates: { lat: -24.6, lng: 25.9 },
        service_area: "gaborone",
        service_package: "fibre-50",
      },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.json).toMatchObject({
      phone: "+26771234999",
      email: "mpho@example.test",
      coordinates: { lat: -24.6, lng: 25.9 },
    });
    const id = res.json.id;
    expect(
      (await call("/v1/customers?q=kgosi", { token: dispatcher.token })).json.data.map((c: { id: string }) => c.id),
    ).toContain(id);
    expect(
      (await call("/v1/customers?q=71234999", { token: dispatcher.token })).json.data.map((c: { id: string }) => c.id),
    ).toContain(id);
    expect(
      (await call("/v1/customers?service_area=gaborone", { token: dispatcher.token })).json.data.map(
        (c: { id: string }) => c.id,
      ),
    ).toContain(id);
    expect(
      (
        await call(`/v1/customers/${id}`, {
          method: "PATCH",
          token: dispatcher.token,
          body: { service_package: "fibre-100" },
        })
      ).json.service_package,
    ).toBe("fibre-100");

    const t = await raiseTicket(dispatcher.token, { customer_id: id });
    const history = await call(`/v1/customers/${id}/tickets`, { token: dispatcher.token });
    expect(history.json.data.map((x: { id: string }) => x.id)).toEqual([t.id]);

    const account = await customerAccount();
    expectProblem(
      await call(`/v1/customers/${id}`, {
        method: "PATCH",
        token: dispatcher.token,
        body: { user_id: account.user.id },
      }),
      409,
      "conflict",
    );
    expectProblem(
      await call(`/v1/customers/${id}`, {
        method: "PATCH",
        token: dispatcher.token,
        body: { user_id: dispatcher.user.id },
      }),
      400,
      "validation_failed",
    );
  });

  it("filters by the date a customer was registered", async () => {
    const dispatcher = await staff("dispatcher");
    const area = `area-${Math.random().toString(36).slice(2, 8)}`;
    const made = await call("/v1/customers", {
      token: dispatcher.token,
      body: {
        full_name: "Dated Customer",
        phone: `+2677${1 + Math.floor(Math.random() * 7)}${String(Math.floor(Math.random() * 1_000_000)).padStart(6, "0")}`,
        service_area: area,
      },
    });
    expect(made.status, made.text).toBe(201);
    const at = Date.parse(made.json.created_at);
    const list = async (q: string) =>
      (await call(`/v1/customers?service_area=${area}&${q}`, { token: dispatcher.token })).json.data.map(
        (c: { id: string }) => c.id,
      );
    expect(
      await list(
        `created_from=${new Date(at - 60_000).toISOString()}&created_to=${new Date(at + 60_000).toISOString()}`,
      ),
    ).toEqual([made.json.id]);
    expect(await list(`created_from=${new Date(at + 60_000).toISOString()}`)).toEqual([]);
    expect(await list(`created_to=${new Date(at - 60_000).toISOString()}`)).toEqual([]);
    expectProblem(
      await call("/v1/customers?created_from=yesterday", { token: dispatcher.token }),
      400,
      "validation_failed",
    );
  });

  it("rejects bad input and keeps customers out of the customer list", async () => {
    const dispatcher = await staff("dispatcher");
    expectProblem(
      await call("/v1/customers", { token: dispatcher.token, body: { full_name: "X", phone: "12" } }),
      400,
      "validation_failed",
    );
    expectProblem(
      await call("/v1/customers", {
        token: dispatcher.token,
        body: { full_name: "X", phone: "71234567", coordinates: { lat: 91, lng: 0 } },
      }),
      400,
      "validation_failed",
    );
    const cust = await customerAccount();
    expectProblem(await call("/v1/customers", { token: cust.token }), 403, "forbidden");
    expectProblem(await call(`/v1/customers/${cust.customerId}/tickets`, { token: cust.token }), 403, "forbidden");
  });

  it("gives a self-registered customer a linked customer record", async () => {
    const res = await call("/v1/auth/register", {
      body: { username: "selfreg-cust", email: "selfreg@example.test", password: "long enough pw" },
    });
    const login = await call("/v1/auth/login", { body: { identifier: "selfreg-cust", password: "long enough pw" } });
    const t = await raiseTicket(login.json.access_token);
    expect(t.customer_id).toMatch(/^cus_/);
    const dispatcher = await staff("dispatcher");
    expect((await call(`/v1/customers/${t.customer_id}`, { token: dispatcher.token })).json.user_id).toBe(
      res.json.user.id,
    );
  });
});

describe("account numbers", () => {
  it("are unique, found by the account_number filter, and cleared with null", async () => {
    const dispatcher = await staff("dispatcher");
    const account = `ACC-${crypto.randomUUID().slice(0, 8)}`;
    const created = await call("/v1/customers", {
      token: dispatcher.token,
      body: { full_name: "Account Holder", phone: "71234999", account_number: account },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.json.account_number).toBe(account);
    const clash = await call("/v1/customers", {
      token: dispatcher.token,
      body: { full_name: "Someone Else", phone: "71234998", account_number: account },
    });
    expectProblem(clash, 409, "conflict");
    expect(clash.json.errors).toEqual([{ path: "account_number", message: "Already in use" }]);
    expectProblem(
      await call("/v1/customers", {
        token: dispatcher.token,
        body: { full_name: "Bad", phone: "71234997", account_number: "has space" },
      }),
      400,
      "validation_failed",
    );
    const found = await call(`/v1/customers?account_number=${account}`, { token: dispatcher.token });
    expect(found.json.data.map((c: { id: string }) => c.id)).toEqual([created.json.id]);
    const cleared = await call(`/v1/customers/${created.json.id}`, {
      method: "PATCH",
      token: dispatcher.token,
      body: { account_number: null },
    });
    expect(cleared.json.account_number).toBeNull();
  });
});
