import { afterEach, describe, expect, it, vi } from "vitest";
import { settingsFrom, type Env } from "./env";
import { writeLog } from "./log";
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
