/**
 * Where truckroll may send a request (webhooks, calendar feeds). Outbound requests must never
 * reach the deployment's own network: refused are credentials in the URL, plain http, loopback, private, link-local, shared,
 * multicast and reserved addresses (also when written as one number, hex or octal — the WHATWG
 * URL parser normalises those to dotted form first), IPv6 literals outside global unicast, and
 * names that only resolve inside a network (`localhost`, `*.local`, `*.internal`, single labels).
 * In local development only, `http://localhost` and `http://127.0.0.1` are allowed so an
 * integrator can receive events on their own machine. A public name that resolves to a private
 * address is stopped by the platform: Workers' fetch does not reach private networks.
 */
export function outboundTargetProblem(raw: string, options: { allowLocalDevelopment: boolean }): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "Not a valid URL";
  }
  if (url.username || url.password) return "Credentials in the URL are not allowed";
  const host = url.hostname.toLowerCase().replace(/\.$/, "");
  if (options.allowLocalDevelopment && url.protocol === "http:" && (host === "localhost" || host === "127.0.0.1"))
    return null;
  if (url.protocol !== "https:") return "Must be an https URL";
  if (host.startsWith("["))
    return globalIpv6(host.slice(1, -1)) ? null : "Must not be a loopback, private or reserved address";
  const v4 = ipv4(host);
  if (v4) return publicIpv4(v4) ? null : "Must not be a loopback, private or reserved address";
  if (!host.includes(".") || /(^|\.)(localhost|local|internal|intranet|lan|home\.arpa|localdomain)$/.test(host))
    return "Must be a public host name";
  return null;
}

function ipv4(host: string): number[] | null {
  const parts = host.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return null;
  const octets = parts.map(Number);
  return octets.every((o) => o <= 255) ? octets : null;
}

function publicIpv4([a, b, c]: number[]): boolean {
  if (a === 0 || a === 10 || a === 127 || a >= 224) return false; // this network, private, loopback, multicast and reserved
  if (a === 100 && b >= 64 && b <= 127) return false; // shared address space (carrier-grade NAT)
  if (a === 169 && b === 254) return false; // link-local, cloud metadata
  if (a === 172 && b >= 16 && b <= 31) return false;
  if (a === 192 && b === 168) return false;
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return false; // protocol assignments, documentation
  if (a === 198 && (b === 18 || b === 19)) return false; // benchmarking
  if (a === 198 && b === 51 && c === 100) return false;
  if (a === 203 && b === 0 && c === 113) return false;
  return true;
}

/** Only global unicast (2000::/3) outside the documentation prefix; covers ::1, ::, mapped IPv4, fc00::/7 and fe80::/10. */
function globalIpv6(address: string): boolean {
  const first = address.split(":")[0];
  if (!first) return false;
  const hextet = parseInt(first, 16);
  if (Number.isNaN(hextet) || hextet < 0x2000 || hextet > 0x3fff) return false;
  return !address.toLowerCase().startsWith("2001:db8:") && !address.toLowerCase().startsWith("2002:");
}
