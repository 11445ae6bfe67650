import { z } from "zod";

/** What the SLA timer object (src/durable-objects/sla-timer.ts) answers; declared with the bindings so this file imports no object. */
export interface SlaTimerApi extends Rpc.DurableObjectBranded {
  arm(atMs: number): Promise<number>;
  armedAt(): Promise<number | null>;
  tick(): Promise<{ recomputed: number; warned: number; breached: number; next: number | null }>;
}

/** Bindings declared in wrangler.toml plus the secrets set with `wrangler secret put`. */
export interface Env {
  DB: D1Database;
  FILES: R2Bucket;
  ASSETS?: Fetcher;
  SCHEDULES: DurableObjectNamespace<import("../durable-objects/technician-schedule").TechnicianSchedule>;
  NOTIFICATIONS: Queue<import("./messages").QueueMessage>;
  /** Background jobs: exports, rebuilds (one message per step). */
  JOBS: Queue<import("./messages").JobMessage>;
  ENVIRONMENT?: string;
  JWT_ISSUER?: string;
  JWT_AUDIENCE?: string;
  ACCESS_TOKEN_TTL_SECONDS?: string;
  REFRESH_TOKEN_TTL_SECONDS?: string;
  /** Session lifetime when the user ticks "remember me" at sign-in. */
  REMEMBER_ME_TTL_SECONDS?: string;
  PUBLIC_BASE_URL?: string;
  TIME_ZONE?: string;
  DEFAULT_PHONE_REGION?: string;
  MAX_BODY_BYTES?: string;
  RATE_LIMIT_SCALE?: string;
  /** Seconds a read may reuse this isolate's last live-session check (0 = check every request). */
  SESSION_CACHE_SECONDS?: string;
  /** "off" stops counting D1 round trips outside production (the benchmark measures what production runs). */
  D1_ROUND_TRIPS?: string;
  /** debug, info (default), warn or error: the least severe log line written. */
  LOG_LEVEL?: string;
  SLA_RESPONSE_MINUTES?: string;
  SLA_RESOLUTION_MINUTES?: string;
  /** Share of a target (percent) at which a warning fires; 100 turns warnings off. */
  SLA_WARNING_PERCENT?: string;
  /** "off": the SLA timer notes its deadlines but sets no alarm (tests drive it by hand); the cron still checks. */
  SLA_ALARMS?: string;
  BOOKING_WINDOW_DAYS?: string;
  FREE_SERVICE_INTERVAL_MONTHS?: string;
  MAX_UPLOAD_BYTES?: string;
  /** Field uploads (POST /v1/uploads): size caps per kind, and days an unattached upload is kept. */
  UPLOAD_MAX_PHOTO_BYTES?: string;
  UPLOAD_MAX_DOCUMENT_BYTES?: string;
  UPLOAD_MAX_SIGNATURE_BYTES?: string;
  UPLOAD_UNATTACHED_DAYS?: string;
  RETENTION_SYNC_LOG_DAYS?: string;
  RETENTION_NOTIFICATIONS_DAYS?: string;
  RETENTION_DELIVERIES_DAYS?: string;
  RETENTION_EVENTS_DAYS?: string;
  RETENTION_PROVISIONING_DAYS?: string;
  RETENTION_LOCATIONS_DAYS?: string;
  RETENTION_MOBILE_ACTIONS_DAYS?: string;
  RETENTION_CHUNK_ROWS?: string;
  ARCHIVE_AFTER_MONTHS?: string;
  CUSTOMER_CARD_SELF_SERVICE?: string;
  ARCHIVE_PART_TICKETS?: string;
  /** Bytes of CSV an export job writes per step (one stored part each). */
  EXPORT_PART_BYTES?: string;
  /** Largest CSV file an import takes (bytes). */
  IMPORT_MAX_BYTES?: string;
  /** Most rows one import job takes. */
  IMPORT_MAX_ROWS?: string;
  /** Rows an import writes per committed chunk (one D1 batch each). */
  IMPORT_CHUNK_ROWS?: string;
  /** Bytes of the file an import step reads at a time. */
  IMPORT_WINDOW_BYTES?: string;
  IMPORT_MAX_ROW_BYTES?: string;
  WORK_DAY_START?: string;
  WORK_DAY_END?: string;
  SLOT_STEP_MINUTES?: string;
  DEFAULT_APPOINTMENT_MINUTES?: string;
  /** Visits a day after which a technician is no longer offered for a ticket nobody holds (pool booking). */
  POOL_DAILY_CAP?: string;
  /** Minutes a held slot stays kept for the customer confirming it. */
  SLOT_HOLD_MINUTES?: string;
  /** Share (percent) of each technician-day kept for critical and emergency tickets (e.g. 20); 0, the default, keeps nothing back. */
  HOLDBACK_PERCENT?: string;
  /** Hours before the day's first working hour at which the kept share opens to everyone (14: 18:00 the evening before an 08:00 start). */
  HOLDBACK_RELEASE_HOURS?: string;
  /**
   * Arrival windows the customer books instead of exact times: minutes per ticket kind, e.g.
   * "120" (every kind) or "installation=240,default=120"; empty or 0 offers exact times.
   */
  ARRIVAL_WINDOWS?: string;
  /** Travel between a technician's visits: distance (the default: distance × ETA road factor ÷ ETA speed), routing (ROUTING_URL's engine), or off. */
  TRAVEL_RULE?: string;
  /** Minutes assumed between two visits when either has no coordinates. */
  TRAVEL_BUFFER_MINUTES?: string;
  /** An OSRM server (its table service) for travel times, e.g. http://osrm:5000; "simulator" uses the built-in one outside production. */
  ROUTING_URL?: string;
  /** Milliseconds one call to the routing engine may take. */
  ROUTING_TIMEOUT_MS?: string;
  SAME_DAY_LEAD_MINUTES?: string;
  MAX_DAYS_AHEAD?: string;
  APPOINTMENT_LINK_TTL_HOURS?: string;
  QUIET_HOURS?: string;
  REMINDER_LEAD_MINUTES?: string;
  /** Local time on the evening before a visit when its customer is reminded ("" turns that reminder off). */
  REMINDER_EVENING_TIME?: string;
  /** Language of customer messages and the customer's visit page: en or id. */
  LANGUAGE?: string;
  /** The operator's name and phone number as customers see them (messages, visit page). */
  COMPANY_NAME?: string;
  COMPANY_PHONE?: string;
  /** "true": a ticket is resolved by completing its visit (appointment), not by the resolve action alone. */
  RESOLVE_NEEDS_VISIT?: string;
  /** How a new service booking is placed at once: off (a dispatcher assigns), round_robin or least_loaded. */
  AUTO_ASSIGN_BOOKINGS?: string;
  /** A customer may cancel their visit until this many hours before it starts. */
  CUSTOMER_CANCEL_MIN_HOURS?: string;
  /** ETA on the visit page: straight-line distance × road factor ÷ average speed, from a location at most this old. */
  ETA_ROAD_FACTOR?: string;
  ETA_AVERAGE_SPEED_KMH?: string;
  ETA_LOCATION_MAX_AGE_MINUTES?: string;
  /** Provider credentials (secrets); a channel without them writes to the dev outbox locally. */
  TWILIO_ACCOUNT_SID?: string;
  TWILIO_AUTH_TOKEN?: string;
  TWILIO_FROM?: string;
  RESEND_API_KEY?: string;
  EMAIL_FROM?: string;
  WHATSAPP_TOKEN?: string;
  WHATSAPP_PHONE_NUMBER_ID?: string;
  EXPO_PUSH_ENABLED?: string;
  EXPO_ACCESS_TOKEN?: string;
  EVENTS_HUB: DurableObjectNamespace<import("../durable-objects/events-hub").EventsHub>;
  /** The SLA clock's timer: one alarm at the next warning or breach of any ticket. */
  SLA_TIMER: DurableObjectNamespace<SlaTimerApi>;
  /** One VlanAllocator per network node: the single writer of that node's VLAN hand-outs. */
  VLANS: DurableObjectNamespace<import("../durable-objects/vlan-allocator").VlanAllocator>;
  /** The element manager simulator (local development and tests, or ELEMENT_MANAGER=simulator). */
  EM_SIMULATOR?: DurableObjectNamespace<import("../durable-objects/element-manager-simulator").ElementManagerSimulator>;
  /** "simulator" uses the simulator outside local development too (a demo deployment). */
  ELEMENT_MANAGER?: string;
  /** The OLT manager's REST API (docs/element-manager.md); set, it replaces the simulator. */
  ELEMENT_MANAGER_URL?: string;
  /** Secret: bearer token for the OLT manager. */
  ELEMENT_MANAGER_TOKEN?: string;
  /** Milliseconds one call to the element manager may take. */
  ELEMENT_MANAGER_TIMEOUT_MS?: string;
  /** GenieACS's NBI for customers' CPEs (lookup, health, change), e.g. http://genieacs:7557. */
  GENIEACS_URL?: string;
  GENIEACS_USERNAME?: string;
  /** Secret. */
  GENIEACS_PASSWORD?: string;
  /** Secret: JSON array of private JWKs (Ed25519, each with a kid); the first signs, all verify. */
  JWT_PRIVATE_KEYS?: string;
  /** Secret: key for HMAC of one-time codes, so a leaked table cannot be brute-forced offline. */
  HMAC_SECRET?: string;
}

const PRIORITIES = ["low", "medium", "high", "critical", "emergency"] as const;

/** `low=1440,medium=120,…` → minutes per priority; every priority must be present. */
const minutesByPriority = z.string().transform((raw, ctx) => {
  const out: Record<string, number> = {};
  for (const part of raw.split(",")) {
    const [k, v] = part.split("=").map((x) => x.trim());
    const n = Number(v);
    if (!(PRIORITIES as readonly string[]).includes(k) || !Number.isInteger(n) || n <= 0) {
      ctx.addIssue({ code: "custom", message: `bad entry '${part}'` });
      return z.NEVER;
    }
    out[k] = n;
  }
  for (const p of PRIORITIES) if (!(p in out)) ctx.addIssue({ code: "custom", message: `missing ${p}` });
  return out as Record<(typeof PRIORITIES)[number], number>;
});

const settingsSchema = z.object({
  environment: z.enum(["production", "staging", "development", "test"]).default("production"),
  jwtIssuer: z.string().min(1),
  jwtAudience: z.string().min(1),
  accessTokenTtlSeconds: z.coerce.number().int().positive(),
  refreshTokenTtlSeconds: z.coerce.number().int().positive(),
  rememberMeTtlSeconds: z.coerce.number().int().positive(),
  publicBaseUrl: z.url(),
  timeZone: z.string().min(1),
  defaultPhoneRegion: z.string().length(2),
  maxBodyBytes: z.coerce.number().int().positive(),
  /** Multiplies every rate limit; only for load tests on a local machine. */
  rateLimitScale: z.coerce.number().positive(),
  sessionCacheSeconds: z.coerce.number().int().min(0).max(60),
  /** Count D1 round trips per request and answer them in X-D1-Round-Trips (never in production). */
  countD1RoundTrips: z.boolean(),
  logLevel: z.enum(["debug", "info", "warn", "error"]),
  slaResponseMinutes: minutesByPriority,
  slaResolutionMinutes: minutesByPriority,
  slaWarningPercent: z.coerce.number().int().min(1).max(100),
  slaAlarms: z.boolean(),
  bookingWindowDays: z.coerce.number().int().positive(),
  freeServiceIntervalMonths: z.coerce.number().int().positive(),
  maxUploadBytes: z.coerce.number().int().positive(),
  uploadMaxBytes: z.object({
    photo: z.coerce.number().int().positive(),
    document: z.coerce.number().int().positive(),
    signature: z.coerce.number().int().positive(),
  }),
  uploadUnattachedDays: z.coerce.number().int().min(1).max(365),
  /** Days each growing log is kept (see docs/decisions.md, "Retention"); rows deleted per statement. */
  retention: z.object({
    syncLogDays: z.coerce.number().int().min(1).max(3650),
    notificationsDays: z.coerce.number().int().min(1).max(3650),
    deliveriesDays: z.coerce.number().int().min(1).max(3650),
    eventsDays: z.coerce.number().int().min(1).max(3650),
    provisioningDays: z.coerce.number().int().min(1).max(3650),
    locationsDays: z.coerce.number().int().min(1).max(3650),
    mobileActionsDays: z.coerce.number().int().min(1).max(3650),
    chunkRows: z.coerce.number().int().min(1).max(10_000),
  }),
  /** Closed and cancelled tickets move to the R2 archive this many months after they ended (0: never, automatically). */
  archiveAfterMonths: z.coerce.number().int().min(0).max(1200),
  /** Customers may register their own service cards and edit their cards' own fields (off by default). */
  customerCardSelfService: z.boolean(),
  /** Tickets per archive part (one job step). */
  archivePartTickets: z.coerce.number().int().min(1).max(500),
  exportPartBytes: z.coerce.number().int().min(1024),
  importMaxBytes: z.coerce.number().int().positive(),
  importMaxRows: z.coerce.number().int().positive(),
  importChunkRows: z.coerce.number().int().min(1).max(500),
  importWindowBytes: z.coerce.number().int().min(64),
  /** A row longer than this (or an unclosed quote this far from the file's end) fails its import at once. */
  importMaxRowBytes: z.coerce.number().int().min(1024),
  workDayStart: z.string().regex(/^\d{2}:\d{2}$/),
  workDayEnd: z.string().regex(/^\d{2}:\d{2}$/),
  slotStepMinutes: z.coerce.number().int().min(5).max(240),
  defaultAppointmentMinutes: z.coerce.number().int().min(5).max(600),
  poolDailyCap: z.coerce.number().int().min(1).max(100),
  slotHoldMinutes: z.coerce.number().int().min(1).max(60),
  holdbackPercent: z.coerce.number().int().min(0).max(90),
  holdbackReleaseHours: z.coerce.number().min(0).max(72),
  arrivalWindows: z
    .string()
    .regex(/^\s*(\d+|([a-z_]+=\d+)(\s*,\s*[a-z_]+=\d+)*)?\s*$/, "ARRIVAL_WINDOWS: minutes, or kind=minutes pairs")
    .transform((raw) => {
      const out: Record<string, number> = {};
      for (const part of raw
        .split(",")
        .map((p) => p.trim())
        .filter(Boolean)) {
        const [kind, minutes] = part.includes("=") ? part.split("=") : ["default", part];
        out[kind.trim()] = Number(minutes);
      }
      return out;
    }),
  travelRule: z.enum(["distance", "routing", "off"]),
  travelBufferMinutes: z.coerce.number().int().min(0).max(240),
  routingTimeoutMs: z.coerce.number().int().min(50).max(60_000),
  sameDayLeadMinutes: z.coerce.number().int().min(0).max(1440),
  maxDaysAhead: z.coerce.number().int().min(1).max(365),
  appointmentLinkTtlHours: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60),
  quietHours: z
    .string()
    .regex(/^\d{2}:\d{2}-\d{2}:\d{2}$/)
    .or(z.literal("")),
  reminderLeadMinutes: z.coerce
    .number()
    .int()
    .min(5)
    .max(7 * 24 * 60),
  reminderEveningTime: z
    .string()
    .regex(/^\d{2}:\d{2}$/)
    .or(z.literal("")),
  language: z.enum(["en", "id"]),
  companyName: z.string().min(1).max(80),
  companyPhone: z.string().max(40),
  customerCancelMinHours: z.coerce
    .number()
    .min(0)
    .max(24 * 14),
  resolveNeedsVisit: z.boolean(),
  autoAssignBookings: z.enum(["off", "round_robin", "least_loaded"]),
  etaRoadFactor: z.coerce.number().min(1).max(5),
  etaAverageSpeedKmh: z.coerce.number().min(1).max(200),
  etaLocationMaxAgeMinutes: z.coerce.number().int().min(1).max(240),
  elementManagerTimeoutMs: z.coerce.number().int().min(50).max(60_000),
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
    rememberMeTtlSeconds: env.REMEMBER_ME_TTL_SECONDS ?? 7_776_000,
    publicBaseUrl: env.PUBLIC_BASE_URL ?? "http://localhost:8787",
    timeZone: env.TIME_ZONE ?? "Africa/Gaborone",
    defaultPhoneRegion: env.DEFAULT_PHONE_REGION ?? "BW",
    maxBodyBytes: env.MAX_BODY_BYTES ?? 1_048_576,
    rateLimitScale: env.RATE_LIMIT_SCALE ?? 1,
    sessionCacheSeconds: env.SESSION_CACHE_SECONDS ?? 5,
    countD1RoundTrips: (env.ENVIRONMENT ?? "production") !== "production" && env.D1_ROUND_TRIPS !== "off",
    logLevel: env.LOG_LEVEL ?? "info",
    // Incident desk defaults (high 30 min, medium 2 h, low 24 h); critical and emergency are ours.
    slaResponseMinutes: env.SLA_RESPONSE_MINUTES ?? "low=1440,medium=120,high=30,critical=15,emergency=10",
    slaResolutionMinutes: env.SLA_RESOLUTION_MINUTES ?? "low=7200,medium=2880,high=1440,critical=480,emergency=240",
    slaWarningPercent: env.SLA_WARNING_PERCENT ?? 80,
    slaAlarms: env.SLA_ALARMS !== "off",
    bookingWindowDays: env.BOOKING_WINDOW_DAYS ?? 30,
    freeServiceIntervalMonths: env.FREE_SERVICE_INTERVAL_MONTHS ?? 3,
    maxUploadBytes: env.MAX_UPLOAD_BYTES ?? 10 * 1024 * 1024,
    uploadMaxBytes: {
      photo: env.UPLOAD_MAX_PHOTO_BYTES ?? 10 * 1024 * 1024,
      document: env.UPLOAD_MAX_DOCUMENT_BYTES ?? 20 * 1024 * 1024,
      signature: env.UPLOAD_MAX_SIGNATURE_BYTES ?? 512 * 1024,
    },
    uploadUnattachedDays: env.UPLOAD_UNATTACHED_DAYS ?? 3,
    retention: {
      syncLogDays: env.RETENTION_SYNC_LOG_DAYS ?? 30,
      notificationsDays: env.RETENTION_NOTIFICATIONS_DAYS ?? 90,
      deliveriesDays: env.RETENTION_DELIVERIES_DAYS ?? 90,
      eventsDays: env.RETENTION_EVENTS_DAYS ?? 30,
      provisioningDays: env.RETENTION_PROVISIONING_DAYS ?? 365,
      locationsDays: env.RETENTION_LOCATIONS_DAYS ?? 30,
      mobileActionsDays: env.RETENTION_MOBILE_ACTIONS_DAYS ?? 90,
      chunkRows: env.RETENTION_CHUNK_ROWS ?? 1000,
    },
    archiveAfterMonths: env.ARCHIVE_AFTER_MONTHS ?? 24,
    archivePartTickets: env.ARCHIVE_PART_TICKETS ?? 100,
    customerCardSelfService: env.CUSTOMER_CARD_SELF_SERVICE === "on",
    exportPartBytes: env.EXPORT_PART_BYTES ?? 4 * 1024 * 1024,
    importMaxBytes: env.IMPORT_MAX_BYTES ?? 32 * 1024 * 1024,
    importMaxRows: env.IMPORT_MAX_ROWS ?? 200_000,
    importChunkRows: env.IMPORT_CHUNK_ROWS ?? 200,
    importWindowBytes: env.IMPORT_WINDOW_BYTES ?? 256 * 1024,
    importMaxRowBytes: env.IMPORT_MAX_ROW_BYTES ?? 4 * 1024 * 1024,
    // The appointment seed's rules: 08:00–17:00, 30-minute steps, 30-minute default visit,
    // 60 minutes' lead time on the same day, 30 days ahead.
    workDayStart: env.WORK_DAY_START ?? "08:00",
    workDayEnd: env.WORK_DAY_END ?? "17:00",
    slotStepMinutes: env.SLOT_STEP_MINUTES ?? 30,
    defaultAppointmentMinutes: env.DEFAULT_APPOINTMENT_MINUTES ?? 30,
    poolDailyCap: env.POOL_DAILY_CAP ?? 8,
    slotHoldMinutes: env.SLOT_HOLD_MINUTES ?? 5,
    holdbackPercent: env.HOLDBACK_PERCENT ?? 0,
    holdbackReleaseHours: env.HOLDBACK_RELEASE_HOURS ?? 14,
    arrivalWindows: env.ARRIVAL_WINDOWS ?? "",
    travelRule: env.TRAVEL_RULE ?? "distance",
    travelBufferMinutes: env.TRAVEL_BUFFER_MINUTES ?? 15,
    routingTimeoutMs: env.ROUTING_TIMEOUT_MS ?? 3000,
    sameDayLeadMinutes: env.SAME_DAY_LEAD_MINUTES ?? 60,
    maxDaysAhead: env.MAX_DAYS_AHEAD ?? 30,
    appointmentLinkTtlHours: env.APPOINTMENT_LINK_TTL_HOURS ?? 72,
    quietHours: env.QUIET_HOURS ?? "21:00-07:00",
    reminderLeadMinutes: env.REMINDER_LEAD_MINUTES ?? 120,
    reminderEveningTime: env.REMINDER_EVENING_TIME ?? "18:00",
    language: env.LANGUAGE ?? "en",
    companyName: env.COMPANY_NAME ?? "truckroll",
    companyPhone: env.COMPANY_PHONE ?? "",
    customerCancelMinHours: env.CUSTOMER_CANCEL_MIN_HOURS ?? 2,
    resolveNeedsVisit: env.RESOLVE_NEEDS_VISIT === "true",
    autoAssignBookings: env.AUTO_ASSIGN_BOOKINGS ?? "off",
    etaRoadFactor: env.ETA_ROAD_FACTOR ?? 1.4,
    etaAverageSpeedKmh: env.ETA_AVERAGE_SPEED_KMH ?? 35,
    etaLocationMaxAgeMinutes: env.ETA_LOCATION_MAX_AGE_MINUTES ?? 15,
    elementManagerTimeoutMs: env.ELEMENT_MANAGER_TIMEOUT_MS ?? 8000,
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
