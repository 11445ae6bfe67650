import { z } from "zod";

/** Bindings declared in wrangler.toml plus the secrets set with `wrangler secret put`. */
export interface Env {
  DB: D1Database;
  FILES: R2Bucket;
  ASSETS?: Fetcher;
  NOTIFICATIONS: Queue<import("../queues/messages").NotificationMessage>;
  ENVIRONMENT?: string;
  JWT_ISSUER?: string;
  JWT_AUDIENCE?: string;
  ACCESS_TOKEN_TTL_SECONDS?: string;
  REFRESH_TOKEN_TTL_SECONDS?: string;
  PUBLIC_BASE_URL?: string;
  TIME_ZONE?: string;
  DEFAULT_PHONE_REGION?: string;
  MAX_BODY_BYTES?: string;
  RATE_LIMIT_SCALE?: string;
  /** Secret: JSON array of private JWKs (Ed25519, each with a kid); the first signs, all verify. */
  JWT_PRIVATE_KEYS?: string;
  /** Secret: key for HMAC of one-time codes, so a leaked table cannot be brute-forced offline. */
  HMAC_SECRET?: string;
}

const settingsSchema = z.object({
  environment: z.enum(["production", "staging", "development", "test"]).default("production"),
  jwtIssuer: z.string().min(1),
  jwtAudience: z.string().min(1),
  accessTokenTtlSeconds: z.coerce.number().int().positive(),
  refreshTokenTtlSeconds: z.coerce.number().int().positive(),
  publicBaseUrl: z.url(),
  timeZone: z.string().min(1),
  defaultPhoneRegion: z.string().length(2),
  maxBodyBytes: z.coerce.number().int().positive(),
  /** Multiplies every rate limit; only for load tests on a local machine. */
  rateLimitScale: z.coerce.number().positive(),
  jwtPrivateKeys: z.string().min(1, "JWT_PRIVATE_KEYS secret is not set"),
  hmacSecret: z.string().min(16, "HMAC_SECRET secret is not set"),
});

export type Settings = z.infer<typeof settingsSchema>;

const cache = new WeakMap<object, Settings>();

/** Parses vars and secrets once per isolate; a missing secret fails loudly at the first request. */
export function settingsFrom(env: Env): Settings {
  const hit = cache.get(env);
  if (hit) return hit;
  const settings = settingsSchema.parse({
    environment: env.ENVIRONMENT ?? "production",
    jwtIssuer: env.JWT_ISSUER ?? "https://api.truckroll.dev",
    jwtAudience: env.JWT_AUDIENCE ?? "truckroll-api",
    accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS ?? 900,
    refreshTokenTtlSeconds: env.REFRESH_TOKEN_TTL_SECONDS ?? 2_592_000,
    publicBaseUrl: env.PUBLIC_BASE_URL ?? "http://localhost:8787",
    timeZone: env.TIME_ZONE ?? "Africa/Gaborone",
    defaultPhoneRegion: env.DEFAULT_PHONE_REGION ?? "BW",
    maxBodyBytes: env.MAX_BODY_BYTES ?? 1_048_576,
    rateLimitScale: env.RATE_LIMIT_SCALE ?? 1,
    jwtPrivateKeys: env.JWT_PRIVATE_KEYS ?? "",
    hmacSecret: env.HMAC_SECRET ?? "",
  });
  cache.set(env, settings);
  return settings;
}

/** The development outbox and demo helpers exist only outside production. */
export function isLocal(settings: Settings): boolean {
  return settings.environment === "development" || settings.environment === "test";
}
