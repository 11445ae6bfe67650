import { afterEach, describe, expect, it, vi } from "vitest";
import { settingsFrom, type Env } from "./env";
import { redactPath, writeLog } from "./log";
import { env } from "cloudflare:workers";

describe("log level", () => {
  afterEach(() => vi.restoreAllMocks());

  it("writes a line only at or above the threshold, errors to stderr", () => {
    const out = vi.spyOn(console, "log").mockImplementation(() => {});
    const err = vi.spyOn(console, "error").mockImplementation(() => {});
    writeLog("warn", "info", { msg: "hidden" });
    writeLog("info", "info", { msg: "shown" });
    writeLog("warn", "error", { msg: "failed" });
    expect(out.mock.calls).toEqual([[JSON.stringify({ level: "info", msg: "shown" })]]);
    expect(err.mock.calls).toEqual([[JSON.stringify({ level: "error", msg: "failed" })]]);
  });

  it("defaults to info and refuses an unknown level", () => {
    const base = { ...env, LOG_LEVEL: undefined } as Env;
    expect(settingsFrom(base).logLevel).toBe("info");
    expect(settingsFrom({ ...base, LOG_LEVEL: "warn" }).logLevel).toBe("warn");
    expect(() => settingsFrom({ ...base, LOG_LEVEL: "loud" })).toThrow();
  });
});

describe("request log lines", () => {
  afterEach(() => vi.restoreAllMocks());

  it("never carry a customer's link token", () => {
    expect(redactPath("/a/abcDEF123_-x")).toBe("/a/[redacted]");
    expect(redactPath("/v1/public/appointments/abcDEF123/availability")).toBe(
      "/v1/public/appointments/[redacted]/availability",
    );
    expect(redactPath("/v1/tickets/tkt_1")).toBe("/v1/tickets/tkt_1");
  });

  it("redacts the link in the line a request writes", async () => {
    const { SELF } = await import("cloudflare:test");
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((l: string) => void lines.push(l));
    vi.spyOn(console, "warn").mockImplementation((l: string) => void lines.push(l));
    const token = "secretLinkToken0123456789abcdef";
    await SELF.fetch(`https://api.truckroll.test/v1/public/appointments/${token}`);
    await SELF.fetch(`https://api.truckroll.test/a/${token}`);
    expect(lines.join("\n")).not.toContain(token);
  });
});
