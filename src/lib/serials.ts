import { z } from "@hono/zod-openapi";

/**
 * One spelling per serial number. Look-alikes (`sn-a1`, `SN-A1` with a zero-width space or a NUL,
 * full-width `ＳＮ－Ａ１`) would otherwise pass as new serials next to `SN-A1`: NFKC folds the
 * compatibility forms, control and format characters (Cc, Cf: NUL, zero-width, bidirectional marks)
 * are dropped, and the result is upper-cased, so uniqueness is case-insensitive everywhere a serial
 * is stored or looked up.
 */
export function normalizeSerial(value: string) {
  return foldIdentifier(value).toUpperCase();
}

/** The same folding without the case change, for identifiers another system owns (ONT and CPE serials) and file names. */
export function foldIdentifier(value: string) {
  return value
    .normalize("NFKC")
    .replace(/[\p{Cc}\p{Cf}]/gu, "")
    .trim();
}

export const serialNumber = (max = 80) => z.string().overwrite(normalizeSerial).min(1).max(max);

/** A list of serial numbers, each normalised and none twice. */
export const serialList = (maxItems = 100) =>
  z
    .array(serialNumber())
    .max(maxItems)
    .refine((list) => new Set(list).size === list.length, {
      message: "A serial number is listed twice (compared without case, width or invisible characters)",
    });
