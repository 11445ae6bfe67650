import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { BUILTIN_ROLES, BUILTIN_ROLE_KEYS, isPermission } from "../src/contracts/permissions";
import { call, expectProblem, signedIn } from "./helpers";
import { forgeToken } from "./tokens";

export interface Operation {
  method: string;
  path: string;
  operationId: string;
  tag: string;
  /** A permission string, `authenticated`, `optional`, or undefined for public routes. */
  permission?: string;
}

/** Every operation in the generated OpenAPI document: the suite follows the routes, not a hand list. */
export function operations(): Operation[] {
  const doc = createApp().getOpenAPI31Document({ openapi: "3.1.0", info: { title: "t", version: "1" } });
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(item as Record<string, any>)) {
      if (!op?.operationId) continue;
      out.push({
        method: method.toUpperCase(),
        path,
        operationId: op.operationId,
        tag: op.tags?.[0],
        permission: op["x-permission"],
      });
    }
  }
  return out;
}

/** A concrete URL for a templated path; the ids do not exist, which is fine for denials. */
export function concretePath(path: string) {
  return path
    .replace(/\{id\}/g, "usr_0000000000000000000x")
    .replace(/\{key\}/g, "no_such_role")
    .replace(/\{[^}]+\}/g, "x0000000000000000000");
}

/**
 * The shared security suite. One line per module — `securitySuite("tickets")` — runs, for every
 * protected route with that tag: no credentials → 401, a malformed header → 401, garbage and
 * forged tokens → 401, and every built-in role that lacks the route's permission → 403, each as
 * problem+json.
 */
export function securitySuite(tag?: string) {
  const ops = operations().filter((op) => op.permission && (!tag || op.tag === tag));
  const tokens: Record<string, string> = {};
  let forged = "";
  /** An API key holding one permission none of these routes needs. */
  let narrowKey = "";
  const KEY_PERMISSION = "feedback:read";

  describe(`security suite${tag ? ` (${tag})` : ""}`, () => {
    beforeAll(async () => {
      for (const role of BUILTIN_ROLE_KEYS) tokens[role] = (await signedIn(role)).token;
      forged = await forgeToken({ sub: "usr_0000000000000000000x", sid: "ses_x", key: "foreign" });
      narrowKey = (
        await call("/v1/api-keys", {
          token: tokens.admin,
          body: { name: "Security suite", permissions: [KEY_PERMISSION] },
        })
      ).json.secret;
    });

    it("covers at least one route", () => {
      expect(ops.length).toBeGreaterThan(0);
    });

    for (const op of ops) {
      const url = concretePath(op.path);
      const body = ["POST", "PUT", "PATCH"].includes(op.method) ? {} : undefined;

      describe(`${op.method} ${op.path}`, () => {
        if (op.permission !== "optional") {
          it("401 without credentials", async () => {
            expectProblem(await call(url, { method: op.method, body }), 401);
          });
        }
        it("401 with a malformed Authorization header", async () => {
          expectProblem(
            await call(url, { method: op.method, body, headers: { authorization: "Basic dXNlcjpwYXNz" } }),
            401,
            "unauthorized",
          );
        });
        it("401 with a garbage or forged bearer token", async () => {
          expectProblem(
            await call(url, { method: op.method, body, token: "garbage.token.value" }),
            401,
            "invalid_token",
          );
          expectProblem(await call(url, { method: op.method, body, token: forged }), 401, "invalid_token");
          expectProblem(
            await call(url, { method: op.method, body, token: "trk_unknownunknownunknownunknownunknown000" }),
            401,
            "invalid_token",
          );
        });

        const permission = op.permission;
        if (permission && isPermission(permission)) {
          const denied = BUILTIN_ROLE_KEYS.filter(
            (role) => !(BUILTIN_ROLES[role].permissions as readonly string[]).includes(permission),
          );
          for (const role of denied) {
            it(`403 for ${role} (lacks ${permission})`, async () => {
              expectProblem(await call(url, { method: op.method, body, token: tokens[role] }), 403, "forbidden");
            });
          }
          if (permission !== KEY_PERMISSION) {
            it(`403 for an API key without ${permission}`, async () => {
              expectProblem(await call(url, { method: op.method, body, token: narrowKey }), 403, "forbidden");
            });
          }
        }
      });
    }
  });
}
