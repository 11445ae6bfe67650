import { env } from "cloudflare:workers";
import { newId, nowIso } from "../src/lib/ids";
import { call, createUser, login, type TestUser } from "./helpers";

export async function makeCustomer(overrides: { userId?: string; phone?: string | null; serviceArea?: string } = {}) {
  const id = newId("cus");
  const now = nowIso();
  await env.DB.prepare(
    `INSERT INTO customers (id, user_id, full_name, phone, address, service_area, lat, lng, created_at, updated_at)
     VALUES (?1, ?2, 'Test Customer', ?3, '1 Main St', ?4, -24.65, 25.91, ?5, ?5)`,
  )
    .bind(
      id,
      overrides.userId ?? null,
      overrides.phone === undefined ? "+26771112233" : overrides.phone,
      overrides.serviceArea ?? "gaborone",
      now,
    )
    .run();
  return id;
}

/** A customer login with its linked customer record. */
export async function customerAccount(overrides: { phone?: string | null } = {}) {
  const user = await createUser({ role: "customer" });
  const customerId = await makeCustomer({ userId: user.id, phone: overrides.phone });
  const { access_token } = await login(user);
  return { user, customerId, token: access_token };
}

export async function makeAsset(
  customerId: string,
  overrides: { warrantyStart?: string | null; warrantyEnd?: string | null } = {},
) {
  const id = newId("ast");
  const now = nowIso();
  const year = new Date().getUTCFullYear();
  await env.DB.prepare(
    `INSERT INTO assets (id, customer_id, model, card_type, warranty_start, warranty_end, address, region, created_at, updated_at)
     VALUES (?1, ?2, 'AquaPure X1', 'normal', ?3, ?4, '1 Main St', 'Gaborone', ?5, ?5)`,
  )
    .bind(
      id,
      customerId,
      overrides.warrantyStart === undefined ? `${year - 1}-01-01` : overrides.warrantyStart,
      overrides.warrantyEnd === undefined ? `${year + 2}-12-31` : overrides.warrantyEnd,
      now,
    )
    .run();
  return id;
}

export async function technicianAccount(
  profile: { skills?: string[]; areas?: string[]; supervisorId?: string | null; available?: boolean } = {},
) {
  const user = await createUser({ role: "technician" });
  const now = nowIso();
  await env.DB.prepare(
    `INSERT INTO technician_profiles (user_id, skills, service_areas, supervisor_id, is_available, external_usernames, created_at, updated_at)
     VALUES (?1, ?2, ?3, ?4, ?5, '{}', ?6, ?6)`,
  )
    .bind(
      user.id,
      JSON.stringify(profile.skills ?? []),
      JSON.stringify(profile.areas ?? ["gaborone"]),
      profile.supervisorId ?? null,
      profile.available === false ? 0 : 1,
      now,
    )
    .run();
  const { access_token, refresh_token } = await login(user);
  return { user, token: access_token, refreshToken: refresh_token };
}

export async function staff(role: "admin" | "manager" | "dispatcher" | "supervisor") {
  const user: TestUser = await createUser({ role });
  const { access_token } = await login(user);
  return { user, token: access_token };
}

export async function raiseTicket(token: string, body: Record<string, unknown> = {}) {
  const res = await call("/v1/tickets", {
    token,
    body: { kind: "repair", priority: "high", title: "No internet", ...body },
  });
  if (res.status !== 201) throw new Error(`ticket create failed: ${res.status} ${res.text}`);
  return res.json as { id: string; number: string; status: string; [k: string]: any };
}

/** A customer's ticket, assigned by a dispatcher to a fresh technician. */
export async function assignedTicket(ticketBody: Record<string, unknown> = {}) {
  const dispatcher = await staff("dispatcher");
  const tech = await technicianAccount();
  const cust = await customerAccount();
  const ticket = await raiseTicket(cust.token, ticketBody);
  await call(`/v1/tickets/${ticket.id}/assign`, { token: dispatcher.token, body: { technician_ids: [tech.user.id] } });
  return { dispatcher, tech, cust, ticket };
}

/**
 * Everyone a ticket can relate to: a dispatcher, a supervisor with their technician, another
 * supervisor with theirs, the customer who owns it and a stranger.
 */
export async function relationCast() {
  const dispatcher = await staff("dispatcher");
  const supervisor = await staff("supervisor");
  const otherSupervisor = await staff("supervisor");
  const tech = await technicianAccount({ supervisorId: supervisor.user.id });
  const otherTech = await technicianAccount({ supervisorId: otherSupervisor.user.id });
  const owner = await customerAccount();
  const stranger = await customerAccount();
  return { dispatcher, supervisor, otherSupervisor, tech, otherTech, owner, stranger };
}
