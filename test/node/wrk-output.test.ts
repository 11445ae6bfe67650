import { describe, expect, it } from "vitest";
import { parseWrk, toMs } from "../../bench/wrk-output";

// Real `wrk --latency` output; note "75.50%" in the Stdev column, which once read as the p50.
const SAMPLE = `Running 2s test @ http://127.0.0.1:19088/__bench/raw
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    44.40ms   12.34ms 212.28ms   75.50%
    Req/Sec   730.20     80.11   850.00     70.00%
  Latency Distribution
     50%   41.59ms
     75%   46.54ms
     90%   57.51ms
     99%    1.20s
  2932 requests in 2.00s, 229.06KB read
  Socket errors: connect 0, read 3, write 0, timeout 40
  Non-2xx or 3xx responses: 7
Requests/sec:   1462.41
Transfer/sec:    114.25KB
`;

describe("reading wrk's output", () => {
  it("takes the percentiles from the distribution, not the Stdev column", () => {
    expect(parseWrk(SAMPLE)).toEqual({ rps: 1462.41, p50_ms: 41.59, p99_ms: 1200, non_2xx: 7, socket_errors: 43 });
  });

  it("converts every unit wrk prints", () => {
    expect(toMs("950.00us")).toBeCloseTo(0.95);
    expect(toMs("12.5ms")).toBe(12.5);
    expect(toMs("1.02s")).toBe(1020);
    expect(toMs("1.50m")).toBe(90_000);
    expect(toMs("")).toBeNaN();
  });

  it("reports nothing rather than guessing when wrk printed nothing", () => {
    expect(parseWrk("")).toMatchObject({ rps: 0, non_2xx: 0, socket_errors: 0 });
    expect(parseWrk("").p50_ms).toBeNaN();
  });
});
