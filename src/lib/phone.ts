import { parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js/max";

/** E.164 (`+26771234567`) or null when the text is not a valid number for the region. */
export function toE164(raw: string, defaultRegion: string): string | null {
  const parsed = parsePhoneNumberFromString(raw.trim(), defaultRegion.toUpperCase() as CountryCode);
  return parsed && parsed.isValid() ? parsed.number : null;
}

/** Looks like a phone number rather than a username: digits with the usual separators. */
export function looksLikePhone(raw: string): boolean {
  return /^\+?[\d\s().-]{6,20}$/.test(raw.trim());
}
