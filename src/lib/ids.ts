const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

/** Random bytes from the CSPRNG, as base64url. */
export function randomToken(bytes = 32): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  return base64url(buf);
}

export function base64url(buf: Uint8Array): string {
  let s = "";
  for (const b of buf) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/**
 * Opaque, unguessable, prefixed ids (`usr_…`): 20 base-36 characters ≈ 103 bits of randomness.
 * Rejection sampling keeps every character uniformly distributed.
 */
export function newId(prefix: string): string {
  let out = "";
  while (out.length < 20) {
    for (const b of crypto.getRandomValues(new Uint8Array(24))) {
      if (b < 252 && out.length < 20) out += ALPHABET[b % 36];
    }
  }
  return `${prefix}_${out}`;
}

export function nowIso(date = new Date()): string {
  return date.toISOString();
}
