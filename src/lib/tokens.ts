import {
  SignJWT,
  createLocalJWKSet,
  errors as joseErrors,
  importJWK,
  jwtVerify,
  type JWK,
  type JWTPayload,
} from "jose";
import type { Settings } from "./env";
import { AppError } from "./problem";

/** RFC 9068 `typ` values keep each kind of token out of the others' endpoints (RFC 8725 §3.11). */
export const TOKEN_TYPES = { access: "at+jwt", refresh: "rt+jwt", mfa: "mfa+jwt", events: "ws+jwt" } as const;
export type TokenKind = keyof typeof TOKEN_TYPES;
const ALGORITHM = "EdDSA";

interface KeyRing {
  signingKid: string;
  signingKey: CryptoKey;
  publicJwks: { keys: JWK[] };
  verify: ReturnType<typeof createLocalJWKSet>;
}

const rings = new Map<string, Promise<KeyRing>>();

async function buildRing(raw: string): Promise<KeyRing> {
  let jwks: JWK[];
  try {
    const parsed = JSON.parse(raw) as JWK[] | { keys: JWK[] };
    jwks = Array.isArray(parsed) ? parsed : parsed.keys;
  } catch {
    throw new Error("JWT_PRIVATE_KEYS is not valid JSON");
  }
  if (!jwks.length || !jwks.every((k) => k.kid && k.kty === "OKP" && k.crv === "Ed25519" && k.d)) {
    throw new Error("JWT_PRIVATE_KEYS must be Ed25519 private JWKs, each with a kid");
  }
  const publicKeys = jwks.map(({ kty, crv, x, kid }) => ({ kty, crv, x, kid, alg: ALGORITHM, use: "sig" }) as JWK);
  const signingKey = (await importJWK({ ...jwks[0], alg: ALGORITHM }, ALGORITHM)) as CryptoKey;
  return {
    signingKid: jwks[0].kid!,
    signingKey,
    publicJwks: { keys: publicKeys },
    verify: createLocalJWKSet({ keys: publicKeys }),
  };
}

function keyRing(settings: Settings): Promise<KeyRing> {
  let ring = rings.get(settings.jwtPrivateKeys);
  if (!ring) {
    ring = buildRing(settings.jwtPrivateKeys);
    rings.set(settings.jwtPrivateKeys, ring);
  }
  return ring;
}

export async function publicJwks(settings: Settings) {
  return (await keyRing(settings)).publicJwks;
}

export interface TokenClaims {
  sub: string;
  sid: string;
  jti: string;
  role?: string;
  /** The application signed in to (OAuth's "authorized party"), and the user's roles in it. */
  azp?: string;
  app_roles?: string[];
  /** Client-credentials tokens: the API key's permissions, space-separated (OAuth's `scope`), and its name. */
  scope?: string;
  name?: string;
  /** Second-factor tokens: the sign-in asked to be remembered. */
  remember?: boolean;
}

/**
 * The audience of an access token a user got by signing in to an application: that application,
 * not truckroll's API. The application validates it (GET /v1/auth/token/validate, or the JWKS);
 * truckroll's own routes refuse it, so an application that receives users' tokens cannot replay
 * them against truckroll with the users' full permissions.
 */
export function applicationAudience(applicationKey: string) {
  return `app:${applicationKey}`;
}

export async function signToken(
  settings: Settings,
  kind: TokenKind,
  claims: TokenClaims,
  ttlSeconds: number,
): Promise<string> {
  const ring = await keyRing(settings);
  const { sub, jti, ...rest } = claims;
  // Client-credentials tokens (sid "key:…") are for truckroll's API even when their key belongs to an application.
  const forApplication = kind === "access" && claims.azp && !claims.sid.startsWith("key:");
  return new SignJWT({ ...rest })
    .setProtectedHeader({ alg: ALGORITHM, kid: ring.signingKid, typ: TOKEN_TYPES[kind] })
    .setIssuer(settings.jwtIssuer)
    .setAudience(forApplication ? applicationAudience(claims.azp!) : settings.jwtAudience)
    .setSubject(sub)
    .setJti(jti)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(ring.signingKey);
}

export type VerifiedClaims = JWTPayload & {
  sub: string;
  sid: string;
  jti: string;
  exp: number;
  role?: string;
  azp?: string;
  app_roles?: string[];
  scope?: string;
  remember?: boolean;
};

/**
 * Pins the algorithm, issuer, audience, expiry and token type; any failure is one 401 that does
 * not say which check failed beyond "expired".
 */
export async function verifyToken(
  settings: Settings,
  kind: TokenKind,
  token: string,
  options: { applications?: boolean } = {},
): Promise<VerifiedClaims> {
  const ring = await keyRing(settings);
  const known = verified.get(token);
  const audience = `${settings.jwtIssuer} ${settings.jwtAudience}`;
  let claims: VerifiedClaims;
  if (known && known.ring === ring && known.kind === kind && known.audience === audience) {
    if (known.claims.exp * 1000 <= Date.now()) throw new AppError("invalid_token", "The token has expired.");
    claims = known.claims;
  } else {
    claims = await verifySignatureAndClaims(ring, settings, kind, token);
    if (verified.size >= MAX_VERIFIED) verified.delete(verified.keys().next().value!);
    verified.set(token, { ring, kind, audience, claims });
  }
  const audiences = ([] as string[]).concat(claims.aud ?? []);
  if (audiences.includes(settings.jwtAudience)) return claims;
  if (options.applications && claims.azp && audiences.includes(applicationAudience(claims.azp))) return claims;
  throw new AppError(
    "invalid_token",
    claims.azp
      ? "This token was issued for another application; it is not valid for this API."
      : "The token is invalid.",
  );
}

/**
 * A signature check costs ~0.2 ms of CPU, and the same access token arrives with every request
 * of a session: this isolate remembers tokens it has verified (the exact string, under the same
 * keys). Only expiry changes with time, so a hit re-checks `exp`; revocation is the session
 * check's job, not the signature's.
 */
const verified = new Map<string, { ring: KeyRing; kind: TokenKind; audience: string; claims: VerifiedClaims }>();
const MAX_VERIFIED = 10_000;

async function verifySignatureAndClaims(
  ring: KeyRing,
  settings: Settings,
  kind: TokenKind,
  token: string,
): Promise<VerifiedClaims> {
  try {
    const { payload } = await jwtVerify(token, ring.verify, {
      algorithms: [ALGORITHM],
      issuer: settings.jwtIssuer,
      // The audience is checked by verifyToken: truckroll's own, or an application's where the route allows it.
      typ: TOKEN_TYPES[kind],
      requiredClaims: ["sub", "jti", "exp", "iat"],
    });
    if (typeof payload.sid !== "string") throw new AppError("invalid_token", "The token is invalid.");
    return payload as VerifiedClaims;
  } catch (err) {
    if (err instanceof AppError) throw err;
    if (err instanceof joseErrors.JWTExpired) throw new AppError("invalid_token", "The token has expired.");
    throw new AppError("invalid_token", "The token is invalid.");
  }
}
