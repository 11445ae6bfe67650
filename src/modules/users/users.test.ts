import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  call,
  createUser,
  expectProblem,
  login,
  signedIn,
  waitForOutbox,
  DEFAULT_PASSWORD,
} from "../../../test/helpers";
import { securitySuite } from "../../../test/security-suite";

securitySuite("users");

describe("IAM-9 own profile", () => {
  it("reads and updates your profile, normalising the phone", async () => {
    const { token, user } = await signedIn();
    const me = await call("/v1/me", { token });
    expect(me.json).toMatchObject({ id: user.id, username: user.username, is_active: true });
    const phone = `72${String(Math.floor(Math.random() * 1e6)).padStart(6, "0")}`;
    const updated = await call("/v1/me", {
      method: "PATCH",
      token,
      body: {
        first_name: "Naledi",
        phone: phone.replace(/^(\d{2})(\d{3})/, "$1 $2 "),
        current_password: user.password,
      },
    });
    expect(updated.status, updated.text).toBe(200);
    // The name changes at once; the phone waits for its verification, normalised.
    expect(updated.json).toMatchObject({
      first_name: "Naledi",
      phone: user.phone,
      display_name: "Naledi User",
      pending_contact_changes: [{ kind: "phone", value: `+267${phone}` }],
    });
  });

  it("rejects mass assignment of role, status or id and changes nothing", async () => {
    const { token, user } = await signedIn();
    for (const body of [
      { role: "admin" },
      { status: "active", first_name: "X" },
      { id: "usr_other" },
      { two_factor_enabled: false },
      { password_hash: "x" },
    ]) {
      expectProblem(await call("/v1/me", { method: "PATCH", token, body }), 400, "validation_failed");
    }
    const row = await env.DB.prepare("SELECT role, first_name FROM users WHERE id = ?1").bind(user.id).first();
    expect(row).toEqual({ role: "customer", first_name: "Test" });
  });

  it("refuses an email that belongs to someone else", async () => {
    const other = await createUser();
    const { token } = await signedIn();
    const { user } = await signedIn();
    expectProblem(
      await call("/v1/me", { method: "PATCH", token, body: { email: other.email } }),
      400,
      "validation_failed",
    );
    expectProblem(
      await call("/v1/me", { method: "PATCH", token, body: { email: other.email, current_password: user.password } }),
      409,
      "conflict",
    );
  });

  it("re-identification: a new email needs the current password, counts only once verified, and the old address can undo it", async () => {
    const { token, user } = await signedIn();
    const fresh = `moved-${crypto.randomUUID().slice(0, 8)}@example.test`;
    expectProblem(await call("/v1/me", { method: "PATCH", token, body: { email: fresh } }), 400, "validation_failed");
    expectProblem(
      await call("/v1/me", { method: "PATCH", token, body: { email: fresh, current_password: "not my password" } }),
      403,
      "forbidden",
    );
    const asked = await call("/v1/me", {
      method: "PATCH",
      token,
      body: { email: fresh, current_password: user.password },
    });
    expect(asked.status, asked.text).toBe(200);
    expect(asked.json.email).toBe(user.email);
    expect(asked.json.pending_contact_changes).toEqual([
      { kind: "email", value: fresh, expires_at: expect.any(String) },
    ]);
    // Until verified, the new address is nobody's: a reset asked for it sends nothing there.
    await call("/v1/auth/password/forgot", { body: { identifier: fresh } });
    const toNew = await waitForOutbox(fresh, 1);
    expect(toNew).toHaveLength(1);
    const verifyToken = /Verification token: (\S+)/.exec(toNew[0].body)![1];
    expectProblem(await call("/v1/auth/contact/verify", { body: { token: "x".repeat(43) } }), 401, "invalid_token");
    expect((await call("/v1/auth/contact/verify", { body: { token: verifyToken } })).status).toBe(200);
    expectProblem(await call("/v1/auth/contact/verify", { body: { token: verifyToken } }), 401, "invalid_token");
    expect((await call("/v1/me", { token })).json.email).toBe(fresh);
    // The old address hears of it, with a way back that also signs everyone out.
    const toOld = (await waitForOutbox(user.email, 1)).find((m) => m.body.includes("Undo token"))!;
    expect(toOld.body).toContain(fresh);
    const undoToken = /Undo token: (\S+)/.exec(toOld.body)![1];
    expect((await call("/v1/auth/contact/undo", { body: { token: undoToken } })).status).toBe(200);
    expectProblem(await call("/v1/me", { token }), 401, "invalid_token");
    const again = await login(user);
    expect((await call("/v1/me", { token: again.access_token })).json.email).toBe(user.email);
    expectProblem(await call("/v1/auth/contact/undo", { body: { token: undoToken } }), 401, "invalid_token");
  });

  it("registers and clears an Expo push token", async () => {
    const { token } = await signedIn("technician");
    const set = await call("/v1/me/push-token", { method: "PUT", token, body: { token: "ExponentPushToken[abc123]" } });
    expect(set.json.has_push_token).toBe(true);
    expectProblem(
      await call("/v1/me/push-token", { method: "PUT", token, body: { token: "not-expo" } }),
      400,
      "validation_failed",
    );
    const cleared = await call("/v1/me/push-token", { method: "PUT", token, body: { token: null } });
    expect(cleared.json.has_push_token).toBe(false);
  });
});

describe("IAM-10 user administration", () => {
  it("creates, reads, updates and lists users with filters and cursor pagination", async () => {
    const { token } = await signedIn("admin");
    const created = await call("/v1/users", {
      token,
      body: {
        username: "Disp.One",
        email: "disp1@example.test",
        phone: "+267 71 999 001",
        password: "a long secret",
        role: "dispatcher",
        first_name: "Disp",
      },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.json).toMatchObject({
      username: "disp.one",
      role: "dispatcher",
      status: "active",
      phone: "+26771999001",
    });
    const id = created.json.id;
    expect(id).toMatch(/^usr_[0-9a-z]{20}$/);

    expect((await call(`/v1/users/${id}`, { token })).json.email).toBe("disp1@example.test");
    const patched = await call(`/v1/users/${id}`, {
      method: "PATCH",
      token,
      body: { last_name: "Uno", role: "supervisor", region: "Maun", address: "Plot 7, Boseja" },
    });
    expect(patched.json).toMatchObject({
      last_name: "Uno",
      role: "supervisor",
      region: "Maun",
      address: "Plot 7, Boseja",
    });

    expect((await call("/v1/users?phone=71999001", { token })).json.data.map((u: { id: string }) => u.id)).toEqual([
      id,
    ]);
    expect((await call("/v1/users?q=DISP.O", { token })).json.data.map((u: { id: string }) => u.id)).toEqual([id]);
    expect(
      (await call("/v1/users?role=supervisor", { token })).json.data.some((u: { id: string }) => u.id === id),
    ).toBe(true);

    for (let i = 0; i < 4; i++) await createUser({ role: "technician" });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { json: { data: { id: string; username: string }[]; next_cursor: string | null } } = await call(
        `/v1/users?role=technician&limit=2&order=username${cursor ? `&cursor=${cursor}` : ""}`,
        { token },
      );
      seen.push(...page.json.data.map((u) => u.username));
      cursor = page.json.next_cursor;
    } while (cursor);
    expect(seen.length).toBeGreaterThanOrEqual(4);
    expect([...seen].sort()).toEqual(seen);
    expect(new Set(seen).size).toBe(seen.length);
    expectProblem(await call("/v1/users?cursor=bogus", { token }), 400, "validation_failed");
    expectProblem(await call("/v1/users?limit=1000", { token }), 400, "validation_failed");
  });

  it("rejects unknown fields and status changes through PATCH", async () => {
    const { token } = await signedIn("admin");
    const target = await createUser();
    expectProblem(
      await call(`/v1/users/${target.id}`, { method: "PATCH", token, body: { status: "deactivated" } }),
      400,
      "validation_failed",
    );
    expectProblem(
      await call(`/v1/users/${target.id}`, { method: "PATCH", token, body: { id: "usr_new" } }),
      400,
      "validation_failed",
    );
    expectProblem(
      await call(`/v1/users/${target.id}`, { method: "PATCH", token, body: { role: "no_such_role" } }),
      400,
      "validation_failed",
    );
  });

  it("lets managers run accounts but not grant admin or touch admins", async () => {
    const { token } = await signedIn("manager");
    const admin = await createUser({ role: "admin" });
    const tech = await createUser({ role: "technician" });
    expectProblem(
      await call(`/v1/users/${tech.id}`, { method: "PATCH", token, body: { role: "admin" } }),
      403,
      "forbidden",
    );
    expectProblem(await call(`/v1/users/${admin.id}/deactivate`, { method: "POST", token }), 403, "forbidden");
    expect((await call(`/v1/users/${tech.id}/deactivate`, { method: "POST", token })).json.status).toBe("deactivated");
  });

  it("deactivates (ending sessions), activates, and never lets you deactivate yourself", async () => {
    const admin = await signedIn("admin");
    const target = await createUser({ role: "technician" });
    const { access_token } = await login(target);
    const off = await call(`/v1/users/${target.id}/deactivate`, { method: "POST", token: admin.token });
    expect(off.json).toMatchObject({ status: "deactivated", is_active: false });
    expectProblem(await call("/v1/me", { token: access_token }), 401, "invalid_token");
    expectProblem(
      await call("/v1/auth/login", { body: { identifier: target.username, password: DEFAULT_PASSWORD } }),
      403,
      "account_inactive",
    );
    expect((await call(`/v1/users/${target.id}/activate`, { method: "POST", token: admin.token })).json.status).toBe(
      "active",
    );
    expectProblem(
      await call(`/v1/users/${admin.user.id}/deactivate`, { method: "POST", token: admin.token }),
      403,
      "forbidden",
    );
    expect((await call("/v1/me", { token: admin.token })).status).toBe(200);
  });

  it("soft-deletes: the row stays, the account disappears and its sessions end", async () => {
    const admin = await signedIn("admin");
    const target = await createUser();
    const { access_token } = await login(target);
    expect((await call(`/v1/users/${target.id}`, { method: "DELETE", token: admin.token })).status).toBe(204);
    expectProblem(await call(`/v1/users/${target.id}`, { token: admin.token }), 404, "not_found");
    expectProblem(await call("/v1/me", { token: access_token }), 401, "invalid_token");
    const row = await env.DB.prepare("SELECT deleted_at FROM users WHERE id = ?1")
      .bind(target.id)
      .first<{ deleted_at: string }>();
    expect(row!.deleted_at).toBeTruthy();
    expectProblem(await call(`/v1/users/${admin.user.id}`, { method: "DELETE", token: admin.token }), 403, "forbidden");
  });

  it("lets an admin set a user's password, ending their sessions (IAM-6)", async () => {
    const admin = await signedIn("admin");
    const target = await createUser();
    const { access_token } = await login(target);
    expect(
      (await call(`/v1/users/${target.id}/password`, { token: admin.token, body: { password: "set by admin 1" } }))
        .status,
    ).toBe(204);
    expectProblem(await call("/v1/me", { token: access_token }), 401, "invalid_token");
    expect(
      (await call("/v1/auth/login", { body: { identifier: target.username, password: "set by admin 1" } })).status,
    ).toBe(200);
  });
});

describe("IAM-11 pending approvals", () => {
  it("lists pending registrations and approves or rejects them", async () => {
    const { token } = await signedIn("manager");
    const a = await call("/v1/auth/register", {
      body: {
        username: "pend-a",
        email: "pend-a@example.test",
        password: "long enough pw",
        account_type: "technician",
      },
    });
    const b = await call("/v1/auth/register", {
      body: {
        username: "pend-b",
        email: "pend-b@example.test",
        password: "long enough pw",
        account_type: "dispatcher",
      },
    });
    const pending = await call("/v1/users/pending", { token });
    const ids = pending.json.data.map((u: { id: string }) => u.id);
    expect(ids).toEqual(expect.arrayContaining([a.json.user.id, b.json.user.id]));

    expect((await call(`/v1/users/${a.json.user.id}/approve`, { method: "POST", token })).json.status).toBe("active");
    expect((await call("/v1/auth/login", { body: { identifier: "pend-a", password: "long enough pw" } })).status).toBe(
      200,
    );
    expect(
      (await call(`/v1/users/${b.json.user.id}/reject`, { token, body: { reason: "unknown person" } })).json.status,
    ).toBe("rejected");
    expectProblem(
      await call(`/v1/users/${b.json.user.id}/approve`, { method: "POST", token }),
      409,
      "invalid_transition",
    );
  });

  it("is closed to technicians and customers", async () => {
    for (const role of ["technician", "customer", "dispatcher"]) {
      const { token } = await signedIn(role);
      expectProblem(await call("/v1/users/pending", { token }), 403, "forbidden");
    }
  });
});
