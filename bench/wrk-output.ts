/** Reads what `wrk --latency` prints. Kept apart from the runner so a test can feed it real output. */
export interface WrkResult {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  non_2xx: number;
  /** Connect, read, write errors and timeouts: requests that got no response at all. */
  socket_errors: number;
}

export function toMs(value: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(value.trim());
  if (!m) return NaN;
  const unit = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[m[2] as "us" | "ms" | "s" | "m"];
  return Number(m[1]) * unit;
}

export function parseWrk(out: string): WrkResult {
  // Anchored to the distribution lines: the "+/- Stdev" column (e.g. "75.50%") also contains "50%".
  const percentile = (p: number) => toMs(new RegExp(`^\\s+${p}%\\s+(\\S+)\\s*$`, "m").exec(out)?.[1] ?? "");
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0),
    p50_ms: percentile(50),
    p99_ms: percentile(99),
    non_2xx: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0),
    socket_errors: errors ? errors.slice(1).reduce((n, x) => n + Number(x), 0) : 0,
  };
}
