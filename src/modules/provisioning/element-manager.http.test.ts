import { afterEach, describe, expect, it, vi } from "vitest";
import { ElementManagerError } from "./element-manager";
import { cpeFromAcs, httpElementManager, subscriberTag } from "./element-manager.http";

const OLT = "https://olt-manager.example.net/api/v1";
const ACS = "http://genieacs.example.net:7557";
const em = () =>
  httpElementManager({
    oltUrl: `${OLT}/`,
    oltToken: "olt-secret",
    acsUrl: ACS,
    acsUsername: "nbi",
    acsPassword: "pw",
    timeoutMs: 200,
  });
const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
const link = {
  serial: "HWTC1",
  node: "GBE-OLT-01",
  port: "0/1/1",
  status: "up",
  rx_power_dbm: -19.4,
  tx_power_dbm: 2.1,
  olt_rx_power_dbm: -20.6,
  distance_m: 1800,
  last_change_at: null,
};

async function failure(promise: Promise<unknown>) {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ElementManagerError);
  return err as ElementManagerError;
}

afterEach(() => vi.restoreAllMocks());

describe("the HTTP element manager (OLT manager REST API + GenieACS NBI)", () => {
  it("reads the OLT manager with its bearer token and retries a read that failed on the way", async () => {
    const fetchSpy = vi
      .spyOn(globalThis, "fetch")
      .mockResolvedValueOnce(new Response("busy", { status: 503 }))
      .mockResolvedValueOnce(json(link));
    expect(await em().linkCheck("HWTC1")).toEqual(link);
    expect(fetchSpy).toHaveBeenCalledTimes(2);
    const [url, init] = fetchSpy.mock.calls[1];
    expect(url).toBe(`${OLT}/onts/HWTC1/link`);
    expect(new Headers(init!.headers).get("authorization")).toBe("Bearer olt-secret");
  });

  it("gives up on a read after three attempts, safe to retry; a 404 is not found and not retried", async () => {
    const fetchSpy = vi
      .spyOn(globalThis, "fetch")
      .mockImplementation(async () => new Response("down", { status: 500 }));
    expect((await failure(em().unusedVlans())).failure).toBe("unavailable");
    expect(fetchSpy).toHaveBeenCalledTimes(3);
    fetchSpy.mockReset().mockResolvedValue(json({ message: "no such ONT" }, 404));
    const missing = await failure(em().linkCheck("NOPE"));
    expect(missing).toMatchObject({ failure: "not_found", message: "no such ONT" });
    expect(fetchSpy).toHaveBeenCalledTimes(1);
  });

  it("times out a hanging read (retried) and a hanging write (sent once, outcome unknown)", async () => {
    const fetchSpy = vi.spyOn(globalThis, "fetch").mockImplementation(() => new Promise<Response>(() => {}));
    expect((await failure(em().listNodes())).failure).toBe("timeout");
    expect(fetchSpy).toHaveBeenCalledTimes(3);
    fetchSpy.mockClear();
    expect(
      (
        await failure(
          em().provisionService({ ont_serial: "HWTC1", subscriber_id: "SUB-1", service_type: "internet", vlan: 120 }),
        )
      ).failure,
    ).toBe("outcome_unknown");
    expect(fetchSpy).toHaveBeenCalledTimes(1);
  });

  it("sends a write once: 503 means not applied, another 5xx or an unreadable answer means it may have been", async () => {
    const fetchSpy = vi.spyOn(globalThis, "fetch").mockResolvedValueOnce(new Response("maintenance", { status: 503 }));
    const request = { ont_serial: "HWTC1", subscriber_id: "SUB-1", service_type: "internet" as const, vlan: 120 };
    expect((await failure(em().provisionService(request))).failure).toBe("unavailable");
    fetchSpy.mockResolvedValueOnce(new Response("oops", { status: 500 }));
    expect((await failure(em().provisionService(request))).failure).toBe("outcome_unknown");
    fetchSpy.mockResolvedValueOnce(new Response("<html>proxy</html>", { status: 200 }));
    const garbled = await failure(em().provisionService(request));
    expect(garbled.failure).toBe("outcome_unknown");
    expect(garbled.upstream).toContain("<html>proxy</html>");
    fetchSpy.mockResolvedValueOnce(json({ ont_serial: "HWTC1" }));
    expect((await failure(em().provisionService(request))).failure).toBe("outcome_unknown");
    fetchSpy.mockResolvedValueOnce(json({ message: "VLAN 120 in use" }, 409));
    expect(await failure(em().provisionService(request))).toMatchObject({
      failure: "rejected",
      message: "VLAN 120 in use",
    });
    expect(fetchSpy).toHaveBeenCalledTimes(5);
    const [url, init] = fetchSpy.mock.calls[0];
    expect(url).toBe(`${OLT}/onts/HWTC1/service`);
    expect(init!.method).toBe("PUT");
    expect(JSON.parse(String(init!.body))).toEqual({ subscriber_id: "SUB-1", service_type: "internet", vlan: 120 });
  });

  it("finds a subscriber's CPE in GenieACS by its tag, and changes it by moving the tag", async () => {
    const now = new Date().toISOString();
    const device = (id: string, serial: string, tags: string[]) => ({
      _id: id,
      _deviceId: { _SerialNumber: serial, _ProductClass: "HG8245H" },
      _lastInform: now,
      _tags: tags,
      InternetGatewayDevice: {
        DeviceInfo: { UpTime: { _value: 3600 } },
        WANDevice: {
          1: {
            WANConnectionDevice: { 1: { WANIPConnection: { 1: { ExternalIPAddress: { _value: "100.64.0.9" } } } } },
          },
        },
      },
    });
    const fetchSpy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
      const url = String(input);
      if (url.startsWith(`${OLT}/subscribers/SUB-1`))
        return json({
          subscriber_id: "SUB-1",
          ont_serial: "HWTC1",
          node: "GBE-OLT-01",
          port: "0/1/1",
          service_type: "internet",
          vlan: 120,
        });
      if (url.startsWith(`${ACS}/devices/?query=`)) {
        const query = JSON.parse(decodeURIComponent(url.split("query=")[1].split("&")[0]));
        if (query["_deviceId._SerialNumber"] === "NEW-1") return json([device("00259E-HG-NEW1", "NEW-1", [])]);
        if (query._tags === subscriberTag("SUB-1") || query._tags?.$in)
          return json([device("00259E-HG-OLD1", "OLD-1", [subscriberTag("SUB-1")])]);
        return json([]);
      }
      return new Response(null, { status: 200 });
    });
    const found = await em().lookupSubscriber("SUB-1");
    expect(found?.cpe).toEqual({
      serial: "OLD-1",
      model: "HG8245H",
      online: true,
      last_inform_at: now,
      uptime_seconds: 3600,
      wan_ip: "100.64.0.9",
    });
    expect(new Headers(fetchSpy.mock.calls[1][1]!.headers).get("authorization")).toBe(`Basic ${btoa("nbi:pw")}`);

    fetchSpy.mockClear();
    const cpe = await em().changeCpe("SUB-1", "NEW-1");
    expect(cpe.serial).toBe("NEW-1");
    const writes = fetchSpy.mock.calls
      .filter(([, init]) => init?.method === "POST" || init?.method === "DELETE")
      .map(([url, init]) => `${init!.method} ${url}`);
    expect(writes).toEqual([
      `DELETE ${ACS}/devices/00259E-HG-OLD1/tags/${subscriberTag("SUB-1")}`,
      `POST ${ACS}/devices/00259E-HG-NEW1/tags/${subscriberTag("SUB-1")}`,
    ]);
  });

  it("refuses a CPE already serving someone else and one GenieACS has never heard from", async () => {
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
      const query = JSON.parse(decodeURIComponent(String(input).split("query=")[1].split("&")[0]));
      return json(
        query["_deviceId._SerialNumber"] === "TAKEN"
          ? [{ _id: "X", _deviceId: { _SerialNumber: "TAKEN" }, _tags: [subscriberTag("SUB-9")] }]
          : [],
      );
    });
    expect(await failure(em().changeCpe("SUB-1", "TAKEN"))).toMatchObject({
      failure: "rejected",
      message: "CPE TAKEN belongs to SUB-9.",
    });
    expect((await failure(em().changeCpe("SUB-1", "NEVER"))).failure).toBe("not_found");
  });

  it("calls a CPE offline when it has not informed for 15 minutes", () => {
    const old = new Date(Date.now() - 16 * 60_000).toISOString();
    expect(cpeFromAcs({ _id: "X", _deviceId: { _SerialNumber: "S" }, _lastInform: old })).toMatchObject({
      online: false,
      last_inform_at: old,
      model: "unknown",
      uptime_seconds: null,
    });
  });
});

describe("choosing the element manager", () => {
  it("uses the HTTP adapter when a URL is set, the simulator locally, and refuses in production without either", async () => {
    const { elementManagerFor } = await import("./provisioning.service");
    const { env } = await import("cloudflare:workers");
    const local = { environment: "test", elementManagerTimeoutMs: 300 } as never;
    const production = { environment: "production", elementManagerTimeoutMs: 300 } as never;
    expect(elementManagerFor({ env: { ...env, ELEMENT_MANAGER_URL: OLT }, settings: production }).name).toBe("http");
    expect(elementManagerFor({ env, settings: local }).name).toBe("simulator");
    expect(elementManagerFor({ env: { ...env, ELEMENT_MANAGER: "simulator" }, settings: production }).name).toBe(
      "simulator",
    );
    expect(() => elementManagerFor({ env, settings: production })).toThrow(
      expect.objectContaining({ code: "element_manager_not_configured", status: 503 }),
    );
  });
});
