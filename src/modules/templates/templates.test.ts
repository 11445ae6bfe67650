import { SELF, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BASE, call, expectProblem, randomIp } from "../../../test/helpers";
import { securitySuite } from "../../../test/security-suite";
import { bookingSetup, dayAhead } from "../../../test/scheduling-helpers";
import { staff, technicianAccount } from "../../../test/work-factories";

securitySuite("job-templates");

const PNG = new Uint8Array([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0,
]);

async function photoOn(token: string, ticketId: string) {
  const form = new FormData();
  form.append("file", new File([PNG], "ont.png", { type: "image/png" }));
  form.append("kind", "photo");
  form.append("ticket_id", ticketId);
  const res = await SELF.fetch(`${BASE}/v1/uploads`, {
    method: "POST",
    body: form,
    headers: { authorization: `Bearer ${token}`, "cf-connecting-ip": randomIp() },
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

const FIBRE_CHECKLIST = [
  { id: "light-level", label: "Measure the ONT's receive light level", value_required: true },
  { id: "photo", label: "Photograph the installed ONT", photo_required: true },
  { label: "Leave the customer the quick-start card", required: false },
];

async function template(admin: string, name = `Fibre installation ${crypto.randomUUID().slice(0, 6)}`) {
  const res = await call("/v1/job-templates", {
    token: admin,
    body: {
      name,
      kind: "installation",
      service_category: "internet",
      estimated_minutes: 90,
      required_skills: ["fibre"],
      checklist: FIBRE_CHECKLIST,
    },
  });
  expect(res.status, res.text).toBe(201);
  return res.json as { id: string; checklist: { id: string }[] };
}

/** An installation raised from a fresh template and assigned to a fresh technician. */
async function installationFromTemplate() {
  const admin = await staff("admin");
  const tpl = await template(admin.token);
  const { tech, dispatcher } = await bookingSetup();
  const raised = await call("/v1/tickets", {
    token: dispatcher.token,
    body: { kind: "installation", title: "New fibre connection", template_id: tpl.id },
  });
  const id = raised.json.id as string;
  await call(`/v1/tickets/${id}/assign`, { token: dispatcher.token, body: { technician_ids: [tech.user.id] } });
  return { tech, dispatcher, id };
}

describe("job templates", () => {
  it("admins create, list, read and retire them; names are unique; staff read, technicians read, customers do not", async () => {
    const admin = await staff("admin");
    const created = await template(admin.token, `Template ${crypto.randomUUID().slice(0, 6)}`);
    expect(created.checklist.map((c) => c.id)).toEqual(["light-level", "photo", "item-3"]);
    const again = await call("/v1/job-templates", {
      token: admin.token,
      body: { name: (await call(`/v1/job-templates/${created.id}`, { token: admin.token })).json.name, kind: "repair" },
    });
    expectProblem(again, 409, "conflict");
    const duplicateItems = await call("/v1/job-templates", {
      token: admin.token,
      body: {
        name: "Dupes",
        kind: "repair",
        checklist: [
          { id: "a", label: "A" },
          { id: "a", label: "B" },
        ],
      },
    });
    expectProblem(duplicateItems, 400, "validation_failed");
    const unknownPart = await call("/v1/job-templates", {
      token: admin.token,
      body: { name: "Parts", kind: "repair", parts: [{ item_id: "itm_nope", quantity: 1 }] },
    });
    expectProblem(unknownPart, 400, "validation_failed");
    expect(unknownPart.json.errors[0].path).toBe("parts.0.item_id");
    const tech = await technicianAccount();
    expect((await call(`/v1/job-templates/${created.id}`, { token: tech.token })).status).toBe(200);
    expect((await call("/v1/job-templates", { token: tech.token, body: { name: "x", kind: "repair" } })).status).toBe(
      403,
    );
    const retired = await call(`/v1/job-templates/${created.id}`, {
      token: admin.token,
      method: "PATCH",
      body: { active: false },
    });
    expect(retired.json.active).toBe(false);
    const active = await call("/v1/job-templates?active=true&kind=installation&limit=100", { token: admin.token });
    expect(active.json.data.some((t: { id: string }) => t.id === created.id)).toBe(false);
    // A retired template raises nothing.
    const refused = await call("/v1/tickets", {
      token: admin.token,
      body: { kind: "installation", title: "New connection", template_id: created.id },
    });
    expectProblem(refused, 400, "validation_failed");
    expect(refused.json.errors[0].path).toBe("template_id");
    const audit = await call(`/v1/audit-log?target_id=${created.id}`, { token: admin.token });
    expect(audit.json.data.map((e: { action: string }) => e.action).sort()).toEqual([
      "job_template.created",
      "job_template.updated",
    ]);
  });

  it("a ticket raised from a template takes its estimate, skills and category and a copy of its checklist; editing the template later leaves the copy", async () => {
    const admin = await staff("admin");
    const tpl = await template(admin.token);
    const raised = await call("/v1/tickets", {
      token: admin.token,
      body: { kind: "installation", title: "New fibre connection", template_id: tpl.id, required_skills: ["ladder"] },
    });
    expect(raised.status, raised.text).toBe(201);
    expect(raised.json).toMatchObject({ estimated_minutes: 90, service_category: "internet" });
    expect([...raised.json.required_skills].sort()).toEqual(["fibre", "ladder"]);
    await call(`/v1/job-templates/${tpl.id}`, {
      token: admin.token,
      method: "PATCH",
      body: { checklist: [{ label: "Something else entirely" }] },
    });
    const list = await call(`/v1/tickets/${raised.json.id}/checklist`, { token: admin.token });
    expect(list.status, list.text).toBe(200);
    expect(list.json.template_id).toBe(tpl.id);
    expect(list.json.items.map((i: { id: string }) => i.id)).toEqual(["light-level", "photo", "item-3"]);
    expect(list.json.open_required).toEqual(["light-level", "photo"]);
  });
});

describe("checklists gate completion", () => {
  it("the technician ticks items with their value and photo; resolving is refused, naming the open items, until the required ones are done", async () => {
    const admin = await staff("admin");
    const tpl = await template(admin.token);
    const { tech, ticket: plain, dispatcher } = await bookingSetup();
    void plain;
    const raised = await call("/v1/tickets", {
      token: dispatcher.token,
      body: { kind: "installation", title: "New fibre connection", template_id: tpl.id },
    });
    const id = raised.json.id as string;
    await call(`/v1/tickets/${id}/assign`, { token: dispatcher.token, body: { technician_ids: [tech.user.id] } });
    await call(`/v1/tickets/${id}/start`, { token: tech.token, body: {} });
    const early = await call(`/v1/tickets/${id}/resolve`, { token: tech.token, body: {} });
    expectProblem(early, 409, "checklist_incomplete");
    expect(early.json.errors.map((e: { path: string }) => e.path)).toEqual([
      "checklist.light-level",
      "checklist.photo",
    ]);
    expect(early.json.detail).toContain('"Photograph the installed ONT"');
    // Nothing changed: still in progress, no resolved history.
    expect((await call(`/v1/tickets/${id}`, { token: tech.token })).json.status).toBe("in_progress");

    const noValue = await call(`/v1/tickets/${id}/checklist/light-level`, {
      token: tech.token,
      method: "PATCH",
      body: { done: true },
    });
    expectProblem(noValue, 400, "validation_failed");
    expect(noValue.json.errors[0].path).toBe("value");
    const ticked = await call(`/v1/tickets/${id}/checklist/light-level`, {
      token: tech.token,
      method: "PATCH",
      body: { done: true, value: "-19.4 dBm" },
    });
    expect(ticked.status, ticked.text).toBe(200);
    expect(ticked.json).toMatchObject({ done: true, value: "-19.4 dBm", done_by: tech.user.id });
    // A photo must be on this ticket: one on another ticket is refused.
    const elsewhere = await photoOn(tech.token, plain.id);
    expectProblem(
      await call(`/v1/tickets/${id}/checklist/photo`, {
        token: tech.token,
        method: "PATCH",
        body: { done: true, upload_id: elsewhere },
      }),
      400,
      "validation_failed",
    );
    // Someone who is not on the ticket may not tick it.
    const stranger = await technicianAccount();
    expect(
      (
        await call(`/v1/tickets/${id}/checklist/photo`, {
          token: stranger.token,
          method: "PATCH",
          body: { done: true },
        })
      ).status,
    ).toBe(404);
    const photo = await photoOn(tech.token, id);
    const withPhoto = await call(`/v1/tickets/${id}/checklist/photo`, {
      token: tech.token,
      method: "PATCH",
      body: { done: true, upload_id: photo },
    });
    expect(withPhoto.status, withPhoto.text).toBe(200);
    // The optional item may stay open.
    const resolved = await call(`/v1/tickets/${id}/resolve`, { token: tech.token, body: {} });
    expect(resolved.status, resolved.text).toBe(200);
    const history = await call(`/v1/tickets/${id}/history?limit=100`, { token: admin.token });
    expect(history.json.data.map((h: { action: string }) => h.action)).toEqual(
      expect.arrayContaining(["checklist_item_done", "resolve"]),
    );
  });

  it("completing the visit is refused the same way while a required item is open", async () => {
    const { tech, dispatcher, id } = await installationFromTemplate();
    const booked = await call("/v1/appointments", {
      token: dispatcher.token,
      body: { ticket_id: id, technician_id: tech.user.id, date: dayAhead(4), start_time: "10:00" },
    });
    expect(booked.status, booked.text).toBe(201);
    const appt = booked.json.id as string;
    for (const step of ["confirm", "depart", "arrive", "start"])
      expect((await call(`/v1/appointments/${appt}/${step}`, { token: tech.token, body: {} })).status).toBe(200);
    const done = await call(`/v1/appointments/${appt}/complete`, { token: tech.token, body: {} });
    expectProblem(done, 409, "checklist_incomplete");
    const row = await env.DB.prepare("SELECT status FROM appointments WHERE id = ?").bind(appt).first("status");
    expect(row).toBe("in_progress");
  });
});

/** Offline actions: start the work, then tick the light level with its reading. */
const startAndTickLightLevel = (id: string, version: number) => [
  { client_id: crypto.randomUUID(), type: "start", ticket_id: id, base_version: version },
  {
    client_id: crypto.randomUUID(),
    type: "checklist_item",
    ticket_id: id,
    item: "light-level",
    done: true,
    value: "-18.9 dBm",
  },
];

/** A technician's synced phone and a ticket from a template with a checklist: `send` posts an action batch. */
async function phoneOnTemplateTicket() {
  const { tech, id } = await installationFromTemplate();
  const phone = { id: crypto.randomUUID(), platform: "android", app_version: "2.4.1" };
  await call("/v1/mobile/sync", { token: tech.token, body: { device: phone } });
  const version = (await call(`/v1/tickets/${id}`, { token: tech.token })).json.version as number;
  const send = (actions: unknown[]) =>
    call("/v1/mobile/actions", { token: tech.token, body: { device_id: phone.id, actions } });
  return { tech, id, version, send };
}

describe("checklists offline", () => {
  it("the phone syncs the ticket's checklist, ticks items as offline actions, and a resolve before they are done comes back as a conflict naming them", async () => {
    const { tech, dispatcher, id } = await installationFromTemplate();
    const phone = { id: crypto.randomUUID(), platform: "android", app_version: "2.4.1" };
    const first = await call("/v1/mobile/sync", { token: tech.token, body: { device: phone } });
    expect(first.status, first.text).toBe(200);
    const items = first.json.changes.filter(
      (c: { entity: string; data: { ticket_id: string } }) => c.entity === "checklist_item" && c.data.ticket_id === id,
    );
    expect(items.map((c: { data: { key: string } }) => c.data.key)).toEqual(["light-level", "photo", "item-3"]);
    const version = first.json.changes.find((c: { entity: string; id: string }) => c.entity === "ticket" && c.id === id)
      .data.version as number;
    const act = (actions: unknown[]) =>
      call("/v1/mobile/actions", { token: tech.token, body: { device_id: phone.id, actions } });
    const early = await act([
      ...startAndTickLightLevel(id, version),
      // Every action of a batch names the version the phone knew; the server follows its own changes.
      { client_id: crypto.randomUUID(), type: "resolve", ticket_id: id, base_version: version },
    ]);
    expect(early.status, early.text).toBe(200);
    const outcomes = early.json.results.map((r: { status: string; problem?: { code: string } }) => [
      r.status,
      r.problem?.code ?? null,
    ]);
    expect(outcomes).toEqual([
      ["applied", null],
      ["applied", null],
      ["conflict", "checklist_incomplete"],
    ]);
    expect(early.json.results[2].problem.errors.map((e: { path: string }) => e.path)).toEqual(["checklist.photo"]);
    // The tick reaches the next sync as a change of that item.
    const next = await call("/v1/mobile/sync", {
      token: tech.token,
      body: { device: phone, cursor: first.json.cursor },
    });
    const ticked = next.json.changes.find(
      (c: { entity: string; data?: { key: string } }) => c.entity === "checklist_item" && c.data?.key === "light-level",
    );
    expect(ticked.data).toMatchObject({ done: true, value: "-18.9 dBm", ticket_id: id });
  });

  it("a batch that starts the work and ticks an item is planned and written in its closing batch: three round trips", async () => {
    const { tech, id, version, send } = await phoneOnTemplateTicket();
    const done = await send([
      ...startAndTickLightLevel(id, version),
      // Refused as online: the item needs a photo that is not attached.
      { client_id: crypto.randomUUID(), type: "checklist_item", ticket_id: id, item: "photo", done: true },
    ]);
    expect(done.status, done.text).toBe(200);
    expect(
      done.json.results.map((r: { status: string; problem?: { code: string } }) => [r.status, r.problem?.code ?? null]),
    ).toEqual([
      ["applied", null],
      ["applied", null],
      ["rejected", "validation_failed"],
    ]);
    expect(done.json.results[1].result).toMatchObject({ id: "light-level", done: true, value: "-18.9 dBm" });
    expect(Number(done.headers.get("x-d1-round-trips"))).toBeLessThanOrEqual(3);
    const checklist = await call(`/v1/tickets/${id}/checklist`, { token: tech.token });
    expect(checklist.json.items.find((i: { id: string }) => i.id === "light-level")).toMatchObject({ done: true });
    expect((await call(`/v1/tickets/${id}`, { token: tech.token })).json).toMatchObject({
      status: "in_progress",
      version: version + 2,
    });
  });

  it("a planned batch whose resolve meets open checklist items is not written; applied in turn, the start holds and the resolve is a conflict", async () => {
    const { tech, id, version, send } = await phoneOnTemplateTicket();
    const done = await send([
      { client_id: crypto.randomUUID(), type: "start", ticket_id: id, base_version: version },
      { client_id: crypto.randomUUID(), type: "add_comment", ticket_id: id, body: "On site", visibility: "public" },
      { client_id: crypto.randomUUID(), type: "resolve", ticket_id: id, base_version: version },
    ]);
    expect(done.status, done.text).toBe(200);
    expect(
      done.json.results.map((r: { status: string; problem?: { code: string } }) => [r.status, r.problem?.code ?? null]),
    ).toEqual([
      ["applied", null],
      ["applied", null],
      ["conflict", "checklist_incomplete"],
    ]);
    expect(done.json.results[2].ticket).toMatchObject({ status: "in_progress", version: version + 2 });
    // The planned closing batch was rolled back whole: one start and one comment, not two.
    const history = await env.DB.prepare("SELECT action FROM ticket_history WHERE ticket_id = ? ORDER BY rowid")
      .bind(id)
      .all<{ action: string }>();
    expect(history.results.filter((h) => h.action === "start")).toHaveLength(1);
    expect(history.results.filter((h) => h.action === "commented")).toHaveLength(1);
  });

  it("the phone syncs the template of each ticket it works, and hears when the template changes", async () => {
    const { tech, id } = await installationFromTemplate();
    const admin = await staff("admin");
    const templateId = (await call(`/v1/tickets/${id}`, { token: admin.token })).json.template_id as string;
    expect(templateId).toMatch(/^tpl_/);
    const other = await template(admin.token, `Unrelated ${crypto.randomUUID().slice(0, 6)}`);
    const phone = { id: crypto.randomUUID(), platform: "android", app_version: "2.4.1" };
    const first = await call("/v1/mobile/sync", { token: tech.token, body: { device: phone } });
    const templates = first.json.changes.filter((c: { entity: string }) => c.entity === "job_template");
    expect(templates.map((c: { id: string }) => c.id)).toEqual([templateId]);
    expect(templates[0].data.checklist.map((c: { id: string }) => c.id)).toEqual(["light-level", "photo", "item-3"]);
    await call(`/v1/job-templates/${templateId}`, {
      method: "PATCH",
      token: admin.token,
      body: { estimated_minutes: 75 },
    });
    await call(`/v1/job-templates/${other.id}`, {
      method: "PATCH",
      token: admin.token,
      body: { estimated_minutes: 5 },
    });
    const next = await call("/v1/mobile/sync", {
      token: tech.token,
      body: { device: phone, cursor: first.json.cursor },
    });
    const changed = next.json.changes.filter((c: { entity: string }) => c.entity === "job_template");
    expect(changed).toEqual([expect.objectContaining({ id: templateId, op: "upsert" })]);
    expect(changed[0].data.estimated_minutes).toBe(75);
  });
});
