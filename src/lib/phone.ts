import { parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js/max";
import type { ServiceContext } from "./context";
import { AppError } from "./problem";

/** E.164 (`+26771234567`) or null when the text is not a valid number for the region. */
export function toE164(raw: string, defaultRegion: string): string | null {
  const parsed = parsePhoneNumberFromString(raw.trim(), defaultRegion.toUpperCase() as CountryCode);
  return parsed && parsed.isValid() ? parsed.number : null;
}

/** Looks like a phone number rather than a username: digits with the usual separators. */
export function looksLikePhone(raw: string): boolean {
  return /^\+?[\d\s().-]{6,20}$/.test(raw.trim());
}

/** E.164 for storage; 400 naming the field when the text is not a valid number. */
export function normalisePhone(
  ctx: Pick<ServiceContext, "settings">,
  phone: string | null | undefined,
  path = "phone",
): string | null | undefined {
  if (phone === undefined || phone === null) return phone;
  const e164 = toE164(phone, ctx.settings.defaultPhoneRegion);
  if (!e164)
    throw new AppError("validation_failed", "The phone number is not valid.", {
      errors: [{ path, message: "Not a valid phone number" }],
    });
  return e164;
}
