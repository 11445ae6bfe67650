import { z } from "@hono/zod-openapi";
import { NETWORK_SERVICE_TYPES, ONT_LINK_STATES } from "../../db/schema";

// The element manager: whatever owns the fibre network's OLTs, ONTs, VLANs and the customers'
// CPEs. truckroll talks to it through this interface only; the simulator (development, tests)
// and the HTTP adapter (production) both implement it, and both hold their answers to the same
// schemas, so a malformed answer is caught the same way whichever is behind it.

export const SERVICE_TYPES = NETWORK_SERVICE_TYPES;
export type ServiceType = (typeof SERVICE_TYPES)[number];

export const LINK_STATES = ONT_LINK_STATES;

export const NodeSchema = z.object({
  name: z.string().min(1).max(64),
  metro: z.string().min(1).max(32),
  vlan_min: z.number().int().min(2).max(4094),
  vlan_max: z.number().int().min(2).max(4094),
});
export type NetworkNode = z.infer<typeof NodeSchema>;

export const OntLinkSchema = z.object({
  serial: z.string(),
  node: z.string(),
  port: z.string(),
  status: z.enum(LINK_STATES),
  /** Optical power the ONT receives (dBm); null while the link is down. */
  rx_power_dbm: z.number().nullable(),
  tx_power_dbm: z.number().nullable(),
  /** Optical power the OLT receives from this ONT (dBm). */
  olt_rx_power_dbm: z.number().nullable(),
  distance_m: z.number().int().nullable(),
  last_change_at: z.string().nullable(),
});
export type OntLink = z.infer<typeof OntLinkSchema>;

export const UnprovisionedOntSchema = z.object({
  serial: z.string(),
  node: z.string(),
  port: z.string(),
  model: z.string(),
  discovered_at: z.string(),
});
export type UnprovisionedOnt = z.infer<typeof UnprovisionedOntSchema>;

export const VlanSchema = z.object({
  node: z.string(),
  vlan: z.number().int(),
  service_type: z.enum(SERVICE_TYPES),
  subscriber_id: z.string().nullable(),
});
export type Vlan = z.infer<typeof VlanSchema>;

export const CpeSchema = z.object({
  serial: z.string(),
  model: z.string(),
  online: z.boolean(),
  last_inform_at: z.string().nullable(),
  uptime_seconds: z.number().int().nullable(),
  wan_ip: z.string().nullable(),
});
export type Cpe = z.infer<typeof CpeSchema>;

export const SubscriberSchema = z.object({
  subscriber_id: z.string(),
  ont_serial: z.string(),
  node: z.string(),
  port: z.string(),
  service_type: z.enum(SERVICE_TYPES),
  vlan: z.number().int(),
  cpe: CpeSchema.nullable(),
});
export type Subscriber = z.infer<typeof SubscriberSchema>;

export const ProvisionedSchema = z.object({
  ont_serial: z.string(),
  node: z.string(),
  port: z.string(),
  subscriber_id: z.string(),
  service_type: z.enum(SERVICE_TYPES),
  vlan: z.number().int(),
});
export type Provisioned = z.infer<typeof ProvisionedSchema>;

export interface ProvisionRequest {
  ont_serial: string;
  subscriber_id: string;
  service_type: ServiceType;
  vlan: number;
}

export interface ElementManager {
  readonly name: "simulator" | "http";
  listNodes(): Promise<NetworkNode[]>;
  linkCheck(serial: string): Promise<OntLink>;
  unprovisionedOnts(node?: string): Promise<UnprovisionedOnt[]>;
  /** VLAN ids of the node's range that nothing uses yet. */
  availableVlans(node: string): Promise<number[]>;
  /** VLANs configured on nodes that carry no subscriber's service. */
  unusedVlans(node?: string): Promise<Vlan[]>;
  deleteVlans(node: string, vlans: number[]): Promise<number[]>;
  createVlans(node: string, serviceType: ServiceType, vlans: number[]): Promise<Vlan[]>;
  provisionService(request: ProvisionRequest): Promise<Provisioned>;
  deleteOnt(serial: string): Promise<{ serial: string; node: string; freed_vlan: number | null }>;
  changeCpe(subscriberId: string, cpeSerial: string): Promise<Cpe>;
  searchSubscribers(query: { q?: string; node?: string; vlan?: number }): Promise<Subscriber[]>;
  /** null when the element manager knows no such subscriber. */
  lookupSubscriber(subscriberId: string): Promise<Subscriber | null>;
}

/**
 * Why a call to the element manager failed, and so whether the caller may simply try again:
 * - `unavailable` (refused, 5xx) and `timeout` on a read, or on a write the element manager
 *   refused before acting: nothing changed, retrying is safe.
 * - `outcome_unknown`: a write timed out or was answered with something unreadable; it may have
 *   been applied, so look before retrying.
 * - `rejected`: the element manager said no (unknown serial, VLAN in use): fix the request.
 * - `not_found`: it knows no such ONT or subscriber.
 */
export type ElementManagerFailure = "unavailable" | "timeout" | "outcome_unknown" | "rejected" | "not_found";

export class ElementManagerError extends Error {
  constructor(
    readonly failure: ElementManagerFailure,
    message: string,
    /** The element manager's own answer (status, body excerpt), kept for the provisioning log. */
    readonly upstream?: string,
  ) {
    super(message);
  }
}

/** Checks an answer against its schema; anything else is the element manager's fault, not ours. */
export function expectAnswer<T>(schema: z.ZodType<T>, value: unknown, operation: string, write: boolean): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new ElementManagerError(
    write ? "outcome_unknown" : "unavailable",
    `The element manager answered ${operation} with something unreadable.`,
    JSON.stringify(value ?? null).slice(0, 500),
  );
}
