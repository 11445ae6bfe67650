import { SELF } from "cloudflare:test";
import createClient from "openapi-fetch";
import type { paths } from "./api-types";
import { BASE, randomIp } from "./helpers";

/**
 * The API as integrators call it: openapi-fetch over the types generated from the document
 * (test/api-types.ts, kept current by test/node/api-types.test.ts), so a test's paths, bodies and
 * answers are type-checked against the document instead of `any`. Each client signs in as one
 * caller and calls from its own address.
 */
export function api(token?: string, ip = randomIp()) {
  return createClient<paths>({
    baseUrl: BASE,
    fetch: (request) => SELF.fetch(request),
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), "cf-connecting-ip": ip },
  });
}
