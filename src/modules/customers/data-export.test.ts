import { describe, expect, it } from "vitest";
import { call, expectProblem } from "../../../test/helpers";
import { assignedTicket, customerAccount, makeAsset, staff, technicianAccount } from "../../../test/work-factories";

async function untilFinished(jobId: string, token: string) {
  for (let i = 0; i < 200; i++) {
    const res = await call(`/v1/jobs/${jobId}`, { token });
    if (["done", "failed", "cancelled"].includes(res.json.status)) return res.json;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("job did not finish");
}

type Line = { section: string; data: Record<string, unknown> };
const lines = (text: string): Line[] =>
  text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));

describe("a customer's data (access request)", () => {
  it("staff export everything about a customer, section by section; only the requester downloads it", async () => {
    const { dispatcher, cust, ticket } = await assignedTicket();
    const card = await makeAsset(cust.customerId);
    await call(`/v1/tickets/${ticket.id}/comments`, {
      token: dispatcher.token,
      body: { body: "Technician on the way", visibility: "public" },
    });
    await call(`/v1/tickets/${ticket.id}/comments`, {
      token: dispatcher.token,
      body: { body: "Staff only: difficult access", visibility: "internal" },
    });
    const manager = await staff("manager");
    const started = await call(`/v1/customers/${cust.customerId}/data-export`, {
      token: manager.token,
      method: "POST",
    });
    expect(started.status, started.text).toBe(202);
    const job = await untilFinished(started.json.id, manager.token);
    expect(job).toMatchObject({ status: "done", kind: "customer_export" });
    const file = await call(`/v1/jobs/${job.id}/download`, { token: manager.token });
    expect(file.status, file.text).toBe(200);
    const rows = lines(file.text);
    const of = (section: string) => rows.filter((r) => r.section === section).map((r) => r.data);
    expect(of("profile")).toEqual([expect.objectContaining({ id: cust.customerId, phone: "+26771112233" })]);
    expect(of("account")).toEqual([expect.objectContaining({ id: cust.user.id })]);
    expect(of("account")[0]).not.toHaveProperty("password_hash");
    expect(of("service_cards").map((c) => c.id)).toEqual([card]);
    expect(of("tickets").map((t) => t.id)).toEqual([ticket.id]);
    expect(of("comments").map((c) => c.body)).toEqual(["Technician on the way"]);
    expect(file.text).not.toContain("Staff only");
    expect(of("history").length).toBeGreaterThan(0);

    const audit = await call(`/v1/audit-log?target_type=customer&target_id=${cust.customerId}`, {
      token: (await staff("admin")).token,
    });
    expect(audit.json.data.map((e: { action: string }) => e.action)).toContain("customer.data_exported");
    // Nobody else downloads it, not even another manager.
    const other = await staff("manager");
    expectProblem(await call(`/v1/jobs/${job.id}/download`, { token: other.token }), 404);
  });

  it("a customer exports their own data; others may not start one for them", async () => {
    const cust = await customerAccount();
    const started = await call("/v1/me/data-export", { token: cust.token, method: "POST" });
    expect(started.status, started.text).toBe(202);
    const job = await untilFinished(started.json.id, cust.token);
    expect(job.status).toBe("done");
    const file = await call(`/v1/jobs/${job.id}/download`, { token: cust.token });
    expect(lines(file.text).find((r) => r.section === "profile")?.data).toMatchObject({ id: cust.customerId });

    const stranger = await customerAccount();
    expectProblem(
      await call(`/v1/customers/${cust.customerId}/data-export`, { token: stranger.token, method: "POST" }),
      403,
    );
    const tech = await technicianAccount();
    expectProblem(
      await call(`/v1/customers/${cust.customerId}/data-export`, { token: tech.token, method: "POST" }),
      403,
    );
    expectProblem(await call(`/v1/jobs/${job.id}/download`, { token: stranger.token }), 404);
    // Staff with no customer record of their own have nothing to export about themselves.
    const dispatcher = await staff("dispatcher");
    expectProblem(await call("/v1/me/data-export", { token: dispatcher.token, method: "POST" }), 404);
  });
});
