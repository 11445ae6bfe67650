// Customer-facing words, one file per language (en.ts, id.ts): the messages a customer receives
// about their visit and every text of the visit page. Adding a language is one more file here.
import { en, type Catalogue } from "./en";
import { id } from "./id";

export type { Catalogue };
export type CustomerMessageKey = keyof Catalogue["messages"];

export const LANGUAGES = { en, id } as const;
export type Language = keyof typeof LANGUAGES;

export function catalogue(language: Language): Catalogue {
  return LANGUAGES[language] ?? en;
}

/**
 * The language a customer-facing page speaks: the one asked for (the page's switch), else the
 * customer's own, else the best the browser accepts (Accept-Language, by weight), else the deployment's.
 */
export function pickLanguage(
  asked: string | undefined,
  customers: Language | null,
  acceptLanguage: string | undefined,
  fallback: Language,
): Language {
  const known = (tag: string | undefined): Language | null => {
    const primary = tag?.trim().toLowerCase().split("-")[0];
    return primary && Object.hasOwn(LANGUAGES, primary) ? (primary as Language) : null;
  };
  const chosen = known(asked) ?? customers;
  if (chosen) return chosen;
  const accepted = (acceptLanguage ?? "")
    .split(",")
    .map((part, i) => {
      const [tag, ...params] = part.split(";");
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { tag, q: q === undefined ? 1 : Number(q), i };
    })
    .filter((a) => a.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const a of accepted) {
    const language = known(a.tag);
    if (language) return language;
  }
  return fallback;
}

/** Fills `{name}` placeholders; an unknown placeholder is left as written. */
export function fill(template: string, values: Record<string, string | number | null | undefined>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (values[name] ?? whole).toString());
}

/** "Tue 8 Dec, 10:00 CAT": weekday, date, time and the zone's label, in the catalogue's locale. */
const VISIT_TIME: Intl.DateTimeFormatOptions = {
  weekday: "short",
  day: "numeric",
  month: "short",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
  timeZoneName: "short",
};

export function formatVisitTime(language: Language, isoInstant: string, timeZone: string): string {
  return new Intl.DateTimeFormat(catalogue(language).locale, { ...VISIT_TIME, timeZone }).format(new Date(isoInstant));
}

/** An arrival window: "Mon, 7 Dec, 08:00 – 10:00 CAT". */
export function formatVisitWindow(language: Language, fromIso: string, toIso: string, timeZone: string): string {
  return new Intl.DateTimeFormat(catalogue(language).locale, { ...VISIT_TIME, timeZone }).formatRange(
    new Date(fromIso),
    new Date(toIso),
  );
}

/** "10:40": a time of day in the zone. */
export function formatClock(language: Language, isoInstant: string, timeZone: string): string {
  return new Intl.DateTimeFormat(catalogue(language).locale, {
    timeZone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(new Date(isoInstant));
}

/** A calendar date ("2027-12-31") as the customer reads it: "31 December 2027". */
export function formatDay(language: Language, date: string): string {
  return new Intl.DateTimeFormat(catalogue(language).locale, {
    day: "numeric",
    month: "long",
    year: "numeric",
    timeZone: "UTC",
  }).format(new Date(`${date}T00:00:00Z`));
}
