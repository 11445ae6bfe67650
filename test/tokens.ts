import { SignJWT, importJWK, type JWK } from "jose";
import { env } from "cloudflare:workers";
import { base64url } from "../src/lib/ids";

/** Forged and malformed tokens for the attack tests. */
export async function forgeToken(options: {
  sub: string;
  sid: string;
  typ?: string;
  iss?: string;
  aud?: string;
  expSecondsFromNow?: number;
  key?: "foreign" | "active";
  kid?: string;
}) {
  const keys =
    options.key === "active"
      ? (JSON.parse(env.JWT_PRIVATE_KEYS!) as JWK[])[0]
      : (JSON.parse(env.TEST_FOREIGN_KEY) as JWK);
  const key = await importJWK({ ...keys, alg: "EdDSA" }, "EdDSA");
  return new SignJWT({ sid: options.sid })
    .setProtectedHeader({ alg: "EdDSA", typ: options.typ ?? "at+jwt", kid: options.kid ?? "test-active" })
    .setSubject(options.sub)
    .setJti(crypto.randomUUID())
    .setIssuer(options.iss ?? env.JWT_ISSUER!)
    .setAudience(options.aud ?? env.JWT_AUDIENCE!)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + (options.expSecondsFromNow ?? 600))
    .sign(key);
}

/** `alg: none`: a header and payload with an empty signature. */
export function unsignedToken(claims: Record<string, unknown>) {
  const enc = (o: unknown) => base64url(new TextEncoder().encode(JSON.stringify(o)));
  return `${enc({ alg: "none", typ: "at+jwt", kid: "test-active" })}.${enc(claims)}.`;
}

/** HS256 keyed with the public key's bytes: the classic algorithm-confusion forgery. */
export async function hmacConfusionToken(claims: Record<string, unknown>) {
  const pub = (JSON.parse(env.JWT_PRIVATE_KEYS!) as JWK[])[0].x!;
  const secret = new TextEncoder().encode(pub);
  return new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid: "test-active" }).sign(secret);
}

export function decodePayload(token: string): Record<string, any> {
  const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(part));
}
