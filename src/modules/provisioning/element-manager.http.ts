import { z } from "@hono/zod-openapi";
import {
  type Cpe,
  type ElementManager,
  ElementManagerError,
  expectAnswer,
  NodeSchema,
  OntLinkSchema,
  ProvisionedSchema,
  SubscriberSchema,
  UnprovisionedOntSchema,
  VlanSchema,
} from "./element-manager";
import { withReadRetries, withTimeout } from "./element-manager.calls";

export interface HttpElementManagerConfig {
  /** The OLT manager's REST API (docs/element-manager.md), e.g. https://olt-manager.example.net/api/v1 */
  oltUrl: string;
  oltToken: string;
  /** GenieACS's northbound interface (NBI) for the CPEs, e.g. http://genieacs:7557; without it subscribers show no CPE. */
  acsUrl?: string;
  acsUsername?: string;
  acsPassword?: string;
  timeoutMs: number;
}

const SubscriberWithoutCpe = SubscriberSchema.omit({ cpe: true });
const DeletedOntSchema = z.object({ serial: z.string(), node: z.string(), freed_vlan: z.number().int().nullable() });

/** GenieACS keeps a CPE's parameters as `{ _value, _timestamp }` leaves under their TR-069 paths. */
const AcsDeviceSchema = z
  .object({
    _id: z.string(),
    _deviceId: z.object({ _SerialNumber: z.string(), _ProductClass: z.string().optional() }),
    _lastInform: z.string().optional(),
    _tags: z.array(z.string()).optional(),
  })
  .passthrough();
type AcsDevice = z.infer<typeof AcsDeviceSchema>;
/** GenieACS tag naming the subscriber a CPE serves (tags are how GenieACS groups devices). */
export const subscriberTag = (subscriberId: string) => `subscriber-${subscriberId}`;
/** A CPE is online when it has informed within this long (GenieACS's default periodic inform is 5 minutes). */
const ONLINE_WITHIN_MS = 15 * 60_000;
const ACS_PROJECTION = [
  "_id",
  "_deviceId",
  "_lastInform",
  "_tags",
  "InternetGatewayDevice.DeviceInfo.UpTime",
  "Device.DeviceInfo.UpTime",
  "InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnection.1.ExternalIPAddress",
  "Device.IP.Interface.1.IPv4Address.1.IPAddress",
].join(",");

function leaf(device: Record<string, unknown>, path: string): unknown {
  let node: unknown = device;
  for (const part of path.split("."))
    node = node && typeof node === "object" ? (node as Record<string, unknown>)[part] : undefined;
  return node && typeof node === "object" ? (node as { _value?: unknown })._value : undefined;
}

export function cpeFromAcs(device: AcsDevice, now = Date.now()): Cpe {
  const uptime = leaf(device, "InternetGatewayDevice.DeviceInfo.UpTime") ?? leaf(device, "Device.DeviceInfo.UpTime");
  const ip =
    leaf(device, "InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnection.1.ExternalIPAddress") ??
    leaf(device, "Device.IP.Interface.1.IPv4Address.1.IPAddress");
  const informed = device._lastInform ? Date.parse(device._lastInform) : NaN;
  return {
    serial: device._deviceId._SerialNumber,
    model: device._deviceId._ProductClass ?? "unknown",
    online: Number.isFinite(informed) && now - informed < ONLINE_WITHIN_MS,
    last_inform_at: Number.isFinite(informed) ? new Date(informed).toISOString() : null,
    uptime_seconds: typeof uptime === "number" ? Math.trunc(uptime) : null,
    wan_ip: typeof ip === "string" && ip ? ip : null,
  };
}

/**
 * The production adapter: the OLT manager's REST API for nodes, ONTs, VLANs and services, and
 * GenieACS's NBI for the CPEs behind subscribers (found by a tag holding the subscriber id).
 * Reads are retried after a failure that may pass; writes are sent once.
 */
export function httpElementManager(config: HttpElementManagerConfig): ElementManager {
  const olt = config.oltUrl.replace(/\/+$/, "");
  const acs = config.acsUrl?.replace(/\/+$/, "");

  async function send(url: string, init: RequestInit, operation: string, write: boolean): Promise<unknown> {
    let res: Response;
    try {
      res = await withTimeout(
        fetch(url, { ...init, signal: AbortSignal.timeout(config.timeoutMs + 1000) }),
        config.timeoutMs,
        operation,
        write,
      );
    } catch (err) {
      if (err instanceof ElementManagerError) throw err;
      // The connection failed: a read changed nothing; a write may have left before it broke.
      throw new ElementManagerError(
        write ? "outcome_unknown" : "unavailable",
        `The element manager could not be reached for ${operation}.`,
        String((err as Error)?.message ?? err).slice(0, 300),
      );
    }
    const text = (await res.text()).slice(0, 200_000);
    const upstream = `${res.status} ${text.slice(0, 300)}`;
    if (res.ok) {
      if (!text) return null;
      try {
        return JSON.parse(text);
      } catch {
        throw new ElementManagerError(
          write ? "outcome_unknown" : "unavailable",
          `The element manager answered ${operation} with something unreadable.`,
          upstream,
        );
      }
    }
    const message = (() => {
      try {
        const body = JSON.parse(text) as { message?: unknown; detail?: unknown };
        return String(body.message ?? body.detail ?? `HTTP ${res.status}`).slice(0, 300);
      } catch {
        return `HTTP ${res.status}`;
      }
    })();
    if (res.status === 404) throw new ElementManagerError("not_found", message, upstream);
    if (res.status === 400 || res.status === 409 || res.status === 422)
      throw new ElementManagerError("rejected", message, upstream);
    // 503 (and 429) mean the element manager turned the request away before acting on it.
    if (!write || res.status === 503 || res.status === 429 || res.status === 401 || res.status === 403) {
      throw new ElementManagerError(
        "unavailable",
        `The element manager failed ${operation} (HTTP ${res.status}).`,
        upstream,
      );
    }
    throw new ElementManagerError(
      "outcome_unknown",
      `The element manager failed ${operation} (HTTP ${res.status}); it may have applied it.`,
      upstream,
    );
  }

  const oltHeaders = (json: boolean) => ({
    authorization: `Bearer ${config.oltToken}`,
    accept: "application/json",
    ...(json ? { "content-type": "application/json" } : {}),
  });
  const acsHeaders = (): Record<string, string> =>
    config.acsUsername
      ? {
          authorization: `Basic ${btoa(`${config.acsUsername}:${config.acsPassword ?? ""}`)}`,
          accept: "application/json",
        }
      : { accept: "application/json" };

  const read = <T>(path: string, schema: z.ZodType<T>, operation: string) =>
    withReadRetries(async () =>
      expectAnswer(
        schema,
        await send(`${olt}${path}`, { headers: oltHeaders(false) }, operation, false),
        operation,
        false,
      ),
    );
  const write = async <T>(method: string, path: string, body: unknown, schema: z.ZodType<T>, operation: string) =>
    expectAnswer(
      schema,
      await send(
        `${olt}${path}`,
        {
          method,
          headers: oltHeaders(body !== undefined),
          body: body === undefined ? undefined : JSON.stringify(body),
        },
        operation,
        true,
      ),
      operation,
      true,
    );

  const acsDevices = (query: unknown, operation: string) =>
    withReadRetries(async () => {
      const url = `${acs}/devices/?query=${encodeURIComponent(JSON.stringify(query))}&projection=${encodeURIComponent(ACS_PROJECTION)}`;
      return expectAnswer(
        AcsDeviceSchema.array(),
        await send(url, { headers: acsHeaders() }, operation, false),
        operation,
        false,
      );
    });

  async function cpesOf(subscriberIds: string[]): Promise<Map<string, Cpe>> {
    const out = new Map<string, Cpe>();
    if (!acs || !subscriberIds.length) return out;
    for (const device of await acsDevices({ _tags: { $in: subscriberIds.map(subscriberTag) } }, "cpe lookup")) {
      const id = subscriberIds.find((s) => device._tags?.includes(subscriberTag(s)));
      if (id) out.set(id, cpeFromAcs(device));
    }
    return out;
  }

  const q = (params: Record<string, string | number | undefined | null>) => {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(params))
      if (v !== undefined && v !== null && v !== "") search.set(k, String(v));
    const s = search.toString();
    return s ? `?${s}` : "";
  };
  const seg = encodeURIComponent;

  return {
    name: "http",
    listNodes: () => read("/nodes", NodeSchema.array(), "list nodes"),
    linkCheck: (serial) => read(`/onts/${seg(serial)}/link`, OntLinkSchema, "link check"),
    unprovisionedOnts: (node) =>
      read(`/onts${q({ state: "unprovisioned", node })}`, UnprovisionedOntSchema.array(), "unprovisioned ONTs"),
    availableVlans: async (node) =>
      (
        await read(
          `/nodes/${seg(node)}/vlans/available`,
          z.object({ vlans: z.number().int().array() }),
          "available VLANs",
        )
      ).vlans,
    unusedVlans: (node) => read(`/vlans${q({ state: "unused", node })}`, VlanSchema.array(), "unused VLANs"),
    deleteVlans: async (node, vlans) =>
      (
        await write(
          "POST",
          `/nodes/${seg(node)}/vlans/delete`,
          { vlans },
          z.object({ deleted: z.number().int().array() }),
          "delete VLANs",
        )
      ).deleted,
    createVlans: (node, serviceType, vlans) =>
      write(
        "POST",
        `/nodes/${seg(node)}/vlans`,
        { service_type: serviceType, vlans },
        VlanSchema.array(),
        "create VLANs",
      ),
    provisionService: (request) =>
      write(
        "PUT",
        `/onts/${seg(request.ont_serial)}/service`,
        { subscriber_id: request.subscriber_id, service_type: request.service_type, vlan: request.vlan },
        ProvisionedSchema,
        "provision service",
      ),
    deleteOnt: (serial) => write("DELETE", `/onts/${seg(serial)}/service`, undefined, DeletedOntSchema, "delete ONT"),
    async changeCpe(subscriberId, cpeSerial) {
      if (!acs) throw new ElementManagerError("unavailable", "No CPE manager (GenieACS) is configured.");
      const [device] = await acsDevices({ "_deviceId._SerialNumber": cpeSerial }, "find CPE");
      if (!device)
        throw new ElementManagerError(
          "not_found",
          `The CPE manager knows no device with serial ${cpeSerial} (has it informed yet?).`,
        );
      const tag = subscriberTag(subscriberId);
      const other = device._tags?.find((t) => t !== tag && t.startsWith(subscriberTag("")));
      if (other)
        throw new ElementManagerError(
          "rejected",
          `CPE ${cpeSerial} belongs to ${other.slice(subscriberTag("").length)}.`,
        );
      const send1 = (url: string, method: string, operation: string) =>
        send(url, { method, headers: acsHeaders() }, operation, true);
      for (const old of await acsDevices({ _tags: tag }, "find old CPE")) {
        if (old._id !== device._id)
          await send1(`${acs}/devices/${seg(old._id)}/tags/${seg(tag)}`, "DELETE", "untag old CPE");
      }
      await send1(`${acs}/devices/${seg(device._id)}/tags/${seg(tag)}`, "POST", "tag new CPE");
      return cpeFromAcs(device);
    },
    async searchSubscribers(query) {
      const found = await read(
        `/subscribers${q({ q: query.q, node: query.node, vlan: query.vlan })}`,
        SubscriberWithoutCpe.array(),
        "subscriber search",
      );
      const cpes = await cpesOf(found.map((s) => s.subscriber_id));
      return found.map((s) => ({ ...s, cpe: cpes.get(s.subscriber_id) ?? null }));
    },
    async lookupSubscriber(subscriberId) {
      let found;
      try {
        found = await read(`/subscribers/${seg(subscriberId)}`, SubscriberWithoutCpe, "subscriber lookup");
      } catch (err) {
        if (err instanceof ElementManagerError && err.failure === "not_found") return null;
        throw err;
      }
      const cpes = await cpesOf([subscriberId]);
      return { ...found, cpe: cpes.get(subscriberId) ?? null };
    },
  };
}
