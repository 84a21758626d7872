import { match } from '@formatjs/intl-localematcher';

/**
 * The languages names are offered in, and where each falls back to when a row has no text
 * in it. Adding a language is adding a line here (and enabling it for the tenants that use
 * it, `tenants.enabled_languages`); the database accepts any tag of the same shape.
 *
 * The chains are explicit because the CLDR ones are wrong for these readers: CLDR's parent of
 * `uz-Cyrl` is root, and a "best fit" matcher offered `uz-Latn` for `uz-Cyrl` takes it.
 * Readers of Cyrillic Uzbek, Tajik and Kyrgyz read Russian; no one who asked for Cyrillic is
 * given Latin (or the reverse) except as the row's own source text, said as such.
 */
export const LANGUAGES: Readonly<Record<string, readonly string[]>> = {
  en: ['en'],
  ru: ['ru', 'en'],
  tg: ['tg', 'ru', 'en'],
  ky: ['ky', 'ru', 'en'],
  'uz-Latn': ['uz-Latn', 'ru', 'en'],
  'uz-Cyrl': ['uz-Cyrl', 'ru', 'en'],
};

export const SUPPORTED_LANGUAGES: readonly string[] = Object.keys(LANGUAGES);

/** The language of a request that asks for none. */
export const DEFAULT_LANGUAGE = 'en';

/** The shape of a language tag the database accepts (its CHECK constraints say the same). */
export const LANGUAGE_TAG = /^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$/;

/** The same shape as a CHECK expression (entities repeat the migration's constraints). */
export const SOURCE_LANGUAGE_CHECK = `source_language ~ '^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$'`;

/** Whether `tag` is one of the supported languages, exactly as written here. */
export function isSupportedLanguage(tag: string): boolean {
  return Object.prototype.hasOwnProperty.call(LANGUAGES, tag);
}

const NO_MATCH = 'und';

/**
 * The supported language a requested tag means (`uz-Cyrl-UZ` → `uz-Cyrl`, `uz` → `uz-Latn`,
 * `ru-RU` → `ru`), by @formatjs/intl-localematcher's best fit against the whole supported
 * list (so that a script given is a script kept), or null.
 */
export function supportedLanguageOf(tag: string): string | null {
  let canonical: string;
  try {
    canonical = Intl.getCanonicalLocales(tag)[0]!;
  } catch {
    return null;
  }
  const found = match([canonical], SUPPORTED_LANGUAGES, NO_MATCH, { algorithm: 'best fit' });
  return found === NO_MATCH ? null : found;
}

/**
 * An Accept-Language header's tags, best first (RFC 9110: q-values, equal ones in the order
 * given; q=0 means "not this"). Malformed entries are skipped, never an error.
 */
export function parseAcceptLanguage(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(',')
    .slice(0, 20)
    .map((entry, index) => {
      const [tag, ...params] = entry.trim().split(';');
      const q = params.map((p) => /^\s*q\s*=\s*([01](\.\d{0,3})?)\s*$/.exec(p)?.[1]).find(Boolean);
      return { tag: (tag ?? '').trim(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((e) => e.tag !== '' && e.tag !== '*' && e.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index)
    .map((e) => e.tag);
}

/**
 * The order in which a request's languages are tried: each requested language with its
 * chain, in the order asked (`uz-Cyrl, ru;q=0.8` → uz-Cyrl, ru, en). Empty when nothing asked
 * for is supported.
 */
export function preferenceOrder(requested: readonly string[]): string[] {
  const order: string[] = [];
  for (const tag of requested) {
    const language = supportedLanguageOf(tag);
    if (language === null) continue;
    for (const next of LANGUAGES[language] ?? []) if (!order.includes(next)) order.push(next);
  }
  return order;
}

/** Where a text was found: in a language of the chain, or the row's source text. */
export type Chosen = Readonly<{ value: string; language: string }>;

/**
 * The text to answer for one field of one row: the first language of `order` that the row's
 * tenant offers and the row has (its source text counts in its own language); when none, the
 * source text. `order` empty (nothing asked) reads as the default language.
 */
export function chooseText(
  order: readonly string[],
  enabled: readonly string[] | null,
  source: Chosen | null,
  translations: ReadonlyMap<string, string>,
): Chosen | null {
  const tried = order.length > 0 ? order : (LANGUAGES[DEFAULT_LANGUAGE] ?? []);
  for (const language of tried) {
    if (enabled && !enabled.includes(language) && language !== source?.language) continue;
    if (source && source.language === language) return source;
    const value = translations.get(language);
    if (value !== undefined) return { value, language };
  }
  return source;
}
